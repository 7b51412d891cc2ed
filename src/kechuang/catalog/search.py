"""What the catalog puts in the search index (STYLE.md §14).

Published needs and achievements still in their publication period, and published
expert profiles. An expert is one document with one passage per work (title and venue),
so the engine scores them by their best-matching work. Drafts, submissions, returned,
withdrawn, closed, expired and hidden records are never indexed; the same querysets
decide what a search may return, so a stale index cannot leak them either.

Field weights are the engine's: title > keywords > body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.catalog.access import (
    access_achievement_by_id,
    access_expert_by_id,
    access_need_by_id,
)
from kechuang.catalog.choices import ExpertStatus, ListingStatus
from kechuang.catalog.models import Achievement, ExpertProfile, ExpertWork, Need, split_keywords
from kechuang.catalog.selectors import (
    ListingFilters,
    achievement_list,
    expert_list,
    need_list,
    published,
)
from kechuang.matching.registry import SearchSource
from kechuang.matching.types import Document
from kechuang.orgs.models import Membership

if TYPE_CHECKING:
    from kechuang.matching.selectors import SearchParams


def _keywords(text: str) -> str:
    return " ".join(split_keywords(text or ""))


def _listing_attrs(item: Need | Achievement) -> dict[str, Any]:
    return {
        "region": item.region_id,
        "industry": item.industry_id,
        "disciplines": sorted(d.code for d in item.disciplines.all()),
        "modes": sorted(m.code for m in item.cooperation_modes.all()),
        "org_path": item.organization.path,
        "published": timezone.localdate(item.published_at).isoformat()
        if item.published_at
        else None,
    }


def _listing_public(item: Need | Achievement) -> bool:
    return item.status == ListingStatus.PUBLISHED and (
        item.expires_on is None or item.expires_on >= timezone.localdate()
    )


def need_document(need: Need) -> Document:
    return Document(
        id=f"need:{need.pk}",
        kind="need",
        title=need.title,
        keywords=_keywords(need.keywords),
        body=need.description,
        attrs=_listing_attrs(need),
    )


def achievement_document(item: Achievement) -> Document:
    return Document(
        id=f"achievement:{item.pk}",
        kind="achievement",
        title=item.title,
        keywords=_keywords(item.keywords),
        body=item.summary,
        attrs={**_listing_attrs(item), "trl": item.trl},
    )


def work_passage(work: ExpertWork) -> str:
    return " ".join(p for p in (work.title, work.venue) if p)


def expert_document(expert: ExpertProfile) -> Document:
    body = "\n".join(p for p in (expert.title_name, expert.affiliation, expert.biography) if p)
    return Document(
        id=f"expert:{expert.pk}",
        kind="expert",
        title=expert.name,
        keywords=_keywords(expert.keywords),
        body=body,
        passages=tuple(work_passage(w) for w in expert.works.all()),
        attrs={
            "region": expert.region_id,
            "industries": sorted(i.code for i in expert.industries.all()),
            "disciplines": sorted(d.code for d in expert.disciplines.all()),
            "org_path": expert.organization.path if expert.organization else None,
        },
    )


def public_experts() -> QuerySet[ExpertProfile]:
    return (
        ExpertProfile.objects.filter(status=ExpertStatus.PUBLISHED)
        .select_related("organization", "region")
        .prefetch_related(
            "disciplines",
            "industries",
            Prefetch("works", queryset=ExpertWork.objects.order_by("-year", "id")),
        )
    )


def _listing_filters(params: SearchParams) -> ListingFilters:
    return ListingFilters(
        q=params.q,
        region=params.region,
        industry=params.industry,
        discipline=params.discipline,
        cooperation_mode=params.cooperation_mode,
        trl_min=params.trl_min,
    )


# The database's keyword search, when the engine is unavailable (newest first, no reasons).


def need_keyword_search(params: SearchParams) -> QuerySet[Need] | None:
    return need_list(filters=_listing_filters(params)) if not params.trl_min else None


def achievement_keyword_search(params: SearchParams) -> QuerySet[Achievement]:
    return achievement_list(filters=_listing_filters(params))


def expert_keyword_search(params: SearchParams) -> QuerySet[ExpertProfile] | None:
    if params.industry or params.cooperation_mode or params.trl_min:
        return None
    return expert_list(q=params.q, region=params.region, discipline=params.discipline)


def _listing_owners(items: Sequence[Need | Achievement]) -> list[set[int]]:
    """A need's or an achievement's organisation is its publisher."""
    return [{item.organization_id} - {None} for item in items]


def _expert_organizations(experts: Sequence[Any]) -> dict[int, set[int]]:
    """Expert id → the organisations that are theirs: the one keeping the profile (their
    unit) and every one their account is a member of (one query)."""
    out = {e.pk: {e.organization_id} - {None} for e in experts}
    by_user = {e.user_id: e.pk for e in experts if e.user_id}
    for user_id, org_id in Membership.objects.filter(user_id__in=by_user).values_list(
        "user_id", "organization_id"
    ):
        out[by_user[user_id]].add(org_id)
    return out


def _expert_owners(experts: Sequence[ExpertProfile]) -> list[set[int]]:
    found = _expert_organizations(experts)
    return [found[expert.pk] for expert in experts]


SOURCES = (
    SearchSource(
        kind="need",
        label=_("技术需求"),
        model=Need,
        queryset=lambda: published(Need),
        document=need_document,
        is_public=_listing_public,
        url=lambda obj: reverse("web:need_detail", args=[obj.pk]),
        title=lambda obj: obj.title,
        access=access_need_by_id,
        owners=_listing_owners,
        keyword_search=need_keyword_search,
        under=lambda path: Need.objects.filter(organization__path__startswith=path),
        order=10,
    ),
    SearchSource(
        kind="achievement",
        label=_("科技成果"),
        model=Achievement,
        queryset=lambda: published(Achievement),
        document=achievement_document,
        is_public=_listing_public,
        url=lambda obj: reverse("web:achievement_detail", args=[obj.pk]),
        title=lambda obj: obj.title,
        access=access_achievement_by_id,
        owners=_listing_owners,
        keyword_search=achievement_keyword_search,
        under=lambda path: Achievement.objects.filter(organization__path__startswith=path),
        order=20,
    ),
    SearchSource(
        kind="expert",
        label=_("专家"),
        model=ExpertProfile,
        queryset=public_experts,
        document=expert_document,
        is_public=lambda obj: obj.status == ExpertStatus.PUBLISHED,
        url=lambda obj: reverse("web:expert_detail", args=[obj.pk]),
        title=lambda obj: obj.name,
        access=access_expert_by_id,
        owners=_expert_owners,
        keyword_search=expert_keyword_search,
        under=lambda path: ExpertProfile.objects.filter(organization__path__startswith=path),
        order=30,
        parts=((ExpertWork, lambda work: int(work.expert_id)),),
    ),
)
