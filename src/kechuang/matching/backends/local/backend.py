"""The ``local`` backend: tantivy (BM25) + usearch (HNSW, cosine) + a SQLite sidecar.

Files under ``path/``::

    lexical/        tantivy index (``lexical.py``): pre-tokenised text fields, filter
                    terms, ``key`` (unit key) and ``doc`` (document row) as fast fields
    vectors-*.usearch the usearch HNSW base, keyed by unit key (``vectors.py``; absent when
                    no embedder); changes since it was written are the catalogue's delta
    meta.sqlite3    the catalogue (``catalogue.py``): meta (model, dim, version, counts,
                    base file), docs (id, kind, texts, attrs, units), vector_delta
    write.lock      ``fcntl.flock``: one writer at a time across processes

A unit key is ``doc_row << 12 | unit`` (unit 0 = the document itself, i ≥ 1 = passage
i-1), so a hit maps to its document without a lookup table; a document keeps its row when
it is replaced. Readers notice a commit by the ``version`` in ``meta`` and reload tantivy's
searcher and the usearch file (which writers replace atomically, so an open memory map
stays valid). This module coordinates the three: the write session, the lock, and what
a reader sees.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import numpy as np

from kechuang.common.filelocks import lock_held
from kechuang.matching.backends.base import (
    EmbedderMismatch,
    Filters,
    IndexBusy,
    IndexCorrupted,
    PreparedDoc,
    UnitHit,
    Vector,
    date_number,
    filter_terms,
    trl_value,
)
from kechuang.matching.backends.local.catalogue import FORMAT, Catalogue
from kechuang.matching.backends.local.lexical import LexicalIndex
from kechuang.matching.backends.local.vectors import VectorStore
from kechuang.matching.types import Document

UNIT_BITS = 12
MAX_UNITS = (1 << UNIT_BITS) - 1  # passages beyond 4094 are not indexed

_T = TypeVar("_T")
_P = ParamSpec("_P")


def _serialised(method: Callable[_P, _T]) -> Callable[_P, _T]:
    """One call at a time per backend instance (threads of one web worker share it)."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        with args[0]._mutex:  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return wrapper


def _unit_keys(row: int, units_json: str) -> list[int]:
    return [row << UNIT_BITS | u for u in json.loads(units_json)]


class LocalBackend:
    """tantivy + usearch on local files; see the module docstring for the layout."""

    name = "local"

    def __init__(
        self,
        path: Path,
        *,
        model: str,
        dim: int,
        vector_dtype: str = "f32",
        connectivity: int = 16,
        expansion_add: int = 128,
        expansion_search: int = 96,
        exact_below: int = 20_000,
        max_overfetch: int = 4_000,
        exact_filtered_below: int = 2_000,
        lock_timeout: float = 60.0,
        writer_heap: int = 128_000_000,
        vector_delta_limit: int = 1024,
    ) -> None:
        self.path = Path(path)
        self.model = model
        self.dim = dim
        self.exact_below = exact_below
        self.max_overfetch = max_overfetch
        self.exact_filtered_below = exact_filtered_below
        self.lock_timeout = lock_timeout
        self._mutex = threading.RLock()
        self._lock_fd: int | None = None
        self._pending = False
        self._version = -1
        self.vectors = VectorStore(
            self.path,
            dim=dim,
            dtype=vector_dtype,
            connectivity=connectivity,
            expansion_add=expansion_add,
            expansion_search=expansion_search,
            delta_limit=vector_delta_limit,
        )
        self._open(writer_heap)

    def _open(self, writer_heap: int) -> None:
        lexical_dir = self.path / "lexical"
        meta_path = self.path / "meta.sqlite3"
        if not meta_path.exists() and lexical_dir.exists() and any(lexical_dir.iterdir()):
            raise IndexCorrupted(f"{meta_path} is missing")
        self.path.mkdir(parents=True, exist_ok=True)
        lexical_dir.mkdir(exist_ok=True)
        self.catalogue = Catalogue(meta_path, model=self.model, dim=self.dim)
        meta = self.catalogue.meta()
        if meta.get("format") != FORMAT:
            raise IndexCorrupted(f"unknown index format {meta.get('format')!r}: rebuild the index")
        if meta["model"] != self.model or int(meta["dim"]) != self.dim:
            if int(meta["units"]) == 0:  # nothing indexed yet: adopt the new model
                self.catalogue.adopt_model(self.model, self.dim)
            else:
                raise EmbedderMismatch(
                    f"the index at {self.path} was built with embedding model "
                    f"{meta['model']!r} (dim {meta['dim']}), not {self.model!r} (dim {self.dim}): "
                    "run `kechuang reindex` to rebuild it"
                )
        self.lexical_index = LexicalIndex(lexical_dir, writer_heap=writer_heap)
        self._refresh(force=True)

    def _refresh(self, *, force: bool = False) -> None:
        """Pick up another process's commit (cheap when nothing changed).

        A writer commits tantivy, then the vector file, then the catalogue; a reader that
        looks in between sees counts that disagree. That is only corruption when no writer
        holds the lock: otherwise the reader keeps what it has and looks again next time.
        """
        if self._pending and not force:
            return  # our own uncommitted state is what this instance sees
        version = self.catalogue.version()
        if version == self._version and not force:
            return
        try:
            self._verify_and_load()
        except IndexCorrupted:
            if self._lock_fd is None and self._writer_active():
                return
            raise
        self._version = version

    def _writer_active(self) -> bool:
        return lock_held(self.path / "write.lock")

    def _verify_and_load(self) -> None:
        meta, delta = self.catalogue.snapshot()
        units = self.lexical_index.reload()
        if units != int(meta["units"]):
            raise IndexCorrupted(
                f"{self.lexical_index.directory} holds {units} units, the catalogue {meta['units']}"
            )
        self.vectors.load(meta, delta)

    # --- writing -----------------------------------------------------------------

    @contextlib.contextmanager
    def _write_session(self, commit: bool) -> Iterator[None]:
        self._acquire()
        try:
            if not self._pending:
                self._refresh()
            if not self._pending:
                self.lexical_index.begin()
                self.vectors.begin()
            self._pending = True
            yield
            if commit:
                self._commit_locked()
        except BaseException:
            self._abort_locked()  # all pending writes, so the index stays consistent
            raise
        finally:
            if not self._pending:
                self._release()

    def _acquire(self) -> None:
        if self._lock_fd is not None:
            return
        fd = os.open(self.path / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise IndexBusy(f"{self.path} is being written by another process") from None
                time.sleep(0.05)
        self._lock_fd = fd

    def _release(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _abort_locked(self) -> None:
        self.lexical_index.rollback()
        self.catalogue.rollback()
        self._pending = False
        self.vectors.reset()
        self._refresh(force=True)

    def _commit_locked(self) -> None:
        self.lexical_index.commit()
        saved = self.vectors.save()
        version = self.catalogue.commit(saved)
        self._pending = False
        self._version = version
        self.vectors.committed(saved)
        self.lexical_index.reload_after_commit()

    @_serialised
    def rollback(self) -> None:
        if self._pending:
            try:
                self._abort_locked()
            finally:
                self._release()

    @_serialised
    def commit(self) -> None:
        if not self._pending:
            return
        try:
            self._commit_locked()
        except BaseException:
            self._abort_locked()
            raise
        finally:
            self._release()

    def _remove_rows(self, rows: Sequence[tuple[int, str]]) -> None:
        """Delete the units of (row, units-json) documents from both indexes."""
        for row, units_json in rows:
            self.lexical_index.delete_row(row)
            self.vectors.remove(_unit_keys(row, units_json))

    @_serialised
    def write(self, docs: Sequence[PreparedDoc], *, commit: bool = True) -> int:
        if not docs:
            return 0
        latest: dict[str, PreparedDoc] = {p.doc.id: p for p in docs}  # last one wins
        with self._write_session(commit):
            old = self.catalogue.rows_for(list(latest))
            self._remove_rows([(row, units) for row, units, _ in old.values()])
            keys_all: list[int] = []
            vecs_all: list[Vector] = []
            for doc_id, prepared in latest.items():
                doc = prepared.doc
                units = [u for u in prepared.units if u.index <= MAX_UNITS]
                row = self.catalogue.put(
                    doc, [u.index for u in units], row=old[doc_id][0] if doc_id in old else None
                )
                terms = filter_terms(doc.attrs)
                trl = trl_value(doc.attrs)
                published = date_number(doc.attrs.get("published"))
                for unit in units:
                    key = row << UNIT_BITS | unit.index
                    self.lexical_index.add_unit(
                        key=key,
                        row=row,
                        kind=doc.kind,
                        fields=unit.fields,
                        terms=terms,
                        trl=trl,
                        published=published,
                    )
                    if self.dim and unit.vector is not None:
                        keys_all.append(key)
                        vecs_all.append(unit.vector)
            self.vectors.add(keys_all, vecs_all)
        return len(latest)

    @_serialised
    def delete(self, ids: Iterable[str], *, commit: bool = True) -> int:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return 0
        old = self.catalogue.rows_for(ids)
        if not old:  # nothing of it is indexed: no write, no lock, no commit
            return 0
        with self._write_session(commit):
            old = self.catalogue.rows_for(ids)
            self._remove_rows([(row, units) for row, units, _ in old.values()])
            self.catalogue.delete(ids)
        return len(old)

    # --- reading -----------------------------------------------------------------

    def _unit_hits(self, keys: Sequence[int], scores: Sequence[float]) -> list[UnitHit]:
        docs = self.catalogue.docs_for_rows(k >> UNIT_BITS for k in keys)
        hits = []
        for key, score in zip(keys, scores, strict=True):
            found = docs.get(key >> UNIT_BITS)
            if found is not None:
                hits.append(UnitHit(found[0], found[1], key & MAX_UNITS, float(score)))
        return hits

    @_serialised
    def lexical(
        self, clauses: Sequence[tuple[str, str, float]], filters: Filters, limit: int
    ) -> list[UnitHit]:
        if not clauses or limit <= 0:
            return []
        query = self.lexical_index.text_query(clauses, filters)
        self._refresh()
        scored = self.lexical_index.scored_keys(query, limit)
        return self._unit_hits([key for _, key in scored], [score for score, _ in scored])

    @_serialised
    def dense(self, vector: Vector, filters: Filters, limit: int) -> list[UnitHit]:
        """Nearest units; with filters, exact over the admitted units when they are few,
        else HNSW over-fetched in proportion to the filter's selectivity and checked
        against the same filter in tantivy (one term-set query, no per-unit Python)."""
        self._refresh()
        total = len(self.vectors)
        if not total or limit <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32)
        exact = total <= self.exact_below
        if filters.empty:
            keys, distances = self.vectors.search(query, min(limit, total), exact=exact)
            return self._similarities(keys, distances)
        clauses = self.lexical_index.filter_clauses(filters)
        admitted = self.lexical_index.count(clauses)
        if not admitted:
            return []
        if admitted <= self.exact_filtered_below or exact:
            admitted_keys = self.lexical_index.keys_of(
                self.lexical_index.filter_query(clauses), admitted
            )
            if not admitted_keys:
                return []
            keys, dists = self.vectors.nearest_among(query, admitted_keys, limit)
            return self._similarities(keys, dists)
        selectivity = admitted / max(total, 1)
        want = min(total, self.max_overfetch, max(limit, int(limit / selectivity * 1.3) + 10))
        keys, distances = self.vectors.search(query, want, exact=exact)
        passing = set(self.lexical_index.keys_where(clauses, keys))
        order = [i for i, key in enumerate(keys) if key in passing][:limit]
        return self._similarities([keys[i] for i in order], [distances[i] for i in order])

    def _similarities(self, keys: Sequence[int], distances: Any) -> list[UnitHit]:
        return self._unit_hits(keys, [1.0 - float(d) for d in distances])

    @_serialised
    def unit_vectors(self, units: Sequence[tuple[str, int]]) -> list[Vector | None]:
        """The stored vectors of ``(doc_id, unit)`` pairs, in order; ``None`` where there
        is none (for the engine's pseudo-relevance feedback and its explanations)."""
        self._refresh()
        if not len(self.vectors) or not units:
            return [None] * len(units)
        rows = self.catalogue.rows_for(list(dict.fromkeys(doc_id for doc_id, _ in units)))
        keys = [
            rows[d][0] << UNIT_BITS | u if d in rows and 0 <= u <= MAX_UNITS else None
            for d, u in units
        ]
        found = self.vectors.stored([k for k in keys if k is not None])
        return [found.get(k) if k is not None else None for k in keys]

    @_serialised
    def fetch(self, ids: Sequence[str]) -> dict[str, Document]:
        return self.catalogue.fetch(ids)

    @_serialised
    def count(self) -> int:
        self._refresh()
        return self.catalogue.count()

    @_serialised
    def count_kind(self, kind: str) -> int:
        """Documents of one kind (``search-health`` compares them with the database)."""
        self._refresh()
        return self.catalogue.count_kind(kind)

    @_serialised
    def unit_count(self) -> int:
        self._refresh()
        return int(self.catalogue.meta()["units"])

    @_serialised
    def info(self) -> dict[str, Any]:
        self._refresh()
        meta = self.catalogue.meta()
        return {
            "backend": self.name,
            "model": meta["model"],
            "dim": int(meta["dim"]),
            "items": self.count(),
            "units": int(meta["units"]),
            "vectors": len(self.vectors),
            "vector_delta": len(self.vectors.delta),
            "version": int(meta["version"]),
            "last_write": meta["last_write"] or None,
            "bytes": {
                "lexical": self.lexical_index.size(),
                "vectors": self.vectors.size(),  # the base file and the delta's vectors
                "meta": self.catalogue.size(),
            },
            "path": str(self.path),
        }

    @_serialised
    def close(self) -> None:
        if self._pending:
            self.commit()
        self._release()
        self.vectors.reset()
        with contextlib.suppress(Exception):
            self.catalogue.close()
