"""Background work of the matching app: thin, take ids or nothing, safe to retry.

django-tasks is not installed: ``matching.services.mark_dirty`` runs the incremental
batch in-process after each commit, and operators run ``kechuang reindex`` (or call these
from cron / a worker) for the rest. Each function is idempotent.
"""

from __future__ import annotations

from kechuang.matching.indexing import RebuildResult, index_objects, index_pending, rebuild_index


def index_changes(*, limit: int = 500) -> int:
    """Index queued changes (oldest first); returns how many were handled."""
    return index_pending(limit=limit)


def index_records(kind: str, ids: list[int]) -> tuple[int, int]:
    """Bring the documents of these records up to date now: (upserted, deleted)."""
    return index_objects(kind, ids)


def rebuild() -> RebuildResult:
    """Rebuild the whole index from the database and swap it in."""
    return rebuild_index(if_idle=True)
