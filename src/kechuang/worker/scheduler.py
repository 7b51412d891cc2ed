"""The periodic jobs (``kechuang scheduler``, or ``kechuang worker`` unless ``--no-scheduler``).

Each job is a task with a cron schedule (in ``TIME_ZONE``, Asia/Shanghai). When a job is
due, the scheduler *enqueues* its task; whichever worker takes it runs it. So the
scheduler itself never embeds nor mails, and a long job (a digest) delays no other.

Exactly one scheduler acts per data directory: the due check runs under a file lock, and
when each job was last enqueued is kept in ``$KECHUANG_DATA_DIR/worker-jobs.json``, so
several workers (``--concurrency``) and restarts enqueue each occurrence once. A job with
no record yet is enqueued at once if it is a catch-up job (deadlines, expiry: running them
early is harmless), otherwise (digests) its first occurrence is the next one.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from croniter import croniter
from django.db import DatabaseError
from redis.exceptions import RedisError

from kechuang.common.filelocks import try_lock

log = logging.getLogger("kechuang.scheduler")

RETRY_AFTER = 60.0  # seconds before a job whose enqueue failed (Redis down) is tried again
# what enqueueing raises while the task backend (the database, Redis) is unreachable
ENQUEUE_ERRORS = (DatabaseError, RedisError, OSError)


@dataclass(frozen=True)
class Job:
    """A periodic job: a task (``django_tasks`` ``Task``) safe to run any number of times."""

    name: str
    schedule: str  # a cron expression: minute hour day-of-month month day-of-week
    task: Any
    kwargs: dict[str, Any] = field(default_factory=dict)
    catch_up: bool = True  # enqueued at once when it has never run here

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.schedule):
            raise ValueError(f"job {self.name}: not a cron expression: {self.schedule!r}")

    def next_after(self, when: datetime.datetime) -> datetime.datetime:
        nxt: datetime.datetime = croniter(self.schedule, when).get_next(datetime.datetime)
        return nxt


def default_jobs() -> list[Job]:
    """What replaces the cron lines (docs/operations.md, "The background worker")."""
    from kechuang.api.tasks import idempotency_purge
    from kechuang.catalog.tasks import listings_expire, recommendation_digest
    from kechuang.challenges.tasks import challenges_tick
    from kechuang.engagements.tasks import remind_stalled
    from kechuang.invitations.tasks import invitations_expire
    from kechuang.matching.tasks import reindex
    from kechuang.notifications.tasks import notifications_digest

    return [
        Job("challenges-tick", "*/5 * * * *", challenges_tick),
        Job("expire", "7 * * * *", listings_expire),
        Job("invitations-expire", "17 * * * *", invitations_expire),
        Job("idempotency-purge", "27 * * * *", idempotency_purge),
        Job("engagements-remind-stalled", "23 * * * *", remind_stalled),
        Job("notify-digest-daily", "30 7 * * *", notifications_digest, {"period": "daily"}, False),
        Job("notify-digest-weekly", "0 8 * * 1", notifications_digest, {"period": "weekly"}, False),
        Job("recommend-digest", "0 9 * * 1", recommendation_digest, {"days": 7}, False),
        Job("reindex", "0 3 * * 0", reindex, {}, False),
    ]


class Scheduler:
    def __init__(self, jobs: list[Job], *, data_dir: Path | None = None) -> None:
        from django.conf import settings

        self.jobs = jobs
        self.data_dir = Path(data_dir or settings.DATA_DIR)
        self._retry_at: dict[str, float] = {}

    @property
    def state_path(self) -> Path:
        return self.data_dir / "worker-jobs.json"

    def _load(self) -> dict[str, float]:
        try:
            state = json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return {}
        return {k: float(v) for k, v in state.items()} if isinstance(state, dict) else {}

    def _save(self, state: dict[str, float]) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, sort_keys=True))
        os.replace(tmp, self.state_path)

    def run_due(self, *, now: datetime.datetime | None = None) -> list[str]:
        """Enqueue the jobs that are due; the names of those enqueued. Another process
        holding the lock means it is the scheduler: this one does nothing."""
        from django.utils import timezone

        if not self.jobs:
            return []
        now = now or timezone.localtime()
        enqueued: list[str] = []
        with try_lock(self.data_dir / "worker-jobs.lock") as mine:
            if not mine:
                return enqueued
            state = self._load()
            changed = False
            for job in self.jobs:
                last = state.get(job.name)
                if last is None and not job.catch_up:
                    state[job.name] = now.timestamp()  # its first occurrence is the next one
                    changed = True
                    continue
                if last is not None:
                    previous = datetime.datetime.fromtimestamp(last, tz=now.tzinfo)
                    if job.next_after(previous) > now:
                        continue
                if time.monotonic() < self._retry_at.get(job.name, 0.0):
                    continue
                try:
                    job.task.enqueue(**job.kwargs)
                except ENQUEUE_ERRORS:
                    log.exception("could not enqueue periodic job %s", job.name)
                    self._retry_at[job.name] = time.monotonic() + RETRY_AFTER
                    continue
                state[job.name] = now.timestamp()
                changed = True
                enqueued.append(job.name)
            if changed:
                self._save(state)
        if enqueued:
            log.info("enqueued periodic jobs: %s", ", ".join(enqueued))
        return enqueued
