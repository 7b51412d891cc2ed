"""The search index and what reads it: reindex, search-health, digest, notify-digest, bench."""

from __future__ import annotations

import argparse
from pathlib import Path

from kechuang.cli.common import _require_migrated
from kechuang.cli.output import _err, _out, _Progress, _table


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
    from kechuang.catalog.services.digest import recommendation_digest_send as digest_send

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
