"""The ``kechuang`` command: check, createadmin, expire, migrate, serve's refusal."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kechuang import cli
from kechuang.accounts.models import User
from kechuang.catalog.models import Need
from kechuang.catalog.services import listing_transition
from kechuang.cli import admin, output, serve


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in its own process, on a fresh data directory (a new SQLite file)."""
    env = {**os.environ, "KECHUANG_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-m", "kechuang.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_passes_on_a_migrated_database(tmp_path: Path) -> None:
    # In processes of their own, as an operator runs them: Django's deploy check flags
    # DJANGO_ALLOW_ASYNC_UNSAFE, which the browser tests set in this process.
    assert run_cli(tmp_path, "migrate").returncode == 0
    result = run_cli(tmp_path, "check")
    out = result.stdout
    assert result.returncode == 0, out
    assert "✓ 数据库可连接：sqlite" in out
    assert "✓ 数据库迁移已全部执行" in out
    assert "✓ 词表已载入：region " in out
    assert "✓ 数据目录可写" in out
    assert "✗" not in out
    assert out.rstrip().endswith("全部检查通过。")


def test_check_fails_without_migrations(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "check")
    assert result.returncode == 1
    assert "✗ 数据库迁移已全部执行：" in result.stdout
    assert "请运行 kechuang migrate" in result.stdout
    assert "✗ 词表已载入：迁移未执行，词表尚未载入" in result.stdout
    assert result.stdout.rstrip().endswith("有检查未通过。")


def test_serve_refuses_unapplied_migrations(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "serve", "--bind", "127.0.0.1:0")
    assert result.returncode == 1
    assert "拒绝启动" in result.stderr
    assert "请先运行：kechuang migrate" in result.stderr


@pytest.mark.django_db
def test_check_fails_on_an_insecure_secret_key(settings: Any, capsys: Any) -> None:
    settings.SECRET_KEY = "django-insecure-abc"
    assert cli.main(["check"]) == 1
    assert "✗ SECRET_KEY 安全：SECRET_KEY 为空、过短或是默认的不安全值" in capsys.readouterr().out


@pytest.mark.django_db
def test_createadmin_reads_the_password_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Admin-pass-2026\n"))
    code = cli.main(
        ["createadmin", "--login", "Ops@Example.com", "--name", "运维", "--password-stdin"]
    )
    assert code == 0
    user = User.objects.get()
    assert (user.email, user.mobile, user.display_name) == ("ops@example.com", None, "运维")
    assert user.is_superuser and user.is_staff
    assert user.check_password("Admin-pass-2026")
    assert "✓ 已创建平台管理员 运维（登录名 ops@example.com）。" in capsys.readouterr().out


@pytest.mark.django_db
def test_createadmin_by_mobile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Admin-pass-2026\n"))
    assert (
        cli.main(["createadmin", "--login", "13912345678", "--name", "运维", "--password-stdin"])
        == 0
    )
    assert User.objects.get().mobile == "13912345678"


@pytest.mark.django_db
def test_createadmin_rejects_a_weak_password(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("123\n"))
    assert (
        cli.main(
            ["createadmin", "--login", "ops@example.com", "--name", "运维", "--password-stdin"]
        )
        == 1
    )
    assert "  - password: " in capsys.readouterr().err
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_createadmin_rejects_a_taken_login(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, world: Any
) -> None:
    before = User.objects.count()
    monkeypatch.setattr(sys, "stdin", io.StringIO("Admin-pass-2026\n"))
    login = world.owner_admin.email
    assert cli.main(["createadmin", "--login", login, "--name", "运维", "--password-stdin"]) == 1
    assert "  - email: 该电子邮箱已注册。" in capsys.readouterr().err
    assert User.objects.count() == before


@pytest.mark.django_db
def test_createadmin_prompts_twice_without_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    answers = iter(["Admin-pass-2026", "Admin-pass-2027"])
    monkeypatch.setattr(admin.getpass, "getpass", lambda prompt="": next(answers))
    assert cli.main(["createadmin", "--login", "ops@example.com", "--name", "运维"]) == 1
    assert "两次输入的密码不一致" in capsys.readouterr().err
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_expire_marks_due_listings(world: Any, draft_need: Need, capsys: Any) -> None:
    listing_transition(actor=world.owner_admin, item=draft_need, action="submit")
    listing_transition(actor=world.hangzhou_staff, item=draft_need, action="publish")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Need.objects.filter(pk=draft_need.pk).update(expires_on=yesterday)
    assert cli.main(["expire"]) == 0
    assert capsys.readouterr().out == (
        "已将 1 条到期的需求和成果标为已过期。\n已将 0 条逾期未答复的邀请标为已过期。\n"
    )
    draft_need.refresh_from_db()
    assert draft_need.status == "expired"
    assert cli.main(["expire"]) == 0
    assert capsys.readouterr().out == (
        "已将 0 条到期的需求和成果标为已过期。\n已将 0 条逾期未答复的邀请标为已过期。\n"
    )


@pytest.mark.django_db
def test_migrate_passes_arguments_to_django() -> None:
    assert cli.main(["migrate", "--check", "-v", "0"]) == 0


def test_unknown_arguments_are_refused(capsys: Any) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["check", "--frobnicate"])
    assert caught.value.code == 2
    assert "无法识别的参数：--frobnicate" in capsys.readouterr().err


def test_no_command_prints_help(capsys: Any) -> None:
    assert cli.main([]) == 2
    assert "usage: kechuang" in capsys.readouterr().out


def test_default_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert serve.default_workers() == 3
    monkeypatch.delenv("WEB_CONCURRENCY")
    monkeypatch.setattr(serve.os, "cpu_count", lambda: 2)
    assert serve.default_workers() == 5


def test_table_pads_wide_characters() -> None:
    assert output._table(["角色", "登录名"], [("平台管理员", "a@b.c")]) == [
        "角色        登录名",
        "----------  ------",
        "平台管理员  a@b.c",
    ]
