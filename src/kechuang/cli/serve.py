"""``kechuang demo`` and ``kechuang serve``: gunicorn in this process, workers forked safely."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from kechuang.cli.common import _require_migrated
from kechuang.cli.output import _err, _out, _table
from kechuang.cli.search import _rebuild_search_index

DEMO_DB_NAME = "kechuang.sqlite3"


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
            _wait_for_worker(worker)
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


def _wait_for_worker(worker: subprocess.Popen[bytes], *, within: float = 60.0) -> None:
    """Serve once the worker beats (or after ``within`` seconds): until then every request
    would index its own change, and the first would load the model itself."""
    import time

    from kechuang.common import heartbeat

    started = time.time()
    while time.time() - started < within and worker.poll() is None:
        last = heartbeat.last_heartbeat()
        if last is not None and last.timestamp() >= started:
            return
        time.sleep(0.2)


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


def default_workers() -> int:
    if value := os.environ.get("WEB_CONCURRENCY"):
        return max(1, int(value))
    return 2 * (os.cpu_count() or 1) + 1


def cmd_serve(args: argparse.Namespace) -> int:
    if not _require_migrated("启动"):
        return 1
    _collectstatic()
    return _serve(bind=args.bind, workers=args.workers or default_workers())
