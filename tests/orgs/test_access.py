"""The scope rule (orgs.access): a full matrix over the ``world`` fixture."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from kechuang.common.errors import NotFound, PermissionDenied
from kechuang.orgs.access import access_organization_by_id, viewer_for
from kechuang.orgs.models import Organization
from kechuang.orgs.services import organization_set_active
from tests.conftest import World

ORGS = ("national", "zhejiang", "hangzhou", "jiangsu", "enterprise", "other_enterprise")
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

MANAGES = {
    "anonymous": set(),
    "owner_admin": {"enterprise"},
    "owner_member": set(),
    "other_admin": {"other_enterprise"},
    "hangzhou_staff": {"hangzhou", "enterprise"},
    "zhejiang_staff": {"zhejiang", "hangzhou", "enterprise"},
    "jiangsu_staff": {"jiangsu", "other_enterprise"},
    "platform_admin": set(ORGS),
}
REVIEWS_FOR = {
    "anonymous": set(),
    "owner_admin": set(),
    "owner_member": set(),
    "other_admin": set(),
    "hangzhou_staff": {"enterprise"},
    "zhejiang_staff": {"hangzhou", "enterprise"},
    "jiangsu_staff": {"other_enterprise"},
    "platform_admin": set(ORGS),
}
SEES_PRIVATE_OF = {
    **MANAGES,
    "owner_member": {"enterprise"},
}


def user_of(world: World, name: str) -> Any:
    return AnonymousUser() if name == "anonymous" else getattr(world, name)


def _names(world: World, orgs: Any) -> set[str]:
    ids = {o.pk for o in orgs}
    return {name for name in ORGS if getattr(world, name).pk in ids}


@pytest.mark.parametrize("user_name", USERS)
def test_viewer_matrix(world: World, user_name: str) -> None:
    viewer = viewer_for(user_of(world, user_name))

    assert {o for o in ORGS if viewer.manages(getattr(world, o))} == MANAGES[user_name]
    assert {o for o in ORGS if viewer.reviews_for(getattr(world, o))} == REVIEWS_FOR[user_name]
    assert {o for o in ORGS if viewer.sees_private_of(getattr(world, o))} == (
        SEES_PRIVATE_OF[user_name]
    )
    assert viewer.is_authenticated is (user_name != "anonymous")
    assert viewer.is_platform_admin is (user_name == "platform_admin")


@pytest.mark.parametrize("user_name", USERS)
def test_scope_queries_agree_with_the_methods(world: World, user_name: str) -> None:
    viewer = viewer_for(user_of(world, user_name))
    orgs = Organization.objects.all()

    assert _names(world, orgs.filter(viewer.managed_scope(""))) == MANAGES[user_name]
    assert _names(world, orgs.filter(viewer.review_scope(""))) == REVIEWS_FOR[user_name]
    assert _names(world, orgs.filter(viewer.private_scope(""))) == SEES_PRIVATE_OF[user_name]


def test_viewer_for_none_is_anonymous() -> None:
    viewer = viewer_for(None)
    assert (viewer.user_id, viewer.member_org_ids, viewer.managed_paths) == (None, frozenset(), ())


def test_viewer_ignores_inactive_organisations(world: World) -> None:
    organization_set_active(actor=world.zhejiang_staff, org=world.hangzhou, active=False)
    hangzhou_staff = type(world.hangzhou_staff).objects.get(pk=world.hangzhou_staff.pk)

    viewer = viewer_for(hangzhou_staff)

    assert viewer.managed_paths == ()
    assert not viewer.manages(world.enterprise)


def test_viewer_is_cached_per_user_object(world: World, django_assert_num_queries: Any) -> None:
    viewer_for(world.owner_admin)
    with django_assert_num_queries(0):
        viewer_for(world.owner_admin)


@pytest.mark.parametrize("user_name", USERS)
def test_access_active_organisation(world: World, user_name: str) -> None:
    user = user_of(world, user_name)
    for org_name in ORGS:
        org = getattr(world, org_name)
        assert access_organization_by_id(user, org.pk) == org
        if org_name in MANAGES[user_name]:
            assert access_organization_by_id(user, org.pk, action="manage") == org
        else:
            with pytest.raises(PermissionDenied):
                access_organization_by_id(user, org.pk, action="manage")


@pytest.mark.parametrize("user_name", USERS)
def test_access_inactive_organisation(world: World, user_name: str) -> None:
    organization_set_active(actor=world.platform_admin, org=world.enterprise, active=False)
    user = user_of(world, user_name)
    if hasattr(user, "_kechuang_viewer"):
        del user._kechuang_viewer

    # the owner's own memberships no longer count once the organisation is inactive
    if user_name in {"hangzhou_staff", "zhejiang_staff", "platform_admin"}:
        assert access_organization_by_id(user, world.enterprise.pk) == world.enterprise
    else:
        with pytest.raises(NotFound):
            access_organization_by_id(user, world.enterprise.pk)


def test_access_missing_organisation(world: World) -> None:
    with pytest.raises(NotFound):
        access_organization_by_id(world.platform_admin, 999_999)
