"""``kechuang export`` and ``kechuang import``: the JSON data format (docs/data-format.md)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from kechuang.cli.common import _require_migrated
from kechuang.cli.output import _err, _out


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


def cmd_backup(args: argparse.Namespace) -> int:
    from kechuang.transfer.backup import backup_create

    if not _require_migrated("备份"):
        return 1
    manifest = backup_create(Path(args.output))
    media = sum(1 for f in manifest["files"] if f["path"].startswith("media/"))
    _out(
        f"✓ 已备份到 {args.output}：{manifest['database_vendor']} 数据库，"
        f"上传文件 {media} 个，共 {len(manifest['files'])} 个文件（搜索索引不备份）。"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from kechuang.cli.search import _rebuild_search_index
    from kechuang.transfer.backup import backup_restore

    result = backup_restore(Path(args.file))
    _out(
        f"✓ 已从 {args.file} 恢复（备份于 {result.created_at}）：{result.vendor} 数据库，"
        f"上传文件 {result.media_files} 个。"
    )
    if args.no_reindex:
        _out("请运行 kechuang reindex 重建搜索索引。")
        return 0
    return 0 if _rebuild_search_index() else 1
