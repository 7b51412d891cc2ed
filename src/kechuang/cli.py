"""The ``kechuang`` command: run the demo, serve, migrate, create an admin, export/import, check.

Every subcommand sets up Django with ``kechuang.settings`` (configured by environment
variables, see ``docs/operations.md``) and then calls the same services as the web
pages. Messages are for operators and are written in Chinese first.
"""

from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

DEMO_DB_NAME = "kechuang.sqlite3"


def _out(*lines: str) -> None:
    for line in lines:
        print(line)


def _err(*lines: str) -> None:
    for line in lines:
        print(line, file=sys.stderr)


# ---------------------------------------------------------------- helpers


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows padded to equal display width (CJK characters take two columns)."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True))

    return [line(c).rstrip() for c in (header, ["-" * w for w in widths], *rows)]


def _unapplied_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def _collectstatic() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def _serve(*, bind: str, workers: int) -> int:
    """Run gunicorn in this process (its master forks the workers); returns when it stops.

    The master never runs the embedding model: workers load it after fork (see
    ``matching.forksafety``). A master that has run it refuses to start, and gunicorn's
    ``pre_fork`` hook refuses every later fork (a worker respawned after a crash) alike.
    """
    from django.db import connections
    from gunicorn.app.base import BaseApplication
    from gunicorn.errors import HaltServer

    from kechuang.matching import forksafety

    try:
        forksafety.assert_may_fork("gunicorn workers")
    except forksafety.ForkAfterInference as exc:
        _err(f"✗ 拒绝启动：本进程已运行过向量模型，派生的工作进程会卡死。{exc}")
        return 1

    def pre_fork(server: Any, worker: Any) -> None:
        try:
            forksafety.assert_may_fork("gunicorn worker")
        except forksafety.ForkAfterInference as exc:
            raise HaltServer(str(exc), 1) from exc

    def post_worker_init(worker: Any) -> None:
        # Each worker loads its model after fork, in the background, so that the first
        # search a user makes does not wait for it.
        threading.Thread(target=_warm_up, name="kechuang-warm-up", daemon=True).start()

    options = {
        "bind": bind,
        "workers": workers,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "kechuang",
        "timeout": 60,
        "control_socket_disable": True,
        "pre_fork": pre_fork,
        "post_worker_init": post_worker_init,
    }

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from kechuang.wsgi import application

            return application

    # Forked workers must not share the master's database connection.
    connections.close_all()
    Server().run()
    return 0


def _warm_up() -> None:
    """Open the search engine and embed one query (in a freshly forked worker)."""
    import logging

    from django.db import connections

    from kechuang.matching import indexing
    from kechuang.matching.types import Query

    expected: tuple[type[BaseException], ...] = (
        indexing.SearchUnavailable,
        *indexing.ENGINE_ERRORS,
    )
    try:
        indexing.get_engine().search(Query(text="科技创新", limit=1))
    except expected as exc:
        logging.getLogger(__name__).info("search warm-up skipped: %s", exc)
    finally:
        connections.close_all()


def _print_error(exc: Any) -> None:
    _err(f"✗ {exc.message}")
    for name, messages in (exc.fields or {}).items():
        for message in messages:
            _err(f"  - {message}" if name == "__all__" else f"  - {name}: {message}")


# ---------------------------------------------------------------- demo


def cmd_demo(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from kechuang.demo.loader import DEMO_PASSWORD, demo_accounts, demo_has_data, demo_load

    if not args.no_serve:
        # Loading and indexing run the embedding model; this process forks gunicorn's
        # workers next, and OpenMP does not survive a fork. So the data is prepared in a
        # child process (this same command with --no-serve) and this one only serves.
        prepare = [sys.executable, "-m", "kechuang.cli", "demo", "--no-serve"]
        if args.reset:
            prepare.append("--reset")
        done = subprocess.run(prepare, check=False)
        if done.returncode:
            return done.returncode
        # The worker indexes what the web requests change (they only queue it while it
        # runs) and runs the periodic jobs; it loads its own model, in its own process.
        worker = subprocess.Popen([sys.executable, "-m", "kechuang.cli", "worker"])
        try:
            _out("", f"在浏览器中打开 http://127.0.0.1:{args.port}/ （按 Ctrl+C 停止）", "")
            return _serve(bind=f"127.0.0.1:{args.port}", workers=2)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    if args.reset and not _reset_demo_database():
        return 1
    call_command("migrate", interactive=False, verbosity=0)
    if demo_has_data():
        _out("数据库中已有组织数据，不再重复载入演示数据。")
    else:
        from kechuang.matching.indexing import deferred_indexing

        with deferred_indexing():  # indexed once, below, instead of after every write
            counts = demo_load()
        _out(*_demo_counts(counts))
    _rebuild_search_index()
    _collectstatic()
    accounts = demo_accounts()
    if accounts:
        _out("", "演示账号：", "")
        _out(
            *_table(
                ["角色", "登录名", "密码"],
                [(role, login, DEMO_PASSWORD) for login, role, _try in accounts],
            ),
            "",
            "各账号可以试试：",
            *(
                f"  {login.ljust(max(len(a[0]) for a in accounts))}  {can_try}"
                for login, _role, can_try in accounts
                if can_try
            ),
        )
        _out(
            "",
            "⚠ 以上密码是公开的固定演示密码，只能用于本机演示；"
            "不要在对外服务的实例上使用演示数据和这些账号。",
        )
    return 0


def _demo_counts(counts: dict[str, int]) -> list[str]:
    """What ``demo_load`` created, saying how much of it the public sees: the home page
    counts only published records, the rest are drafts or wait for review."""
    rest = "其余为草稿、待审核或已退回"
    return [
        "已载入演示数据：{organizations} 个组织，{users} 个账号；".format(**counts),
        "  需求 {needs} 条（已发布 {needs_published} 条，{rest}）；".format(**counts, rest=rest),
        "  成果 {achievements} 项（已发布 {achievements_published} 项，{rest}）；".format(
            **counts, rest=rest
        ),
        "  专家 {experts} 位（已公开 {experts_published} 位，其余为草稿或已隐藏）。".format(
            **counts
        ),
    ]


def _reset_demo_database() -> bool:
    """Delete the demo database: only the default SQLite file under KECHUANG_DATA_DIR."""
    from django.conf import settings
    from django.db import connection, connections

    default = (Path(settings.DATA_DIR) / DEMO_DB_NAME).resolve()
    db = connection.settings_dict
    name = str(db.get("NAME") or "")
    is_default = (
        db["ENGINE"] == "django.db.backends.sqlite3" and name and (Path(name).resolve() == default)
    )
    if not is_default:
        _err(
            "✗ 拒绝 --reset：当前数据库不是默认的演示数据库 "
            f"({default})。--reset 只会删除 KECHUANG_DATA_DIR 下的 SQLite 演示数据库；"
            "请不要对配置了 DATABASE_URL 的数据库使用它。"
        )
        return False
    connections.close_all()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{default}{suffix}").unlink(missing_ok=True)
    _out(f"已删除演示数据库 {default}。")
    return True


# ---------------------------------------------------------------- serve, migrate, admin


def default_workers() -> int:
    if value := os.environ.get("WEB_CONCURRENCY"):
        return max(1, int(value))
    return 2 * (os.cpu_count() or 1) + 1


def _require_migrated(doing: str) -> bool:
    """False (after telling the operator what to run) while migrations are pending."""
    pending = _unapplied_migrations()
    if pending:
        _err(
            f"✗ 数据库有 {len(pending)} 个迁移尚未执行（例如 {pending[0]}），拒绝{doing}。",
            "  请先运行：kechuang migrate",
        )
    return not pending


def cmd_serve(args: argparse.Namespace) -> int:
    if not _require_migrated("启动"):
        return 1
    _collectstatic()
    return _serve(bind=args.bind, workers=args.workers or default_workers())


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


# ---------------------------------------------------------------- export / import


def cmd_export(args: argparse.Namespace) -> int:
    from kechuang.transfer.exporter import dump, export_data

    if not _require_migrated("导出"):
        return 1
    data = export_data(include_credentials=args.include_credentials)
    if args.output == "-":
        dump(data, sys.stdout)
    else:
        target = Path(args.output)
        # Write beside the target and rename, so a failed export never leaves half a file.
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=target.parent or ".", delete=False, suffix=".tmp"
        ) as handle:
            dump(data, handle)
        os.replace(handle.name, target)
    counts = "，".join(f"{name} {len(data[name])}" for name in _section_names())
    _err(f"✓ 已导出：{counts}。")
    if args.include_credentials:
        _err("⚠ 文件中含有密码散列，请妥善保管。")
    return 0


def _section_names() -> list[str]:
    from kechuang.transfer.schema import SECTIONS

    return [s.name for s in SECTIONS]


def cmd_import(args: argparse.Namespace) -> int:
    from kechuang.transfer.importer import import_data, read_document

    if not _require_migrated("导入"):
        return 1
    if args.file == "-":
        data = read_document(sys.stdin)
    else:
        try:
            with open(args.file, "rb") as handle:
                data = read_document(handle)
        except OSError as exc:
            _err(f"✗ 无法读取文件 {args.file}：{exc.strerror}")
            return 1
    summary = import_data(data, dry_run=args.dry_run)
    counts = "，".join(f"{name} {n}" for name, n in summary.counts.items())
    if summary.dry_run:
        _out(f"✓ 检查通过（--dry-run，未写入任何数据）：{counts}。")
    else:
        _out(f"✓ 已导入：{counts}；写入附件文件 {summary.files_written} 个。")
    return 0


# ---------------------------------------------------------------- check, expire


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


def run_checks() -> list[Result]:
    """Every configuration check of ``kechuang check``, in the order printed."""
    from django.conf import settings

    return [
        *_check_database(),
        *_check_system(),
        _check_secret_key(),
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


# ---------------------------------------------------------------- search index


class _Progress:
    """A one-line progress bar on stderr (redrawn in place when stderr is a terminal)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if not total else done * 100 // total
        if percent == self.last and done != total:
            return
        self.last = percent
        bar = "█" * (percent // 5) + "·" * (20 - percent // 5)
        line = f"{self.label} [{bar}] {done}/{total}"
        if self.tty:
            sys.stderr.write("\r" + line + ("\n" if done >= total else ""))
        elif done >= total or percent % 10 == 0:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _rebuild_search_index(*, quiet: bool = False) -> bool:
    from kechuang.matching.indexing import ENGINE_ERRORS, rebuild_index, search_enabled

    if not search_enabled():
        _out("搜索引擎已关闭（KECHUANG_SEARCH_BACKEND=database），不建索引。")
        return True
    try:
        result = rebuild_index(progress=None if quiet else _Progress("建立搜索索引"))
    except ENGINE_ERRORS as exc:
        _err(f"✗ 建立搜索索引失败：{exc}")
        return False
    counts = "，".join(f"{kind} {n}" for kind, n in result.counts.items())
    _out(f"✓ 搜索索引已重建：{counts}（{result.path}）")
    return True


def cmd_reindex(args: argparse.Namespace) -> int:
    if not _require_migrated("建立索引"):
        return 1
    return 0 if _rebuild_search_index() else 1


def cmd_search_health(args: argparse.Namespace) -> int:
    import json

    from kechuang.matching.indexing import index_health

    report = index_health()
    if args.json:
        _out(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return 0 if report["status"] in {"ok", "disabled"} else 1
    info = report.get("info", {})
    size = sum((info.get("bytes") or {}).values()) if info else 0
    rows = [
        ("状态", report["status"]),
        ("后端", report["backend"]),
        ("向量模型", f"{report['embeddings']}（索引记录：{info.get('model', '—')}）"),
        ("索引目录", report["path"]),
        ("索引大小", f"{size / 1024 / 1024:.1f} MB"),
        ("文档数", str(report.get("items", "—"))),
        ("待索引", f"{report['pending']} 条，最早的已等待 {report['lag_seconds']} 秒"),
        ("正在重建", "是" if report["rebuilding"] else "否"),
    ]
    for kind, expected in report["expected"].items():
        indexed = (report.get("by_kind") or {}).get(kind)
        rows.append(
            (f"  {kind}", f"已索引 {indexed if indexed is not None else '—'} / 应有 {expected}")
        )
    _out(*_table(["项目", "值"], rows))
    return 0 if report["status"] in {"ok", "disabled"} else 1


def cmd_digest(args: argparse.Namespace) -> int:
    from kechuang.matching.services import digest_send

    if not _require_migrated("发送"):
        return 1
    sent = digest_send(days=args.days, dry_run=args.dry_run, write=_out)
    _out(f"已{'预览' if args.dry_run else '发送'} {sent} 封推荐摘要。")
    return 0


def cmd_notify_digest(args: argparse.Namespace) -> int:
    from kechuang.notifications.mailing import notifications_digest_send

    if not _require_migrated("发送"):
        return 1
    sent = notifications_digest_send(
        period=args.period, dry_run=args.dry_run, write=lambda lines: _out(*lines)
    )
    label = {"daily": "每日", "weekly": "每周"}[args.period]
    _out(f"已{'预览' if args.dry_run else '发送'} {sent} 封{label}通知汇总邮件。")
    return 0


# ---------------------------------------------------------------- worker


def cmd_worker(args: argparse.Namespace) -> int:
    from kechuang.worker import Worker, default_jobs

    if not _require_migrated("启动"):
        return 1
    worker = Worker(
        interval=args.interval,
        batch=args.batch,
        jobs=[] if args.no_scheduler else default_jobs(),
    )
    worker.run(once=args.once)
    return 0


# ---------------------------------------------------------------- bench


def cmd_bench_retrieval(args: argparse.Namespace) -> int:
    from kechuang.matching.bench import BenchError, format_summary, parse_config, run_retrieval

    try:
        stats = run_retrieval(
            queries_path=Path(args.queries),
            run_path=Path(args.run),
            corpus_path=Path(args.corpus) if args.corpus else None,
            experts_path=Path(args.experts) if args.experts else None,
            mode=args.mode,
            backend=args.backend,
            source=args.source,
            cache_dir=Path(args.cache_dir).expanduser(),
            config=parse_config(args.config),
            tag=args.tag,
            with_institution=args.with_institution,
        )
    except (BenchError, OSError) as exc:
        _err(f"✗ {exc}")
        return 1
    _out(*format_summary(stats), f"✓ 已写入 TREC 结果文件 run written: {args.run}")
    return 0


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kechuang", description="科创平台命令行工具（Kechuang command line）。"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> Any:
        command = sub.add_parser(name, help=help, description=help)
        command.set_defaults(handler=handler)
        return command

    demo = add("demo", cmd_demo, "载入演示数据并在本机启动平台")
    demo.add_argument("--port", type=int, default=8000, help="监听端口（仅 127.0.0.1），默认 8000")
    demo.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
    demo.add_argument("--reset", action="store_true", help="先删除默认的 SQLite 演示数据库")

    serve = add("serve", cmd_serve, "用 gunicorn 提供服务（生产环境）")
    serve.add_argument("--bind", default="0.0.0.0:8000", help="监听地址，默认 0.0.0.0:8000")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="工作进程数，默认取 WEB_CONCURRENCY 或 2×CPU 核数+1",
    )

    migrate = add("migrate", cmd_migrate, "执行数据库迁移（参数传给 Django migrate）")
    migrate.add_argument("rest", nargs=argparse.REMAINDER)

    admin = add("createadmin", cmd_createadmin, "创建平台管理员")
    admin.add_argument("--login", required=True, help="电子邮箱或手机号码")
    admin.add_argument("--name", required=True, help="姓名")
    admin.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")

    export = add("export", cmd_export, "把全部数据导出为 JSON（docs/data-format.md）")
    export.add_argument("--output", "-o", default="-", help="输出文件，- 为标准输出（默认）")
    export.add_argument(
        "--include-credentials", action="store_true", help="同时导出密码散列（默认不导出）"
    )

    imp = add("import", cmd_import, "把导出的 JSON 导入空数据库（全部成功或全部不写入）")
    imp.add_argument("file", help="导出文件，- 为标准输入")
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    add("check", cmd_check, "检查配置、数据库、迁移、数据目录和词表")
    add("expire", cmd_expire, "把发布期已满的需求和成果标为已过期")
    add("challenges-tick", cmd_challenges_tick, "截止到期的揭榜挂帅榜单，发送截止提醒")
    add("reindex", cmd_reindex, "从数据库重建搜索索引（建好后原子替换旧索引）")
    health = add(
        "search-health", cmd_search_health, "查看搜索索引：大小、各类条数、待索引队列、向量模型"
    )
    health.add_argument("--json", action="store_true", help="以 JSON 输出")
    digest = add("digest", cmd_digest, "给发布单位的管理员发送新的匹配推荐摘要（邮件）")
    digest.add_argument("--days", type=int, default=7, help="只推荐最近多少天内发布的内容，默认 7")
    digest.add_argument("--dry-run", action="store_true", help="只打印，不发送")
    notify_digest = add(
        "notify-digest", cmd_notify_digest, "把尚未发邮件的站内通知按用户汇总成一封邮件发送"
    )
    notify_digest.add_argument(
        "--period",
        choices=["daily", "weekly"],
        required=True,
        help="daily：选择每日汇总的用户（及立即发送失败的通知）；weekly：选择每周汇总的用户",
    )
    notify_digest.add_argument("--dry-run", action="store_true", help="只打印，不发送也不标记")

    worker = add(
        "worker", cmd_worker, "后台进程：为待索引的变更建索引，运行定时任务（榜单截止、过期）"
    )
    worker.add_argument("--interval", type=float, default=1.0, help="队列为空时的轮询间隔（秒）")
    worker.add_argument("--batch", type=int, default=64, help="每批索引的记录数")
    worker.add_argument("--no-scheduler", action="store_true", help="不运行定时任务")
    worker.add_argument("--once", action="store_true", help="只运行一轮（测试、cron）")

    bench = sub.add_parser("bench", help="检索基准测试（docs/benchmarks.md）")
    bench_sub = bench.add_subparsers(dest="bench_command", metavar="BENCH")
    retrieval = bench_sub.add_parser(
        "retrieval",
        help="把语料建成临时索引，逐条回答查询，写出 TREC 结果文件（前 100 条）",
        description="把语料建成临时索引，逐条回答查询，写出 TREC 结果文件（前 100 条）",
    )
    retrieval.set_defaults(handler=cmd_bench_retrieval, needs_django=False)
    what = retrieval.add_mutually_exclusive_group(required=True)
    what.add_argument("--corpus", help="语料 JSONL：每行 doc_id、text")
    what.add_argument("--experts", help="专家 JSONL：每行 expert_id、profile（含 title）")
    retrieval.add_argument("--queries", required=True, help="查询 TSV：qid、query，带表头")
    retrieval.add_argument("--run", required=True, help="输出的 TREC 结果文件")
    retrieval.add_argument("--mode", choices=["bm25", "dense", "hybrid"], default="hybrid")
    retrieval.add_argument("--backend", choices=["local", "milvus"], default="local")
    retrieval.add_argument("--source", help="只索引 source 等于此值的语料行")
    retrieval.add_argument(
        "--cache-dir", default="~/.cache/kechuang/embeddings", help="向量缓存目录"
    )
    retrieval.add_argument(
        "--config",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="覆盖 EngineConfig 的字段，如 fusion=rrf bigram_weight=0.5",
    )
    retrieval.add_argument("--tag", help="结果文件最后一列的标签，默认 kechuang-<mode>")
    retrieval.add_argument(
        "--with-institution", action="store_true", help="把专家的单位也作为正文索引"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["migrate"] and not {"-h", "--help"} & set(argv):
        # Every further argument, options included, is Django's: argparse would reorder them.
        args = argparse.Namespace(handler=cmd_migrate, rest=argv[1:])
    else:
        args, extra = parser.parse_known_args(argv)
        if extra:
            parser.error(f"无法识别的参数：{' '.join(extra)}")
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    if not getattr(args, "needs_django", True):  # e.g. bench: no database involved
        return int(args.handler(args))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.utils import translation

    from kechuang.common.errors import KechuangError

    # Operators read the command in the site's language, whatever the calling thread had
    # active before (a test client's English request, say).
    with translation.override(settings.LANGUAGE_CODE):
        try:
            return int(args.handler(args))
        except KechuangError as exc:
            _print_error(exc)
            return 1


if __name__ == "__main__":
    sys.exit(main())
