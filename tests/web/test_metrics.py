"""/metrics (kechuang.web.metrics): Prometheus text for this machine or a token holder only;
request latency by view, the index queue and the worker heartbeat read at scrape time,
embedding throughput counted where documents are embedded, added up across processes."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from kechuang.matching.models import IndexQueue

pytestmark = pytest.mark.django_db

SRC = Path(__file__).parents[2] / "src"


def scrape(client: Client | None = None, **extra: Any) -> dict[str, Any]:
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    samples: dict[str, Any] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            key = sample.name + (
                "{" + ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items())) + "}"
                if sample.labels
                else ""
            )
            samples[key] = sample.value
    return samples


def test_request_latency_is_recorded_by_view() -> None:
    Client().get("/needs/")
    Client().get("/api/v1/needs")

    samples = scrape()

    need_list = "kechuang_request_duration_seconds_count{method=GET,status=2xx,view=web:need_list}"
    assert samples[need_list] >= 1
    assert any("view=api:" in key and "status=2xx" in key for key in samples)


def test_queue_length_and_lag_are_read_from_the_database() -> None:
    old = timezone.now() - datetime.timedelta(seconds=90)
    IndexQueue.objects.create(kind="need", object_id=1, queued_at=old)
    IndexQueue.objects.create(kind="need", object_id=2, queued_at=timezone.now())

    samples = scrape()

    assert samples["kechuang_index_queue_length"] == 2
    assert 90 <= samples["kechuang_index_queue_lag_seconds"] < 120


def test_worker_heartbeat_age(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    assert scrape()["kechuang_worker_up"] == 0
    assert "kechuang_worker_heartbeat_age_seconds" not in scrape()

    (tmp_path / "worker.heartbeat").write_text(f"{time.time() - 12:.3f}\n")

    age = scrape()["kechuang_worker_heartbeat_age_seconds"]
    assert 12 <= age < 30


def test_embedding_is_counted_where_documents_are_embedded(tmp_path: Path) -> None:
    from kechuang.matching.engine import Engine
    from kechuang.matching.types import Document
    from tests.matching.test_local_backend import HashEmbedder

    before = scrape().get("kechuang_embedded_items_total", 0.0)
    docs = [
        Document(id=f"need:{i}", kind="need", title=f"液冷板{i}", body="电池热管理", attrs={})
        for i in range(3)
    ]
    with Engine(tmp_path / "index", embedder=HashEmbedder()) as engine:
        engine.upsert(docs)

    samples = scrape()
    assert samples["kechuang_embedded_items_total"] - before >= 3
    assert samples["kechuang_embedding_seconds_total"] > 0


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"REMOTE_ADDR": "203.0.113.5"}, id="another-address"),
        pytest.param({"HTTP_X_FORWARDED_FOR": "203.0.113.5"}, id="through-a-local-proxy"),
        pytest.param(
            {"REMOTE_ADDR": "203.0.113.5", "HTTP_AUTHORIZATION": "Bearer x"}, id="no-token-set"
        ),
    ],
)
def test_metrics_are_not_public(extra: dict[str, str]) -> None:
    assert Client().get("/metrics", **extra).status_code == 404


def test_a_token_opens_it_from_anywhere(settings: Any) -> None:
    settings.KECHUANG_METRICS_TOKEN = "s3cret-metrics-token"
    remote = {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}

    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **remote).status_code == 404
    ok = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token", **remote)
    assert ok.status_code == 200


def test_configured_networks(settings: Any) -> None:
    settings.KECHUANG_METRICS_NETWORKS = ["10.0.0.0/8"]
    assert Client().get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert Client().get("/metrics").status_code == 404  # 127.0.0.1 no longer listed


def test_counters_of_several_processes_are_added_up(tmp_path: Path) -> None:
    """prometheus-client's multiprocess mode, as ``kechuang serve`` sets it up: two
    processes embed, a third answers /metrics with their sum."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "kechuang.settings",
        "KECHUANG_DATA_DIR": str(tmp_path),
    }
    count = "from kechuang.common import metrics; metrics.EMBEDDED_ITEMS.inc({n})"
    for n in (5, 7):
        subprocess.run([sys.executable, "-c", count.format(n=n)], env=env, check=True)
    read = (
        "import django; django.setup()\n"
        "from prometheus_client import generate_latest\n"
        "from kechuang.web.metrics import _registry\n"
        "print(generate_latest(_registry()).decode())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", read], env=env, check=True, capture_output=True, text=True
    ).stdout

    assert "kechuang_embedded_items_total 12.0" in out
