"""Reads on organisations and memberships, and the audit log scoped to the subtrees the
viewer manages (the association admin's page of it)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kechuang.audit.models import AuditEntry
from kechuang.common.access_rules import gatekeeper
from kechuang.orgs.access import viewer_for
from kechuang.orgs.choices import ASSOCIATION_KINDS, MANAGING_ROLES
from kechuang.orgs.models import Membership, Organization


@gatekeeper("organization")
def organization_list(
    *,
    user: Any = None,
    kind: str | None = None,
    region: str | None = None,
    parent_id: int | None = None,
    within_id: int | None = None,
    q: str | None = None,
) -> QuerySet[Organization]:
    """Active organisations (inactive ones too for those who manage them)."""
    viewer = viewer_for(user)
    qs = Organization.objects.select_related("parent", "region", "industry")
    qs = qs.filter(Q(is_active=True) | viewer.managed_scope(""))
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region__code__startswith=region.rstrip("0") or region)
    if parent_id:
        qs = qs.filter(parent_id=parent_id)
    if within_id:
        root = Organization.objects.filter(pk=within_id).values_list("path", flat=True).first()
        qs = qs.filter(path__startswith=root) if root else qs.none()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    return qs.order_by("path")


def associations() -> QuerySet[Organization]:
    return Organization.objects.filter(kind__in=ASSOCIATION_KINDS, is_active=True).order_by("path")


@gatekeeper("organization")
def memberships_of(user: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__path")
    )


@gatekeeper("organization")
def managed_organizations(user: Any) -> QuerySet[Organization]:
    """Organisations where the user is admin or staff, top of each subtree first."""
    return Organization.objects.filter(
        memberships__user=user, memberships__role__in=MANAGING_ROLES
    ).order_by("depth", "name")


def members_of(org: Organization) -> QuerySet[Membership]:
    return org.memberships.select_related("user").order_by("role", "user__display_name")


def organization_ancestors(org: Organization) -> list[Organization]:
    """The organisations above ``org``, from the root down to its parent."""
    ids = org.ancestor_ids()[:-1]
    return list(Organization.objects.filter(pk__in=ids).order_by("depth"))


def audit_entries_for(
    user: Any,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    within: Any = None,
) -> QuerySet[AuditEntry]:
    """Entries of the subtrees the user manages (all of them for a platform admin).

    ``within`` (an organisation) narrows them to that organisation's subtree.
    """
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.select_related("actor", "organization").filter(
        viewer.managed_scope("organization")
    )
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if within is not None:
        qs = qs.filter(organization__path__startswith=within.path)
    return qs
