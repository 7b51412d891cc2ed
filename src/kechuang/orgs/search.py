"""What the organisation tree puts in the search index (STYLE.md §14): active organisations.

Organisations are public while active; the achievement → enterprise recommendations
read the ``org_kind`` attribute to keep enterprises only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.matching.registry import SearchSource
from kechuang.matching.types import Document
from kechuang.orgs.access import access_organization_by_id
from kechuang.orgs.choices import OrgKind
from kechuang.orgs.models import Organization
from kechuang.vocab.selectors import region_prefix

if TYPE_CHECKING:
    from kechuang.matching.selectors import SearchParams


def organization_document(org: Organization) -> Document:
    return Document(
        id=f"organization:{org.pk}",
        kind="organization",
        title=org.name,
        keywords=org.short_name,
        body=org.description,
        attrs={
            "region": org.region_id,
            "industry": org.industry_id,
            "org_path": org.path,
            "org_kind": org.kind,
        },
    )


def public_organizations() -> QuerySet[Organization]:
    return Organization.objects.filter(is_active=True).select_related("region", "industry")


def organization_keyword_search(params: SearchParams) -> QuerySet[Organization] | None:
    """The database's keyword search, when the engine is unavailable."""
    if params.discipline or params.cooperation_mode or params.trl_min:
        return None
    orgs = public_organizations()
    for term in params.q.split()[:5]:
        orgs = orgs.filter(Q(name__icontains=term) | Q(description__icontains=term))
    if params.region:
        orgs = orgs.filter(region__code__startswith=region_prefix(params.region))
    if params.industry:
        orgs = orgs.filter(Q(industry_id=params.industry) | Q(industry__parent_id=params.industry))
    return orgs.order_by("name", "id")


def _own(orgs: Sequence[Organization]) -> list[set[int]]:
    """An organisation belongs to itself."""
    return [{org.pk} for org in orgs]


SOURCES = (
    SearchSource(
        kind="organization",
        label=_("组织"),
        model=Organization,
        queryset=public_organizations,
        document=organization_document,
        is_public=lambda obj: bool(obj.is_active),
        url=lambda obj: reverse("web:organization_detail", args=[obj.pk]),
        title=lambda obj: obj.name,
        access=access_organization_by_id,
        owners=_own,
        keyword_search=organization_keyword_search,
        under=lambda path: Organization.objects.filter(path__startswith=path),
        order=40,
        recommend=lambda org: org.kind == OrgKind.ENTERPRISE,  # achievements → enterprises
    ),
)
