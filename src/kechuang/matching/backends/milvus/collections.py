"""The backend's Milvus collections: their schemas and indexes, created once per index,
and the in-process milvus-lite servers shared by the backends of one process."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kechuang.matching.backends.base import LEXICAL_FIELDS, TERM_FILTERS
from kechuang.matching.backends.milvus.encoding import (
    META_ID,
    META_KIND,
    VARCHAR_BYTES,
    doc_row,
    literal,
)

if TYPE_CHECKING:
    from kechuang.matching.backends.milvus.backend import MilvusBackend

FORMAT = "2"  # 2: the "related" lexical field
MARKER = "milvus.json"  # in the index directory: which collections hold this index
#: BM25 parameters of tantivy, which the local backend uses.
BM25_PARAMS = {"bm25_k1": 1.2, "bm25_b": 0.75}


def is_server(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


_lite_users: dict[str, int] = {}
_lite_lock = threading.Lock()


def lite_acquire(path: str) -> None:
    with _lite_lock:
        _lite_users[path] = _lite_users.get(path, 0) + 1


def lite_release(path: str) -> None:
    """Stop the in-process milvus-lite server when its last backend closes (so the files
    are released and the next open reads them from disk, as after a restart)."""
    with _lite_lock:
        _lite_users[path] -= 1
        if _lite_users[path]:
            return
        del _lite_users[path]
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(path)


def create(backend: MilvusBackend) -> None:
    """The units and docs collections of a new index, its meta row and its marker file."""
    from pymilvus import DataType, Function, FunctionType

    client = backend._client
    if backend.server:
        _drop_orphans(client, backend.units)
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=2048)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=2000)
    schema.add_field("kind", DataType.VARCHAR, max_length=64)
    schema.add_field("unit", DataType.INT64)
    # lite 3.2 knows only ``standard`` (\w+); the escaped tokens survive both
    analyzer = {"tokenizer": "whitespace" if backend.server else "standard"}
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
    if backend.dim:
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=backend.dim)
        if backend.server:
            params = {"M": backend.connectivity, "efConstruction": backend.expansion_add}
            index.add_index("vector", index_type="HNSW", metric_type="COSINE", params=params)
        else:
            index.add_index("vector", index_type="FLAT", metric_type="COSINE")
    _create_collection(client, backend.units, schema, index)
    docs = client.create_schema(auto_id=False, enable_dynamic_field=False)
    docs.add_field("id", DataType.VARCHAR, is_primary=True, max_length=2000)
    docs.add_field("kind", DataType.VARCHAR, max_length=64)
    for name in ("title", "keywords", "body", "passages", "attrs", "units"):
        docs.add_field(name, DataType.VARCHAR, max_length=VARCHAR_BYTES)
    # Milvus wants a vector field in every collection; this one is never searched.
    docs.add_field("placeholder", DataType.FLOAT_VECTOR, dim=2)
    docs_index = client.prepare_index_params()
    docs_index.add_index("placeholder", index_type="FLAT", metric_type="L2")
    _create_collection(client, backend.docs, docs, docs_index)
    meta = {
        "format": FORMAT,
        "model": backend.model,
        "dim": backend.dim,
        "version": 0,
        "last_write": "",
        "path": str(backend.path.resolve()),
    }
    client.upsert(backend.docs, [doc_row(META_ID, META_KIND, attrs=meta)])
    backend._marker.write_text(
        json.dumps({"uri": backend._safe_uri, "collections": [backend.units, backend.docs]})
    )


def _create_collection(client: Any, name: str, schema: Any, index: Any) -> None:
    """Create, index (without pymilvus's 0.5 s poll per index: the collection is
    empty, so its indexes are ready at once) and load a collection."""
    client.create_collection(name, schema=schema, consistency_level="Strong")
    client.create_index(name, index, sync=False)
    client.load_collection(name)


def _drop_orphans(client: Any, units: str) -> None:
    """Drop this prefix's collections whose index directory no longer exists."""
    prefix = units.rsplit("_", 2)[0] + "_"
    for name in client.list_collections():
        if not (name.startswith(prefix) and name.endswith("_docs")):
            continue
        rows = client.query(name, filter=f"id == {literal(META_ID)}", output_fields=["attrs"])
        path = json.loads(rows[0]["attrs"]).get("path") if rows else None
        if path and not Path(path).exists():
            client.drop_collection(name)
            client.drop_collection(name[: -len("_docs")] + "_units")
