"""/readyz and ``kechuang search-health`` fail when the index queue lags past
``KECHUANG_INDEX_LAG_MAX_SECONDS`` or a rebuild died or runs past
``KECHUANG_REBUILD_MAX_SECONDS`` (kechuang.matching.health)."""

from __future__ import annotations

import datetime
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kechuang import cli
from kechuang.common.filelocks import try_lock
from kechuang.matching import indexing
from kechuang.matching.models import IndexQueue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def index_dir(settings: Any, tmp_path: Path) -> Path:
    settings.KECHUANG_INDEX_DIR = tmp_path / "index"
    settings.KECHUANG_INDEX_LAG_MAX_SECONDS = 300
    settings.KECHUANG_REBUILD_MAX_SECONDS = 3600
    return tmp_path


def queued(seconds_ago: float) -> None:
    IndexQueue.objects.create(
        kind="need", object_id=1, queued_at=timezone.now() - datetime.timedelta(seconds=seconds_ago)
    )


@pytest.fixture
def live_rebuild() -> Iterator[Path]:
    """A rebuild in progress: its lock held (by this process), its marker written."""
    with try_lock(indexing.rebuild_lock_path()) as mine:
        assert mine
        indexing._marker().write_text("now")
        yield indexing._marker()
        indexing._marker().unlink(missing_ok=True)


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def search_health(capsys: Any) -> tuple[int, dict[str, Any]]:
    code = cli.main(["search-health", "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_queue_within_the_limit_is_ready(capsys: Any) -> None:
    queued(200)

    response = Client().get("/readyz")

    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["index_queue"]["status"] == "ok"
    assert search_health(capsys)[0] == 0


def test_a_queue_lagging_past_the_limit_is_unavailable(capsys: Any) -> None:
    queued(400)

    response = Client().get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    queue = body["checks"]["index_queue"]
    assert queue["status"] == "over_threshold"
    assert 400 <= queue["lag_seconds"] < 430
    assert queue["problems"][0].startswith("索引队列积压：最早的变更已等待 4")
    code, report = search_health(capsys)
    assert code == 1
    assert report["problems"][0].startswith("索引队列积压：最早的变更已等待 4")


def test_the_lag_check_can_be_turned_off(settings: Any, capsys: Any) -> None:
    settings.KECHUANG_INDEX_LAG_MAX_SECONDS = 0
    queued(4000)

    assert Client().get("/readyz").status_code == 200
    assert search_health(capsys)[0] == 0


def test_a_live_rebuild_excuses_the_lag_it_causes(live_rebuild: Path, capsys: Any) -> None:
    queued(400)

    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["index_queue"]["rebuild"] == "running"
    assert search_health(capsys)[0] == 0


def test_a_rebuild_running_past_its_limit_fails(live_rebuild: Path, capsys: Any) -> None:
    age(live_rebuild, 3700)

    response = Client().get("/readyz")

    assert response.status_code == 503
    queue = response.json()["checks"]["index_queue"]
    assert queue["rebuild"] == "overdue"
    assert queue["problems"] == ["索引重建已运行 3700 秒，超过上限 3600 秒"]
    code, report = search_health(capsys)
    assert code == 1
    assert report["rebuild"]["state"] == "overdue"


def test_a_stale_rebuild_marker_fails_once_and_is_cleared(capsys: Any) -> None:
    marker = indexing._marker()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("2026-12-01T00:00:00")  # left by a killed reindex: no lock held

    code, report = search_health(capsys)

    assert code == 1
    assert report["rebuild"]["state"] == "stale"
    assert report["problems"][0].startswith("发现中断的索引重建")
    assert not marker.exists()
    assert search_health(capsys)[0] == 0  # cleared: the queue drains again


def test_readyz_reports_a_stale_marker_as_unavailable() -> None:
    marker = indexing._marker()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("2026-12-01T00:00:00")

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["index_queue"]["rebuild"] == "stale"
    assert not marker.exists()
    assert Client().get("/readyz").status_code == 200
