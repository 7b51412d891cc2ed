"""The scheduler: each periodic job enqueued once per occurrence of its cron schedule,
by one process at a time, whatever the number of workers; the cron lines it replaces."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kechuang.common.filelocks import try_lock
from kechuang.worker import Job, Scheduler, default_jobs
from tests.worker import probe_tasks
from tests.worker.probe_tasks import record


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.DATA_DIR = tmp_path
    probe_tasks.CALLS.clear()
    yield tmp_path
    probe_tasks.CALLS.clear()


def at(day: int, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=timezone.get_current_timezone())


def test_a_catch_up_job_runs_at_first_start_then_once_per_occurrence(data_dir: Path) -> None:
    jobs = [Job("tick", "*/5 * * * *", record, {"name": "tick"})]
    assert Scheduler(jobs).run_due(now=at(1, 10, 1)) == ["tick"]
    # another worker process, within the same five minutes: nothing
    assert Scheduler(jobs).run_due(now=at(1, 10, 4)) == []
    assert Scheduler(jobs).run_due(now=at(1, 10, 5)) == ["tick"]
    assert probe_tasks.CALLS == ["tick", "tick"]
    state = json.loads((data_dir / "worker-jobs.json").read_text())
    assert state == {"tick": at(1, 10, 5).timestamp()}


def test_a_digest_waits_for_its_time_and_is_sent_once_that_day(data_dir: Path) -> None:
    jobs = [Job("daily", "30 7 * * *", record, {"name": "daily"}, catch_up=False)]
    # the first start at 10:00 sends nothing: the first digest is tomorrow's
    assert Scheduler(jobs).run_due(now=at(1, 10, 0)) == []
    assert Scheduler(jobs).run_due(now=at(2, 7, 29)) == []
    assert Scheduler(jobs).run_due(now=at(2, 7, 30)) == ["daily"]
    assert Scheduler(jobs).run_due(now=at(2, 23, 59)) == []
    # a worker that was down over a day's 07:30 sends one digest, not one per day missed
    assert Scheduler(jobs).run_due(now=at(5, 12, 0)) == ["daily"]
    assert Scheduler(jobs).run_due(now=at(5, 12, 1)) == []
    assert probe_tasks.CALLS == ["daily", "daily"]


def test_only_the_process_holding_the_lock_schedules(data_dir: Path) -> None:
    jobs = [Job("tick", "*/5 * * * *", record, {"name": "tick"})]
    with try_lock(data_dir / "worker-jobs.lock") as mine:
        assert mine  # this "other process" is the scheduler now
        assert Scheduler(jobs).run_due(now=at(1, 10, 0)) == []
    assert probe_tasks.CALLS == []
    assert Scheduler(jobs).run_due(now=at(1, 10, 0)) == ["tick"]


def test_a_job_whose_backend_is_down_is_retried_later_not_skipped(
    data_dir: Path, settings: Any
) -> None:
    """Redis down: the enqueue fails with Redis' own error; the occurrence stays due."""
    settings.RQ_QUEUES = {
        name: {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 5}
        for name in settings.KECHUANG_TASK_QUEUES
    }
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "mail"]}
    }
    jobs = [Job("tick", "*/5 * * * *", record, {"name": "tick"})]
    scheduler = Scheduler(jobs)
    assert scheduler.run_due(now=at(1, 10, 0)) == []
    assert not (data_dir / "worker-jobs.json").exists()
    assert scheduler._retry_at["tick"] > 0


def test_bad_schedules_are_refused() -> None:
    with pytest.raises(ValueError, match="not a cron expression"):
        Job("bad", "every day", record)


def test_the_default_jobs_replace_the_cron_lines() -> None:
    jobs = {job.name: job for job in default_jobs()}
    assert {name: (job.schedule, job.kwargs, job.catch_up) for name, job in jobs.items()} == {
        "challenges-tick": ("*/5 * * * *", {}, True),
        "expire": ("7 * * * *", {}, True),
        "invitations-expire": ("17 * * * *", {}, True),
        "idempotency-purge": ("27 * * * *", {}, True),
        "engagements-remind-stalled": ("23 * * * *", {}, True),
        "notify-digest-daily": ("30 7 * * *", {"period": "daily"}, False),
        "notify-digest-weekly": ("0 8 * * 1", {"period": "weekly"}, False),
        "recommend-digest": ("0 9 * * 1", {"days": 7}, False),
        "reindex": ("0 3 * * 0", {}, False),
    }
    assert jobs["notify-digest-daily"].task.module_path == (
        "kechuang.notifications.tasks.notifications_digest"
    )
