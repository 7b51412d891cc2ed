"""Dense pseudo-relevance feedback (Rocchio) in ``Engine.search``: the second dense pass
uses exactly ``q + w · mean(best units of the first pass's top documents)``, only for
queries, and only where the backend can read vectors back. Every backend (``local``, and
``milvus`` through milvus-lite) runs the same tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kechuang.matching.engine import Engine, EngineConfig
from kechuang.matching.types import Document, Query
from tests.matching.test_engine import CATALOGUE
from tests.matching.test_local_backend import HashEmbedder

FEEDBACK = EngineConfig(
    feedback_docs=2, feedback_weight=1.5, feedback_min_similarity=0.0, query_cache_size=0
)
PLAIN = EngineConfig(feedback_docs=0, query_cache_size=0)


def _engine(path: Path, config: EngineConfig, backend: str) -> Engine:
    config = dataclasses.replace(config, backend=backend)  # type: ignore[arg-type]
    engine = Engine(path, embedder=HashEmbedder(), config=config)
    engine.upsert(CATALOGUE)
    return engine


@pytest.fixture
def feedback(tmp_path: Path, backend: str) -> Iterator[Engine]:
    engine = _engine(tmp_path / "index", FEEDBACK, backend)
    yield engine
    engine.close()


def _record_dense(engine: Engine) -> list[np.ndarray]:
    """Replace the backend's dense search by a recorder around it."""
    calls: list[np.ndarray] = []
    inner = engine.backend.dense

    def dense(vector: Any, filters: Any, limit: int) -> Any:
        calls.append(np.asarray(vector, dtype=np.float32).copy())
        return inner(vector, filters, limit)

    engine.backend.dense = dense  # type: ignore[method-assign]
    return calls


def _unit_text(engine: Engine, doc: Document, passage: str | None) -> str:
    return passage if passage else engine.embed_text(doc)


def test_the_second_pass_searches_the_rocchio_vector(
    feedback: Engine,
    tmp_path: Path,
    backend: str,
) -> None:
    # given the first pass's two best documents (the same engine without feedback)
    plain = _engine(tmp_path / "plain", PLAIN, backend)
    first = plain.search(Query("锂电池正极材料的能量密度", limit=2))
    plain.close()
    assert first[0].id == "achievement:battery"  # matched with its own text
    by_id = {d.id: d for d in CATALOGUE}
    embedder = HashEmbedder()
    units = embedder.embed(
        [_unit_text(feedback, by_id[hit.id], hit.best_passage) for hit in first], query=False
    )
    query = embedder.embed(["锂电池正极材料的能量密度"], query=True)[0]
    expected = query + 1.5 * units.mean(axis=0)
    expected /= np.linalg.norm(expected)
    calls = _record_dense(feedback)

    # when searching with feedback
    feedback.search(Query("锂电池正极材料的能量密度", limit=5))

    # then the dense side ran twice: the query, then the expanded vector
    assert len(calls) == 2
    np.testing.assert_allclose(calls[0], query, atol=1e-6)
    np.testing.assert_allclose(calls[1], expected, atol=1e-5)


def test_similar_and_bm25_never_use_feedback(feedback: Engine) -> None:
    calls = _record_dense(feedback)

    feedback.search(Query("水稻病虫害绿色防控", mode="bm25", limit=5))
    assert calls == []

    hits = feedback.similar(CATALOGUE[0], limit=3)
    assert len(calls) == 1
    # the similarity shown for a duplicate stays the plain cosine of the two texts
    embedder = HashEmbedder()
    own = embedder.embed([Engine.embed_text(feedback, CATALOGUE[0])], query=False)[0]
    best = {d.id: d for d in CATALOGUE}[hits[0].id]
    other = embedder.embed([Engine.embed_text(feedback, best)], query=False)[0]
    assert hits[0].dense_score == pytest.approx(float(own @ other), abs=1e-5)


def test_a_backend_without_stored_vectors_skips_feedback(
    feedback: Engine,
    tmp_path: Path,
    backend: str,
) -> None:
    # given a backend that finds no stored vector to read back
    inner = feedback.backend.unit_vectors
    feedback.backend.unit_vectors = lambda units: [None] * len(inner(units))  # type: ignore[method-assign]
    plain = _engine(tmp_path / "plain", PLAIN, backend)

    # when searching, then the ranking is the plain one
    ranked = [h.id for h in feedback.search(Query("锅炉传热", limit=5))]
    assert ranked == [h.id for h in plain.search(Query("锅炉传热", limit=5))]
    plain.close()


def test_unit_vectors_reads_back_what_was_indexed(feedback: Engine) -> None:
    embedder = HashEmbedder()
    zhang = {d.id: d for d in CATALOGUE}["expert:zhang"]

    found = feedback.backend.unit_vectors(
        [("expert:zhang", 2), ("expert:missing", 1), ("expert:zhang", 9)]
    )

    assert found[1] is None and found[2] is None  # unknown document, unknown unit
    np.testing.assert_allclose(
        found[0], embedder.embed([zhang.passages[1]], query=False)[0], atol=1e-6
    )


def test_no_feedback_when_the_best_result_is_not_close_enough(
    tmp_path: Path,
    backend: str,
) -> None:
    # given the best first-pass result's cosine to the query (the plain engine's score)
    plain = _engine(tmp_path / "plain", PLAIN, backend)
    best = plain.search(Query("锂电池正极材料的能量密度", limit=1))[0].dense_score
    plain.close()
    assert best is not None

    for threshold, passes in ((best + 0.01, 1), (best - 0.01, 2)):
        config = EngineConfig(
            feedback_docs=2,
            feedback_weight=1.5,
            feedback_min_similarity=threshold,
            query_cache_size=0,
        )
        engine = _engine(tmp_path / f"gate-{passes}", config, backend)
        calls = _record_dense(engine)

        engine.search(Query("锂电池正极材料的能量密度", limit=5))

        assert len(calls) == passes  # above the threshold: the feedback pass runs
        engine.close()


def test_no_feedback_from_a_result_that_matched_through_one_passage(feedback: Engine) -> None:
    # given a query whose best result is an expert, through one of their works
    assert feedback.search(Query("水稻病虫害绿色防控", limit=1))[0].best_passage
    calls = _record_dense(feedback)

    feedback.search(Query("水稻病虫害绿色防控", limit=5))

    assert len(calls) == 1


def test_the_similarity_shown_is_to_the_query_as_asked(
    feedback: Engine,
    tmp_path: Path,
    backend: str,
) -> None:
    # given the plain cosines of the documents to the query
    plain = _engine(tmp_path / "plain", PLAIN, backend)
    expected = {
        h.id: h.dense_score for h in plain.search(Query("锂电池正极材料的能量密度", limit=7))
    }
    plain.close()
    calls = _record_dense(feedback)

    # when the feedback pass re-ranks the dense side
    hits = feedback.search(Query("锂电池正极材料的能量密度", limit=7))

    # then every hit still shows its cosine to the query itself
    assert len(calls) == 2
    assert hits
    for hit in hits:
        assert hit.dense_score == pytest.approx(expected[hit.id], abs=1e-5)
