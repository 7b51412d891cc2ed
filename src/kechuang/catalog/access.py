"""Gatekeepers for needs, achievements and expert profiles (STYLE.md §3).

Each returns the object or raises ``NotFound``: an unpublished record of another
organisation looks exactly like a missing one. ``action`` is ``view``, ``edit``
(owner side) or ``review`` (association side).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.utils import timezone

from kechuang.catalog.choices import ContactVisibility, ExpertStatus, ListingStatus
from kechuang.catalog.docking import has_docked
from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import NotFound, PermissionDenied
from kechuang.orgs.access import viewer_for

L = TypeVar("L", Need, Achievement)


LISTING_ACTIONS = frozenset({"view", "edit", "review"})


def is_public(item: Need | Achievement) -> bool:
    """Published and not past its publication period (``selectors.published`` lists the
    same ones): a lapsed listing leaves the public before the expiry task marks it."""
    return item.status == ListingStatus.PUBLISHED and (
        item.expires_on is None or item.expires_on >= timezone.localdate()
    )


def _access_listing(model: type[L], user: Any, pk: Any, action: str) -> L:
    if action not in LISTING_ACTIONS:
        raise ValueError(f"unknown action {action!r}")  # a programming error, not input
    try:
        item = model.objects.select_related("organization", "region", "industry").get(pk=int(pk))
    except (model.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    viewer = viewer_for(user)
    if not is_public(item) and not viewer.sees_private_of(item.organization):
        raise NotFound()
    if action == "edit" and not viewer.manages(item.organization):
        raise PermissionDenied()
    if action == "review" and not viewer.reviews_for(item.organization):
        raise PermissionDenied()
    return item


@gatekeeper("need")
def access_need_by_id(user: Any, pk: Any, *, action: str = "view") -> Need:
    return _access_listing(Need, user, pk, action)


@gatekeeper("achievement")
def access_achievement_by_id(user: Any, pk: Any, *, action: str = "view") -> Achievement:
    return _access_listing(Achievement, user, pk, action)


@gatekeeper("expert")
def can_edit_expert(user: Any, expert: ExpertProfile) -> bool:
    if user is not None and user.is_authenticated and expert.user_id == user.pk:
        return True
    viewer = viewer_for(user)
    if viewer.is_platform_admin:
        return True
    return expert.organization is not None and viewer.manages(expert.organization)


@gatekeeper("expert")
def access_expert_by_id(user: Any, pk: Any, *, action: str = "view") -> ExpertProfile:
    if action not in {"view", "edit"}:
        raise ValueError(f"unknown action {action!r}")
    try:
        expert = ExpertProfile.objects.select_related("organization", "region").get(pk=int(pk))
    except (ExpertProfile.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    editable = can_edit_expert(user, expert)
    if expert.status != ExpertStatus.PUBLISHED and not editable:
        raise NotFound()
    if action == "edit" and not editable:
        raise PermissionDenied()
    return expert


@gatekeeper("need")
def need_contact_visible(user: Any, need: Need) -> bool:
    """Whether ``user`` may see the need's contact details under its visibility setting.

    ``after_docking`` contacts stay with the owner's side until the viewer's engagement
    (对接) about the need has been introduced (and its confidentiality agreement accepted,
    where required): the engagements app answers through ``catalog.docking``.
    """
    viewer = viewer_for(user)
    if viewer.sees_private_of(need.organization):
        return True
    if need.contact_visibility == ContactVisibility.PUBLIC:
        return True
    if need.contact_visibility == ContactVisibility.MEMBERS:
        return viewer.is_authenticated
    return has_docked(user, need)
