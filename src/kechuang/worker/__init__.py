"""The background worker (``kechuang worker``): indexing off the request path, the tasks
that requests and the scheduler enqueue (django-tasks), and the periodic jobs.

One worker process does three things:

- **runs tasks** (e-mails, digests, deadlines …) of the backend ``KECHUANG_TASKS`` names
  (``runners.py``), in its main thread;
- **drains the index queue**: web requests only queue a change (``IndexQueue``, in the
  change's own transaction); a housekeeping thread embeds and indexes the queue in
  batches, one model call per batch, so a request never waits for the model. One process
  at a time drains an index (a file lock beside it); several workers take turns;
- **schedules** (``scheduler.py``, unless ``--no-scheduler``): enqueues the periodic jobs
  when due, one scheduler per data directory (a file lock).

A heartbeat thread writes the **heartbeat** (``common.heartbeat``) every few seconds while
the housekeeping thread lives — also during a long index batch, which under load can take
longer than the heartbeat's freshness (bench/load.py saw web requests embed themselves
when the beat was only written between batches). While it is fresh, web requests only
queue their index changes (``KECHUANG_SEARCH_INDEX_ON_COMMIT=auto``).

The embedding model is loaded in this process, which never forks (``matching.forksafety``):
RQ jobs run in a ``SimpleWorker``, and ``--concurrency N`` starts N fresh processes (each
loads its own model) instead of forking this one. SIGTERM or SIGINT stops it after the
task and the index batch at hand.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

from kechuang.common import heartbeat
from kechuang.common.filelocks import try_lock
from kechuang.worker.runners import keeping_signal_handlers, runner_for
from kechuang.worker.scheduler import Job, Scheduler, default_jobs

__all__ = ["Job", "Scheduler", "Worker", "default_jobs"]

log = logging.getLogger("kechuang.worker")


class Worker:
    def __init__(
        self,
        *,
        interval: float = 1.0,
        batch: int = 16,
        beat_every: float = 5.0,
        jobs: list[Job] | None = None,
        queues: list[str] | None = None,
    ) -> None:
        from django.conf import settings

        self.interval = interval
        self.batch = batch
        self.beat_every = beat_every
        self.scheduler = Scheduler(jobs or [])
        self.queues = queues or list(settings.KECHUANG_TASK_QUEUES)
        self.backend = str(settings.KECHUANG_TASKS)
        self.stopping = threading.Event()

    # --- the process -----------------------------------------------------------------

    def run(self, *, once: bool = False) -> None:
        """Housekeeping in a thread, tasks in the main thread, until a signal (or, with
        ``once``, one round of each: what is queued now)."""
        log.info("worker started (pid %s, tasks: %s)", os.getpid(), self.backend)
        runner = runner_for(self.backend, self.queues, interval=self.interval, stop=self.stopping)
        if once:
            self.beat()
            self.housekeep()
            runner.run(burst=True)
            self.housekeep()
            self.beat()
            return
        keeper = threading.Thread(target=self._housekeeping, name="kechuang-housekeeping")
        keeper.start()
        pulse = threading.Thread(target=self._beating, args=(keeper,), name="kechuang-heartbeat")
        pulse.start()
        try:
            self._run_tasks(runner)
        except SystemExit:  # django-tasks-db's worker exits so on SIGTERM while idle
            pass
        finally:
            self.stopping.set()
            keeper.join()  # the index batch at hand is finished, not cut
            pulse.join()
            log.info("worker stopped")

    def _run_tasks(self, runner: Any) -> None:
        """The task loop, started again after a database error (a PostgreSQL restart ends
        django-tasks-db's loop with its connection; bench/faults/pg_restart.py found the
        whole worker exiting so)."""
        from django.db import DatabaseError, connection

        while not self.stopping.is_set():
            try:
                runner.run(burst=False)
                return
            except DatabaseError as exc:
                log.warning("worker tasks: database unavailable (%s); starting again", exc)
                connection.close()
                self.stopping.wait(self.interval)

    def _housekeeping(self) -> None:
        from django.db import DatabaseError, connection

        try:
            while not self.stopping.is_set():
                try:
                    drained = self.housekeep()
                except DatabaseError as exc:  # a database restart: wait, reconnect, go on
                    log.warning("worker housekeeping: database unavailable (%s)", exc)
                    connection.close()
                    drained = 0
                if not drained:  # an empty queue: wait; a busy one: go on at once
                    self.stopping.wait(self.interval)
        except BaseException:
            log.exception("the worker's housekeeping failed; stopping the worker")
            self.stopping.set()
            os.kill(os.getpid(), signal.SIGTERM)  # ends the task loop too: restart us
            raise
        finally:
            connection.close()

    def _beating(self, keeper: threading.Thread) -> None:
        """Beat while the housekeeping thread lives, however long its batch takes."""
        while not self.stopping.is_set() and keeper.is_alive():
            try:
                self.beat()
            except OSError as exc:  # a full or read-only data disk: readyz will say so
                log.warning("worker heartbeat not written: %s", exc)
            self.stopping.wait(self.beat_every)

    def housekeep(self) -> int:
        """One round: drain one batch, enqueue due jobs; how many were indexed. (The
        heartbeat is the heartbeat thread's, however long the round takes.)"""
        from django.db import close_old_connections

        drained = self.drain()
        self.run_due_jobs()
        # as between two requests: drop connections that are too old or broken
        close_old_connections()
        return drained

    def beat(self) -> None:
        heartbeat.beat()

    # --- indexing ------------------------------------------------------------------

    def drain(self) -> int:
        """Index one batch of queued changes (if no other process is at it)."""
        from kechuang.matching import indexing

        if not indexing.search_enabled():
            return 0
        root = indexing.index_root()
        with try_lock(root.parent / f"{root.name}.drain.lock") as mine:
            if not mine:
                return 0
            return indexing.index_pending(limit=self.batch)

    # --- periodic jobs -------------------------------------------------------------

    def run_due_jobs(self) -> list[str]:
        return self.scheduler.run_due()


def run_scheduler(jobs: list[Job], *, interval: float = 5.0, once: bool = False) -> None:
    """``kechuang scheduler``: only enqueue the periodic jobs (workers run them)."""
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    scheduler = Scheduler(jobs)
    if once:
        scheduler.run_due()
        return
    with keeping_signal_handlers():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        log.info("scheduler started (pid %s)", os.getpid())
        while not stop.is_set():
            scheduler.run_due()
            stop.wait(interval)
