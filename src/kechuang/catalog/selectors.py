"""Reads on the catalog, always scoped to what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, TypeVar

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone

from kechuang.catalog.choices import ExpertStatus, ListingStatus
from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.common.access_rules import gatekeeper
from kechuang.orgs.access import viewer_for
from kechuang.vocab.selectors import region_prefix

L = TypeVar("L", Need, Achievement)


@dataclass(frozen=True)
class ListingFilters:
    """Filters shared by the public lists, the workspace and the API."""

    q: str = ""
    region: str = ""  # a GB/T 2260 code: a province or city code matches everything inside
    industry: str = ""  # a section letter or a division code
    discipline: str = ""
    cooperation_mode: str = ""
    trl_min: int | None = None
    organization_id: int | None = None
    status: str = ""


def ranked_by_search(
    qs: QuerySet[Any], kind: str, q: str, filters: dict[str, Any]
) -> QuerySet[Any] | None:
    """``qs`` narrowed to the search engine's matches for ``q``, best first; None when the
    engine is unavailable (the caller then filters by keywords in the database)."""
    from kechuang.matching.selectors import search_ids

    ids = search_ids(kind, q, {k: v for k, v in filters.items() if v})
    if ids is None:
        return None
    if not ids:
        return qs.none()
    rank = Case(*[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)], default=Value(len(ids)))
    return qs.filter(pk__in=ids).order_by(rank, "-id")


def _apply(qs: QuerySet[Any], f: ListingFilters, text_fields: tuple[str, ...]) -> QuerySet[Any]:
    if f.q:
        for term in f.q.split()[:5]:
            cond = Q()
            for field in text_fields:
                cond |= Q(**{f"{field}__icontains": term})
            qs = qs.filter(cond)
    if f.region:
        qs = qs.filter(region__code__startswith=region_prefix(f.region))
    if f.industry:
        qs = qs.filter(Q(industry_id=f.industry) | Q(industry__parent_id=f.industry))
    if f.discipline:
        qs = qs.filter(disciplines__code=f.discipline)
    if f.cooperation_mode:
        qs = qs.filter(cooperation_modes__code=f.cooperation_mode)
    if f.organization_id:
        qs = qs.filter(organization_id=f.organization_id)
    if f.status:
        qs = qs.filter(status=f.status)
    return qs.distinct() if (f.discipline or f.cooperation_mode) else qs


def _listing_base(model: type[L]) -> QuerySet[L]:
    return model.objects.select_related("organization", "region", "industry").prefetch_related(
        "disciplines", "cooperation_modes"
    )


@gatekeeper("need", "achievement")
def published(model: type[L]) -> QuerySet[L]:
    """What the public sees: published and not past its publication period."""
    today = timezone.localdate()
    return (
        _listing_base(model)
        .filter(status=ListingStatus.PUBLISHED)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    )


def _visible(model: type[L], user: Any, f: ListingFilters) -> QuerySet[L]:
    """Published items; asking for another status lists the viewer's own scope instead."""
    if not f.status or f.status == ListingStatus.PUBLISHED:
        return published(model)
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return model.objects.none()
    return _listing_base(model).filter(viewer.private_scope("organization"))


def _engine_filters(f: ListingFilters) -> dict[str, Any]:
    return {
        "region": f.region,
        "industry": f.industry,
        "discipline": f.discipline,
        "mode": f.cooperation_mode,
        "trl_min": f.trl_min,
    }


def _searched(model: type[L], kind: str, user: Any, f: ListingFilters) -> QuerySet[L] | None:
    """Published items matching ``f.q`` through the search engine, ranked; else None."""
    if not f.q or (f.status and f.status != ListingStatus.PUBLISHED):
        return None
    qs = _apply(_visible(model, user, f), replace(f, q=""), ())
    if model is Achievement and f.trl_min:
        qs = qs.filter(trl__gte=f.trl_min)
    return ranked_by_search(qs, kind, f.q, _engine_filters(f))


@gatekeeper("need")
def need_list(*, user: Any = None, filters: ListingFilters | None = None) -> QuerySet[Need]:
    f = filters or ListingFilters()
    searched = _searched(Need, "need", user, f)
    if searched is not None:
        return searched
    return _apply(_visible(Need, user, f), f, ("title", "description", "keywords")).order_by(
        "-published_at", "-created_at", "-id"
    )


@gatekeeper("achievement")
def achievement_list(
    *, user: Any = None, filters: ListingFilters | None = None
) -> QuerySet[Achievement]:
    f = filters or ListingFilters()
    searched = _searched(Achievement, "achievement", user, f)
    if searched is not None:
        return searched
    qs = _apply(_visible(Achievement, user, f), f, ("title", "summary", "keywords", "team"))
    if f.trl_min:
        qs = qs.filter(trl__gte=f.trl_min)
    return qs.order_by("-published_at", "-created_at", "-id")


@gatekeeper("need", "achievement")
def organization_listings(model: type[L], *, user: Any) -> QuerySet[L]:
    """Every item of the organisations the user belongs to (the workspace)."""
    viewer = viewer_for(user)
    return (
        _listing_base(model)
        .filter(organization_id__in=viewer.member_org_ids)
        .order_by("-updated_at", "-id")
    )


@gatekeeper("need", "achievement")
def review_queue(model: type[L], *, user: Any) -> QuerySet[L]:
    """Submitted items this user may publish or return, oldest first."""
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return model.objects.none()
    return (
        _listing_base(model)
        .filter(status=ListingStatus.SUBMITTED)
        .filter(viewer.review_scope("organization"))
        .order_by("submitted_at", "id")
    )


@gatekeeper("expert")
def expert_list(
    *,
    user: Any = None,
    q: str = "",
    region: str = "",
    discipline: str = "",
    frontline: bool | None = None,
) -> QuerySet[ExpertProfile]:
    viewer = viewer_for(user)
    qs = ExpertProfile.objects.select_related("organization", "region").prefetch_related(
        "disciplines"
    )
    if viewer.is_platform_admin:
        pass
    else:
        visible = Q(status=ExpertStatus.PUBLISHED)
        if viewer.is_authenticated:
            visible |= Q(user_id=viewer.user_id) | viewer.managed_scope("organization")
        qs = qs.filter(visible)
    searched = None
    if q:  # the engine holds published profiles only: a search lists those
        searched = ranked_by_search(
            qs.filter(status=ExpertStatus.PUBLISHED),
            "expert",
            q,
            {"region": region, "discipline": discipline},
        )
    if searched is not None:
        qs = searched
    elif q:
        for term in q.split()[:5]:
            qs = qs.filter(
                Q(name__icontains=term)
                | Q(keywords__icontains=term)
                | Q(affiliation__icontains=term)
                | Q(biography__icontains=term)
            )
    if region:
        qs = qs.filter(region__code__startswith=region_prefix(region))
    if discipline:
        qs = qs.filter(disciplines__code=discipline).distinct()
    if frontline is not None:
        qs = qs.filter(is_frontline_engineer=frontline)
    return qs if searched is not None else qs.order_by("name", "id")


def public_counts() -> dict[str, int]:
    """Live counts for the home page."""
    from kechuang.orgs.models import Organization

    return {
        "needs": published(Need).count(),
        "achievements": published(Achievement).count(),
        "experts": ExpertProfile.objects.filter(status=ExpertStatus.PUBLISHED).count(),
        "organizations": Organization.objects.filter(is_active=True).count(),
    }


def listing_counts_by_organization(org_ids: list[int]) -> dict[int, dict[str, int]]:
    """Needs and achievements (every status) per organisation, for managers' overviews."""
    from django.db.models import Count

    counts: dict[int, dict[str, int]] = {pk: {"needs": 0, "achievements": 0} for pk in org_ids}
    for key, model in (("needs", Need), ("achievements", Achievement)):
        rows = (
            model.objects.filter(organization_id__in=org_ids)
            .values("organization_id")
            .annotate(n=Count("id"))
            .values_list("organization_id", "n")
        )
        for org_id, n in rows:
            counts[org_id][key] = n
    return counts
