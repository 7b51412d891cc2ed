"""Operating the deployment: migrate, createadmin, check, expire, challenges-tick."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tempfile
from pathlib import Path

from kechuang.cli.common import _require_migrated, _unapplied_migrations
from kechuang.cli.output import _err, _out


def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import ManagementUtility

    try:
        ManagementUtility(["kechuang", "migrate", *args.rest]).execute()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    from kechuang.accounts.services import user_create_platform_admin

    if not _require_migrated("创建管理员"):
        return 1
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != password:
            _err("✗ 两次输入的密码不一致。")
            return 1
    login = args.login.strip()
    by_email = "@" in login
    user = user_create_platform_admin(
        display_name=args.name,
        password=password,
        email=login if by_email else None,
        mobile=None if by_email else login,
    )
    _out(f"✓ 已创建平台管理员 {user.display_name}（登录名 {user.login_name}）。")
    return 0


Result = tuple[str, str, str]  # status ("ok", "warn", "fail"), what was checked, detail


def _check_database() -> list[Result]:
    from django.db import DatabaseError, connection

    engine = connection.vendor
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return [("fail", "数据库可连接", f"{engine}: {exc}")]
    results: list[Result] = [("ok", "数据库可连接", f"{engine}")]
    try:
        pending = _unapplied_migrations()
    except DatabaseError as exc:
        return [*results, ("fail", "数据库迁移已全部执行", str(exc))]
    if pending:
        results.append(
            (
                "fail",
                "数据库迁移已全部执行",
                f"{len(pending)} 个未执行（如 {pending[0]}），请运行 kechuang migrate",
            )
        )
        results.append(("fail", "词表已载入", "迁移未执行，词表尚未载入"))
        return results
    results.append(("ok", "数据库迁移已全部执行", ""))
    from kechuang.vocab.models import CooperationMode, Discipline, Industry, Region

    counts = {
        m._meta.model_name: m.objects.count()
        for m in (Region, Industry, Discipline, CooperationMode)
    }
    detail = "，".join(f"{name} {n}" for name, n in counts.items())
    results.append(("ok" if all(counts.values()) else "fail", "词表已载入", detail))
    return results


def _check_system() -> list[Result]:
    from django.conf import settings
    from django.core import checks

    messages = checks.run_checks(include_deployment_checks=not settings.DEBUG)
    errors = [m for m in messages if m.level >= checks.ERROR and not m.is_silenced()]
    warnings = [
        m for m in messages if checks.WARNING <= m.level < checks.ERROR and not m.is_silenced()
    ]
    label = "Django 系统检查" + ("（含部署检查）" if not settings.DEBUG else "")
    results: list[Result] = [("fail", label, f"{m.id}: {m.msg}") for m in errors]
    results += [("warn", label, f"{m.id}: {m.msg}") for m in warnings]
    if not errors:
        results.insert(0, ("ok", label, f"{len(warnings)} 条警告" if warnings else ""))
    return results


def _check_secret_key() -> Result:
    from django.conf import settings

    key = settings.SECRET_KEY
    label = "SECRET_KEY 安全"
    if settings.DEBUG:
        return ("warn", label, "DEBUG 已开启：只能用于开发，不能对外服务")
    if not key or key.startswith("django-insecure-") or len(key) < 50 or len(set(key)) < 5:
        return ("fail", label, "SECRET_KEY 为空、过短或是默认的不安全值")
    if not os.environ.get("SECRET_KEY"):
        return (
            "ok",
            label,
            "使用数据目录中自动生成的 secret_key；多台服务器时请统一设置 SECRET_KEY",
        )
    return ("ok", label, "")


def _check_writable(label: str, directory: Path) -> Result:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".kechuang-check-"):
            pass
    except OSError as exc:
        return ("fail", label, f"{directory}: {exc.strerror or exc}")
    return ("ok", label, str(directory))


def _check_tasks() -> Result:
    """The task backend (``KECHUANG_TASKS``): Redis must answer when it is ``rq``."""
    from django.conf import settings

    label = "后台任务"
    backend = str(settings.KECHUANG_TASKS)
    if backend == "immediate":
        return ("warn", label, "KECHUANG_TASKS=immediate：任务在请求中执行，只用于脚本和测试")
    if backend == "rq":
        import django_rq
        from redis.exceptions import RedisError

        try:
            django_rq.get_connection("default").ping()
        except RedisError as exc:
            return ("fail", label, f"无法连接 Redis（REDIS_URL）：{exc}")
        return ("ok", label, "RQ（Redis）；由 kechuang worker 执行")
    return ("ok", label, "数据库；由 kechuang worker 执行")


def run_checks() -> list[Result]:
    """Every configuration check of ``kechuang check``, in the order printed."""
    from django.conf import settings

    return [
        *_check_database(),
        *_check_system(),
        _check_secret_key(),
        _check_tasks(),
        _check_writable("数据目录可写", Path(settings.DATA_DIR)),
        _check_writable("上传文件目录可写", Path(settings.MEDIA_ROOT)),
    ]


def cmd_check(args: argparse.Namespace) -> int:
    failed = False
    for status, label, detail in run_checks():
        mark = {"ok": "✓", "warn": "!", "fail": "✗"}[status]
        failed = failed or status == "fail"
        _out(f"{mark} {label}" + (f"：{detail}" if detail else ""))
    _out("", "有检查未通过。" if failed else "全部检查通过。")
    return 1 if failed else 0


def cmd_expire(args: argparse.Namespace) -> int:
    from kechuang.catalog.services import listings_expire_due
    from kechuang.invitations.services import invitations_expire_due

    if not _require_migrated("执行"):
        return 1
    count = listings_expire_due()
    _out(f"已将 {count} 条到期的需求和成果标为已过期。")
    invitations = invitations_expire_due()
    _out(f"已将 {invitations} 条逾期未答复的邀请标为已过期。")
    return 0


def cmd_challenges_tick(args: argparse.Namespace) -> int:
    from kechuang.challenges.services.tick import challenges_tick

    if not _require_migrated("执行"):
        return 1
    result = challenges_tick()
    _out(f"已截止 {result.closed} 个到期榜单，发送 {result.reminded} 个榜单的截止提醒。")
    return 0
