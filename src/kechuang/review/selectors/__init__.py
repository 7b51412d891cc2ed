"""Reads of the review app, scoped to the viewer (pages and the API use these).

What each role sees (see ``review.access`` for the roles):
- runners (organiser, evaluator): everything of their processes;
- panel members: their own panel only — its members, items, their own assignments and
  scores; the other members' scores of their items from round 2 on (the meeting round
  sees round-1 aggregates and comments), never another panel;
- applicants — and every party to an item, whatever else they are (``access.item_view``):
  their own items; from the notice on, the totals and the shared comments, anonymised
  ("专家 1", "专家 2" …): never reviewers' names, private comments or rankings;
- everyone: processes in notice or final, with the decision and the selected items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kechuang.common.access_rules import gatekeeper
from kechuang.orgs.access import viewer_for
from kechuang.review.access import (
    PUBLIC_STATUSES,
    ItemView,
    applicant_item_ids,
    item_view,
    roles_for,
    scores_shared,
    sees_ranking,
    selected_item_ids,
)
from kechuang.review.choices import SEATED, AssignmentStatus
from kechuang.review.models import (
    Conflict,
    Objection,
    Panel,
    PanelMember,
    ReviewAssignment,
    ReviewItem,
    ReviewProcess,
    Score,
)
from kechuang.review.ranking import RankedItem, ranking
from kechuang.review.scores import current_scores

FEEDBACK_STATUSES = PUBLIC_STATUSES


@gatekeeper("review.process")
def process_list(user: Any, *, status: str = "") -> QuerySet[ReviewProcess]:
    """Processes the user has a role in, plus the public ones (notice, final)."""
    viewer = viewer_for(user)
    q = Q(status__in=PUBLIC_STATUSES)
    if viewer.is_platform_admin:  # (an empty managed scope would vanish from the ``|``)
        q = Q()
    elif viewer.is_authenticated:
        q |= viewer.managed_scope("organiser") | viewer.managed_scope("evaluator")
        q |= Q(panels__members__expert__user_id=viewer.user_id, panels__members__status__in=SEATED)
        q |= Q(items__in=ReviewItem.objects.filter(pk__in=applicant_item_ids(user)))
    qs = ReviewProcess.objects.filter(q).distinct().select_related("organiser", "evaluator")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


@gatekeeper("review.item")
def item_list(user: Any, process: ReviewProcess) -> QuerySet[ReviewItem]:
    """Runners: every item; panel members: their panel's; applicants: their own; the
    public, during notice and after: the selected items."""
    roles = roles_for(user, process)
    qs = process.items.select_related("panel").order_by("id")
    if roles.runner:
        return qs
    q = Q(panel_id__in=list(roles.panel_ids)) | Q(pk__in=list(roles.applicant_item_ids))
    if process.status in PUBLIC_STATUSES:
        q |= Q(pk__in=process_selected_ids(process))
    return qs.filter(q)


def process_selected_ids(process: ReviewProcess) -> list[int]:
    return selected_item_ids(process)


@gatekeeper("review.panel")
def panel_list(user: Any, process: ReviewProcess) -> QuerySet[Panel]:
    roles = roles_for(user, process)
    qs = process.panels.order_by("id")
    return qs if roles.runner else qs.filter(pk__in=list(roles.panel_ids))


def member_list(panel: Panel) -> QuerySet[PanelMember]:
    """The members of a panel the caller has let the viewer see (``access_panel_by_id``)."""
    return panel.members.select_related("expert").order_by("role", "id")


@gatekeeper("review.assignment")
def my_assignments(
    user: Any, *, process: ReviewProcess | None = None
) -> QuerySet[ReviewAssignment]:
    """The reviewer's active assignments (what they have to score)."""
    if user is None or not user.is_authenticated:
        return ReviewAssignment.objects.none()
    qs = ReviewAssignment.objects.filter(
        member__expert__user=user, status=AssignmentStatus.ACTIVE
    ).select_related("item__process", "member__panel")
    if process is not None:
        qs = qs.filter(item__process=process)
    return qs.order_by("item__process_id", "item_id")


def item_assignments(item: ReviewItem) -> QuerySet[ReviewAssignment]:
    """Every assignment of an item, with reasons (runners' view; the caller checks)."""
    return item.assignments.select_related("member__expert").order_by("status", "-affinity", "id")


@gatekeeper("review.conflict")
def conflict_list(user: Any, process: ReviewProcess) -> QuerySet[Conflict]:
    """The runners' view (the caller checks ``run``), without the conflicts on items the
    viewer is a party to (who reviews those is not theirs to see)."""
    qs = process.conflicts.select_related("item", "expert").order_by("item_id", "expert_id", "id")
    return qs.exclude(item_id__in=list(roles_for(user, process).applicant_item_ids))


@gatekeeper("review.objection")
def objection_list(user: Any, process: ReviewProcess) -> QuerySet[Objection]:
    qs = process.objections.select_related("item").order_by("filed_at", "id")
    if roles_for(user, process).runner:
        return qs
    if user is None or not user.is_authenticated:
        return qs.none()
    return qs.filter(filed_by=user)


@dataclass(frozen=True)
class ScoreView:
    """A score as one viewer may see it: ``reviewer`` and ``comment_private`` are None
    for applicants."""

    id: int  # the score revision's id (what the chair's correction starts from)
    round: int
    revision: int
    total: Any
    reviewer: str | None
    comment_private: str | None
    comment_shared: str
    lines: dict[str, Any]


def _view(score: Score, *, named: bool, label: str) -> ScoreView:
    return ScoreView(
        id=score.pk,
        round=score.round,
        revision=score.revision,
        total=score.total,
        reviewer=score.assignment.member.expert.name if named else label,
        comment_private=score.comment_private if named else None,
        comment_shared=score.comment_shared,
        lines={line.criterion.name: line.value for line in score.lines.all()} if named else {},
    )


@gatekeeper("review.item")
def item_scores(user: Any, item: ReviewItem, *, round: int) -> list[ScoreView]:
    """The current scores of an item in a round, as ``user`` may see them (``item_view``:
    a party gets the applicant's view whatever other role they hold)."""
    process = item.process
    view = item_view(roles_for(user, process), item)
    if view is None or view == ItemView.PUBLIC:
        return []
    if view == ItemView.APPLICANT:
        if process.status not in FEEDBACK_STATUSES:
            return []
        scores = [s for s in current_scores(process, round) if s.assignment.item_id == item.pk]
        return [
            _view(s, named=False, label=_("专家 %(x)s") % {"x": n})
            for n, s in enumerate(scores, start=1)
        ]
    scores = [s for s in current_scores(process, round) if s.assignment.item_id == item.pk]
    if view == ItemView.RUNNER or scores_shared(process, round):
        return [_view(s, named=True, label="") for s in scores]
    # a panel member in round 1, scored independently: one's own score only
    return [
        _view(s, named=True, label="")
        for s in scores
        if s.assignment.member.expert.user_id == getattr(user, "pk", None)
    ]


@gatekeeper("review.item")
def ranking_for(user: Any, process: ReviewProcess, *, round: int) -> list[RankedItem]:
    """The round's ranking as ``user`` may see it: runners every item, panel members their
    panels' items once scores are shared (round 1 is independent); never an item the
    viewer is a party to (parties get the applicant's view)."""
    roles = roles_for(user, process)
    if not sees_ranking(roles, process, round):
        return []
    return [
        r
        for r in ranking(process=process, round=round)
        if r.item.pk not in roles.applicant_item_ids
        and (roles.runner or r.item.panel_id in roles.panel_ids)
    ]


@gatekeeper("review.item")
def panel_ranking(user: Any, panel: Panel, *, round: int) -> list[RankedItem]:
    """``ranking_for`` limited to one panel's items (the meeting round's view of round 1)."""
    return [r for r in ranking_for(user, panel.process, round=round) if r.item.panel_id == panel.pk]
