"""Checks every command that touches the database makes first."""

from __future__ import annotations

from kechuang.cli.output import _err


def _unapplied_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def _require_migrated(doing: str) -> bool:
    """False (after telling the operator what to run) while migrations are pending."""
    pending = _unapplied_migrations()
    if pending:
        _err(
            f"✗ 数据库有 {len(pending)} 个迁移尚未执行（例如 {pending[0]}），拒绝{doing}。",
            "  请先运行：kechuang migrate",
        )
    return not pending
