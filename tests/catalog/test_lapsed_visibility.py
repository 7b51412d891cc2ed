"""A published listing past its publication period leaves the public lists at once; its
detail follows the same rule (``catalog.access.is_public``), not only once the expiry
task has marked it expired (issue 10: lists and details from one rule)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from kechuang.catalog.models import Need
from tests.api.conftest import Api, move, token_for
from tests.conftest import World, client_for


def test_a_lapsed_need_is_neither_listed_nor_shown_to_the_public(
    world: World, draft_need: Need
) -> None:
    need = move(draft_need, world, "submit", "publish")
    public = Api()
    assert public.get(f"/needs/{need.pk}").status_code == 200
    Need.objects.filter(pk=need.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert need.pk not in [n["id"] for n in public.get("/needs").json()["items"]]
    assert public.get(f"/needs/{need.pk}").status_code == 404
    assert client_for(world.other_admin).get(f"/needs/{need.pk}/").status_code == 404
    # the owner's side still opens it
    assert Api(token_for(world.owner_admin)).get(f"/needs/{need.pk}").status_code == 200
    assert client_for(world.owner_admin).get(f"/needs/{need.pk}/").status_code == 200
