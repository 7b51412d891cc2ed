"""The in-memory query-vector cache: LRU order, keyed by model and text, used by
``Engine.search`` so a repeated query is embedded once."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np

from kechuang.matching.embeddings import QueryVectorCache, query_vector_cache
from kechuang.matching.engine import Engine, EngineConfig
from kechuang.matching.types import Query
from tests.matching.test_engine import CATALOGUE
from tests.matching.test_local_backend import HashEmbedder


def _vec(x: float) -> np.ndarray:
    return np.array([x], dtype=np.float32)


def test_the_least_recently_used_vector_goes_first() -> None:
    cache = QueryVectorCache(2)
    cache.put(("m", "a"), _vec(1))
    cache.put(("m", "b"), _vec(2))
    assert cache.get(("m", "a")) is not None  # a is now the most recent

    cache.put(("m", "c"), _vec(3))

    assert cache.get(("m", "b")) is None
    assert cache.get(("m", "a"))[0] == 1  # type: ignore[index]
    assert cache.get(("m", "c"))[0] == 3  # type: ignore[index]
    assert len(cache) == 2
    assert (cache.hits, cache.misses) == (3, 1)


def test_the_model_is_part_of_the_key() -> None:
    cache = QueryVectorCache(4)
    cache.put(("e5-small", "锂电池"), _vec(1))

    assert cache.get(("other-model", "锂电池")) is None


def test_the_process_wide_cache_is_shared_and_resized() -> None:
    first = query_vector_cache(8)
    second = query_vector_cache(16)

    assert first is second
    assert second.maxsize == 16


def test_a_repeated_query_is_embedded_once(tmp_path: Path) -> None:
    embedder = HashEmbedder(name=f"hash-{uuid.uuid4().hex}")  # a model no other test used
    with Engine(tmp_path / "index", embedder=embedder) as engine:
        engine.upsert(CATALOGUE)
        before = embedder.calls

        first = engine.search(Query("锅炉传热", limit=3))
        second = engine.search(Query("锅炉传热", limit=3))

        assert embedder.calls == before + 1
        assert [h.id for h in first] == [h.id for h in second]


def test_without_the_cache_every_query_is_embedded(tmp_path: Path) -> None:
    embedder = HashEmbedder(name=f"hash-{uuid.uuid4().hex}")
    config = EngineConfig(query_cache_size=0)
    with Engine(tmp_path / "index", embedder=embedder, config=config) as engine:
        engine.upsert(CATALOGUE)
        before = embedder.calls

        engine.search(Query("锅炉传热", limit=3))
        engine.search(Query("锅炉传热", limit=3))

        assert embedder.calls == before + 2


def test_the_platform_keeps_query_vectors_off_the_disk(tmp_path: Path) -> None:
    from kechuang.matching.embeddings import CachedEmbedder, EmbeddingCache

    inner = HashEmbedder(name=f"hash-{uuid.uuid4().hex}")
    cache = EmbeddingCache(tmp_path / "cache", inner.name, inner.dim)
    platform = CachedEmbedder(inner, cache, cache_queries=False)
    bench = CachedEmbedder(inner, cache)

    platform.embed(["锅炉传热"], query=True)
    platform.embed(["锅炉传热"], query=True)
    platform.embed(["锅炉传热效率的研究"], query=False)
    assert inner.calls == 3  # queries are computed each time (the engine's LRU sits above)
    keys = [
        EmbeddingCache.key("锅炉传热", query=True),
        EmbeddingCache.key("锅炉传热效率的研究", query=False),
    ]
    assert list(cache.get_many(keys)) == [keys[1]]  # only the passage was stored

    bench.embed(["锅炉传热"], query=True)
    bench.embed(["锅炉传热"], query=True)
    assert inner.calls == 4
    assert keys[0] in cache.get_many(keys)
