"""Rebuilding the search index: every public record into a fresh directory, swapped in.

``rebuild_index`` is reached through ``indexing`` too (``indexing.rebuild_index``); a
rebuild is triggered there when the index is missing or corrupted (``trigger_rebuild``).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class RebuildResult:
    path: Path
    counts: dict[str, int]
    pending: int  # queued changes indexed after the swap
    skipped: bool = False  # another rebuild was already running


def _chunks(qs: QuerySet[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for obj in qs.iterator(chunk_size=size):  # prefetches per chunk
        batch.append(obj)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild_index(
    *,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 200,
    if_idle: bool = False,
) -> RebuildResult:
    """Index every public record into a fresh directory, then swap it in atomically.

    Changes made while the rebuild runs stay queued (``index_pending`` keeps their rows
    while the ``.rebuilding`` marker exists) and are indexed into the new index after the
    swap. Only one rebuild runs at a time (a file lock); with ``if_idle`` a second one
    returns at once instead of waiting.
    """
    root = indexing.index_root()
    builds = indexing._builds_dir()
    builds.mkdir(parents=True, exist_ok=True)
    lock_fd = os.open(indexing.rebuild_lock_path(), os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | (fcntl.LOCK_NB if if_idle else 0))
        except BlockingIOError:
            return RebuildResult(path=root, counts={}, pending=0, skipped=True)
        indexing._marker().write_text(timezone.now().isoformat())
        from kechuang.matching.models import IndexQueue

        # Changes committed before the build reads the database are in it: their queue
        # rows are done once the new index is in place (unless queued again meanwhile).
        covered = list(IndexQueue.objects.values_list("pk", "queued_at"))
        try:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
            target = builds / f"{stamp}-{uuid.uuid4().hex[:6]}"
            counts = _build(target, progress=progress, batch_size=batch_size)
            _swap(root, target)
        finally:
            indexing._marker().unlink(missing_ok=True)
        indexing.reset_engine()
        for start in range(0, len(covered), 500):
            chunk = covered[start : start + 500]
            done = Q(pk__in=[])
            for pk, queued_at in chunk:
                done |= Q(pk=pk, queued_at=queued_at)
            IndexQueue.objects.filter(done).delete()
        _prune(builds, keep={target.name})
        pending = indexing.index_pending(limit=None)
        return RebuildResult(path=target, counts=counts, pending=pending)
    finally:
        fcntl.flock(lock_fd, fcntl.LOCK_UN)
        os.close(lock_fd)


def _build(
    target: Path, *, progress: Callable[[int, int], None] | None, batch_size: int
) -> dict[str, int]:
    target.mkdir(parents=True)
    engine = indexing._state.factory(target)
    counts: dict[str, int] = {}
    try:
        querysets = {kind: source.queryset() for kind, source in indexing.sources().items()}
        # with related terms, a second pass lets every record borrow from all the others
        passes = 2 if engine.borrows_related else 1
        total = sum(qs.count() for qs in querysets.values()) * passes
        done = 0
        if progress:
            progress(0, total)
        for second in range(passes):
            for kind, qs in querysets.items():
                source = indexing.sources()[kind]
                counts[kind] = 0
                for batch in _chunks(qs.order_by("pk"), batch_size):
                    documents = [source.document(obj) for obj in batch]
                    counts[kind] += engine.upsert(
                        documents, commit=False, reuse_vectors=bool(second)
                    )
                    done += len(batch)
                    if progress:
                        progress(done, total)
            engine.commit()
    except BaseException:
        engine.close()
        shutil.rmtree(target, ignore_errors=True)
        raise
    engine.close()
    return counts


def _swap(root: Path, target: Path) -> None:
    """Point ``root`` at ``target`` in one rename (readers see the old or the new index)."""
    if root.exists() and not root.is_symlink():  # an index made before builds were kept apart
        root.rename(indexing._builds_dir() / f"legacy-{uuid.uuid4().hex[:6]}")
    link = root.parent / f".{root.name}.{uuid.uuid4().hex[:6]}.swap"
    os.symlink(target, link)
    os.replace(link, root)


def _prune(builds: Path, *, keep: set[str]) -> None:
    """Remove old builds, keeping the newest previous one for readers still on it."""
    old = sorted(
        (p for p in builds.iterdir() if p.name not in keep), key=lambda p: p.stat().st_mtime
    )
    for path in old[:-1]:
        shutil.rmtree(path, ignore_errors=True)


# Imported last: ``indexing`` re-exports this module's names at its end.
from kechuang.matching import indexing  # noqa: E402
