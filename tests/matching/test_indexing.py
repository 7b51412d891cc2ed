"""What is indexed, the dirty queue, after-commit indexing, rebuilds and broken indexes."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from kechuang import cli
from kechuang.catalog.choices import ListingAction
from kechuang.catalog.models import Need
from kechuang.catalog.search import achievement_document, expert_document, need_document
from kechuang.catalog.services import (
    expert_set_status,
    expert_work_add,
    listing_transition,
    listings_expire_due,
    need_update,
)
from kechuang.common.errors import ValidationFailed
from kechuang.matching import indexing
from kechuang.matching.models import IndexQueue
from kechuang.matching.services import mark_dirty
from kechuang.orgs.search import organization_document
from kechuang.orgs.services import organization_move, organization_set_active
from tests.conftest import World
from tests.matching.conftest import (
    FakeEngine,
    Search,
    make_achievement,
    make_expert,
    make_need,
)

# ---------------------------------------------------------------- documents


def test_need_document_has_the_text_and_the_filter_attributes(world: World) -> None:
    need = make_need(world)

    doc = need_document(Need.objects.get(pk=need.pk))

    assert (doc.id, doc.kind, doc.title, doc.keywords) == (
        f"need:{need.pk}",
        "need",
        "动力电池包液冷热管理优化",
        "电池热管理 液冷板 储能",
    )
    assert doc.body.startswith("我公司储能电池包在 2C 充放电时温差超过 8℃")
    assert doc.passages == ()
    assert doc.attrs == {
        "region": "330106",
        "industry": "C38",
        "disciplines": ["470"],
        "modes": ["development"],
        "org_path": world.enterprise.path,
        "published": timezone.localdate(need.published_at).isoformat(),
    }


def test_achievement_document_carries_the_trl(world: World) -> None:
    item = make_achievement(world)

    doc = achievement_document(item)

    assert (doc.id, doc.kind, doc.title) == (f"achievement:{item.pk}", "achievement", item.title)
    assert doc.attrs["trl"] == 7
    assert doc.attrs["modes"] == ["licensing", "transfer"]


def test_expert_document_has_one_passage_per_work(world: World) -> None:
    expert = make_expert(
        world,
        works=[("锂离子电池液冷散热结构优化", "工程热物理学报"), ("相变材料储热", "")],
    )

    doc = expert_document(expert)

    assert doc.id == f"expert:{expert.pk}"
    assert (doc.title, doc.keywords) == ("陈建国", "电池热管理 储能")
    assert doc.body == "教授\n浙江大学能源工程学院\n长期从事储能系统热管理研究。"
    assert sorted(doc.passages) == ["相变材料储热", "锂离子电池液冷散热结构优化 工程热物理学报"]
    assert doc.attrs == {
        "region": "330106",
        "industries": [],
        "disciplines": ["470"],
        "org_path": world.hangzhou.path,
    }


def test_organization_document(world: World) -> None:
    doc = organization_document(world.enterprise)

    assert (doc.id, doc.kind, doc.title) == (
        f"organization:{world.enterprise.pk}",
        "organization",
        "杭州测温科技有限公司",
    )
    assert doc.attrs["org_kind"] == "enterprise"
    assert doc.attrs["org_path"] == world.enterprise.path


# ---------------------------------------------------------------- after-commit indexing


def test_publishing_indexes_the_need_after_the_commit(
    world: World, search_on: Search, committed: Any
) -> None:
    draft = make_need(world, published=False)
    assert f"need:{draft.pk}" not in search_on.ids()

    with committed():
        make_need(world, title="高温合金叶片无损检测")

    published_id = Need.objects.get(title="高温合金叶片无损检测").pk
    assert f"need:{published_id}" in search_on.ids()
    assert f"need:{draft.pk}" not in search_on.ids()
    assert IndexQueue.objects.count() == 0  # the draft's row went with the next batch


@pytest.mark.parametrize("action", [ListingAction.WITHDRAW, ListingAction.CLOSE])
def test_unpublishing_removes_at_once_even_without_on_commit_indexing(
    world: World, search_on: Search, committed: Any, settings: Any, action: str
) -> None:
    with committed():
        need = make_need(world)
    assert f"need:{need.pk}" in search_on.ids()
    settings.KECHUANG_SEARCH_INDEX_ON_COMMIT = False  # batches only: deletes still run at once

    with committed():
        listing_transition(actor=world.owner_admin, item=need, action=action)

    assert f"need:{need.pk}" not in search_on.ids()


def test_expiry_removes_from_the_index(world: World, search_on: Search, committed: Any) -> None:
    with committed():
        need = make_need(world)
    Need.objects.filter(pk=need.pk).update(expires_on=timezone.localdate() - datetime.timedelta(1))

    with committed():
        assert listings_expire_due() == 1

    assert f"need:{need.pk}" not in search_on.ids()


def test_hiding_an_expert_removes_it_and_a_new_work_updates_it(
    world: World, search_on: Search, committed: Any
) -> None:
    with committed():
        expert = make_expert(world)
        expert_work_add(
            actor=world.hangzhou_staff, expert=expert, kind="patent", title="一种液冷板", venue=""
        )
    doc = search_on.doc(f"expert:{expert.pk}")
    assert doc is not None and "一种液冷板" in doc.passages

    with committed():
        expert_set_status(actor=world.hangzhou_staff, expert=expert, status="hidden")

    assert f"expert:{expert.pk}" not in search_on.ids()


def test_deactivating_an_organisation_removes_it(
    world: World, search_on: Search, committed: Any
) -> None:
    with committed():
        mark_dirty(world.enterprise)
    assert f"organization:{world.enterprise.pk}" in search_on.ids()

    with committed():
        organization_set_active(actor=world.hangzhou_staff, org=world.enterprise, active=False)

    assert f"organization:{world.enterprise.pk}" not in search_on.ids()


def test_moving_an_organisation_reindexes_its_records_with_the_new_path(
    world: World, search_on: Search, committed: Any
) -> None:
    with committed():
        need = make_need(world)

    with committed():
        moved = organization_move(
            actor=world.platform_admin, org=world.enterprise, new_parent=world.jiangsu
        )

    doc = search_on.doc(f"need:{need.pk}")
    assert doc is not None and doc.attrs["org_path"] == moved.path
    assert moved.path.startswith(world.jiangsu.path)


def test_a_rolled_back_change_queues_nothing(world: World, search_on: Search) -> None:
    need = make_need(world, published=False)
    IndexQueue.objects.all().delete()

    with pytest.raises(ValidationFailed):
        need_update(actor=world.owner_admin, need=need, title="短")

    assert IndexQueue.objects.count() == 0


def test_a_failed_write_stays_queued(world: World, search_on: Search, committed: Any) -> None:
    FakeEngine.broken.add(str(Path(indexing.index_root()).resolve()))
    indexing.reset_engine()

    with committed():
        need = make_need(world)

    assert IndexQueue.objects.filter(kind="need", object_id=need.pk).exists()
    assert search_on.rebuilds == ["triggered"]


def test_index_pending_handles_queued_rows_and_removes_them(
    world: World, search_on: Search
) -> None:
    need = make_need(world)  # no on_commit: only queued
    other = make_need(world, title="高温合金叶片无损检测", published=False)
    assert set(IndexQueue.objects.values_list("kind", "object_id")) >= {
        ("need", need.pk),
        ("need", other.pk),
    }

    handled = indexing.index_pending()

    assert handled == 2
    assert IndexQueue.objects.count() == 0
    assert f"need:{need.pk}" in search_on.ids()
    assert f"need:{other.pk}" not in search_on.ids()


def test_a_row_queued_again_while_indexing_is_kept(world: World, search_on: Search) -> None:
    need = make_need(world)
    original = indexing._index_kinds

    def requeue_meanwhile(ids_by_kind: dict[str, list[int]]) -> Any:
        IndexQueue.objects.filter(kind__in=list(ids_by_kind)).update(
            queued_at=timezone.now() + datetime.timedelta(seconds=1)
        )
        return original(ids_by_kind)

    indexing._index_kinds = requeue_meanwhile
    try:
        indexing.index_pending()
    finally:
        indexing._index_kinds = original

    assert list(IndexQueue.objects.filter(kind="need").values_list("object_id", flat=True)) == [
        need.pk
    ]


def test_a_batch_that_fails_together_is_retried_kind_by_kind(
    world: World, search_on: Search, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One record the engine refuses holds up only its own kind, not the whole batch."""
    need = make_need(world, published=False)
    achievement = make_achievement(world, published=False)
    IndexQueue.objects.all().delete()
    mark_dirty(need)
    mark_dirty(achievement)
    Need.objects.filter(pk=need.pk).update(status="published")
    type(achievement).objects.filter(pk=achievement.pk).update(status="published")
    engine = indexing.get_engine()
    original = engine.upsert

    def refuse_achievements(docs: Any, **kwargs: Any) -> int:
        docs = list(docs)
        if any(doc.kind == "achievement" for doc in docs):
            raise ValueError("the engine refuses this achievement")
        return original(docs, **kwargs)

    monkeypatch.setattr(engine, "upsert", refuse_achievements)

    assert indexing.index_pending() == 1

    assert f"need:{need.pk}" in search_on.ids()
    assert f"achievement:{achievement.pk}" not in search_on.ids()
    left = IndexQueue.objects.get()
    assert (left.kind, left.object_id, left.attempts) == ("achievement", achievement.pk, 1)


def test_engine_off_queues_nothing(world: World) -> None:
    make_need(world)  # tests/conftest.py switches the engine off by default

    assert IndexQueue.objects.count() == 0


# ---------------------------------------------------------------- rebuild


def test_rebuild_indexes_everything_public_and_swaps_atomically(
    world: World, search_on: Search
) -> None:
    need = make_need(world)
    draft = make_need(world, title="高温合金叶片无损检测", published=False)
    expert = make_expert(world)
    old = Path(indexing.index_root()).resolve()

    result = indexing.rebuild_index()

    root = Path(indexing.index_root())
    assert root.is_symlink() and root.resolve() == result.path.resolve() != old
    assert result.counts == {
        "need": 1,
        "achievement": 0,
        "challenge": 0,
        "expert": 1,
        "organization": 6,
    }
    ids = search_on.ids()
    assert f"need:{need.pk}" in ids and f"expert:{expert.pk}" in ids
    assert f"need:{draft.pk}" not in ids
    assert IndexQueue.objects.count() == 0  # covered by the rebuild
    assert not indexing.rebuilding()


def test_cli_reindex_and_search_health(world: World, search_on: Search, capsys: Any) -> None:
    make_need(world)

    assert cli.main(["reindex"]) == 0
    out = capsys.readouterr()
    counts = "need 1，achievement 0，challenge 0，expert 0，organization 6"
    assert f"✓ 搜索索引已重建：{counts}" in out.out
    assert "建立搜索索引 [████████████████████] 7/7" in out.err

    assert cli.main(["search-health"]) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["状态", "ok"] in lines
    assert ["need", "已索引", "1", "/", "应有", "1"] in lines
    assert ["organization", "已索引", "6", "/", "应有", "6"] in lines
    assert ["待索引", "0", "条，最早的已等待", "0.0", "秒"] in lines


def test_missing_index_degrades_and_triggers_a_rebuild(world: World, search_on: Search) -> None:
    root = Path(indexing.index_root())
    root.unlink()
    indexing.reset_engine()

    with pytest.raises(indexing.SearchUnavailable) as exc:
        indexing.get_engine()

    assert exc.value.reason == "missing"
    assert search_on.rebuilds == ["triggered"]


def test_a_corrupted_index_degrades_until_rebuilt(world: World, search_on: Search) -> None:
    FakeEngine.broken.add(str(Path(indexing.index_root()).resolve()))
    indexing.reset_engine()

    with pytest.raises(indexing.SearchUnavailable) as exc:
        indexing.get_engine()
    assert exc.value.reason == "corrupted"
    assert search_on.rebuilds == ["triggered"]

    indexing.rebuild_index()

    assert indexing.get_engine().count() == 6  # the organisations, in a fresh directory


def test_real_engine_corrupted_file_is_detected_and_rebuilt(
    world: World, real_search: Search
) -> None:
    make_need(world)
    indexing.rebuild_index()
    meta = Path(indexing.index_root()).resolve() / "meta.sqlite3"
    indexing.reset_engine()
    meta.write_bytes(b"not a database" * 10)

    with pytest.raises(indexing.SearchUnavailable):
        indexing.get_engine()

    indexing.rebuild_index()
    assert indexing.get_engine().count() == 7


def test_rebuild_refuses_to_run_twice_at_once(world: World, search_on: Search) -> None:
    import fcntl
    import os

    root = Path(indexing.index_root())
    fd = os.open(root.parent / f"{root.name}.rebuild.lock", os.O_CREAT | os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        result = indexing.rebuild_index(if_idle=True)
    finally:
        os.close(fd)

    assert result.skipped is True


def test_changes_during_a_rebuild_stay_queued(world: World, search_on: Search) -> None:
    import fcntl
    import os

    need = make_need(world)
    # a running rebuild, as rebuild_index holds it: the lock, then the marker
    lock = os.open(indexing.rebuild_lock_path(), os.O_CREAT | os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)
    indexing._marker().write_text("now")
    try:
        indexing.index_pending()
    finally:
        indexing._marker().unlink()
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)

    assert IndexQueue.objects.filter(kind="need", object_id=need.pk).exists()
    assert f"need:{need.pk}" in search_on.ids()


def test_commit_inside_atomic_block_defers_indexing(
    world: World, search_on: Search, committed: Any
) -> None:
    with committed(), transaction.atomic():
        need = make_need(world)
        assert f"need:{need.pk}" not in search_on.ids()

    assert f"need:{need.pk}" in search_on.ids()


def test_a_killed_rebuild_leaves_no_stale_marker(settings: Any, tmp_path: Path) -> None:
    """A rebuild killed midway (kill -9) leaves its marker behind, but not its lock: the
    marker then counts for nothing, so the queue drains and rebuilds start again."""
    import signal
    import subprocess
    import sys

    settings.KECHUANG_SEARCH_BACKEND = "local"
    settings.KECHUANG_INDEX_DIR = tmp_path / "index"
    marker, lock = indexing._marker(), indexing.rebuild_lock_path()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(lock)!r}, os.O_CREAT | os.O_RDWR)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            f"open({str(marker)!r}, 'w').write('2026-12-01T00:00:00')\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert indexing.rebuilding()  # a live rebuild: its lock is held
        assert marker.exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()

    assert marker.exists()  # what the killed rebuild left behind …
    assert not indexing.rebuilding()  # … is recognised as stale
    assert not marker.exists()
