"""Running enqueued tasks, one per backend of ``KECHUANG_TASKS``, in this process.

Each runner is the backend's own worker loop, run in the main thread (it installs the
signal handlers: SIGTERM ends it after the task at hand):

- ``database``: django-tasks-db's worker (the loop of ``manage.py db_worker``), which
  claims one row at a time (``SELECT … FOR UPDATE SKIP LOCKED`` where the database has it);
- ``rq``: RQ's ``SimpleWorker``, which runs each job in this process. RQ's default worker
  forks a child per job, and a child of a process that has run the embedding model hangs
  at its first inference (``matching.forksafety``); the simple worker keeps one model per
  worker process, loaded once;
- ``immediate``: tasks ran when they were enqueued; nothing to run.

``burst=True`` runs what is queued now and returns (tests, ``kechuang worker --once``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
from collections.abc import Iterator, Sequence
from typing import Protocol


class Runner(Protocol):
    def run(self, *, burst: bool) -> None: ...


@contextlib.contextmanager
def keeping_signal_handlers() -> Iterator[None]:
    """Put back SIGINT's and SIGTERM's handlers after a loop that installed its own."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}"


class DatabaseRunner:
    def __init__(self, queues: Sequence[str], *, interval: float, backend: str = "default"):
        self.queues = list(queues)
        self.interval = interval
        self.backend = backend

    def run(self, *, burst: bool) -> None:
        from django_tasks_db.management.commands.db_worker import Worker as DBWorker

        worker = DBWorker(
            queue_names=self.queues,
            interval=self.interval,
            batch=burst,
            backend_name=self.backend,
            startup_delay=not burst,
            max_tasks=None,
            worker_id=worker_id(),
            excluded_queue_names=[],
        )
        with keeping_signal_handlers():
            if not burst and threading.current_thread() is threading.main_thread():
                worker.configure_signals()
            worker.run()


class RQRunner:
    def __init__(self, queues: Sequence[str]):
        self.queues = list(queues)

    def run(self, *, burst: bool) -> None:
        import django_rq
        from django_tasks_rq.backend import Job

        worker = django_rq.get_worker(
            *self.queues, job_class=Job, worker_class="rq.worker.SimpleWorker", name=worker_id()
        )
        with keeping_signal_handlers():
            worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")


class NoRunner:
    """The immediate backend: every task ran in the process that enqueued it."""

    def __init__(self, stop: threading.Event):
        self.stop = stop

    def run(self, *, burst: bool) -> None:
        if burst:
            return

        def _stop(signum: int, frame: object) -> None:
            self.stop.set()

        with keeping_signal_handlers():
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, _stop)
                signal.signal(signal.SIGINT, _stop)
            while not self.stop.wait(0.5):
                pass


def runner_for(
    backend: str, queues: Sequence[str], *, interval: float, stop: threading.Event
) -> Runner:
    if backend == "database":
        return DatabaseRunner(queues, interval=interval)
    if backend == "rq":
        return RQRunner(queues)
    return NoRunner(stop)
