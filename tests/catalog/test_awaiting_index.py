"""A just-published need, achievement or expert whose change still waits in the index
queue tells its owner why search does not find it yet: "索引中…"."""

from __future__ import annotations

from typing import Any

import pytest

from kechuang.catalog.services import expert_create, expert_set_status
from kechuang.matching.models import IndexQueue
from tests.api.conftest import move
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

HINT = "索引中…（发布后几秒内可被搜索到）"


@pytest.fixture(autouse=True)
def engine_on_worker_behind(settings: Any, tmp_path: Any) -> None:
    """The engine on; indexing left to a worker that has not got to it yet."""
    settings.KECHUANG_SEARCH_BACKEND = "local"
    settings.KECHUANG_INDEX_DIR = tmp_path / "index"
    settings.KECHUANG_SEARCH_INDEX_ON_COMMIT = "false"


@pytest.mark.parametrize("kind", ["need", "achievement"])
def test_the_owner_sees_the_hint_until_the_queue_row_is_gone(
    world: World, draft_need: Any, draft_achievement: Any, kind: str
) -> None:
    item = move(draft_need if kind == "need" else draft_achievement, world, "submit", "publish")
    url = f"/{kind}s/{item.pk}/"
    assert IndexQueue.objects.filter(kind=kind, object_id=item.pk).exists()

    assert HINT in client_for(world.owner_admin).get(url).content.decode()
    assert HINT not in client_for(None).get(url).content.decode()  # the public: never
    assert HINT not in client_for(world.other_admin).get(url).content.decode()

    IndexQueue.objects.filter(kind=kind, object_id=item.pk).delete()  # the worker indexed it
    assert HINT not in client_for(world.owner_admin).get(url).content.decode()


def test_a_draft_shows_no_hint(world: World, draft_need: Any) -> None:
    assert IndexQueue.objects.filter(kind="need", object_id=draft_need.pk).exists()
    page = client_for(world.owner_admin).get(f"/needs/{draft_need.pk}/").content.decode()
    assert HINT not in page


def test_no_hint_when_search_runs_from_the_database(
    world: World, draft_need: Any, settings: Any
) -> None:
    need = move(draft_need, world, "submit", "publish")
    assert IndexQueue.objects.filter(kind="need", object_id=need.pk).exists()
    settings.KECHUANG_SEARCH_BACKEND = "database"
    assert HINT not in client_for(world.owner_admin).get(f"/needs/{need.pk}/").content.decode()


def test_an_expert_sees_it_on_their_own_profile(world: World) -> None:
    expert = expert_create(
        actor=world.hangzhou_staff,
        organization=world.hangzhou,
        for_self=False,
        name="张工",
        affiliation="杭州某研究院",
        region_id="330106",
        keywords="热管理",
        disciplines=["470"],
    )
    expert_set_status(actor=world.hangzhou_staff, expert=expert, status="published")
    url = f"/experts/{expert.pk}/"

    assert HINT in client_for(world.hangzhou_staff).get(url).content.decode()
    assert HINT not in client_for(None).get(url).content.decode()
    IndexQueue.objects.filter(kind="expert", object_id=expert.pk).delete()
    assert HINT not in client_for(world.hangzhou_staff).get(url).content.decode()
