"""matching asks orgs who the viewer is through the rules orgs registers in its ready()."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from kechuang.matching.access import is_platform_admin, sees_engine_details
from tests.conftest import World


def test_the_engine_numbers_are_for_platform_admins_and_association_staff(world: World) -> None:
    assert sees_engine_details(world.platform_admin)
    assert sees_engine_details(world.hangzhou_staff)
    # an enterprise's admin manages their organisation but is no association's staff
    assert not sees_engine_details(world.owner_admin)
    assert not sees_engine_details(world.owner_member)
    assert not sees_engine_details(AnonymousUser())


def test_only_platform_admins_edit_the_site_dictionary(world: World) -> None:
    assert is_platform_admin(world.platform_admin)
    assert not is_platform_admin(world.hangzhou_staff)
    assert not is_platform_admin(AnonymousUser())
