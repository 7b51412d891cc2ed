"""The ``kechuang`` command: run the demo, serve, migrate, create an admin, export/import, check.

Every subcommand sets up Django with ``kechuang.settings`` (configured by environment
variables, see ``docs/operations.md``) and then calls the same services as the web
pages. Messages are for operators and are written in Chinese first.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from kechuang.cli.admin import (
    cmd_challenges_tick,
    cmd_check,
    cmd_createadmin,
    cmd_expire,
    cmd_migrate,
)
from kechuang.cli.data import cmd_backup, cmd_export, cmd_import, cmd_restore
from kechuang.cli.output import _print_error
from kechuang.cli.search import (
    cmd_bench_retrieval,
    cmd_digest,
    cmd_notify_digest,
    cmd_reindex,
    cmd_search_health,
)
from kechuang.cli.serve import cmd_demo, cmd_serve
from kechuang.cli.worker import cmd_scheduler, cmd_worker

__all__ = ["build_parser", "main"]


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

    backup = add(
        "backup", cmd_backup, "备份数据库、上传文件和密钥到一个 tar.gz 文件（不含搜索索引）"
    )
    backup.add_argument("--output", "-o", required=True, help="输出的备份文件（.tar.gz）")
    restore = add("restore", cmd_restore, "把备份恢复到全新的空部署（先校验全部文件，再写入）")
    restore.add_argument("file", help="kechuang backup 写出的备份文件")
    restore.add_argument(
        "--no-reindex", action="store_true", help="恢复后不重建索引（之后运行 kechuang reindex）"
    )

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
        "worker",
        cmd_worker,
        "后台进程：运行后台任务（邮件、摘要等），为待索引的变更建索引，按时安排定时任务",
    )
    worker.add_argument("--interval", type=float, default=1.0, help="队列为空时的轮询间隔（秒）")
    worker.add_argument("--batch", type=int, default=64, help="每批索引的记录数")
    worker.add_argument(
        "--concurrency", type=int, default=1, help="工作进程数（每个进程各载入一份模型），默认 1"
    )
    worker.add_argument(
        "--queues", default="", help="只运行这些队列的任务，逗号分隔（default、mail），默认全部"
    )
    worker.add_argument("--no-scheduler", action="store_true", help="不安排定时任务")
    worker.add_argument("--once", action="store_true", help="只运行一轮（测试、cron）")
    scheduler = add(
        "scheduler",
        cmd_scheduler,
        "只安排定时任务（榜单截止、过期、通知摘要、推荐摘要），由 worker 执行",
    )
    scheduler.add_argument("--interval", type=float, default=5.0, help="检查间隔（秒）")
    scheduler.add_argument("--once", action="store_true", help="只检查一次")

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
