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

Tokens are stored escaped so that both tokenizers keep them whole (``encoding``).

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
from kechuang.matching.backends.milvus.collections import (
    FORMAT,
    MARKER,
    create,
    is_server,
    lite_acquire,
    lite_release,
)
from kechuang.matching.backends.milvus.encoding import (
    META_ID,
    META_KIND,
    batches,
    doc_row,
    encode_token,
    field_text,
    filter_expr,
    hits,
    literal,
    literal_list,
    record,
    safe_prefix,
)
from kechuang.matching.types import Document

MAX_TOPK = 16_384  # Milvus's limit for one search's limit
WRITE_BATCH = 256  # rows per insert/upsert call
QUERY_BATCH = 500  # ids per ``in [...]`` expression

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
            base = f"{safe_prefix(prefix)}_{digest}"
        else:
            base = safe_prefix(prefix)
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
            lite_acquire(self._lite_path)
        try:
            return MilvusClient(uri=self.uri, token=token) if token else MilvusClient(self.uri)
        except (MilvusException, OSError) as exc:
            if self._lite_path is not None:
                lite_release(self._lite_path)
            raise MilvusUnavailable(f"cannot connect to milvus at {self._safe_uri}: {exc}") from exc

    def _disconnect(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()
        if self._lite_path is not None:
            lite_release(self._lite_path)
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
                create(self)
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
                create(self)
                for name in (self.units, self.docs):
                    self._client.load_collection(name)
        except MilvusException as exc:
            raise MilvusUnavailable(f"milvus at {self._safe_uri}: {exc}") from exc

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
        for rows_batch in batches(rows, WRITE_BATCH):
            client.upsert(self.units, rows_batch)
        for ids_batch in batches(stale, QUERY_BATCH):
            client.delete(self.units, ids=ids_batch)
        records = [record(p) for p in pending.values() if p is not None]
        for rows_batch in batches(records, WRITE_BATCH):
            client.upsert(self.docs, rows_batch)
        for ids_batch in batches(gone, QUERY_BATCH):
            client.delete(self.docs, ids=ids_batch)
        meta = self._meta() or {}
        meta["version"] = int(meta.get("version", 0)) + 1
        meta["last_write"] = datetime.now(UTC).isoformat(timespec="seconds")
        client.upsert(self.docs, [doc_row(META_ID, META_KIND, attrs=meta)])
        if not self.server:
            # milvus-lite rebuilds the BM25 index of unflushed rows on every search (3 s a
            # query at 2,000 rows); a flushed segment keeps its index. A server indexes
            # growing segments itself and rate-limits flushes, so it is left alone.
            client.flush(self.units)
            client.flush(self.docs)

    def _stored_units(self, ids: Sequence[str]) -> dict[str, list[int]]:
        """The unit numbers of the stored documents among ``ids``."""
        found: dict[str, list[int]] = {}
        for batch in batches(list(ids), QUERY_BATCH):
            for row in self._client.query(
                self.docs, filter=f"id in {literal_list(batch)}", output_fields=["id", "units"]
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
        return hits(result, lambda d: abs(d) * weights[0])

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
        return hits(result, float)  # COSINE: the similarity itself

    @_serialised
    def unit_vectors(self, units: Sequence[tuple[str, int]]) -> list[Vector | None]:
        """The stored vectors of ``(doc_id, unit)`` pairs, in order; ``None`` where there
        is none (for the engine's pseudo-relevance feedback and its explanations)."""
        if not self.dim or not units:
            return [None] * len(units)
        keys = [f"{doc_id}#{unit}" for doc_id, unit in units]
        found: dict[str, Vector] = {}
        for batch in batches(list(dict.fromkeys(keys)), QUERY_BATCH):
            for row in self._client.query(
                self.units, filter=f"pk in {literal_list(batch)}", output_fields=["pk", "vector"]
            ):
                found[row["pk"]] = np.asarray(row["vector"], dtype=np.float32)
        return [found.get(key) for key in keys]

    @_serialised
    def fetch(self, ids: Sequence[str]) -> dict[str, Document]:
        found: dict[str, Document] = {}
        wanted = [i for i in dict.fromkeys(ids) if i != META_ID]
        fields = ["id", "kind", "title", "keywords", "body", "passages", "attrs"]
        for batch in batches(wanted, QUERY_BATCH):
            for row in self._client.query(
                self.docs, filter=f"id in {literal_list(batch)}", output_fields=fields
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
