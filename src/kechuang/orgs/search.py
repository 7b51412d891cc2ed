"""What the organisation tree puts in the search index (STYLE.md §14): active organisations.

Organisations are public while active; the achievement → enterprise recommendations
read the ``org_kind`` attribute to keep enterprises only.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.matching.registry import SearchSource
from kechuang.matching.types import Document
from kechuang.orgs.models import Organization


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
        order=40,
    ),
)
