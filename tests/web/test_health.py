"""Health endpoints for load balancers (kechuang.web.health): /healthz says the process is
up without touching the database; /readyz reports the database, migrations, search index,
worker heartbeat and index queue, and answers 503 only when the site cannot serve."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kechuang.common import heartbeat
from kechuang.matching import indexing
from kechuang.matching.models import IndexQueue
from kechuang.web import health
from tests.matching.conftest import Search, real_search  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("server closed the connection unexpectedly")


def test_healthz_is_ok_without_touching_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "cursor", _boom)

    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert "Set-Cookie" not in response


def test_healthz_makes_no_query() -> None:
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert len(queries) == 0


def test_readyz_reports_every_check(settings: Any) -> None:
    settings.KECHUANG_REQUIRE_WORKER = False
    response = Client().get("/readyz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert set(checks) == {"database", "migrations", "search", "index_queue", "worker"}
    assert checks["database"]["status"] == "ok"
    assert checks["migrations"] == {"status": "ok"}
    # the tests run search from the database (conftest): disabled counts as ready
    assert checks["search"] == {"status": "disabled", "ready": True}
    assert checks["index_queue"] == {
        "status": "ok",
        "length": 0,
        "oldest_queued_at": None,
        "lag_seconds": 0.0,
        "lag_limit_seconds": 300,
        "rebuild": "idle",
    }
    assert checks["worker"] == {"status": "absent", "required": False, "last_heartbeat": None}


def test_readyz_answers_get_and_head_only_and_needs_no_session() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get("/readyz").status_code == 200
    assert client.head("/readyz").status_code == 200
    assert "Set-Cookie" not in client.get("/readyz")
    assert Client().post("/readyz").status_code == 405
    assert Client().post("/healthz").status_code == 405


def test_readyz_is_unavailable_when_the_database_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "cursor", _boom)

    response = Client().get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"status": "error", "error": "OperationalError"}
    assert set(body["checks"]) == {"database", "worker"}


def test_readyz_reports_queue_length_and_lag() -> None:
    queued = timezone.now() - datetime.timedelta(seconds=90)
    IndexQueue.objects.create(kind="need", object_id=1, queued_at=queued)
    IndexQueue.objects.create(kind="need", object_id=2, queued_at=timezone.now())

    queue = Client().get("/readyz").json()["checks"]["index_queue"]

    assert queue["length"] == 2
    assert queue["oldest_queued_at"] == queued.isoformat()
    assert 90.0 <= queue["lag_seconds"] < 120.0


def test_a_degraded_index_is_reported_but_still_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    from kechuang.matching import indexing

    report = {"status": "corrupted", "rebuilding": False, "pending": 0, "lag_seconds": 0.0}
    monkeypatch.setattr(indexing, "index_health", lambda: report)

    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["search"] == {"status": "corrupted", "ready": False}


def test_a_rebuilding_index_is_degraded(monkeypatch: pytest.MonkeyPatch) -> None:
    from kechuang.matching import indexing

    report = {"status": "ok", "rebuilding": True, "items": 7}
    monkeypatch.setattr(indexing, "index_health", lambda: report)

    body = Client().get("/readyz").json()

    assert body["status"] == "degraded"
    assert body["checks"]["search"] == {"status": "rebuilding", "ready": False, "items": 7}


@pytest.fixture
def data_dir(settings: Any, tmp_path: Any) -> Any:
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_worker_heartbeat_is_reported_but_not_required(data_dir: Any, settings: Any) -> None:
    settings.KECHUANG_REQUIRE_WORKER = False
    (data_dir / "worker.heartbeat").write_text(f"{time.time() - 120:.3f}\n")

    response = Client().get("/readyz")

    assert response.status_code == 200
    worker = response.json()["checks"]["worker"]
    assert worker["status"] == "stale"
    assert worker["required"] is False
    assert 120.0 <= worker["age_seconds"] < 150.0


def test_a_required_worker_that_stopped_makes_it_unavailable(data_dir: Any, settings: Any) -> None:
    settings.KECHUANG_REQUIRE_WORKER = True
    (data_dir / "worker.heartbeat").write_text(f"{time.time() - 120:.3f}\n")

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["worker"]["status"] == "stale"


def test_a_required_worker_that_beats_is_ready(data_dir: Any, settings: Any) -> None:
    settings.KECHUANG_REQUIRE_WORKER = True
    heartbeat.beat()

    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["worker"]["status"] == "ok"
    assert response.json()["checks"]["worker"]["required"] is True


def test_readyz_with_the_real_index(real_search: Search, settings: Any) -> None:  # noqa: F811
    body = Client().get("/readyz").json()
    assert body["status"] == "ok"
    assert body["checks"]["search"] == {"status": "ok", "ready": True, "items": 0}

    indexing.index_root().unlink()  # the "current" link to the index: gone
    response = Client().get("/readyz")

    assert response.status_code == 200  # search falls back to the database
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["search"] == {"status": "missing", "ready": False}
    assert real_search.rebuilds == ["triggered"]  # as a search would, it asks for a rebuild


def test_pending_migrations_make_it_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("m", False)])

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["migrations"] == {"status": "pending", "unapplied": 1}
