"""The task backends end to end: a committed change only enqueues its mail; ``kechuang
worker`` (one round, as ``--once``) takes the task from the database or from Redis and
sends it; the periodic jobs go the same way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from kechuang.notifications.choices import Delivery
from kechuang.notifications.models import Notification
from kechuang.notifications.services import notify
from kechuang.worker import Job, Worker, default_jobs
from tests.notifications.conftest import person

QUEUES = ["default", "mail"]
REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of the tests' own


@pytest.fixture
def worker_settings(settings: Any, tmp_path: Path) -> Iterator[Any]:
    settings.DATA_DIR = tmp_path
    settings.KECHUANG_SEARCH_BACKEND = "database"  # no index to drain here
    yield settings


@pytest.fixture
def database_tasks(worker_settings: Any) -> Any:
    worker_settings.KECHUANG_TASKS = "database"
    worker_settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": QUEUES}
    }
    return worker_settings


@pytest.fixture
def rq_tasks(worker_settings: Any) -> Iterator[Any]:
    import django_rq
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    worker_settings.KECHUANG_TASKS = "rq"
    worker_settings.RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60} for name in QUEUES}
    worker_settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": QUEUES}}
    for name in QUEUES:
        django_rq.get_queue(name).empty()
    yield worker_settings
    for name in QUEUES:
        django_rq.get_queue(name).empty()


def _notify_and_commit(email: str) -> Notification:
    user = person(Delivery.IMMEDIATELY, email=email)
    with transaction.atomic():
        notify(recipients=[user], kind="system", title="维护通知")
    return Notification.objects.get(recipient=user)


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_sends_the_mail_a_request_only_enqueued(
    database_tasks: Any, mailoutbox: list[Any]
) -> None:
    notification = _notify_and_commit("a@example.com")
    # committed: the request's part is done, the mail is a task waiting for the worker
    assert mailoutbox == []
    assert notification.emailed_at is None
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.queue_name, task.status) == (
        "kechuang.notifications.tasks.notifications_email",
        "mail",
        "READY",
    )
    assert task.args_kwargs == {"args": [], "kwargs": {"ids": [notification.pk]}}

    Worker(jobs=[]).run(once=True)

    assert [m.to for m in mailoutbox] == [["a@example.com"]]
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    task.refresh_from_db()
    assert (task.status, task.return_value, len(task.worker_ids)) == ("SUCCESSFUL", 1, 1)


@pytest.mark.django_db(transaction=True)
def test_a_worker_for_other_queues_leaves_the_mail_alone(
    database_tasks: Any, mailoutbox: list[Any]
) -> None:
    _notify_and_commit("b@example.com")
    Worker(jobs=[], queues=["default"]).run(once=True)
    assert mailoutbox == []
    assert DBTaskResult.objects.get().status == "READY"


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_enqueues_the_periodic_jobs_and_the_worker_runs_them(
    database_tasks: Any,
) -> None:
    catch_up = [job for job in default_jobs() if job.catch_up]
    Worker(jobs=catch_up).run(once=True)
    done = {
        row.task_path.rsplit(".", 1)[1]: (row.status, row.return_value)
        for row in DBTaskResult.objects.all()
    }
    assert done == {
        "challenges_tick": ("SUCCESSFUL", {"closed": 0, "reminded": 0}),
        "listings_expire": ("SUCCESSFUL", 0),
        "invitations_expire": ("SUCCESSFUL", 0),
        "idempotency_purge": ("SUCCESSFUL", 0),
        "remind_stalled": ("SUCCESSFUL", {"engagements": 0, "notified": 0}),
    }
    # a second worker round within the five minutes enqueues nothing again
    Worker(jobs=catch_up).run(once=True)
    assert DBTaskResult.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_failing_task_is_recorded_and_stops_nothing(database_tasks: Any) -> None:
    from kechuang.notifications.tasks import notifications_digest
    from tests.worker.probe_tasks import record

    jobs = [
        Job("digest", "* * * * *", notifications_digest, {"period": "monthly"}),
        Job("probe", "* * * * *", record, {"name": "probe"}),
    ]
    Worker(jobs=jobs).run(once=True)
    rows = {row.task_path.rsplit(".", 1)[1]: row for row in DBTaskResult.objects.all()}
    assert rows["notifications_digest"].status == "FAILED"
    assert rows["notifications_digest"].exception_class_path == "builtins.ValueError"
    assert (rows["record"].status, rows["record"].return_value) == ("SUCCESSFUL", "probe")


@pytest.mark.django_db(transaction=True)
def test_the_rq_worker_sends_the_mail_a_request_only_enqueued(
    rq_tasks: Any, mailoutbox: list[Any]
) -> None:
    import django_rq

    notification = _notify_and_commit("c@example.com")
    assert mailoutbox == []
    assert django_rq.get_queue("mail").count == 1

    Worker(jobs=[]).run(once=True)

    assert [m.to for m in mailoutbox] == [["c@example.com"]]
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert django_rq.get_queue("mail").count == 0
