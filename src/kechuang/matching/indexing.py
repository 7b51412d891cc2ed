"""The platform's search index: what feeds it, the one engine per process, and rebuilds.

- ``SearchSource`` (``registry.py``): each app's ``search.py`` declares what it indexes
  (the public rows, and how a row becomes a ``Document``) and registers it from its
  ``AppConfig.ready()``. The same queryset decides what a search may return, so a stale
  index can never show a record the public may not see.
- ``get_engine()``: one ``Engine`` per process, opened lazily on
  ``KECHUANG_INDEX_DIR``. That path is a symlink to the current build under
  ``<index>.d/``; ``rebuild_index`` builds a fresh directory and swaps the link
  atomically, and every process reopens when it sees the link move.
- A missing or corrupted index raises ``SearchUnavailable`` (callers fall back to the
  database search) and triggers a rebuild in the background.
"""

from __future__ import annotations

import datetime
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from django.conf import settings
from django.db import connections
from django.db.models import Q
from django.utils import timezone

from kechuang.common.filelocks import lock_held
from kechuang.matching.backends.base import MatchingError
from kechuang.matching.registry import SearchSource as SearchSource  # re-exported
from kechuang.matching.registry import doc_id as doc_id
from kechuang.matching.registry import parse_doc_id as parse_doc_id
from kechuang.matching.registry import sources as sources
from kechuang.matching.types import Document, Hit, Query

if TYPE_CHECKING:
    from kechuang.matching.engine import Engine  # noqa: F401

log = logging.getLogger(__name__)

# Errors an engine may raise while opening, reading or writing its files
# (IndexCorrupted, EmbedderMismatch, IndexBusy are MatchingErrors).
ENGINE_ERRORS: tuple[type[BaseException], ...] = (MatchingError, OSError, RuntimeError, ValueError)


class SearchUnavailable(Exception):
    """The engine is off (``KECHUANG_SEARCH_BACKEND=database``), missing or corrupted."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SearchEngine(Protocol):
    """What the platform uses of ``matching.engine.Engine`` (tests substitute a fake)."""

    @property
    def borrows_related(self) -> bool: ...
    def upsert(
        self, docs: Iterable[Document], *, commit: bool = True, reuse_vectors: bool = False
    ) -> int: ...
    def delete(self, ids: Iterable[str], *, commit: bool = True) -> int: ...
    def commit(self) -> None: ...
    def search(self, query: Query) -> list[Hit]: ...
    def similar(
        self,
        doc: Document,
        *,
        kinds: Any = (),
        limit: int = 10,
        exclude_ids: Iterable[str] = frozenset(),
    ) -> list[Hit]: ...
    def count(self) -> int: ...
    def info(self) -> dict[str, Any]: ...
    def close(self) -> None: ...


# ---------------------------------------------------------------- the engine per process


def _default_factory(path: Path) -> SearchEngine:
    from kechuang.matching.dictionary import site_analyzer
    from kechuang.matching.embeddings import CachedEmbedder, EmbeddingCache, load_embedder
    from kechuang.matching.engine import Engine, EngineConfig

    inner = load_embedder(settings.KECHUANG_EMBEDDINGS, threads=settings.KECHUANG_EMBED_THREADS)
    embedder = None
    if inner is not None:
        cache = EmbeddingCache(Path(settings.KECHUANG_EMBEDDING_CACHE_DIR), inner.name, inner.dim)
        # as many texts per model call as the engine prepares at once (embed_batch)
        embedder = CachedEmbedder(inner, cache, batch_size=64, cache_queries=False)
    if str(settings.KECHUANG_SEARCH_BACKEND) == "milvus":
        config = EngineConfig(
            backend="milvus",
            milvus_uri=str(settings.KECHUANG_MILVUS_URI),
            milvus_token=str(settings.KECHUANG_MILVUS_TOKEN),
            milvus_collection_prefix=str(settings.KECHUANG_MILVUS_COLLECTION_PREFIX),
        )
        return Engine(path, embedder=embedder, config=config, analyzer=site_analyzer())
    return Engine(path, embedder=embedder, analyzer=site_analyzer())


@dataclass
class _State:
    factory: Callable[[Path], SearchEngine] = _default_factory
    engine: SearchEngine | None = None
    opened_at: str = ""  # the resolved directory the open engine reads
    failed_at: str = ""  # the resolved directory that failed to open (until it changes)


_state = _State()
_lock = threading.RLock()


def index_root() -> Path:
    return Path(settings.KECHUANG_INDEX_DIR)


def _builds_dir() -> Path:
    root = index_root()
    return root.parent / f"{root.name}.d"


def _marker() -> Path:
    root = index_root()
    return root.parent / f"{root.name}.rebuilding"


_deferred = threading.local()


@contextmanager
def deferred_indexing() -> Iterator[None]:
    """Bulk loads: changes are only queued (no indexing after each commit); rebuild after."""
    previous = getattr(_deferred, "on", False)
    _deferred.on = True
    try:
        yield
    finally:
        _deferred.on = previous


def indexing_deferred() -> bool:
    return bool(getattr(_deferred, "on", False))


def search_enabled() -> bool:
    return str(settings.KECHUANG_SEARCH_BACKEND) != "database"


def get_engine() -> SearchEngine:
    """The process's engine on the current index; ``SearchUnavailable`` when there is none."""
    if not search_enabled():
        raise SearchUnavailable("disabled")
    root = index_root()
    with _lock:
        if not root.exists():
            _close_locked()
            trigger_rebuild()
            raise SearchUnavailable("missing")
        resolved = os.path.realpath(root)
        if _state.engine is not None and _state.opened_at == resolved:
            return _state.engine
        _close_locked()
        if _state.failed_at == resolved:
            raise SearchUnavailable("corrupted")
        try:
            _state.engine = _state.factory(Path(resolved))
        except ENGINE_ERRORS as exc:  # IndexCorrupted, EmbedderMismatch are ValueErrors too
            _state.failed_at = resolved
            log.error("search index %s cannot be opened: %s", resolved, exc)
            trigger_rebuild()
            raise SearchUnavailable("corrupted") from exc
        _state.opened_at = resolved
        _state.failed_at = ""
        return _state.engine


def engine_failed(exc: BaseException) -> SearchUnavailable:
    """Called when a search on an open engine hits broken files: drop it, rebuild."""
    log.error("search index failed: %s", exc)
    with _lock:
        _state.failed_at = _state.opened_at
        _close_locked()
    trigger_rebuild()
    return SearchUnavailable("corrupted")


def _close_locked() -> None:
    engine, _state.engine, _state.opened_at = _state.engine, None, ""
    if engine is not None:
        try:
            engine.close()
        except ENGINE_ERRORS as exc:
            log.warning("closing the search engine failed: %s", exc)


def set_engine_factory(factory: Callable[[Path], SearchEngine] | None) -> None:
    """Use ``factory(path)`` to open engines (tests: a fake or an engine without embeddings)."""
    with _lock:
        _close_locked()
        _state.factory = factory or _default_factory
        _state.failed_at = ""


def reset_engine() -> None:
    """Close this process's engine; the next ``get_engine`` reopens."""
    with _lock:
        _close_locked()
        _state.failed_at = ""


# ---------------------------------------------------------------- rebuilding


def _run_in_thread() -> None:
    def work() -> None:
        try:
            rebuild_index(if_idle=True)
        except ENGINE_ERRORS as exc:
            log.error("background rebuild of the search index failed: %s", exc)
        finally:
            connections.close_all()

    threading.Thread(target=work, name="kechuang-reindex", daemon=True).start()


# How a triggered rebuild runs: a background thread; tests make it synchronous or inert.
rebuild_runner: Callable[[], None] = _run_in_thread


def trigger_rebuild() -> None:
    if search_enabled() and not rebuilding():
        rebuild_runner()


def rebuild_lock_path() -> Path:
    root = index_root()
    return root.parent / f"{root.name}.rebuild.lock"


def rebuilding() -> bool:
    """Whether a rebuild is running: its marker exists *and* a live process holds the
    rebuild lock. A rebuild killed midway leaves its marker behind, but its lock dies with
    its process: such a marker is stale, and is removed here (else the queue would stay
    undrained and no automatic rebuild would start until someone noticed)."""
    marker = _marker()
    if not marker.exists():
        return False
    if lock_held(rebuild_lock_path()):
        return True  # the rebuild is alive
    marker.unlink(missing_ok=True)
    log.warning("removed a stale search-index rebuild marker: its rebuild no longer runs")
    return False


# ---------------------------------------------------------------- incremental indexing


def index_objects(kind: str, ids: Iterable[int]) -> tuple[int, int]:
    """Re-read records and bring their documents up to date: (upserted, deleted)."""
    source = sources()[kind]
    wanted = sorted(set(ids))
    public = list(source.queryset().filter(pk__in=wanted))
    present = {obj.pk for obj in public}
    engine = get_engine()
    upserted = engine.upsert([source.document(obj) for obj in public]) if public else 0
    gone = [doc_id(kind, pk) for pk in wanted if pk not in present]
    if gone:
        engine.delete(gone)
    return upserted, len(gone)


def remove_documents(ids: Iterable[str]) -> None:
    """Delete documents now (an unpublished record must disappear at once)."""
    get_engine().delete(list(ids))


def forget_queued(kind: str, ids: Iterable[int], *, queued_at: Any) -> None:
    """Drop the queue rows of records just indexed, unless queued again since."""
    from kechuang.matching.models import IndexQueue

    if not rebuilding():
        IndexQueue.objects.filter(
            kind=kind, object_id__in=list(ids), queued_at__lte=queued_at
        ).delete()


def index_pending(*, limit: int | None = 500) -> int:
    """Index queued changes, oldest first; returns how many rows were handled.

    The batch is written in one go, whatever kinds it mixes: its documents are embedded
    together (one model call per ``embed_batch`` texts, not one per kind). Should that
    fail, each kind is tried on its own, so one bad record holds up only its kind.
    A row is removed only if it was not queued again meanwhile, and not while a rebuild
    runs (the rebuild indexes it into the new index after the swap).
    """
    from kechuang.matching.models import IndexQueue

    qs = IndexQueue.objects.order_by("queued_at", "id")
    rows = list(qs[:limit] if limit else qs)
    if not rows:
        return 0
    by_kind: dict[str, list[Any]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    for kind in [k for k in by_kind if k not in sources()]:
        IndexQueue.objects.filter(pk__in=[r.pk for r in by_kind.pop(kind)]).delete()
    if not by_kind:
        return 0
    try:
        _index_kinds(
            {kind: [r.object_id for r in kind_rows] for kind, kind_rows in by_kind.items()}
        )
    except SearchUnavailable:
        return 0
    except ENGINE_ERRORS as exc:
        if len(by_kind) == 1:
            _count_attempt(next(iter(by_kind.values())), exc)
            return 0
        return _index_pending_per_kind(by_kind)
    for kind_rows in by_kind.values():
        _forget_rows(kind_rows)
    return sum(len(kind_rows) for kind_rows in by_kind.values())


def _index_kinds(ids_by_kind: dict[str, list[int]]) -> tuple[int, int]:
    """Bring the documents of these records up to date in one write: (upserted, deleted)."""
    docs: list[Document] = []
    gone: list[str] = []
    for kind, ids in ids_by_kind.items():
        source = sources()[kind]
        wanted = sorted(set(ids))
        public = list(source.queryset().filter(pk__in=wanted))
        present = {obj.pk for obj in public}
        docs += [source.document(obj) for obj in public]
        gone += [doc_id(kind, pk) for pk in wanted if pk not in present]
    engine = get_engine()
    upserted = engine.upsert(docs) if docs else 0
    if gone:
        engine.delete(gone)
    return upserted, len(gone)


def _index_pending_per_kind(by_kind: dict[str, list[Any]]) -> int:
    handled = 0
    for kind, kind_rows in by_kind.items():
        try:
            index_objects(kind, [r.object_id for r in kind_rows])
        except SearchUnavailable:
            return handled
        except ENGINE_ERRORS as exc:
            _count_attempt(kind_rows, exc)
            continue
        handled += len(kind_rows)
        _forget_rows(kind_rows)
    return handled


def _count_attempt(rows: list[Any], exc: BaseException) -> None:
    from django.db.models import F

    from kechuang.matching.models import IndexQueue

    log.error("indexing %s failed: %s", rows[0].kind if rows else "", exc)
    IndexQueue.objects.filter(pk__in=[r.pk for r in rows]).update(attempts=F("attempts") + 1)


def _forget_rows(rows: list[Any]) -> None:
    from kechuang.matching.models import IndexQueue

    if rows and not rebuilding():
        done = Q(pk__in=[])
        for row in rows:
            done |= Q(pk=row.pk, queued_at__lte=row.queued_at)
        IndexQueue.objects.filter(done).delete()


# ---------------------------------------------------------------- health


class QueueState(NamedTuple):
    length: int  # changes waiting to be indexed
    oldest: datetime.datetime | None  # when the oldest of them was queued
    lag_seconds: float  # how long it has waited (0 for an empty queue)


def queue_state() -> QueueState:
    """The index queue as search-health, /readyz and /metrics report it."""
    from kechuang.matching.models import IndexQueue

    length = IndexQueue.objects.count()
    oldest = IndexQueue.objects.order_by("queued_at").values_list("queued_at", flat=True).first()
    lag = max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0
    return QueueState(length, oldest, lag)


def index_health() -> dict[str, Any]:
    """Size, items by kind, queue length and lag, model — for ``kechuang search-health``."""
    queue = queue_state()
    report: dict[str, Any] = {
        "backend": str(settings.KECHUANG_SEARCH_BACKEND),
        "embeddings": str(settings.KECHUANG_EMBEDDINGS),
        "path": str(index_root()),
        "pending": queue.length,
        "lag_seconds": round(queue.lag_seconds, 1),
        "rebuilding": rebuilding(),
        "expected": {kind: s.queryset().count() for kind, s in sources().items()},
    }
    try:
        engine = get_engine()
        info = engine.info()
        report["info"] = info
        report["items"] = engine.count()
        report["by_kind"] = {kind: _count_kind(engine, kind) for kind in sources()}
        report["status"] = "ok"
    except SearchUnavailable as exc:
        report["status"] = exc.reason
    return report


def _count_kind(engine: SearchEngine, kind: str) -> int | None:
    counter = getattr(engine, "count_kind", None)
    if counter is not None:
        return int(counter(kind))
    backend = getattr(engine, "backend", None)
    count_kind = getattr(backend, "count_kind", None)  # the local and milvus backends
    if count_kind is not None:
        return int(count_kind(kind))
    return None


# Rebuilds live in ``rebuilding.py``; their names stay reachable here (the CLI, the worker,
# tasks). Imported last: ``rebuilding`` uses this module's engine and queue helpers.
from kechuang.matching.rebuilding import RebuildResult as RebuildResult  # noqa: E402
from kechuang.matching.rebuilding import rebuild_index as rebuild_index  # noqa: E402
