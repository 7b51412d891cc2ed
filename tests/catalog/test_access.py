"""Gatekeepers: access_need_by_id / access_achievement_by_id / access_expert_by_id,
and who sees a need's contact details."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from kechuang.catalog.access import (
    access_achievement_by_id,
    access_expert_by_id,
    access_need_by_id,
    need_contact_visible,
)
from kechuang.catalog.choices import ContactVisibility, ExpertStatus, ListingStatus
from kechuang.catalog.models import Achievement, Need
from kechuang.catalog.services import expert_create, expert_set_status
from kechuang.common.errors import NotFound, PermissionDenied
from tests.catalog.conftest import force_status, publish
from tests.conftest import World

USERS = (
    "anonymous",
    "owner_admin",
    "owner_member",
    "other_admin",
    "hangzhou_staff",
    "zhejiang_staff",
    "jiangsu_staff",
    "platform_admin",
)
OK = "ok"

# status -> action -> user -> outcome; documented in catalog/access.py: an unpublished
# record of another organisation looks missing; a visible one refuses the wrong action.
MATRIX: dict[str, dict[str, dict[str, Any]]] = {
    "draft": {
        "view": {
            "anonymous": NotFound,
            "owner_admin": OK,
            "owner_member": OK,
            "other_admin": NotFound,
            "hangzhou_staff": OK,
            "zhejiang_staff": OK,
            "jiangsu_staff": NotFound,
            "platform_admin": OK,
        },
        "edit": {
            "anonymous": NotFound,
            "owner_admin": OK,
            "owner_member": PermissionDenied,
            "other_admin": NotFound,
            "hangzhou_staff": OK,
            "zhejiang_staff": OK,
            "jiangsu_staff": NotFound,
            "platform_admin": OK,
        },
        "review": {
            "anonymous": NotFound,
            "owner_admin": PermissionDenied,
            "owner_member": PermissionDenied,
            "other_admin": NotFound,
            "hangzhou_staff": OK,
            "zhejiang_staff": OK,
            "jiangsu_staff": NotFound,
            "platform_admin": OK,
        },
    },
    "published": {
        "view": dict.fromkeys(USERS, OK),
        "edit": {
            "anonymous": PermissionDenied,
            "owner_admin": OK,
            "owner_member": PermissionDenied,
            "other_admin": PermissionDenied,
            "hangzhou_staff": OK,
            "zhejiang_staff": OK,
            "jiangsu_staff": PermissionDenied,
            "platform_admin": OK,
        },
        "review": {
            "anonymous": PermissionDenied,
            "owner_admin": PermissionDenied,
            "owner_member": PermissionDenied,
            "other_admin": PermissionDenied,
            "hangzhou_staff": OK,
            "zhejiang_staff": OK,
            "jiangsu_staff": PermissionDenied,
            "platform_admin": OK,
        },
    },
}
CASES = [(s, a, u) for s in MATRIX for a in MATRIX[s] for u in USERS]


def user_of(world: World, name: str) -> Any:
    return AnonymousUser() if name == "anonymous" else getattr(world, name)


@pytest.mark.parametrize(("status", "action", "user_name"), CASES)
def test_access_need_matrix(
    world: World, draft_need: Need, status: str, action: str, user_name: str
) -> None:
    need = publish(world, draft_need) if status == "published" else draft_need
    expected = MATRIX[status][action][user_name]
    user = user_of(world, user_name)

    if expected is OK:
        assert access_need_by_id(user, need.pk, action=action) == need
    else:
        with pytest.raises(expected):
            access_need_by_id(user, need.pk, action=action)


@pytest.mark.parametrize(("status", "action", "user_name"), CASES)
def test_access_achievement_matrix(
    world: World, draft_achievement: Achievement, status: str, action: str, user_name: str
) -> None:
    item = publish(world, draft_achievement) if status == "published" else draft_achievement
    expected = MATRIX[status][action][user_name]
    user = user_of(world, user_name)

    if expected is OK:
        assert access_achievement_by_id(user, item.pk, action=action) == item
    else:
        with pytest.raises(expected):
            access_achievement_by_id(user, item.pk, action=action)


@pytest.mark.parametrize(
    "status",
    [
        ListingStatus.SUBMITTED,
        ListingStatus.RETURNED,
        ListingStatus.EXPIRED,
        ListingStatus.CLOSED,
        ListingStatus.WITHDRAWN,
    ],
)
def test_every_unpublished_status_is_private(world: World, draft_need: Need, status: str) -> None:
    need = force_status(draft_need, status)
    for name in ("anonymous", "other_admin", "jiangsu_staff"):
        with pytest.raises(NotFound):
            access_need_by_id(user_of(world, name), need.pk)
    for name in ("owner_member", "hangzhou_staff"):
        assert access_need_by_id(user_of(world, name), need.pk) == need


@pytest.mark.parametrize("pk", [999_999, "abc", None, "", "1.5", [1]])
def test_access_need_bad_ids(world: World, draft_need: Need, pk: Any) -> None:
    with pytest.raises(NotFound):
        access_need_by_id(world.platform_admin, pk)


def test_access_need_by_string_id(world: World, draft_need: Need) -> None:
    assert access_need_by_id(world.owner_admin, str(draft_need.pk)) == draft_need


def test_a_need_is_not_an_achievement(world: World, draft_need: Need) -> None:
    publish(world, draft_need)
    assert not Achievement.objects.filter(pk=draft_need.pk).exists()
    with pytest.raises(NotFound):
        access_achievement_by_id(world.platform_admin, draft_need.pk)


# ------------------------------------------------------------------ contact visibility

ALWAYS = {"owner_admin", "owner_member", "hangzhou_staff", "zhejiang_staff", "platform_admin"}


@pytest.mark.parametrize("user_name", USERS)
@pytest.mark.parametrize("visibility", ContactVisibility.values)
def test_need_contact_visible(
    world: World, draft_need: Need, visibility: str, user_name: str
) -> None:
    need = publish(world, draft_need)
    Need.objects.filter(pk=need.pk).update(contact_visibility=visibility)
    need = Need.objects.get(pk=need.pk)

    expected = (
        user_name in ALWAYS
        or visibility == ContactVisibility.PUBLIC
        or (visibility == ContactVisibility.MEMBERS and user_name != "anonymous")
    )
    assert need_contact_visible(user_of(world, user_name), need) is expected


def test_need_contact_visible_to_nobody_unauthenticated_by_default(
    world: World, draft_need: Need
) -> None:
    assert draft_need.contact_visibility == ContactVisibility.MEMBERS
    assert need_contact_visible(None, draft_need) is False


# ------------------------------------------------------------------ experts


def _expert(world: World, *, own: bool) -> Any:
    data = {
        "name": "陈教授",
        "affiliation": "浙江大学",
        "region_id": "330106",
        "keywords": "热管理",
        "disciplines": ["470"],
    }
    if own:
        return expert_create(actor=world.owner_member, organization=world.enterprise, **data)
    return expert_create(
        actor=world.hangzhou_staff, organization=world.enterprise, for_self=False, **data
    )


EXPERT_EDITORS_OWN = {
    "owner_member",
    "owner_admin",
    "hangzhou_staff",
    "zhejiang_staff",
    "platform_admin",
}


@pytest.mark.parametrize("user_name", USERS)
def test_access_expert_draft(world: World, user_name: str) -> None:
    expert = _expert(world, own=True)
    user = user_of(world, user_name)

    if user_name in EXPERT_EDITORS_OWN:
        assert access_expert_by_id(user, expert.pk, action="edit") == expert
    else:
        with pytest.raises(NotFound):
            access_expert_by_id(user, expert.pk)


@pytest.mark.parametrize("user_name", USERS)
def test_access_expert_published(world: World, user_name: str) -> None:
    expert = _expert(world, own=False)
    expert_set_status(actor=world.hangzhou_staff, expert=expert, status=ExpertStatus.PUBLISHED)
    user = user_of(world, user_name)

    assert access_expert_by_id(user, expert.pk) == expert
    if user_name in EXPERT_EDITORS_OWN - {"owner_member"}:
        assert access_expert_by_id(user, expert.pk, action="edit") == expert
    else:
        with pytest.raises(PermissionDenied):
            access_expert_by_id(user, expert.pk, action="edit")


def test_access_expert_bad_id(world: World) -> None:
    with pytest.raises(NotFound):
        access_expert_by_id(world.platform_admin, "x")
