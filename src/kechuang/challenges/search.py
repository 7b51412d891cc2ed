"""What challenges put in the search index (STYLE.md §14): the problems of published calls.

A problem listed on a call that is open for bids (published, deadline not passed) and
whose details are public is matched like a need: experts, enterprises and achievements
are recommended to the organiser on the call's page, and the problem is recommended to
experts as a call they could answer. Problems whose details are for registered users or
the organiser only are never indexed (a search hit shows its text to anyone), and drafts,
closed and later calls leave the index as soon as their call moves on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.catalog.models import split_keywords
from kechuang.challenges.access import access_call_by_id
from kechuang.challenges.choices import CallStatus, Confidentiality
from kechuang.challenges.models import CallProblem
from kechuang.challenges.selectors import problem_details_visible
from kechuang.challenges.services.indexing import SEARCH_KIND
from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import NotFound
from kechuang.matching.registry import SearchSource
from kechuang.matching.types import Document

if TYPE_CHECKING:
    from kechuang.matching.selectors import SearchParams

KIND = SEARCH_KIND


def _rows() -> QuerySet[CallProblem]:
    return CallProblem.objects.select_related(
        "call__organiser", "problem__industry", "problem__discipline", "problem__organization"
    )


def open_problems() -> QuerySet[CallProblem]:
    """Problems of calls open for bids whose details anyone may read."""
    return _rows().filter(
        call__status=CallStatus.PUBLISHED,
        call__deadline__gt=timezone.now(),
        confidentiality=Confidentiality.PUBLIC,
    )


def is_open(item: CallProblem) -> bool:
    return (
        item.call.status == CallStatus.PUBLISHED
        and item.call.deadline > timezone.now()
        and item.confidentiality == Confidentiality.PUBLIC
    )


def challenge_document(item: CallProblem) -> Document:
    source = item.problem
    indicators = "；".join(
        " ".join(str(row.get(k, "")) for k in ("name", "target", "unit")).strip()
        for row in (item.indicators or [])
        if isinstance(row, dict)
    )
    body = "\n".join(p for p in (item.description, indicators, item.expected_outcome) if p)
    return Document(
        id=f"{KIND}:{item.pk}",
        kind=KIND,
        title=item.title,
        keywords=" ".join(split_keywords(source.keywords)) if source else "",
        body=body,
        attrs={
            "region": item.call.organiser.region_id,
            "industry": source.industry_id if source else None,
            "disciplines": [source.discipline_id] if source and source.discipline_id else [],
            "org_path": item.call.organiser.path,
            "published": timezone.localdate(item.call.published_at).isoformat()
            if item.call.published_at
            else None,
        },
    )


@gatekeeper("call")
def access_call_problem_by_id(user: Any, pk: Any) -> CallProblem:
    """A listed problem, if ``user`` may see its call (the call's rule), else NotFound."""
    try:
        item = _rows().get(pk=int(pk))
    except (CallProblem.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    item.call = access_call_by_id(user, item.call_id)
    if not problem_details_visible(user, item):  # its matches would tell of hidden text
        raise NotFound()
    return item


def _owners(items: Sequence[CallProblem]) -> list[set[int]]:
    """The organiser, and the organisation that proposed the problem in a collection round:
    neither is recommended to itself as a solver."""
    out = []
    for item in items:
        found = {item.call.organiser_id}
        if item.problem is not None:
            found.add(item.problem.organization_id)
        out.append(found)
    return out


def keyword_search(params: SearchParams) -> QuerySet[CallProblem] | None:
    if params.region or params.industry or params.discipline or params.cooperation_mode:
        return None
    if params.trl_min:
        return None
    rows = open_problems().order_by("-call__published_at", "id")
    if params.q:
        rows = rows.filter(Q(title__icontains=params.q) | Q(description__icontains=params.q))
    return rows


def url(item: CallProblem) -> str:
    return reverse("challenges:call_detail", args=[item.call_id]) + f"#problem-{item.pk}"


SOURCES = (
    SearchSource(
        kind=KIND,
        label=_("揭榜题目"),
        model=CallProblem,
        queryset=open_problems,
        document=challenge_document,
        is_public=is_open,
        url=url,
        title=lambda obj: obj.title,
        access=access_call_problem_by_id,
        owners=_owners,
        keyword_search=keyword_search,
        under=lambda path: CallProblem.objects.filter(call__organiser__path__startswith=path),
        order=25,
        api_url=lambda obj: f"/api/v1/challenges/calls/{obj.call_id}",
    ),
)
