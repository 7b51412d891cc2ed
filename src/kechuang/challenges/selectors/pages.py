"""Reads the challenge pages need beyond ``selectors``: list filters, results, quota left,
shared review comments and the public statistics of an association's subtree.

Each read stays scoped: public reads only touch public calls; the rest start from a
selector or gatekeeper of ``selectors``/``access`` and add what a page shows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from string import ascii_uppercase
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext, gettext_lazy

from kechuang.challenges.choices import (
    PUBLIC_CALL_STATUSES,
    CallStatus,
    FilingKind,
    RecommendationDecision,
)
from kechuang.challenges.models import Application, Award, Call, CallProblem, Filing, Recommendation
from kechuang.challenges.selectors import call_list
from kechuang.common.access_rules import gatekeeper
from kechuang.orgs.choices import AssociationLevel
from kechuang.orgs.models import Organization
from kechuang.review.models import ReviewItem
from kechuang.review.selectors import item_scores


@dataclass(frozen=True)
class CallFilters:
    q: str = ""
    status: str = ""
    region: str = ""  # a province code (GB/T 2260): the organiser's region starts with it
    industry: str = ""  # an industry code: a listed problem's source problem is in it


@gatekeeper("call")
def call_search(user: Any, filters: CallFilters) -> QuerySet[Call]:
    """The public list (plus drafts the viewer's organisations run), filtered, with the
    problem count and the total budget on offer computed in the same query."""
    qs = call_list(user, status=filters.status)
    if filters.q:
        qs = qs.filter(
            Q(title__icontains=filters.q)
            | Q(description__icontains=filters.q)
            | Q(problems__title__icontains=filters.q)
        )
    if filters.region:
        qs = qs.filter(organiser__region__code__startswith=filters.region[:2])
    if filters.industry:
        qs = qs.filter(problems__problem__industry__code__startswith=filters.industry)
    ids = qs.values("pk")
    return (
        Call.objects.filter(pk__in=ids)
        .select_related("organiser")
        .annotate(n_problems=Count("problems"), total_budget=Sum("problems__budget"))
        .order_by("-deadline", "-id")
    )


def winner_name(application: Application) -> str:
    """What the public sees of a winner: the (lead) organisation, else the person."""
    if application.organization_id:
        return application.organization.name  # type: ignore[union-attr]
    return application.applicant.display_name or application.applicant.get_username()


def call_awards(call: Call) -> list[Award]:
    """Winners of a call's problems (public once decided)."""
    return list(
        Award.objects.filter(call_problem__call=call)
        .select_related("call_problem", "application__organization", "application__applicant")
        .order_by("call_problem_id")
    )


def published_winners() -> QuerySet[Award]:
    return (
        Award.objects.filter(application__call__status__in=PUBLIC_CALL_STATUSES)
        .exclude(application__call__status=CallStatus.CANCELLED)
        .select_related(
            "call_problem__call__organiser",
            "application__organization",
            "application__applicant",
        )
        .order_by("-decided_at", "-id")
    )


def problems_of(call: Call) -> QuerySet[CallProblem]:
    return call.problems.select_related("award", "problem__industry").order_by("id")


def applications_for_problems(call: Call, applications: QuerySet[Application]) -> QuerySet[Any]:
    """A call's problems, each with the given applications prefetched (organiser list)."""
    return call.problems.prefetch_related(
        Prefetch("applications", queryset=applications, to_attr="bids")
    ).order_by("id")


def quota_left(call: Call, association: Organization) -> int | None:
    """Recommendations ``association`` may still make in ``call`` (None: no quota)."""
    quota = call.recommendation_quotas.get(association.level)
    if quota is None:
        return None
    used = Recommendation.objects.filter(
        application__call=call,
        association=association,
        decision=RecommendationDecision.RECOMMENDED,
    ).count()
    return max(quota - used, 0)


@dataclass(frozen=True)
class SubtreeStats:
    association: Organization
    calls: int
    by_kind: list[tuple[Any, int]]  # (label saying what is counted, count)
    by_level: list[tuple[Any, int]]  # (organiser level label, calls)


# What each filing kind adds to the statistics, and the label saying exactly what that is.
# A filing is written only by a public step (publication, close, award …), so drafts and
# anything else unpublished never reach these numbers, whoever looks.
STAT_LABELS: dict[str, Any] = {
    FilingKind.CALL_PUBLISHED: gettext_lazy("榜单发布次数"),
    FilingKind.PROBLEMS: gettext_lazy("已发布榜单的题目数"),
    FilingKind.APPLICATIONS: gettext_lazy("揭榜申请数（已截止榜单收到的，不含草稿和撤回）"),
    FilingKind.WINNER: gettext_lazy("确定的揭榜方"),
    FilingKind.PROJECT: gettext_lazy("立项项目"),
    FilingKind.MILESTONE: gettext_lazy("里程碑评审结论"),
    FilingKind.ACCEPTANCE: gettext_lazy("已作出的验收结论"),
}


def _filing_weight(kind: str, params: dict[str, Any]) -> int:
    """How many things one filing reports: a problems filing lists the call's problems, an
    applications filing the total received at the close; every other filing is one step."""
    if kind == FilingKind.PROBLEMS:
        return len(params.get("items") or [])
    if kind == FilingKind.APPLICATIONS:
        return int(params.get("total") or 0)
    return 1


def subtree_stats(association: Organization) -> SubtreeStats:
    """Filed key steps of calls organised inside ``association``'s subtree: what an
    association publishes about its area (counts only, every call is public once filed).

    ``calls`` counts the distinct calls with any filing; each number of ``by_kind`` counts
    what its label says (problems and applications are summed over the filings that
    report them, not counted as filings).
    """
    rows = list(
        Filing.objects.filter(organiser__path__startswith=association.path).values_list(
            "call_id", "kind", "organiser__level", "params"
        )
    )
    kinds: Counter[str] = Counter()
    for _call, kind, _level, params in rows:
        kinds[kind] += _filing_weight(kind, params or {})
    levels: Counter[str] = Counter()
    for _call, level in {(c, lv) for c, _, lv, _ in rows}:
        levels[level or ""] += 1
    level_labels = dict(AssociationLevel.choices)
    return SubtreeStats(
        association=association,
        calls=len({call_id for call_id, _, _, _ in rows}),
        by_kind=[(STAT_LABELS[value], kinds.get(value, 0)) for value in FilingKind.values],
        by_level=[
            (str(level_labels.get(level, level or "—")), n) for level, n in sorted(levels.items())
        ],
    )


def review_item_for(application: Application) -> Any:
    """The review item the review app holds for this application, if it was handed over."""
    return (
        ReviewItem.objects.filter(subject_type="challenges.application", subject_id=application.pk)
        .select_related("process")
        .order_by("-id")
        .first()
    )


@dataclass(frozen=True)
class RoundComments:
    """One review round's written feedback: ``(label, comment)`` pairs."""

    round: int
    comments: list[tuple[str, str]]


@gatekeeper("review.item")
def shared_comments(user: Any, application: Application) -> list[RoundComments] | None:
    """The shared comments ``user`` may read on ``application``, per round, or None when
    the application never went to review.

    For the applicant: only once the review gives feedback, only comments the experts
    wrote, each expert named by a letter (专家 A, B …) after their place in the round,
    never by name. Rounds without a written comment are left out.
    """
    item = review_item_for(application)
    if item is None:
        return None
    out = []
    for round_no in range(1, item.process.rounds + 1):
        comments = [
            (gettext("专家 %(letter)s") % {"letter": ascii_uppercase[n % 26]}, score.comment_shared)
            for n, score in enumerate(item_scores(user, item, round=round_no))
            if score.comment_shared.strip()
        ]
        if comments:
            out.append(RoundComments(round=round_no, comments=comments))
    return out
