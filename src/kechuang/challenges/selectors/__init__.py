"""Reads for every role, always scoped by the viewer (STYLE.md §2).

Organiser side: ``call_list(mine=True)``, ``call_applications``, ``application_duplicates``,
``project_list``. Applicant: ``applications_mine``, ``project_list``. Association staff:
``recommendation_queue``, ``filing_summary`` (their subtree, every level up to national),
``national_duplicates``. Public: ``call_list``, ``call_problems``, ``problem_list``,
``published_acceptances``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from kechuang.challenges.access import applications_visible_to, projects_visible_to
from kechuang.challenges.choices import (
    PUBLIC_CALL_STATUSES,
    ApplicationStatus,
    CallStatus,
    Confidentiality,
    ProblemStatus,
)
from kechuang.challenges.models import (
    Acceptance,
    Application,
    Call,
    CallProblem,
    CollectionRound,
    Filing,
    Problem,
    Project,
)
from kechuang.challenges.services.recommendations import pending_level
from kechuang.challenges.similarity import (
    DUPLICATE_ACROSS_REGIONS,
    DUPLICATE_PROPOSAL,
    bigram_set,
    jaccard,
)
from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import PermissionDenied
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization


def _member_ancestors(user: Any) -> set[int]:
    viewer = viewer_for(user)
    ids: set[int] = set()
    for org in Organization.objects.filter(pk__in=viewer.member_org_ids):
        ids.update(org.ancestor_ids())
    return ids


@gatekeeper("round")
def round_list(user: Any) -> QuerySet[CollectionRound]:
    """Rounds the viewer may submit to (owner above a member organisation) or manages."""
    viewer = viewer_for(user)
    scope = viewer.managed_scope("owner") | Q(owner_id__in=_member_ancestors(user))
    return CollectionRound.objects.filter(scope).select_related("owner")


@gatekeeper("problem")
def problem_list(user: Any, *, round: CollectionRound | None = None, status: str = "") -> Any:
    """Published problems for all; internal ones for the owner's subtree; the rest for the
    submitting organisation and the round owner's managers."""
    viewer = viewer_for(user)
    scope = Q(status=ProblemStatus.PUBLISHED) | viewer.managed_scope("round__owner")
    scope |= Q(status__in=[ProblemStatus.INTERNAL, ProblemStatus.TAKEN]) & Q(
        round__owner_id__in=_member_ancestors(user)
    )
    scope |= viewer.private_scope("organization")
    qs = Problem.objects.filter(scope).select_related("round__owner", "organization")
    if round is not None:
        qs = qs.filter(round=round)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


@gatekeeper("call")
def call_list(
    user: Any, *, status: str = "", organiser_id: int | None = None, mine: bool = False
) -> QuerySet[Call]:
    """Published calls for everyone; drafts for the organiser's side; ``mine``: only calls
    the viewer runs."""
    viewer = viewer_for(user)
    if mine:
        qs = Call.objects.filter(viewer.managed_scope("organiser"))
    else:
        qs = Call.objects.filter(
            Q(status__in=PUBLIC_CALL_STATUSES) | viewer.private_scope("organiser")
        )
    if status:
        qs = qs.filter(status=status)
    if organiser_id:
        qs = qs.filter(organiser_id=organiser_id)
    return qs.select_related("organiser").order_by("-deadline", "-id")


@gatekeeper("call")
def problem_details_visible(user: Any, item: CallProblem) -> bool:
    """Whether the viewer sees a listed problem's description, indicators and eligibility."""
    if item.confidentiality == Confidentiality.PUBLIC:
        return True
    if item.confidentiality == Confidentiality.REGISTERED:
        return viewer_for(user).is_authenticated
    return viewer_for(user).sees_private_of(item.call.organiser)


def call_problems(call: Call) -> QuerySet[CallProblem]:
    return call.problems.select_related("call__organiser", "award").order_by("id")


@gatekeeper("application")
def call_applications(user: Any, call: Call, *, status: str = "") -> QuerySet[Application]:
    """Submitted bids of a call: all for the organiser side; for an association, those of
    its subtree; for anyone else, their own (always within ``applications_visible_to``)."""
    viewer = viewer_for(user)
    if viewer.manages(call.organiser):
        scope = ~Q(status=ApplicationStatus.DRAFT)
    else:
        scope = (viewer.managed_scope("organization") & ~Q(status=ApplicationStatus.DRAFT)) | Q(
            applicant_id=viewer.user_id
        )
    qs = applications_visible_to(user).filter(scope, call=call)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("organization", "call_problem", "applicant").order_by("id")


@gatekeeper("application")
def applications_mine(user: Any) -> QuerySet[Application]:
    """Bids the viewer filed or that an organisation they manage leads, as far as the
    viewer may see them (``applications_visible_to``: another organisation's draft is
    not listed to the associations above it, as its detail is not shown to them)."""
    viewer = viewer_for(user)
    scope = Q(applicant_id=viewer.user_id)
    if viewer.managed_paths and not viewer.is_platform_admin:
        scope |= viewer.managed_scope("organization")
    return (
        applications_visible_to(user)
        .filter(scope)
        .select_related("call", "call_problem", "organization")
        .order_by("-created_at", "-id")
    )


@gatekeeper("application")
def recommendation_queue(user: Any) -> list[Application]:
    """Bids waiting for a decision of an association whose own admin or staff the viewer is."""
    viewer = viewer_for(user)
    candidates = (
        Application.objects.filter(status=ApplicationStatus.RECOMMENDING)
        .filter(viewer.managed_scope("organization"))
        .select_related("call__organiser", "organization", "call_problem")
        .order_by("submitted_at", "id")
    )
    out = []
    for application in candidates:
        level = pending_level(application)
        if level is not None and (viewer.is_platform_admin or level.path in viewer.managed_paths):
            out.append(application)
    return out


@dataclass(frozen=True)
class SimilarBid:
    application_id: int
    call_id: int
    call_title: str
    title: str
    similarity: float


def _proposal_text(application: Application) -> str:
    return f"{application.title}\n{application.technical_route}"


def application_duplicates(application: Application) -> list[SimilarBid]:
    """Submitted bids in *other* calls whose proposal text is at least
    ``DUPLICATE_PROPOSAL`` similar: the same proposal sent to several calls. Only titles
    and the similarity are shown, never the other bid's content."""
    mine = bigram_set(_proposal_text(application))
    others = (
        Application.objects.exclude(call_id=application.call_id)
        .exclude(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
        .select_related("call")
        .only("id", "title", "technical_route", "call__id", "call__title")
    )
    hits = []
    for other in others:
        score = round(jaccard(mine, bigram_set(_proposal_text(other))), 3)
        if score >= DUPLICATE_PROPOSAL:
            hits.append(SimilarBid(other.pk, other.call_id, other.call.title, other.title, score))
    return sorted(hits, key=lambda h: (-h.similarity, h.application_id))


@gatekeeper("project")
def project_list(user: Any) -> QuerySet[Project]:
    """The projects the viewer may open (``projects_visible_to``), newest first."""
    return (
        projects_visible_to(user)
        .select_related("award__application__call", "award__call_problem")
        .order_by("-created_at", "-id")
    )


@gatekeeper("project")
def published_acceptances() -> QuerySet[Acceptance]:
    return (
        Acceptance.objects.filter(published_at__isnull=False)
        .select_related(
            "project__award__application__call__organiser", "project__award__call_problem"
        )
        .order_by("-published_at", "-id")
    )


@gatekeeper("filing")
def filing_list(user: Any, *, kind: str = "") -> QuerySet[Filing]:
    """Filings of calls organised in, or filed with, a subtree the viewer manages."""
    viewer = viewer_for(user)
    qs = Filing.objects.filter(
        viewer.managed_scope("recipient") | viewer.managed_scope("organiser")
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("call", "organiser", "recipient").order_by("-at", "-id")


@dataclass(frozen=True)
class FilingSummary:
    calls: int
    by_kind: dict[str, int]
    applications: int


@gatekeeper("filing")
def filing_summary(user: Any) -> FilingSummary:
    """Counts over the viewer's subtree: calls filed, filings per kind, applications."""
    rows = list(filing_list(user).values_list("call_id", "kind", "params"))
    by_kind = Counter(kind for _, kind, _ in rows)
    applications = sum(
        int(params.get("total", 0)) for _, kind, params in rows if kind == "applications"
    )
    return FilingSummary(
        calls=len({call_id for call_id, _, _ in rows}),
        by_kind=dict(sorted(by_kind.items())),
        applications=applications,
    )


@dataclass(frozen=True)
class DuplicatePair:
    kind: str  # "problem" or "project"
    first_id: int
    first_title: str
    first_region: str
    second_id: int
    second_title: str
    second_region: str
    similarity: float


def _pairs(kind: str, rows: list[tuple[int, str, str, str]]) -> list[DuplicatePair]:
    sets = [(pk, title, region, bigram_set(text)) for pk, title, region, text in rows]
    out = []
    for i, (a_id, a_title, a_region, a_set) in enumerate(sets):
        for b_id, b_title, b_region, b_set in sets[i + 1 :]:
            if a_region == b_region:
                continue
            score = round(jaccard(a_set, b_set), 3)
            if score >= DUPLICATE_ACROSS_REGIONS:
                out.append(
                    DuplicatePair(kind, a_id, a_title, a_region, b_id, b_title, b_region, score)
                )
    return out


@gatekeeper("filing")
def national_duplicates(user: Any) -> list[DuplicatePair]:
    """Near-duplicate listed problems and projects whose organisers are in different
    provinces (first two digits of the GB/T 2260 code): nobody funds the same thing
    twice. For the national association's managers and platform administrators."""
    viewer = viewer_for(user)
    roots = Organization.objects.filter(parent__isnull=True, path__in=viewer.managed_paths)
    if not (viewer.is_platform_admin or roots.exists()):
        raise PermissionDenied()
    problems = [
        (p.pk, p.title, p.call.organiser.region_id[:2], f"{p.title}\n{p.description}")
        for p in CallProblem.objects.filter(
            call__status__in=PUBLIC_CALL_STATUSES - {CallStatus.CANCELLED}
        ).select_related("call__organiser")
    ]
    projects = [
        (
            p.pk,
            p.title,
            p.award.application.call.organiser.region_id[:2],
            _proposal_text(p.award.application),
        )
        for p in Project.objects.select_related("award__application__call__organiser")
    ]
    pairs = _pairs("problem", problems) + _pairs("project", projects)
    return sorted(pairs, key=lambda p: (-p.similarity, p.kind, p.first_id, p.second_id))
