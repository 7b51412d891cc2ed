"""The heartbeat goes on during a long index batch: web processes must not take a busy
worker for a dead one and embed in their requests (bench/load.py saw that when the beat
was written only between batches)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import kechuang.worker as worker_module
from kechuang.common import heartbeat
from kechuang.worker import Worker


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_is_fresh_while_a_batch_runs_long(
    settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DATA_DIR = tmp_path
    settings.KECHUANG_SEARCH_BACKEND = "database"
    worker = Worker(jobs=[], interval=0.01, beat_every=0.05)
    in_batch, beats_during_batch = threading.Event(), []

    def long_batch() -> int:
        in_batch.set()
        started = time.time()
        time.sleep(0.6)  # a batch many beat periods long
        last = heartbeat.last_heartbeat()
        assert last is not None
        beats_during_batch.append(last.timestamp() - started)
        worker.stopping.set()
        return 1

    monkeypatch.setattr(worker, "housekeep", long_batch)

    class IdleTasks:
        def run(self, *, burst: bool) -> None:
            worker.stopping.wait(5)

    monkeypatch.setattr(worker_module, "runner_for", lambda *a, **k: IdleTasks())

    worker.run()

    assert in_batch.is_set()
    # the last beat was written well inside the batch, not only before it
    assert beats_during_batch and beats_during_batch[0] > 0.3


def test_two_threads_beating_at_once_never_fail(settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path
    errors: list[BaseException] = []

    def beat_often() -> None:
        try:
            for _ in range(300):
                heartbeat.beat()
        except BaseException as exc:  # noqa: BLE001 — the test collects what a thread raised
            errors.append(exc)

    threads = [threading.Thread(target=beat_often) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert heartbeat.last_heartbeat() is not None
    assert [p.name for p in tmp_path.iterdir()] == ["worker.heartbeat"]
