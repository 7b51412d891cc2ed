"""``kechuang worker``: requests leave indexing to it while it runs, and it drains the
queue (its tasks and periodic jobs: tests/worker/)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from kechuang.catalog.choices import ListingAction
from kechuang.catalog.services import listing_transition
from kechuang.common import heartbeat
from kechuang.matching.models import IndexQueue
from kechuang.matching.services import index_on_commit
from kechuang.worker import Worker
from tests.conftest import World
from tests.matching.conftest import Search, make_need


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """A data directory of the test's own (its heartbeat must not leak into others)."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    heartbeat._cache = (0.0, False)
    yield settings.DATA_DIR
    heartbeat._cache = (0.0, False)


def test_requests_index_their_changes_until_a_worker_beats(data_dir: Path, settings: Any) -> None:
    settings.KECHUANG_SEARCH_INDEX_ON_COMMIT = "auto"
    assert index_on_commit()

    heartbeat.beat()
    heartbeat._cache = (0.0, False)
    assert not index_on_commit()

    settings.KECHUANG_SEARCH_INDEX_ON_COMMIT = "true"
    assert index_on_commit()


def test_a_stale_heartbeat_counts_as_no_worker(data_dir: Path) -> None:
    (data_dir / "worker.heartbeat").write_text(f"{1_000_000_000:.3f}\n")
    assert not heartbeat.worker_alive()
    assert heartbeat.last_heartbeat() == datetime.datetime(
        2001, 9, 9, 1, 46, 40, tzinfo=datetime.UTC
    )


def test_the_worker_indexes_what_requests_only_queued(
    world: World, search_on: Search, committed: Any, data_dir: Path
) -> None:
    need = make_need(world, published=False)
    listing_transition(actor=world.owner_admin, item=need, action=ListingAction.SUBMIT)
    heartbeat.beat()  # a worker is running: publishing below only queues
    with committed():
        listing_transition(actor=world.hangzhou_staff, item=need, action=ListingAction.PUBLISH)
    assert f"need:{need.pk}" not in search_on.ids()
    assert IndexQueue.objects.filter(kind="need", object_id=need.pk).exists()

    worker = Worker(jobs=[])
    assert worker.drain() == 1
    worker.beat()

    assert f"need:{need.pk}" in search_on.ids()
    assert not IndexQueue.objects.exists()
    assert heartbeat.last_heartbeat() is not None
