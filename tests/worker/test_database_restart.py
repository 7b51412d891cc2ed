"""A PostgreSQL restart ends django-tasks-db's task loop with its connection: the worker
starts the loop again instead of exiting (found by bench/faults/pg_restart.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError

import kechuang.worker as worker_module
from kechuang.worker import Worker


class _Runner:
    """A task loop that meets a restarting database twice, then stops as on SIGTERM."""

    def __init__(self, worker: Worker, failures: int) -> None:
        self.worker, self.failures, self.calls = worker, failures, 0

    def run(self, *, burst: bool) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise OperationalError("terminating connection due to administrator command")
        self.worker.stopping.set()


@pytest.fixture
def worker(settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Worker:
    settings.DATA_DIR = tmp_path
    settings.KECHUANG_SEARCH_BACKEND = "database"  # no index to drain here
    made = Worker(jobs=[], interval=0.01)
    monkeypatch.setattr(made, "housekeep", lambda: 0)
    return made


@pytest.mark.django_db
def test_the_task_loop_starts_again_after_a_database_error(
    worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = _Runner(worker, failures=2)
    monkeypatch.setattr(worker_module, "runner_for", lambda *a, **k: runner)

    worker.run()  # returns: no exception leaves it

    assert runner.calls == 3


@pytest.mark.django_db
def test_other_errors_still_stop_the_worker(
    worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        def run(self, *, burst: bool) -> None:
            raise RuntimeError("a bug")

    monkeypatch.setattr(worker_module, "runner_for", lambda *a, **k: Broken())

    with pytest.raises(RuntimeError):
        worker.run()
    assert worker.stopping.is_set()
