"""Related terms (``matching/related.py``): a document borrows the distinctive words of its
nearest indexed documents into its ``related`` field, which the lexical side searches with
``related_boost``. Every backend runs these tests (``local``; ``milvus`` through
milvus-lite)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kechuang.matching.bench import RunStats, build_index, cached_embedder
from kechuang.matching.engine import Engine, EngineConfig
from kechuang.matching.types import Document, Query
from tests.matching.test_local_backend import HashEmbedder, ids

# Two documents on one topic: only the first names the cathode material 磷酸铁锂; the
# third is about something else and shares no words with the query.
LFP = Document(
    id="achievement:lfp",
    kind="achievement",
    title="动力电池正极材料",
    body="磷酸铁锂动力电池正极材料的低温性能与循环寿命提升",
)
CELL = Document(
    id="need:cell",
    kind="need",
    title="动力电池正极材料",
    body="动力电池正极材料的低温性能与循环寿命提升",
)
RICE = Document(id="need:rice", kind="need", title="水稻病虫害绿色防控", body="稻飞虱监测预警")


def _engine(path: Path, backend: str, **config: object) -> Engine:
    return Engine(
        path,
        embedder=HashEmbedder(),
        config=EngineConfig(backend=backend, **config),  # type: ignore[arg-type]
    )


def test_a_document_borrows_its_neighbours_words(tmp_path: Path, backend: str) -> None:
    # given the 磷酸铁锂 achievement indexed first, then the need that never names it
    engine = _engine(tmp_path / "index", backend)
    engine.upsert([LFP, RICE])
    engine.upsert([CELL])

    # when searching for the word only the neighbour uses
    found = ids(engine.search(Query("磷酸铁锂", mode="bm25", limit=10)))

    # then the need is found too, below the document that says it itself
    assert found[:2] == ["achievement:lfp", "need:cell"]
    assert "need:rice" not in found
    # and only through the related field: without it, the need is not found
    engine.config = dataclasses.replace(engine.config, related_boost=0.0)
    assert ids(engine.search(Query("磷酸铁锂", mode="bm25", limit=10))) == ["achievement:lfp"]
    engine.close()


def test_a_hit_through_borrowed_words_says_so(tmp_path: Path, backend: str) -> None:
    engine = _engine(tmp_path / "index", backend)
    engine.upsert([LFP])
    engine.upsert([CELL])

    hits = {h.id: h for h in engine.search(Query("磷酸铁锂", mode="bm25", limit=10))}

    # the explanation tells a borrowed word from a shared one
    assert hits["need:cell"].shared_terms == []
    assert hits["need:cell"].related_terms == ["磷酸"]
    assert hits["achievement:lfp"].shared_terms
    assert hits["achievement:lfp"].related_terms == []
    engine.close()


def test_nothing_is_borrowed_when_turned_off_or_without_vectors(
    tmp_path: Path, backend: str
) -> None:
    off = _engine(tmp_path / "off", backend, related_boost=0.0)
    plain = Engine(tmp_path / "plain", embedder=None, config=EngineConfig(backend=backend))  # type: ignore[arg-type]
    for engine in (off, plain):
        engine.upsert([LFP])
        engine.upsert([CELL])
        # even asked for at query time, the related field holds nothing
        engine.config = dataclasses.replace(engine.config, related_boost=2.0)
        assert ids(engine.search(Query("磷酸铁锂", mode="bm25", limit=10))) == ["achievement:lfp"]
        engine.close()
    assert not plain.borrows_related


def test_a_bulk_build_lets_the_first_documents_borrow_too(tmp_path: Path, backend: str) -> None:
    # given the need first in a single bulk build (nothing indexed yet when it is analysed)
    chain = cached_embedder(tmp_path / "cache", model=HashEmbedder())
    config = EngineConfig(backend=backend)  # type: ignore[arg-type]
    stats = RunStats(mode="hybrid")
    engine = build_index(
        tmp_path / "index", [CELL, LFP, RICE], chain=chain, config=config, stats=stats
    )

    # then the second pass gave it its neighbour's words, without embedding anything again
    assert "need:cell" in ids(engine.search(Query("磷酸铁锂", mode="bm25", limit=10)))
    assert stats.vectors == 3
    engine.close()
