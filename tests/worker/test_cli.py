"""``kechuang worker`` and ``kechuang scheduler`` on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from kechuang import cli


@pytest.fixture
def database_tasks(settings: Any, tmp_path: Path) -> Any:
    settings.DATA_DIR = tmp_path
    settings.KECHUANG_SEARCH_BACKEND = "database"
    settings.KECHUANG_TASKS = "database"
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
    }
    return settings


@pytest.mark.django_db
def test_an_unknown_queue_is_refused_and_nothing_runs(database_tasks: Any, capsys: Any) -> None:
    assert cli.main(["worker", "--once", "--queues", "mail,nope"]) == 2
    assert "未知的任务队列：nope；可用的队列：default、mail" in capsys.readouterr().err
    assert not (database_tasks.DATA_DIR / "worker.heartbeat").exists()


@pytest.mark.django_db
def test_a_concurrency_below_one_is_refused(database_tasks: Any, capsys: Any) -> None:
    assert cli.main(["worker", "--once", "--concurrency", "0"]) == 2
    assert "--concurrency 至少为 1" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_scheduler_only_enqueues(database_tasks: Any) -> None:
    assert cli.main(["scheduler", "--once"]) == 0
    queued = sorted(DBTaskResult.objects.values_list("task_path", "status"))
    assert queued == [
        ("kechuang.api.tasks.idempotency_purge", "READY"),
        ("kechuang.catalog.tasks.listings_expire", "READY"),
        ("kechuang.challenges.tasks.challenges_tick", "READY"),
        ("kechuang.engagements.tasks.remind_stalled", "READY"),
        ("kechuang.invitations.tasks.invitations_expire", "READY"),
    ]
    assert not (database_tasks.DATA_DIR / "worker.heartbeat").exists()  # not a worker


def test_check_reports_the_task_backend(settings: Any) -> None:
    from kechuang.cli.admin import _check_tasks

    settings.KECHUANG_TASKS = "database"
    assert _check_tasks() == ("ok", "后台任务", "数据库；由 kechuang worker 执行")
    settings.KECHUANG_TASKS = "rq"
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}
    status, _label, detail = _check_tasks()
    assert (status, detail.split("：")[0]) == ("fail", "无法连接 Redis（REDIS_URL）")
