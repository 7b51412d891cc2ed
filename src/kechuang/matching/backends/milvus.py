"""The ``milvus`` backend: pymilvus ``MilvusClient`` against a Milvus server or milvus-lite.

Where the data lives (``uri``):

- empty: milvus-lite in ``<index path>/milvus.db`` — the index directory holds everything,
  so ``kechuang reindex`` builds and swaps it like the local backend's files;
- a file path: milvus-lite there; ``http(s)://host:19530``: a Milvus server (``token`` is
  ``user:password`` or an API key). Collections are then named after the index directory
  (``<prefix>_<digest of its path>_units`` / ``_docs``), so a rebuild writes fresh
  collections and the swap of the index link switches every process over; collections
  whose directory is gone are dropped when a new build creates its own.

Two collections:

- ``units``: one row per unit (``pk`` = ``<doc id>#<unit>``), exactly the units of the
  local backend: unit 0 is title/keywords/body, unit i ≥ 1 passage i-1. Lexical fields
  are VARCHARs holding the analyser's space-joined tokens (words ``_w`` and bigrams
  ``_b`` per part), each turned into a BM25 sparse vector by a Milvus BM25 Function, so
  the term statistics live in Milvus and both backends rank with the same tokens and the
  same field boosts (``lexical``). The filter terms of ``base.filter_terms`` are VARCHAR
  arrays (``array_contains_any``), TRL and publication date nullable INT64s (ranges), the
  dense vector a FLOAT_VECTOR (COSINE; HNSW on a server, FLAT on milvus-lite).
- ``docs``: the stored documents for ``fetch`` and one metadata row (format, embedding
  model and dimension, version, last write) that guards against mixing models.

Tokens: a Milvus server splits the lexical fields with the ``whitespace`` tokenizer;
milvus-lite 3.2 has only ``standard`` (``\\w+``, lower case) and ``jieba``. Tokens are
stored escaped (every character other than a letter or digit becomes ``_<hex>_``), which
both tokenizers keep whole, so the same rows rank alike on lite and on a server.

Writes are buffered until ``commit``: Milvus has no transactions, so ``write``/``delete``
collect the changes and ``commit`` applies them (upsert units, delete stale units, upsert
documents, bump the version); ``rollback`` drops the buffer. Reads use consistency level
Strong, so a commit is visible to every reader as soon as it returns (milvus-lite also
flushes at each commit, see ``_commit``). A commit interrupted
half-way (a server crash) leaves some documents updated and others not, never a unit
without its document; ``kechuang reindex`` repairs it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import numpy as np

from kechuang.matching.backends.base import (
    LEXICAL_FIELDS,
    TERM_FILTERS,
    EmbedderMismatch,
    Filters,
    IndexCorrupted,
    MatchingError,
    PreparedDoc,
    UnitHit,
    Vector,
    date_number,
    filter_terms,
    trl_value,
)
from kechuang.matching.types import Document

FORMAT = "2"  # 2: the "related" lexical field
META_ID = "__kechuang_meta__"
META_KIND = "__meta__"
MARKER = "milvus.json"  # in the index directory: which collections hold this index
VARCHAR_BYTES = 65_535  # Milvus's limit for one VARCHAR value
MAX_TOPK = 16_384  # Milvus's limit for one search's limit
WRITE_BATCH = 256  # rows per insert/upsert call
QUERY_BATCH = 500  # ids per ``in [...]`` expression
#: BM25 parameters of tantivy, which the local backend uses.
BM25_PARAMS = {"bm25_k1": 1.2, "bm25_b": 0.75}

_T = TypeVar("_T")
_P = ParamSpec("_P")


class MilvusUnavailable(MatchingError):
    """The Milvus server cannot be reached or refused a request."""

    code = "search_backend_unavailable"


def _serialised(method: Callable[_P, _T]) -> Callable[_P, _T]:
    """One call at a time per backend instance; Milvus errors become ``MatchingError``s."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        from pymilvus.exceptions import MilvusException

        with args[0]._mutex:  # type: ignore[attr-defined]
            try:
                return method(*args, **kwargs)
            except MilvusException as exc:
                raise MilvusUnavailable(f"milvus: {exc}") from exc

    return wrapper


# --- tokens, literals and filter expressions ------------------------------------------

_PLAIN = re.compile(r"[^\W_]")


def encode_token(token: str) -> str:
    """A token both Milvus tokenizers keep whole: ``c++`` → ``c_2b__2b_`` (injective)."""
    return "".join(ch if _PLAIN.fullmatch(ch) else f"_{ord(ch):x}_" for ch in token)


def field_text(tokens: str, *, limit: int = VARCHAR_BYTES) -> str:
    """Space-joined analysed tokens, escaped, cut at a token boundary to ``limit`` bytes."""
    out: list[str] = []
    size = 0
    for token in tokens.split():
        encoded = encode_token(token)
        size += len(encoded.encode()) + (1 if out else 0)
        if size > limit:
            break
        out.append(encoded)
    return " ".join(out)


def _fit(text: str, limit: int = VARCHAR_BYTES) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (on a character boundary)."""
    data = text.encode()
    return text if len(data) <= limit else data[:limit].decode(errors="ignore")


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def literal(value: str) -> str:
    """A Milvus string literal; other control characters are dropped."""
    body = "".join(_ESCAPES.get(ch, ch) for ch in str(value) if ch in _ESCAPES or ord(ch) >= 0x20)
    return f'"{body}"'


def _list(values: Iterable[str]) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


def filter_expr(filters: Filters) -> str:
    """``Filters`` as a Milvus boolean expression ("" when there is nothing to check)."""
    parts: list[str] = []
    if filters.kinds:
        parts.append(f"kind in {_list(filters.kinds)}")
    for name, values in filters.terms.items():
        parts.append(f"array_contains_any({name}, {_list(values)})")
    for name, low, high in (
        ("trl", filters.trl_min, filters.trl_max),
        ("published", filters.published_from, filters.published_to),
    ):
        if low is not None:
            parts.append(f"{name} >= {int(low)}")
        if high is not None:
            parts.append(f"{name} <= {int(high)}")
    return " and ".join(f"({p})" for p in parts)


def is_server(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


# --- milvus-lite servers, shared by the backends of one process ------------------------

_lite_users: dict[str, int] = {}
_lite_lock = threading.Lock()


def _lite_acquire(path: str) -> None:
    with _lite_lock:
        _lite_users[path] = _lite_users.get(path, 0) + 1


def _lite_release(path: str) -> None:
    """Stop the in-process milvus-lite server when its last backend closes (so the files
    are released and the next open reads them from disk, as after a restart)."""
    with _lite_lock:
        _lite_users[path] -= 1
        if _lite_users[path]:
            return
        del _lite_users[path]
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(path)


# --- the backend -----------------------------------------------------------------------


class MilvusBackend:
    """Milvus (server or lite) behind the ``Backend`` protocol; see the module docstring."""

    name = "milvus"

    def __init__(
        self,
        path: Path,
        *,
        model: str,
        dim: int,
        uri: str = "",
        token: str = "",
        prefix: str = "kechuang",
        connectivity: int = 16,
        expansion_add: int = 128,
        expansion_search: int = 96,
    ) -> None:
        self.path = Path(path)
        self.model = model
        self.dim = dim
        self.connectivity = connectivity
        self.expansion_add = expansion_add
        self.expansion_search = expansion_search
        self._mutex = threading.RLock()
        self._pending: dict[str, PreparedDoc | None] = {}
        self.path.mkdir(parents=True, exist_ok=True)
        self.uri = uri or str(self.path / "milvus.db")
        self.server = is_server(self.uri)
        if not self.server and not self.uri.endswith(".db"):
            raise ValueError(f"milvus uri {self.uri!r}: use http(s)://host:port or a *.db path")
        self._lite_path = None if self.server else os.path.abspath(self.uri)
        if self.server or uri:
            digest = hashlib.sha256(str(self.path.resolve()).encode()).hexdigest()[:12]
            base = f"{_safe_prefix(prefix)}_{digest}"
        else:
            base = _safe_prefix(prefix)
        self.units = f"{base}_units"
        self.docs = f"{base}_docs"
        self._client = self._connect(token)
        try:
            self._open()
        except BaseException:
            self._disconnect()
            raise

    # --- connecting and opening --------------------------------------------------------

    def _connect(self, token: str) -> Any:
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException

        if self._lite_path is not None:
            _lite_acquire(self._lite_path)
        try:
            return MilvusClient(uri=self.uri, token=token) if token else MilvusClient(self.uri)
        except (MilvusException, OSError) as exc:
            if self._lite_path is not None:
                _lite_release(self._lite_path)
            raise MilvusUnavailable(f"cannot connect to milvus at {self._safe_uri}: {exc}") from exc

    def _disconnect(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()
        if self._lite_path is not None:
            _lite_release(self._lite_path)
            self._lite_path = None

    @property
    def _safe_uri(self) -> str:
        return re.sub(r"//[^/@]*@", "//", self.uri)  # no credentials in messages

    @property
    def _marker(self) -> Path:
        return self.path / MARKER

    def _open(self) -> None:
        from pymilvus.exceptions import MilvusException

        try:
            present = {self.units, self.docs} & set(self._client.list_collections())
            if self._marker.exists() and present != {self.units, self.docs}:
                raise IndexCorrupted(
                    f"the milvus collections of {self.path} are missing: rebuild the index"
                )
            if not present:
                self._create()
            elif present != {self.units, self.docs}:
                raise IndexCorrupted(f"{self.units} or {self.docs} is missing")
            for name in (self.units, self.docs):
                self._client.load_collection(name)
            meta = self._meta()
            if meta is None or meta.get("format") != FORMAT:
                raise IndexCorrupted(f"{self.docs}: unknown index format, rebuild the index")
            if meta["model"] != self.model or int(meta["dim"]) != self.dim:
                if self._count(self.units):
                    raise EmbedderMismatch(
                        f"the milvus index {self.units} was built with embedding model "
                        f"{meta['model']!r} (dim {meta['dim']}), not {self.model!r} "
                        f"(dim {self.dim}): run `kechuang reindex` to rebuild it"
                    )
                self._client.drop_collection(self.units)  # empty: adopt the new model
                self._client.drop_collection(self.docs)
                self._create()
                for name in (self.units, self.docs):
                    self._client.load_collection(name)
        except MilvusException as exc:
            raise MilvusUnavailable(f"milvus at {self._safe_uri}: {exc}") from exc

    def _create(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        client = self._client
        if self.server:
            self._drop_orphans()
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=2048)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=2000)
        schema.add_field("kind", DataType.VARCHAR, max_length=64)
        schema.add_field("unit", DataType.INT64)
        # lite 3.2 knows only ``standard`` (\w+); the escaped tokens survive both
        analyzer = {"tokenizer": "whitespace" if self.server else "standard"}
        index = client.prepare_index_params()
        for name in LEXICAL_FIELDS:
            schema.add_field(
                name,
                DataType.VARCHAR,
                max_length=VARCHAR_BYTES,
                enable_analyzer=True,
                analyzer_params=analyzer,
            )
            schema.add_field(f"{name}_bm25", DataType.SPARSE_FLOAT_VECTOR)
            schema.add_function(
                Function(
                    name=f"{name}_bm25",
                    function_type=FunctionType.BM25,
                    input_field_names=[name],
                    output_field_names=[f"{name}_bm25"],
                )
            )
            index.add_index(
                field_name=f"{name}_bm25",
                index_type="SPARSE_INVERTED_INDEX",
                metric_type="BM25",
                params=dict(BM25_PARAMS),
            )
        for name in TERM_FILTERS:
            schema.add_field(
                name,
                DataType.ARRAY,
                element_type=DataType.VARCHAR,
                max_capacity=256,
                max_length=512,
            )
        schema.add_field("trl", DataType.INT64, nullable=True)
        schema.add_field("published", DataType.INT64, nullable=True)
        if self.dim:
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dim)
            if self.server:
                params = {"M": self.connectivity, "efConstruction": self.expansion_add}
                index.add_index("vector", index_type="HNSW", metric_type="COSINE", params=params)
            else:
                index.add_index("vector", index_type="FLAT", metric_type="COSINE")
        self._create_collection(self.units, schema, index)
        docs = client.create_schema(auto_id=False, enable_dynamic_field=False)
        docs.add_field("id", DataType.VARCHAR, is_primary=True, max_length=2000)
        docs.add_field("kind", DataType.VARCHAR, max_length=64)
        for name in ("title", "keywords", "body", "passages", "attrs", "units"):
            docs.add_field(name, DataType.VARCHAR, max_length=VARCHAR_BYTES)
        # Milvus wants a vector field in every collection; this one is never searched.
        docs.add_field("placeholder", DataType.FLOAT_VECTOR, dim=2)
        docs_index = client.prepare_index_params()
        docs_index.add_index("placeholder", index_type="FLAT", metric_type="L2")
        self._create_collection(self.docs, docs, docs_index)
        meta = {
            "format": FORMAT,
            "model": self.model,
            "dim": self.dim,
            "version": 0,
            "last_write": "",
            "path": str(self.path.resolve()),
        }
        client.upsert(self.docs, [_doc_row(META_ID, META_KIND, attrs=meta)])
        self._marker.write_text(
            json.dumps({"uri": self._safe_uri, "collections": [self.units, self.docs]})
        )

    def _create_collection(self, name: str, schema: Any, index: Any) -> None:
        """Create, index (without pymilvus's 0.5 s poll per index: the collection is
        empty, so its indexes are ready at once) and load a collection."""
        self._client.create_collection(name, schema=schema, consistency_level="Strong")
        self._client.create_index(name, index, sync=False)
        self._client.load_collection(name)

    def _drop_orphans(self) -> None:
        """Drop this prefix's collections whose index directory no longer exists."""
        client = self._client
        prefix = self.units.rsplit("_", 2)[0] + "_"
        for name in client.list_collections():
            if not (name.startswith(prefix) and name.endswith("_docs")):
                continue
            rows = client.query(name, filter=f"id == {literal(META_ID)}", output_fields=["attrs"])
            path = json.loads(rows[0]["attrs"]).get("path") if rows else None
            if path and not Path(path).exists():
                client.drop_collection(name)
                client.drop_collection(name[: -len("_docs")] + "_units")

    def _meta(self) -> dict[str, Any] | None:
        rows = self._client.query(
            self.docs, filter=f"id == {literal(META_ID)}", output_fields=["attrs"]
        )
        return json.loads(rows[0]["attrs"]) if rows else None

    def _count(self, collection: str, expr: str = "") -> int:
        rows = self._client.query(collection, filter=expr, output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    # --- writing -----------------------------------------------------------------------

    @_serialised
    def write(self, docs: Sequence[PreparedDoc], *, commit: bool = True) -> int:
        latest = {p.doc.id: p for p in docs}  # last one wins
        self._pending.update(latest)
        if commit:
            self._commit()
        return len(latest)

    @_serialised
    def delete(self, ids: Iterable[str], *, commit: bool = True) -> int:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return 0
        stored = set(self._stored_units([i for i in ids if i not in self._pending]))
        existed = sum(
            1 for i in ids if (self._pending[i] is not None if i in self._pending else i in stored)
        )
        for doc_id in ids:
            self._pending[doc_id] = None
        if commit:
            self._commit()
        return existed

    @_serialised
    def commit(self) -> None:
        self._commit()

    @_serialised
    def rollback(self) -> None:
        self._pending.clear()

    def _commit(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        client = self._client
        old_units = self._stored_units(list(pending))
        rows: list[dict[str, Any]] = []
        stale: list[str] = []
        gone: list[str] = []
        for doc_id, prepared in pending.items():
            new = {u.index for u in prepared.units} if prepared is not None else set()
            stale.extend(f"{doc_id}#{u}" for u in old_units.get(doc_id, ()) if u not in new)
            if prepared is None:
                gone.append(doc_id)
            else:
                rows.extend(self._unit_rows(prepared))
        for rows_batch in _batches(rows, WRITE_BATCH):
            client.upsert(self.units, rows_batch)
        for ids_batch in _batches(stale, QUERY_BATCH):
            client.delete(self.units, ids=ids_batch)
        records = [_record(p) for p in pending.values() if p is not None]
        for rows_batch in _batches(records, WRITE_BATCH):
            client.upsert(self.docs, rows_batch)
        for ids_batch in _batches(gone, QUERY_BATCH):
            client.delete(self.docs, ids=ids_batch)
        meta = self._meta() or {}
        meta["version"] = int(meta.get("version", 0)) + 1
        meta["last_write"] = datetime.now(UTC).isoformat(timespec="seconds")
        client.upsert(self.docs, [_doc_row(META_ID, META_KIND, attrs=meta)])
        if not self.server:
            # milvus-lite rebuilds the BM25 index of unflushed rows on every search (3 s a
            # query at 2,000 rows); a flushed segment keeps its index. A server indexes
            # growing segments itself and rate-limits flushes, so it is left alone.
            client.flush(self.units)
            client.flush(self.docs)

    def _stored_units(self, ids: Sequence[str]) -> dict[str, list[int]]:
        """The unit numbers of the stored documents among ``ids``."""
        found: dict[str, list[int]] = {}
        for batch in _batches(list(ids), QUERY_BATCH):
            for row in self._client.query(
                self.docs, filter=f"id in {_list(batch)}", output_fields=["id", "units"]
            ):
                found[row["id"]] = json.loads(row["units"])
        return found

    def _unit_rows(self, prepared: PreparedDoc) -> Iterator[dict[str, Any]]:
        doc = prepared.doc
        terms = filter_terms(doc.attrs)
        trl = trl_value(doc.attrs)
        published = date_number(doc.attrs.get("published"))
        for unit in prepared.units:
            row: dict[str, Any] = {
                "pk": f"{doc.id}#{unit.index}",
                "doc_id": doc.id,
                "kind": doc.kind,
                "unit": unit.index,
                "trl": trl,
                "published": published,
            }
            for name in LEXICAL_FIELDS:
                row[name] = field_text(unit.fields.get(name, ""))
            for name, values in terms.items():
                row[name] = [v[:512] for v in values[:256]]
            if self.dim:
                if unit.vector is None:
                    raise ValueError(f"{doc.id} unit {unit.index} has no vector")
                row["vector"] = np.asarray(unit.vector, dtype=np.float32).tolist()
            yield row

    # --- reading -----------------------------------------------------------------------

    @_serialised
    def lexical(
        self, clauses: Sequence[tuple[str, str, float]], filters: Filters, limit: int
    ) -> list[UnitHit]:
        """BM25 per field inside Milvus, summed with the clause boosts.

        A field's clauses become one text query; a token's boost relative to the field's
        smallest is its repetition count (Milvus weighs a query term by how often it
        occurs — the engine's boosts are field weight × occurrences in the query, so this
        is exact), and the field's smallest boost is its weight in a ``WeightedRanker``
        without score normalisation: Σ fields weight × BM25, as tantivy's boolean query.
        """
        from pymilvus import AnnSearchRequest, WeightedRanker

        limit = min(limit, MAX_TOPK)
        by_field: dict[str, list[tuple[str, float]]] = {}
        for field, token, boost in clauses:
            encoded = encode_token(token)
            if boost > 0 and encoded and field in LEXICAL_FIELDS:
                by_field.setdefault(field, []).append((encoded, boost))
        if not by_field or limit <= 0:
            return []
        expr = filter_expr(filters)
        requests: list[tuple[str, str, float]] = []
        for field, tokens in by_field.items():
            base = min(boost for _, boost in tokens)
            text = " ".join(" ".join([t] * max(1, round(b / base))) for t, b in tokens)
            requests.append((f"{field}_bm25", text, base))
        output = ["doc_id", "kind", "unit"]
        params = {"metric_type": "BM25"}
        if len(requests) == 1:
            field, text, base = requests[0]
            result = self._client.search(
                self.units,
                data=[text],
                anns_field=field,
                search_params=params,
                limit=limit,
                filter=expr,
                output_fields=output,
            )
            weights = [base]
        else:
            result = self._client.hybrid_search(
                self.units,
                [
                    AnnSearchRequest(
                        data=[text], anns_field=field, param=params, limit=limit, expr=expr
                    )
                    for field, text, _ in requests
                ],
                WeightedRanker(*[base for _, _, base in requests], norm_score=False),
                limit=limit,
                output_fields=output,
            )
            weights = [1.0]
        # BM25 scores are positive; lite reports a plain search's as a negative distance
        return _hits(result, lambda d: abs(d) * weights[0])

    @_serialised
    def dense(self, vector: Vector, filters: Filters, limit: int) -> list[UnitHit]:
        if not self.dim or limit <= 0:
            return []
        limit = min(limit, MAX_TOPK)
        params: dict[str, Any] = {"metric_type": "COSINE"}
        if self.server:
            params["params"] = {"ef": max(self.expansion_search, limit)}
        result = self._client.search(
            self.units,
            data=[np.asarray(vector, dtype=np.float32).tolist()],
            anns_field="vector",
            search_params=params,
            limit=limit,
            filter=filter_expr(filters),
            output_fields=["doc_id", "kind", "unit"],
        )
        return _hits(result, float)  # COSINE: the similarity itself

    @_serialised
    def unit_vectors(self, units: Sequence[tuple[str, int]]) -> list[Vector | None]:
        """The stored vectors of ``(doc_id, unit)`` pairs, in order; ``None`` where there
        is none (for the engine's pseudo-relevance feedback and its explanations)."""
        if not self.dim or not units:
            return [None] * len(units)
        keys = [f"{doc_id}#{unit}" for doc_id, unit in units]
        found: dict[str, Vector] = {}
        for batch in _batches(list(dict.fromkeys(keys)), QUERY_BATCH):
            for row in self._client.query(
                self.units, filter=f"pk in {_list(batch)}", output_fields=["pk", "vector"]
            ):
                found[row["pk"]] = np.asarray(row["vector"], dtype=np.float32)
        return [found.get(key) for key in keys]

    @_serialised
    def fetch(self, ids: Sequence[str]) -> dict[str, Document]:
        found: dict[str, Document] = {}
        wanted = [i for i in dict.fromkeys(ids) if i != META_ID]
        fields = ["id", "kind", "title", "keywords", "body", "passages", "attrs"]
        for batch in _batches(wanted, QUERY_BATCH):
            for row in self._client.query(
                self.docs, filter=f"id in {_list(batch)}", output_fields=fields
            ):
                found[row["id"]] = Document(
                    id=row["id"],
                    kind=row["kind"],
                    title=row["title"],
                    keywords=row["keywords"],
                    body=row["body"],
                    passages=tuple(json.loads(row["passages"])),
                    attrs=json.loads(row["attrs"]),
                )
        return found

    @_serialised
    def count(self) -> int:
        return self._count(self.docs, f"kind != {literal(META_KIND)}")

    @_serialised
    def count_kind(self, kind: str) -> int:
        return self._count(self.docs, f"kind == {literal(kind)}") if kind != META_KIND else 0

    @_serialised
    def unit_count(self) -> int:
        return self._count(self.units)

    @_serialised
    def info(self) -> dict[str, Any]:
        meta = self._meta() or {}
        units = self._count(self.units)
        size = 0
        if not self.server:
            size = sum(p.stat().st_size for p in Path(self.uri).rglob("*") if p.is_file())
        return {
            "backend": self.name,
            "model": meta.get("model"),
            "dim": int(meta.get("dim", 0)),
            "items": self._count(self.docs, f"kind != {literal(META_KIND)}"),
            "units": units,
            "vectors": units if self.dim else 0,
            "version": int(meta.get("version", 0)),
            "last_write": meta.get("last_write") or None,
            "bytes": {"milvus_lite": size} if not self.server else {},
            "path": str(self.path),
            "uri": self._safe_uri,
            "collections": [self.units, self.docs],
        }

    @_serialised
    def close(self) -> None:
        if self._pending:
            self._commit()
        self._disconnect()


# --- rows ----------------------------------------------------------------------------


def _safe_prefix(prefix: str) -> str:
    """Collection names: letters, digits and underscores, starting with a letter."""
    cleaned = re.sub(r"\W", "_", prefix.strip(), flags=re.ASCII) or "kechuang"
    return cleaned if cleaned[0].isalpha() else f"k_{cleaned}"


def _doc_row(doc_id: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": doc_id,
        "kind": kind,
        "title": _fit(fields.get("title", "")),
        "keywords": _fit(fields.get("keywords", "")),
        "body": _fit(fields.get("body", "")),
        "passages": _fit_passages(fields.get("passages", ())),
        "attrs": json.dumps(fields.get("attrs", {}), ensure_ascii=False, default=str),
        "units": json.dumps(fields.get("units", [])),
        "placeholder": [1.0, 0.0],
    }


def _fit_passages(passages: Sequence[str]) -> str:
    """The passages as JSON, dropping trailing ones beyond the VARCHAR limit."""
    kept = list(passages)
    while True:
        text = json.dumps(kept, ensure_ascii=False)
        if len(text.encode()) <= VARCHAR_BYTES or not kept:
            return text
        kept.pop()


def _record(prepared: PreparedDoc) -> dict[str, Any]:
    doc = prepared.doc
    return _doc_row(
        doc.id,
        doc.kind,
        title=doc.title,
        keywords=doc.keywords,
        body=doc.body,
        passages=doc.passages,
        attrs=doc.attrs,
        units=[u.index for u in prepared.units],
    )


def _batches(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _hits(result: Any, score: Callable[[float], float]) -> list[UnitHit]:
    hits = []
    for hit in result[0] if result else ():
        entity = hit["entity"]
        hits.append(
            UnitHit(entity["doc_id"], entity["kind"], int(entity["unit"]), score(hit["distance"]))
        )
    hits.sort(key=lambda h: -h.score)
    return hits
