"""The scope rule, in one place.

An association's admins and staff see and manage everything in their subtree (their own
organisation included) and nothing outside it. A member of any role sees their own
organisation's unpublished records. Platform administrators (``is_superuser``) see all.
Every view, API endpoint and selector asks these functions; none re-implements them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import NotFound, PermissionDenied
from kechuang.orgs.choices import ASSOCIATION_KINDS, MANAGING_ROLES
from kechuang.orgs.models import Membership, Organization


def _lookup(org_field: str, lookup: str) -> str:
    """``organization__path`` for a related organisation; ``path`` when ``org_field=""``."""
    return f"{org_field}__{lookup}" if org_field else lookup


@dataclass(frozen=True)
class Viewer:
    """What one user may see, computed once per request."""

    user_id: int | None
    is_platform_admin: bool
    member_org_ids: frozenset[int]
    managed_paths: tuple[str, ...]  # subtrees this user manages, as path prefixes

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def manages(self, org: Organization) -> bool:
        """Admin or staff of ``org`` itself or of an association above it."""
        return self.is_platform_admin or any(org.path.startswith(p) for p in self.managed_paths)

    def reviews_for(self, org: Organization) -> bool:
        """Admin or staff of an association strictly above ``org``: may publish its items."""
        return self.is_platform_admin or any(
            org.path.startswith(p) and org.path != p for p in self.managed_paths
        )

    def sees_private_of(self, org: Organization) -> bool:
        return self.manages(org) or org.pk in self.member_org_ids

    def private_scope(self, org_field: str = "organization") -> Q:
        """Rows whose organisation this viewer may see unpublished records of.

        ``org_field`` names the foreign key to the organisation ("" for organisations).
        """
        if self.is_platform_admin:
            return Q()
        q = Q(**{_lookup(org_field, "pk__in"): list(self.member_org_ids)})
        for path in self.managed_paths:
            q |= Q(**{_lookup(org_field, "path__startswith"): path})
        return q

    def managed_scope(self, org_field: str = "organization") -> Q:
        """Rows whose organisation lies in a subtree this viewer manages."""
        if self.is_platform_admin:
            return Q()
        q = Q(pk__in=[])
        for path in self.managed_paths:
            q |= Q(**{_lookup(org_field, "path__startswith"): path})
        return q

    def review_scope(self, org_field: str = "organization") -> Q:
        """Rows this viewer may review: strictly below an association they manage."""
        if self.is_platform_admin:
            return Q()
        q = Q(pk__in=[])
        for path in self.managed_paths:
            q |= Q(**{_lookup(org_field, "path__startswith"): path}) & ~Q(
                **{_lookup(org_field, "path"): path}
            )
        return q


ANONYMOUS = Viewer(None, False, frozenset(), ())


def viewer_for(user: Any) -> Viewer:
    """The scope of ``user`` (a ``User`` or ``AnonymousUser``), cached on the object."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached: Viewer | None = getattr(user, "_kechuang_viewer", None)
    if cached is not None:
        return cached
    rows = list(
        Membership.objects.filter(user=user, organization__is_active=True).values_list(
            "organization_id", "role", "organization__path"
        )
    )
    viewer = Viewer(
        user_id=user.pk,
        is_platform_admin=bool(user.is_superuser),
        member_org_ids=frozenset(org_id for org_id, _, _ in rows),
        managed_paths=tuple(sorted({path for _, role, path in rows if role in MANAGING_ROLES})),
    )
    user._kechuang_viewer = viewer
    return viewer


def forget_viewer(user: Any) -> None:
    """Drop the cached scope after the user's memberships changed."""
    if hasattr(user, "_kechuang_viewer"):
        del user._kechuang_viewer


@gatekeeper("organization")
def access_organization_by_id(user: Any, org_id: int, *, action: str = "view") -> Organization:
    """Organisations are public while active; ``action="manage"`` needs a managing role."""
    if action not in {"view", "manage"}:
        raise ValueError(f"unknown action {action!r}")
    org = (
        Organization.objects.select_related("parent", "region", "industry")
        .filter(pk=org_id)
        .first()
    )
    viewer = viewer_for(user)
    if org is None or (not org.is_active and not viewer.manages(org)):
        raise NotFound()
    if action == "manage" and not viewer.manages(org):
        raise PermissionDenied()
    return org


def sees_engine_details(user: Any) -> bool:
    """Platform admin, or admin/staff of an association: who sees the search engine's raw
    numbers (``matching.access`` asks it); computed once per user object."""
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return False
    if viewer.is_platform_admin:
        return True
    if not viewer.managed_paths:
        return False
    cached: bool | None = getattr(user, "_kechuang_engine_details", None)
    if cached is None:
        cached = Membership.objects.filter(
            user=user,
            role__in=MANAGING_ROLES,
            organization__kind__in=ASSOCIATION_KINDS,
            organization__is_active=True,
        ).exists()
        user._kechuang_engine_details = cached
    return cached
