"""The ``local`` backend: tantivy (BM25) + usearch (HNSW, cosine) + a SQLite sidecar.

Files under ``path/``::

    lexical/        tantivy index: pre-tokenised text fields (whitespace analyser), filter
                    terms, ``key`` (unit key) and ``doc`` (document row) as fast fields
    vectors.usearch usearch HNSW index keyed by unit key (absent when no embedder)
    meta.sqlite3    meta (model, dim, version, counts, file size), docs (id, kind, texts,
                    attrs, number of units) — read only for the top candidates
    write.lock      ``fcntl.flock``: one writer at a time across processes

A unit key is ``doc_row << 12 | unit`` (unit 0 = the document itself, i ≥ 1 = passage
i-1), so a hit maps to its document without a lookup table; a document keeps its row when
it is replaced. Readers notice a commit by the ``version`` in ``meta`` and reload tantivy's
searcher and the usearch file (which writers replace atomically, so an open memory map
stays valid).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import numpy as np
import tantivy
from usearch.index import Index as UsearchIndex

from kechuang.matching.backends.base import (
    LEXICAL_FIELDS,
    TERM_FILTERS,
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
from kechuang.matching.types import Document

FORMAT = "2"  # 2: the "related" lexical field
UNIT_BITS = 12
MAX_UNITS = (1 << UNIT_BITS) - 1  # passages beyond 4094 are not indexed
_TOKENIZER = "kc_ws"


_T = TypeVar("_T")
_P = ParamSpec("_P")


def _serialised(method: Callable[_P, _T]) -> Callable[_P, _T]:
    """One call at a time per backend instance (threads of one web worker share it)."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        with args[0]._mutex:  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return wrapper


def _is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("key", stored=False, indexed=True, fast=True)
    builder.add_integer_field("doc", stored=False, indexed=True, fast=True)
    builder.add_text_field("kind", tokenizer_name="raw", index_option="basic")
    for name in LEXICAL_FIELDS:
        builder.add_text_field(name, tokenizer_name=_TOKENIZER, index_option="freq")
    for name in TERM_FILTERS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("trl", indexed=True, fast=True)
    builder.add_integer_field("published", indexed=True, fast=True)
    return builder.build()


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
    ) -> None:
        self.path = Path(path)
        self.model = model
        self.dim = dim
        self.vector_dtype = vector_dtype
        self.connectivity = connectivity
        self.expansion_add = expansion_add
        self.expansion_search = expansion_search
        self.exact_below = exact_below
        self.max_overfetch = max_overfetch
        self.exact_filtered_below = exact_filtered_below
        self.lock_timeout = lock_timeout
        self.writer_heap = writer_heap
        self._mutex = threading.RLock()
        self._lock_fd: int | None = None
        self._writer: Any = None  # tantivy.IndexWriter while a write is pending
        self._pending = False
        self._vectors: UsearchIndex | None = None
        self._vectors_mutable = False
        self._vectors_stat: tuple[int, int, int] | None = None
        self._version = -1
        self._open()

    # --- files -------------------------------------------------------------------

    @property
    def _lexical_dir(self) -> Path:
        return self.path / "lexical"

    @property
    def _vectors_path(self) -> Path:
        return self.path / "vectors.usearch"

    @property
    def _meta_path(self) -> Path:
        return self.path / "meta.sqlite3"

    def _open(self) -> None:
        fresh = not self._meta_path.exists()
        if fresh and self._lexical_dir.exists() and any(self._lexical_dir.iterdir()):
            raise IndexCorrupted(f"{self._meta_path} is missing")
        self.path.mkdir(parents=True, exist_ok=True)
        self._lexical_dir.mkdir(exist_ok=True)
        try:
            self._db = sqlite3.connect(self._meta_path, timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(
                """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS docs (
                    row INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL,
                    title TEXT NOT NULL,
                    keywords TEXT NOT NULL,
                    body TEXT NOT NULL,
                    passages TEXT NOT NULL,
                    attrs TEXT NOT NULL,
                    units TEXT NOT NULL
                );
                """
            )
            meta = self._meta()
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupted(f"{self._meta_path}: {exc}") from exc
        if not meta:
            with self._db:
                self._db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [
                        ("format", FORMAT),
                        ("model", self.model),
                        ("dim", str(self.dim)),
                        ("version", "0"),
                        ("units", "0"),
                        ("vectors", "0"),
                        ("vectors_size", "0"),
                        ("last_write", ""),
                    ],
                )
            meta = self._meta()
        if meta.get("format") != FORMAT:
            raise IndexCorrupted(f"unknown index format {meta.get('format')!r}: rebuild the index")
        if meta["model"] != self.model or int(meta["dim"]) != self.dim:
            if int(meta["units"]) == 0:  # nothing indexed yet: adopt the new model
                with self._db:
                    self._db.execute("UPDATE meta SET value=? WHERE key='model'", (self.model,))
                    self._db.execute("UPDATE meta SET value=? WHERE key='dim'", (str(self.dim),))
            else:
                raise EmbedderMismatch(
                    f"the index at {self.path} was built with embedding model "
                    f"{meta['model']!r} (dim {meta['dim']}), not {self.model!r} (dim {self.dim}): "
                    "run `kechuang reindex` to rebuild it"
                )
        self._schema = _schema()
        try:
            self._index = tantivy.Index(self._schema, path=str(self._lexical_dir), reuse=True)
        except BaseException as exc:
            if isinstance(exc, Exception) or _is_panic(exc):
                raise IndexCorrupted(f"{self._lexical_dir}: {exc}") from exc
            raise
        self._index.register_tokenizer(
            _TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        )
        self._refresh(force=True)

    def _meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self._vectors_path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _refresh(self, *, force: bool = False) -> None:
        """Pick up another process's commit (cheap when nothing changed).

        A writer commits tantivy, then the vector file, then the catalogue; a reader that
        looks in between sees counts that disagree. That is only corruption when no writer
        holds the lock: otherwise the reader keeps what it has and looks again next time.
        """
        if self._pending and not force:
            return  # our own uncommitted state is what this instance sees
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupted(f"{self._meta_path}: {exc}") from exc
        version = int(row[0]) if row else 0
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
        fd = os.open(self.path / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    def _verify_and_load(self) -> None:
        meta = self._meta()
        try:
            self._index.reload()
            num_docs = self._index.searcher().num_docs
        except BaseException as exc:
            if isinstance(exc, Exception) or _is_panic(exc):
                raise IndexCorrupted(f"{self._lexical_dir}: {exc}") from exc
            raise
        if num_docs != int(meta["units"]):
            raise IndexCorrupted(
                f"{self._lexical_dir} holds {num_docs} units, the catalogue {meta['units']}"
            )
        self._load_vectors(meta)

    def _load_vectors(self, meta: dict[str, str]) -> None:
        expected = int(meta.get("vectors", "0"))
        stat = self._stat()
        if stat is None:
            if expected:
                raise IndexCorrupted(f"{self._vectors_path} is missing")
            self._vectors = None
            self._vectors_stat = None
            self._vectors_mutable = False
            return
        if stat == self._vectors_stat and self._vectors is not None:
            return
        if stat[2] != int(meta.get("vectors_size", "0")):
            raise IndexCorrupted(
                f"{self._vectors_path} is {stat[2]} bytes, expected {meta.get('vectors_size')}"
            )
        try:
            index = UsearchIndex.restore(str(self._vectors_path), view=True)
        except Exception as exc:
            raise IndexCorrupted(f"{self._vectors_path}: {exc}") from exc
        if index is None or len(index) != expected or (len(index) and index.ndim != self.dim):
            raise IndexCorrupted(f"{self._vectors_path} does not match the catalogue")
        index.expansion_search = self.expansion_search  # type: ignore[misc]
        self._vectors = index
        self._vectors_stat = stat
        self._vectors_mutable = False

    def _new_vectors(self) -> UsearchIndex:
        return UsearchIndex(
            ndim=self.dim,
            metric="cos",
            dtype=self.vector_dtype,
            connectivity=self.connectivity,
            expansion_add=self.expansion_add,
            expansion_search=self.expansion_search,
            multi=False,
        )

    # --- writing -----------------------------------------------------------------

    @contextlib.contextmanager
    def _write_session(self, commit: bool) -> Iterator[None]:
        self._acquire()
        try:
            if not self._pending:
                self._refresh()
            if self._writer is None:
                self._writer = self._index.writer(self.writer_heap, 1)
            if self.dim and not self._vectors_mutable:
                mutable = self._new_vectors()
                if self._vectors is not None and len(self._vectors):
                    mutable.load(str(self._vectors_path))
                    mutable.expansion_search = self.expansion_search  # type: ignore[misc]
                self._vectors = mutable
                self._vectors_mutable = True
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
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.rollback()
            self._writer = None
        if self._db.in_transaction:
            self._db.rollback()
        self._pending = False
        self._vectors_mutable = False
        self._vectors_stat = None
        self._vectors = None
        self._refresh(force=True)

    def _commit_locked(self) -> None:
        meta = self._meta()
        vectors = 0
        size = 0
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None
        if self.dim and self._vectors is not None and self._vectors_mutable:
            vectors = len(self._vectors)
            if vectors:
                tmp = self._vectors_path.with_suffix(".tmp")
                self._vectors.save(str(tmp))
                os.replace(tmp, self._vectors_path)
                size = os.path.getsize(self._vectors_path)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self._vectors_path)
        units = self._db.execute(
            "SELECT COALESCE(SUM(json_array_length(units)), 0) FROM docs"
        ).fetchone()[0]
        version = int(meta["version"]) + 1
        self._db.executemany(
            "UPDATE meta SET value=? WHERE key=?",
            [
                (str(version), "version"),
                (str(units), "units"),
                (str(vectors), "vectors"),
                (str(size), "vectors_size"),
                (datetime.now(UTC).isoformat(timespec="seconds"), "last_write"),
            ],
        )
        self._db.commit()
        self._pending = False
        self._version = version
        self._vectors_stat = self._stat()
        self._index.reload()

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
            self._writer.delete_documents_by_term("doc", row)
            if self._vectors is not None:
                keys = [row << UNIT_BITS | u for u in json.loads(units_json)]
                if keys:
                    self._vectors.remove(np.array(keys, dtype=np.uint64))

    @_serialised
    def write(self, docs: Sequence[PreparedDoc], *, commit: bool = True) -> int:
        if not docs:
            return 0
        latest: dict[str, PreparedDoc] = {p.doc.id: p for p in docs}  # last one wins
        with self._write_session(commit):
            db = self._db
            ids = list(latest)
            old = self._rows_for(ids)
            self._remove_rows([(row, units) for row, units, _ in old.values()])
            keys_all: list[int] = []
            vecs_all: list[Vector] = []
            for doc_id, prepared in latest.items():
                doc = prepared.doc
                units = [u for u in prepared.units if u.index <= MAX_UNITS]
                values = (
                    doc.kind,
                    doc.title,
                    doc.keywords,
                    doc.body,
                    json.dumps(list(doc.passages), ensure_ascii=False),
                    json.dumps(doc.attrs, ensure_ascii=False, default=str),
                    json.dumps([u.index for u in units]),
                )
                if doc_id in old:
                    row = old[doc_id][0]
                    db.execute(
                        "UPDATE docs SET kind=?, title=?, keywords=?, body=?, passages=?, "
                        "attrs=?, units=? WHERE row=?",
                        (*values, row),
                    )
                else:
                    cursor = db.execute(
                        "INSERT INTO docs (id, kind, title, keywords, body, passages, attrs, "
                        "units) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (doc_id, *values),
                    )
                    row = int(cursor.lastrowid or 0)
                terms = filter_terms(doc.attrs)
                trl = trl_value(doc.attrs)
                published = date_number(doc.attrs.get("published"))
                for unit in units:
                    key = row << UNIT_BITS | unit.index
                    tdoc = tantivy.Document()
                    tdoc.add_integer("key", key)
                    tdoc.add_integer("doc", row)
                    tdoc.add_text("kind", doc.kind)
                    for name, text in unit.fields.items():
                        if text:
                            tdoc.add_text(name, text)
                    for name, values_ in terms.items():
                        for value in values_:
                            tdoc.add_text(name, value)
                    if trl is not None:
                        tdoc.add_integer("trl", trl)
                    if published is not None:
                        tdoc.add_integer("published", published)
                    self._writer.add_document(tdoc)
                    if self.dim and unit.vector is not None:
                        keys_all.append(key)
                        vecs_all.append(unit.vector)
            if keys_all and self._vectors is not None:
                self._vectors.add(
                    np.array(keys_all, dtype=np.uint64),
                    np.asarray(np.stack(vecs_all), dtype=np.float32),
                    threads=0,  # all cores: bulk builds are the slow case
                )
        return len(latest)

    @_serialised
    def delete(self, ids: Iterable[str], *, commit: bool = True) -> int:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return 0
        with self._write_session(commit):
            old = self._rows_for(ids)
            self._remove_rows([(row, units) for row, units, _ in old.values()])
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                self._db.execute(f"DELETE FROM docs WHERE id IN ({marks})", chunk)
        return len(old)

    def _rows_for(self, ids: Sequence[str]) -> dict[str, tuple[int, str, str]]:
        found: dict[str, tuple[int, str, str]] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row, doc_id, units, kind in self._db.execute(
                f"SELECT row, id, units, kind FROM docs WHERE id IN ({marks})", chunk
            ):
                found[doc_id] = (row, units, kind)
        return found

    # --- reading -----------------------------------------------------------------

    def _filter_clauses(self, filters: Filters) -> list[tuple[Any, Any]]:
        schema = self._schema
        clauses: list[tuple[Any, Any]] = []

        def any_of(field: str, values: Sequence[str]) -> Any:
            if len(values) == 1:
                return tantivy.Query.term_query(schema, field, values[0], index_option="basic")
            return tantivy.Query.term_set_query(schema, field, list(values))

        if filters.kinds:
            clauses.append((tantivy.Occur.Must, any_of("kind", filters.kinds)))
        for name, values in filters.terms.items():
            clauses.append((tantivy.Occur.Must, any_of(name, values)))
        for field, low, high in (
            ("trl", filters.trl_min, filters.trl_max),
            ("published", filters.published_from, filters.published_to),
        ):
            if low is not None or high is not None:
                clauses.append(
                    (
                        tantivy.Occur.Must,
                        tantivy.Query.range_query(
                            schema, field, tantivy.FieldType.Integer, low, high
                        ),
                    )
                )
        return [(occur, tantivy.Query.const_score_query(q, 0.0)) for occur, q in clauses]

    def _guard(self) -> Any:
        """A searcher on the latest commit; corruption becomes ``IndexCorrupted``."""
        self._refresh()
        try:
            return self._index.searcher()
        except BaseException as exc:
            if isinstance(exc, Exception) or _is_panic(exc):
                raise IndexCorrupted(f"{self._lexical_dir}: {exc}") from exc
            raise

    def _docs_for_rows(self, rows: Iterable[int]) -> dict[int, tuple[str, str]]:
        rows = list(dict.fromkeys(rows))
        found: dict[int, tuple[str, str]] = {}
        for start in range(0, len(rows), 900):
            chunk = rows[start : start + 900]
            marks = ",".join("?" * len(chunk))
            for row, doc_id, kind in self._db.execute(
                f"SELECT row, id, kind FROM docs WHERE row IN ({marks})", chunk
            ):
                found[row] = (doc_id, kind)
        return found

    @_serialised
    def lexical(
        self, clauses: Sequence[tuple[str, str, float]], filters: Filters, limit: int
    ) -> list[UnitHit]:
        if not clauses or limit <= 0:
            return []
        schema = self._schema
        should = [
            (
                tantivy.Occur.Should,
                tantivy.Query.boost_query(
                    tantivy.Query.term_query(schema, field, token, index_option="freq"), boost
                ),
            )
            for field, token, boost in clauses
        ]
        text_query = tantivy.Query.boolean_query(should)
        filter_clauses = self._filter_clauses(filters)
        query = (
            tantivy.Query.boolean_query([(tantivy.Occur.Must, text_query), *filter_clauses])
            if filter_clauses
            else text_query
        )
        searcher = self._guard()
        try:
            result = searcher.search(query, limit, count=False)
            addresses = [address for _, address in result.hits]
            keys = searcher.fast_field_values("key", addresses) if addresses else []
        except BaseException as exc:
            if isinstance(exc, Exception) or _is_panic(exc):
                raise IndexCorrupted(f"{self._lexical_dir}: {exc}") from exc
            raise
        docs = self._docs_for_rows(k >> UNIT_BITS for k in keys)
        hits = []
        for (score, _), key in zip(result.hits, keys, strict=True):
            found = docs.get(key >> UNIT_BITS)
            if found is not None:
                hits.append(UnitHit(found[0], found[1], key & MAX_UNITS, float(score)))
        return hits

    @_serialised
    def dense(self, vector: Vector, filters: Filters, limit: int) -> list[UnitHit]:
        """Nearest units; with filters, exact over the admitted units when they are few,
        else HNSW over-fetched in proportion to the filter's selectivity and checked
        against the same filter in tantivy (one term-set query, no per-unit Python)."""
        self._refresh()
        index = self._vectors
        if index is None or limit <= 0 or not len(index):
            return []
        total = len(index)
        query = np.asarray(vector, dtype=np.float32)
        if filters.empty:
            want = min(limit, total)
            matches = index.search(query, want, exact=total <= self.exact_below, threads=1)
            return self._unit_hits([int(k) for k in matches.keys], matches.distances)
        clauses = self._filter_clauses(filters)
        admitted = self._search(tantivy.Query.boolean_query(clauses), 1, count=True).count
        if not admitted:
            return []
        if admitted <= self.exact_filtered_below or total <= self.exact_below:
            return self._dense_exact(query, clauses, admitted, limit)
        selectivity = admitted / max(total, 1)
        want = min(total, self.max_overfetch, max(limit, int(limit / selectivity * 1.3) + 10))
        matches = index.search(query, want, exact=total <= self.exact_below, threads=1)
        keys = [int(k) for k in matches.keys]
        passing = set(self._keys_where(clauses, keys))
        order = [i for i, key in enumerate(keys) if key in passing][:limit]
        return self._unit_hits([keys[i] for i in order], [matches.distances[i] for i in order])

    def _search(self, query: Any, limit: int, *, count: bool = False) -> Any:
        searcher = self._guard()
        try:
            return searcher.search(query, limit, count=count)
        except BaseException as exc:
            if isinstance(exc, Exception) or _is_panic(exc):
                raise IndexCorrupted(f"{self._lexical_dir}: {exc}") from exc
            raise

    def _keys_of(self, query: Any, limit: int) -> list[int]:
        searcher = self._guard()
        try:
            result = searcher.search(query, limit, count=False)
            addresses = [address for _, address in result.hits]
            return list(searcher.fast_field_values("key", addresses)) if addresses else []
        except BaseException as exc:
            if isinstance(exc, Exception) or _is_panic(exc):
                raise IndexCorrupted(f"{self._lexical_dir}: {exc}") from exc
            raise

    def _keys_where(self, clauses: list[tuple[Any, Any]], keys: list[int]) -> list[int]:
        """Which of ``keys`` pass the filter ``clauses``."""
        if not keys:
            return []
        members = tantivy.Query.term_set_query(self._schema, "key", keys)
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, members), *clauses])
        return self._keys_of(query, len(keys))

    def _dense_exact(
        self, query: Vector, clauses: list[tuple[Any, Any]], admitted: int, limit: int
    ) -> list[UnitHit]:
        """Exact cosine over the (few) units a filter admits."""
        index = self._vectors
        assert index is not None
        keys = self._keys_of(tantivy.Query.boolean_query(clauses), admitted)
        if not keys:
            return []
        found = index.get(np.array(keys, dtype=np.uint64))
        if found is None or any(row is None for row in found):  # a unit without a vector
            present = [k for k in keys if index.contains(k)]
            if not present:
                return []
            found = index.get(np.array(present, dtype=np.uint64))
        else:
            present = keys
        vectors = np.asarray(found, dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        sims = vectors @ (query / max(float(np.linalg.norm(query)), 1e-12))
        order = np.argsort(-sims, kind="stable")[:limit]
        return self._unit_hits(
            [present[int(i)] for i in order], [1.0 - sims[int(i)] for i in order]
        )

    def _unit_hits(self, keys: Sequence[int], distances: Any) -> list[UnitHit]:
        docs = self._docs_for_rows(k >> UNIT_BITS for k in keys)
        hits = []
        for key, distance in zip(keys, distances, strict=True):
            found = docs.get(key >> UNIT_BITS)
            if found is not None:
                hits.append(UnitHit(found[0], found[1], key & MAX_UNITS, 1.0 - float(distance)))
        return hits

    @_serialised
    def unit_vectors(self, units: Sequence[tuple[str, int]]) -> list[Vector | None]:
        """The stored vectors of ``(doc_id, unit)`` pairs, in order; ``None`` where there
        is none (for the engine's pseudo-relevance feedback and its explanations)."""
        self._refresh()
        index = self._vectors
        if index is None or not units:
            return [None] * len(units)
        rows = self._rows_for(list(dict.fromkeys(doc_id for doc_id, _ in units)))
        keys = [
            rows[d][0] << UNIT_BITS | u if d in rows and 0 <= u <= MAX_UNITS else None
            for d, u in units
        ]
        present = [k for k in keys if k is not None and index.contains(k)]
        found: dict[int, Vector] = {}
        if present:
            stored = index.get(np.array(present, dtype=np.uint64))
            matrix = np.atleast_2d(np.asarray(stored, dtype=np.float32))
            found = {key: matrix[i] for i, key in enumerate(present)}
        return [found.get(k) if k is not None else None for k in keys]

    @_serialised
    def fetch(self, ids: Sequence[str]) -> dict[str, Document]:
        found: dict[str, Document] = {}
        ids = list(dict.fromkeys(ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for doc_id, kind, title, keywords, body, passages, attrs in self._db.execute(
                "SELECT id, kind, title, keywords, body, passages, attrs FROM docs "
                f"WHERE id IN ({marks})",
                chunk,
            ):
                found[doc_id] = Document(
                    id=doc_id,
                    kind=kind,
                    title=title,
                    keywords=keywords,
                    body=body,
                    passages=tuple(json.loads(passages)),
                    attrs=json.loads(attrs),
                )
        return found

    @_serialised
    def count(self) -> int:
        self._refresh()
        return int(self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])

    @_serialised
    def unit_count(self) -> int:
        self._refresh()
        return int(self._meta()["units"])

    @_serialised
    def info(self) -> dict[str, Any]:
        self._refresh()
        meta = self._meta()

        def size(path: Path) -> int:
            if path.is_file():
                return path.stat().st_size
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())

        return {
            "backend": self.name,
            "model": meta["model"],
            "dim": int(meta["dim"]),
            "items": self.count(),
            "units": int(meta["units"]),
            "vectors": int(meta["vectors"]),
            "version": int(meta["version"]),
            "last_write": meta["last_write"] or None,
            "bytes": {
                "lexical": size(self._lexical_dir),
                "vectors": size(self._vectors_path) if self._vectors_path.exists() else 0,
                "meta": sum(size(p) for p in self.path.glob("meta.sqlite3*")),
            },
            "path": str(self.path),
        }

    @_serialised
    def close(self) -> None:
        if self._pending:
            self.commit()
        self._release()
        self._vectors = None
        with contextlib.suppress(Exception):
            self._db.close()
