"""Who is what in a review process, and the gatekeepers (STYLE.md §3).

Roles, all derived from the organisation tree (``orgs.access.viewer_for``) and the panels:
- organiser: a manager of the organiser organisation (or of an association above it);
- evaluator: a manager of the third-party evaluator organisation;
- runner: organiser or evaluator (they run panels, assignment, rounds);
- chair / reviewer: the user behind an expert profile seated on a panel (invited or
  accepted); they see their own panel only;
- party: whoever stands behind an item (``is_party``): a user named on its parties, the
  user behind a named expert (team member), a member of any role of a party's
  organisation (applicant or consortium partner), or an expert with an unwaived
  conflict on it. A party gets the applicant's view of that item and never more,
  whatever other role they hold (runner, panel member): ``item_view`` decides the party
  side first, before any role grants anything. The applicant's view is the item itself
  and, from the notice on, the totals and the shared comments, anonymised.
Processes in notice or final are public (公示); their selected items too. Each
gatekeeper returns the object or raises ``NotFound``, so "not allowed" looks like "not
there".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Q, QuerySet

from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import NotFound, PermissionDenied
from kechuang.orgs.access import viewer_for
from kechuang.review.choices import SEATED, InvitationStatus, MemberRole, ProcessStatus
from kechuang.review.models import (
    Conflict,
    ItemParty,
    Objection,
    PanelMember,
    ReviewAssignment,
    ReviewItem,
    ReviewProcess,
)

PUBLIC_STATUSES = frozenset({ProcessStatus.NOTICE, ProcessStatus.FINAL})


@dataclass(frozen=True)
class ProcessRoles:
    """What one user is in one process."""

    organiser: bool
    evaluator: bool
    seats: tuple[PanelMember, ...]  # the user's seated panel memberships (invited/accepted)
    applicant_item_ids: frozenset[int]  # the items of the process the user is a party to

    @property
    def runner(self) -> bool:
        return self.organiser or self.evaluator

    @property
    def panel_ids(self) -> frozenset[int]:
        return frozenset(m.panel_id for m in self.seats)

    @property
    def chair_panel_ids(self) -> frozenset[int]:
        return frozenset(
            m.panel_id
            for m in self.seats
            if m.role == MemberRole.CHAIR and m.status == InvitationStatus.ACCEPTED
        )

    @property
    def any(self) -> bool:
        return self.runner or bool(self.seats) or bool(self.applicant_item_ids)


def counted_parties() -> QuerySet[ItemParty]:
    """The named parties that make someone a party (the one place that says which do:
    every named party today; to be restricted to accepted invitations once those exist)."""
    return ItemParty.objects.all()


def item_parties(item: ReviewItem) -> QuerySet[ItemParty]:
    return counted_parties().filter(item=item)


def applicant_item_ids(user: Any) -> QuerySet[ReviewItem, Any]:
    """Ids (as a subquery) of the items ``user`` is a party to (see the module docstring):
    named on the parties as a user or through their expert profile, member of a party's
    organisation, or holding an unwaived conflict on the item."""
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return ReviewItem.objects.none().values("pk")
    uid: int = user.pk
    named = (
        counted_parties()
        .filter(
            Q(user_id=uid)
            | Q(expert__user_id=uid)
            | Q(organization_id__in=list(viewer.member_org_ids))
        )
        .values("item_id")
    )
    conflicted = Conflict.objects.filter(expert__user_id=uid, waived_at__isnull=True).values(
        "item_id"
    )
    return ReviewItem.objects.filter(Q(pk__in=named) | Q(pk__in=conflicted)).values("pk")


def is_party(user: Any, item: ReviewItem) -> bool:
    return applicant_item_ids(user).filter(pk=item.pk).exists()


class ItemView(StrEnum):
    """How one viewer sees one item; the party side is decided first."""

    APPLICANT = "applicant"  # a party: the item, and from the notice on anonymous feedback
    RUNNER = "runner"  # organiser or evaluator: everything
    PANEL = "panel"  # a seat on the item's panel: own scores, the panel's from the meeting on
    PUBLIC = "public"  # a selected item of a process in notice or final: the item only


@gatekeeper("review.item")
def item_view(roles: ProcessRoles, item: ReviewItem) -> ItemView | None:
    """The one visibility rule of review items; None: the item is not there for them."""
    if item.pk in roles.applicant_item_ids:
        return ItemView.APPLICANT
    if roles.runner:
        return ItemView.RUNNER
    if item.panel_id is not None and item.panel_id in roles.panel_ids:
        return ItemView.PANEL
    if item.process.status in PUBLIC_STATUSES and item.pk in selected_item_ids(item.process):
        return ItemView.PUBLIC
    return None


def selected_item_ids(process: ReviewProcess) -> list[int]:
    """The items the decision selected, in its order (public from the notice on)."""
    decision = getattr(process, "decision", None)
    if decision is None:
        return []
    return list(decision.selections.order_by("position").values_list("item_id", flat=True))


def scores_shared(process: ReviewProcess, round: int) -> bool:
    """Whether a panel sees each other's scores of ``round``: round 1 is scored
    independently, so only once it is over (the meeting round and after)."""
    return round > 1 or process.status not in PRE_MEETING_STATUSES


def sees_ranking(roles: ProcessRoles, process: ReviewProcess, round: int) -> bool:
    """Runners see the ranking; panel members once scores are shared."""
    return roles.runner or (bool(roles.panel_ids) and scores_shared(process, round))


PRE_MEETING_STATUSES = frozenset(
    {ProcessStatus.SETUP, ProcessStatus.ASSIGNING, ProcessStatus.ROUND_1}
)


@gatekeeper("review.process")
def roles_for(user: Any, process: ReviewProcess) -> ProcessRoles:
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return ProcessRoles(False, False, (), frozenset())
    organiser = viewer.manages(process.organiser)
    evaluator = process.evaluator is not None and viewer.manages(process.evaluator)
    seats = tuple(
        PanelMember.objects.filter(
            panel__process=process, expert__user=user, status__in=SEATED
        ).select_related("panel", "expert")
    )
    items = ReviewItem.objects.filter(pk__in=applicant_item_ids(user), process=process)
    return ProcessRoles(organiser, evaluator, seats, frozenset(items.values_list("pk", flat=True)))


def _int(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None


PROCESS_ACTIONS = frozenset({"view", "run", "decide"})


@gatekeeper("review.process")
def access_process_by_id(user: Any, pk: Any, *, action: str = "view") -> ReviewProcess:
    """``view``: anyone with a role in it, or anyone once it is public; ``run``: organiser
    or evaluator; ``decide``: organiser."""
    if action not in PROCESS_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    process = (
        ReviewProcess.objects.select_related("organiser", "evaluator", "rubric")
        .filter(pk=_int(pk))
        .first()
    )
    if process is None:
        raise NotFound()
    roles = roles_for(user, process)
    if not roles.any and process.status not in PUBLIC_STATUSES:
        raise NotFound()
    if action == "run" and not roles.runner:
        raise PermissionDenied()
    if action == "decide" and not roles.organiser:
        raise PermissionDenied()
    return process


@gatekeeper("review.item")
def access_item_by_id(user: Any, pk: Any, *, action: str = "view") -> ReviewItem:
    """``view``: whoever ``item_view`` gives a view (a party the applicant's, whatever
    else they are); ``run``: runners who are not a party to it."""
    if action not in {"view", "run"}:
        raise ValueError(f"unknown action {action!r}")
    item = (
        ReviewItem.objects.select_related("process__organiser", "process__evaluator", "panel")
        .filter(pk=_int(pk))
        .first()
    )
    if item is None:
        raise NotFound()
    view = item_view(roles_for(user, item.process), item)
    if view is None:
        raise NotFound()
    if action == "run" and view != ItemView.RUNNER:
        raise PermissionDenied()
    return item


@gatekeeper("review.panel")
def access_panel_by_id(user: Any, pk: Any, *, action: str = "view") -> Any:
    """``view``: runners and the panel's seated members; ``run``: runners; ``chair``:
    the panel's accepted chair."""
    from kechuang.review.models import Panel

    if action not in {"view", "run", "chair"}:
        raise ValueError(f"unknown action {action!r}")
    panel = (
        Panel.objects.select_related("process__organiser", "process__evaluator")
        .filter(pk=_int(pk))
        .first()
    )
    if panel is None:
        raise NotFound()
    roles = roles_for(user, panel.process)
    if not roles.runner and panel.pk not in roles.panel_ids:
        raise NotFound()
    if action == "run" and not roles.runner:
        raise PermissionDenied()
    if action == "chair" and panel.pk not in roles.chair_panel_ids:
        raise PermissionDenied()
    return panel


@gatekeeper("review.member")
def access_member_by_id(user: Any, pk: Any, *, action: str = "view") -> PanelMember:
    """``respond``: the invited expert's own user; ``run``: runners; ``view``: both."""
    if action not in {"view", "respond", "run"}:
        raise ValueError(f"unknown action {action!r}")
    member = (
        PanelMember.objects.select_related(
            "panel__process__organiser", "panel__process__evaluator", "expert"
        )
        .filter(pk=_int(pk))
        .first()
    )
    if member is None:
        raise NotFound()
    own = user is not None and user.is_authenticated and member.expert.user_id == user.pk
    runner = roles_for(user, member.panel.process).runner
    if not own and not runner:
        raise NotFound()
    if action == "respond" and not own:
        raise PermissionDenied()
    if action == "run" and not runner:
        raise PermissionDenied()
    return member


@gatekeeper("review.assignment")
def access_assignment_by_id(user: Any, pk: Any, *, action: str = "view") -> ReviewAssignment:
    """``score``: the assigned reviewer; ``view``: the reviewer, runners, and the other
    members of the panel once scores are shared (round 1 is independent) — never a
    party to the item other than the reviewer themself."""
    if action not in {"view", "score"}:
        raise ValueError(f"unknown action {action!r}")
    assignment = (
        ReviewAssignment.objects.select_related(
            "item__process__organiser",
            "item__process__evaluator",
            "item__process__rubric",
            "member__expert",
            "member__panel",
        )
        .filter(pk=_int(pk))
        .first()
    )
    if assignment is None:
        raise NotFound()
    own = user is not None and user.is_authenticated and assignment.member.expert.user_id == user.pk
    if not own:
        item = assignment.item
        view = item_view(roles_for(user, item.process), item)
        colleague = (
            view == ItemView.PANEL
            and assignment.member.panel_id == item.panel_id
            and scores_shared(item.process, 1)
        )
        if view != ItemView.RUNNER and not colleague:
            raise NotFound()
    if action == "score" and not own:
        raise PermissionDenied()
    return assignment


@gatekeeper("review.conflict")
def access_conflict_by_id(user: Any, pk: Any, *, action: str = "view") -> Conflict:
    """Conflicts are the runners' business (``view`` and ``waive``), never on an item they
    are a party to."""
    if action not in {"view", "waive"}:
        raise ValueError(f"unknown action {action!r}")
    conflict = (
        Conflict.objects.select_related("process__organiser", "process__evaluator", "item")
        .filter(pk=_int(pk))
        .first()
    )
    if conflict is None:
        raise NotFound()
    roles = roles_for(user, conflict.process)
    if not roles.runner or conflict.item_id in roles.applicant_item_ids:
        raise NotFound()
    return conflict


@gatekeeper("review.objection")
def access_objection_by_id(user: Any, pk: Any, *, action: str = "view") -> Objection:
    """``view``: the objector and the runners; ``handle``: the organiser."""
    if action not in {"view", "handle"}:
        raise ValueError(f"unknown action {action!r}")
    objection = (
        Objection.objects.select_related("process__organiser", "process__evaluator")
        .filter(pk=_int(pk))
        .first()
    )
    if objection is None:
        raise NotFound()
    roles = roles_for(user, objection.process)
    own = user is not None and user.is_authenticated and objection.filed_by_id == user.pk
    if not own and not roles.runner:
        raise NotFound()
    if action == "handle" and not roles.organiser:
        raise PermissionDenied()
    return objection
