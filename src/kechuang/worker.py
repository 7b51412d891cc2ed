"""The background worker (``kechuang worker``): index changes off the request path, and
run the periodic jobs that would otherwise need cron lines.

Web requests only queue a change (``IndexQueue``, in the change's own transaction); the
worker embeds and indexes the queue in batches, so a request never waits for the model.
The model is loaded in this process, which never forks (see ``matching.forksafety``).

- **Draining** runs in one process at a time per index (a file lock beside the index):
  several workers on one machine take turns rather than embed the same rows twice.
- **Periodic jobs** (``--scheduler``, on by default) run in one process at a time (a file
  lock in the data directory); when each last ran is kept in
  ``$KECHUANG_DATA_DIR/worker-jobs.json``, so a restart does not run them all again.
- **Heartbeat** (``common.heartbeat``): ``$KECHUANG_DATA_DIR/worker.heartbeat`` holds the
  time of the last loop. While it is fresh, web requests only queue their changes
  (``KECHUANG_SEARCH_INDEX_ON_COMMIT=auto``); without a worker they index them themselves.

SIGTERM or SIGINT stops it after the current batch.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kechuang.common import heartbeat
from kechuang.common.filelocks import try_lock

log = logging.getLogger("kechuang.worker")


@dataclass(frozen=True)
class Job:
    """A periodic job: a service call that is safe to run any number of times."""

    name: str
    every: datetime.timedelta
    run: Callable[[], Any]


def default_jobs() -> list[Job]:
    from kechuang.catalog.services import listings_expire_due
    from kechuang.challenges.services.tick import challenges_tick
    from kechuang.engagements.reminders import engagements_remind_stalled

    return [
        Job("challenges-tick", datetime.timedelta(minutes=5), challenges_tick),
        Job("expire", datetime.timedelta(hours=1), listings_expire_due),
        Job("engagements-remind-stalled", datetime.timedelta(hours=1), engagements_remind_stalled),
    ]


class Worker:
    def __init__(
        self,
        *,
        interval: float = 1.0,
        batch: int = 16,
        jobs: list[Job] | None = None,
    ) -> None:
        from django.conf import settings

        self.interval = interval
        self.batch = batch
        self.jobs = jobs if jobs is not None else []
        self.data_dir = Path(settings.DATA_DIR)
        self.stopping = False

    # --- the loop ------------------------------------------------------------------

    def run(self, *, once: bool = False) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        log.info("worker started (pid %s)", os.getpid())
        from django.db import close_old_connections

        while not self.stopping:
            self.beat()
            drained = self.drain()
            self.run_due_jobs()
            self.beat()
            # as between two requests: drop connections that are too old or broken
            close_old_connections()
            if once:
                break
            if not drained:  # an empty queue: wait; a busy one: go on at once
                self._sleep(self.interval)
        log.info("worker stopped")

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping = True

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, seconds))

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
        """Run the jobs whose interval has passed; the names of those that ran."""
        if not self.jobs:
            return []
        ran: list[str] = []
        with try_lock(self.data_dir / "worker-jobs.lock") as mine:
            if not mine:
                return ran
            state_path = self.data_dir / "worker-jobs.json"
            try:
                state = json.loads(state_path.read_text())
            except (OSError, ValueError):
                state = {}
            now = time.time()
            for job in self.jobs:
                if now - float(state.get(job.name, 0)) < job.every.total_seconds():
                    continue
                try:
                    job.run()
                except Exception:  # one failing job must not stop the worker (logged)
                    log.exception("periodic job %s failed", job.name)
                else:
                    ran.append(job.name)
                # a failure waits for the next interval too, rather than retrying every loop
                state[job.name] = now
            tmp = state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state))
            os.replace(tmp, state_path)
        return ran
