"""Anonymous visitors' lists of needs, achievements and experts are cached
(kechuang.catalog.public_lists): a publish shows at once, an unpublish is gone at once, and
a signed-in visitor never gets the anonymous page. On the database cache, and on Redis
when one answers on 127.0.0.1:6379."""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kechuang.catalog.services import expert_create, expert_set_status
from tests.api.conftest import move
from tests.conftest import World, achievement_data, client_for

pytestmark = pytest.mark.django_db


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture(params=["database", "redis"])
def list_cache(request: Any, settings: Any) -> Iterator[str]:
    settings.KECHUANG_ANONYMOUS_LIST_CACHE_SECONDS = 60
    if request.param == "database":
        yield request.param
        return
    if not redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"kc-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        }
    }
    yield request.param
    # only this test's keys: cache.clear() would flush what parallel tests keep there
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def anonymous(url: str) -> str:
    response = client_for(None).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_published_need_is_on_the_cached_list_at_once(
    world: World, draft_need: Any, list_cache: str
) -> None:
    assert draft_need.title not in anonymous("/needs/")  # cached now, without it

    move(draft_need, world, "submit", "publish")

    assert draft_need.title in anonymous("/needs/")


def test_an_unpublished_need_is_gone_from_the_cached_list_at_once(
    world: World, draft_need: Any, list_cache: str
) -> None:
    need = move(draft_need, world, "submit", "publish")
    assert need.title in anonymous("/needs/")
    assert need.title in anonymous("/needs/?page=1")

    move(need, world, "withdraw")

    assert need.title not in anonymous("/needs/")
    assert need.title not in anonymous("/needs/?page=1")


def test_a_cached_list_makes_no_query_of_the_listings(
    world: World, draft_need: Any, list_cache: str
) -> None:
    move(draft_need, world, "submit", "publish")
    client = client_for(None)
    first = client.get("/needs/", HTTP_HX_REQUEST="true").content.decode()

    with CaptureQueriesContext(connection) as queries:
        page = anonymous("/needs/")  # the page around the list: its own CSRF token
        again = client.get("/needs/", HTTP_HX_REQUEST="true").content.decode()

    assert again == first
    assert first in page
    assert [q["sql"] for q in queries if "catalog_need" in q["sql"]] == []


def test_a_signed_in_visitor_never_gets_the_anonymous_list(
    world: World, draft_need: Any, list_cache: str
) -> None:
    published = move(draft_need, world, "submit", "publish")
    anonymous("/needs/")  # cached
    cache_keys_before = _cached_list_keys(list_cache)

    with CaptureQueriesContext(connection) as queries:
        page = client_for(world.owner_admin).get("/needs/").content.decode()

    assert published.title in page
    assert any("catalog_need" in q["sql"] for q in queries)  # rendered for them
    assert _cached_list_keys(list_cache) == cache_keys_before


def _cached_list_keys(kind: str) -> list[str]:
    if kind != "database":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM kechuang_cache ORDER BY cache_key")
        return [row[0] for row in cursor.fetchall()]


def test_the_htmx_fragment_and_languages_are_cached_apart(
    world: World, draft_need: Any, list_cache: str
) -> None:
    move(draft_need, world, "submit", "publish")
    client = client_for(None)
    fragment = client.get("/needs/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and draft_need.title in fragment
    page = client.get("/needs/").content.decode()
    assert "<html" in page and draft_need.title in page
    english = client.get("/needs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english.count('lang="en"') == 1 or 'lang="en' in english


def test_achievements_and_experts_follow_their_lifecycle(world: World, list_cache: str) -> None:
    from kechuang.catalog.services import achievement_create

    item = achievement_create(
        actor=world.owner_admin, organization=world.enterprise, **achievement_data()
    )
    assert item.title not in anonymous("/achievements/")
    move(item, world, "submit", "publish")
    assert item.title in anonymous("/achievements/")

    expert = expert_create(
        actor=world.hangzhou_staff,
        organization=world.hangzhou,
        for_self=False,
        name="缓存测试专家",
        affiliation="杭州某研究院",
        region_id="330106",
        keywords="热管理",
        disciplines=["470"],
    )
    assert "缓存测试专家" not in anonymous("/experts/")
    expert_set_status(actor=world.hangzhou_staff, expert=expert, status="published")
    assert "缓存测试专家" in anonymous("/experts/")
    expert_set_status(actor=world.hangzhou_staff, expert=expert, status="hidden")
    assert "缓存测试专家" not in anonymous("/experts/")


def test_a_cache_that_is_down_serves_the_list_uncached(
    world: World, draft_need: Any, settings: Any
) -> None:
    settings.KECHUANG_ANONYMOUS_LIST_CACHE_SECONDS = 60
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    need = move(draft_need, world, "submit", "publish")
    assert need.title in anonymous("/needs/")


def test_settings_choose_redis_and_cached_sessions_with_redis_url() -> None:
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'kechuang.settings'\n"
        "from django.conf import settings as s\n"
        "print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE)"
    )

    def run(env: dict[str, str]) -> str:
        import os

        done = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    assert run({"REDIS_URL": "redis://127.0.0.1:6379/1"}) == (
        "django.core.cache.backends.redis.RedisCache django.contrib.sessions.backends.cached_db"
    )
    assert run({"REDIS_URL": ""}) == (
        "django.core.cache.backends.db.DatabaseCache django.contrib.sessions.backends.db"
    )
