"""Background work of the matching app: thin tasks that take ids or nothing, safe to retry.

The index queue (``IndexQueue``) is drained by ``kechuang worker`` itself, batch by batch
(``kechuang.worker``); these are for the rest. The plain functions are for scripts
(``kechuang reindex`` and the like); the ``@task`` ones are enqueued.
"""

from __future__ import annotations

from django_tasks import task

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


@task()
def reindex() -> dict[str, int]:
    """Rebuild the index (the weekly pass that lets every record borrow its neighbours'
    words); nothing if a rebuild already runs. The counts indexed per kind."""
    result = rebuild_index(if_idle=True)
    return {} if result.skipped else dict(result.counts)
