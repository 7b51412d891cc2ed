"""The same behaviour from every search backend: ``local`` (tantivy + usearch) and ``milvus``
(through milvus-lite in a temporary directory).

Index, replace, delete, filters on every side, passages as units, lexical and dense sides,
pending writes and rollback, restart, count/info, embedder mismatch, the platform's search
(nothing unpublished or private), and the benchmark harness. Backend-specific checks
(escaping, missing collections) are at the end.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kechuang.matching import indexing, selectors
from kechuang.matching.backends.base import parse_filters
from kechuang.matching.engine import EmbedderMismatch, Engine, EngineConfig, IndexCorrupted
from kechuang.matching.types import Document, Mode, Query
from tests.conftest import World
from tests.matching.conftest import (
    BACKENDS,
    FakeEngine,
    Search,
    _switch_on,
    make_need,
    skip_unless_available,
)
from tests.matching.test_local_backend import DOCS, HashEmbedder, doc, ids

MODES = ["bm25", "dense", "hybrid"]


def open_engine(path: Path, backend: str, **kwargs: Any) -> Engine:
    embedder = kwargs.pop("embedder", HashEmbedder())
    return Engine(path, embedder=embedder, config=EngineConfig(backend=backend, **kwargs))


@pytest.fixture
def engine(tmp_path: Path, backend: str) -> Iterator[Engine]:
    engine = open_engine(tmp_path / "index", backend)
    engine.upsert(DOCS)
    yield engine
    engine.close()


@pytest.fixture(scope="module", params=BACKENDS)
def shared(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Engine]:
    """One read-only engine per backend for the filter table (indexing once is enough)."""
    skip_unless_available(request.param)
    engine = open_engine(tmp_path_factory.mktemp("shared") / "index", request.param)
    engine.upsert(DOCS)
    yield engine
    engine.close()


# --- index, replace, delete -------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_upsert_replaces_a_document_with_the_same_id(engine: Engine, mode: Mode) -> None:
    engine.upsert([doc("need:2", "污水处理膜技术", "膜生物反应器")])

    assert engine.count() == 3
    assert engine.info()["units"] == 3
    [top] = engine.search(Query("污水处理膜技术. 膜生物反应器", mode=mode, limit=1))
    assert top.id == "need:2"
    if mode != "bm25":  # the vector is the new text's, not the old one's
        assert top.dense_score == pytest.approx(1.0, abs=1e-5)
    # its own old words are gone (the words it borrows from its neighbours aside)
    engine.config = dataclasses.replace(engine.config, related_boost=0.0)
    assert "need:2" not in ids(engine.search(Query("锂电池回收利用", mode="bm25", limit=10)))
    assert engine.backend.fetch(["need:2"])["need:2"].title == "污水处理膜技术"


@pytest.mark.parametrize("mode", MODES)
def test_delete_removes_at_once_from_both_sides(engine: Engine, mode: Mode) -> None:
    assert engine.delete(["need:1", "missing:9"]) == 1

    assert engine.count() == 2
    assert "need:1" not in ids(engine.search(Query("锂离子电池正极材料", mode=mode)))
    assert engine.info()["vectors"] == 2
    assert engine.backend.fetch(["need:1"]) == {}


def test_fetch_returns_the_stored_documents(engine: Engine) -> None:
    found = engine.backend.fetch(["need:1", "achievement:1", "missing:1"])

    assert found == {"need:1": DOCS[0], "achievement:1": DOCS[2]}


# --- filters -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("filters", "kinds", "expected"),
    [
        ({"region": "330000"}, (), ["achievement:1", "need:1"]),  # Zhejiang: a province prefix
        ({"region": "330100"}, (), ["need:1"]),  # Hangzhou
        ({"region": ["320000", "330200"]}, (), ["achievement:1", "need:2"]),
        ({"region": "110000"}, (), []),
        ({"industry": "C"}, (), ["achievement:1", "need:1"]),  # section
        ({"industry": "C38"}, (), ["need:1"]),  # division
        ({}, ("achievement",), ["achievement:1"]),
        ({"trl": 5}, (), ["achievement:1", "need:1"]),  # TRL at least 5
        ({"trl_min": 4, "trl_max": 6}, (), ["need:1"]),
        ({"modes": "transfer"}, (), ["achievement:1", "need:2"]),
        ({"org_path": "/1/4/"}, (), ["achievement:1", "need:1"]),
        ({"disciplines": "470"}, (), ["need:1"]),
        ({"published_from": "2026-01-01"}, (), ["need:1"]),
        ({"published_to": "2025-12-31"}, (), ["need:2"]),
        ({"region": "330000", "trl": 6}, ("achievement", "need"), ["achievement:1"]),
        ({"region": "no-such-region"}, (), []),
        ({"region": 'x" or kind != "'}, (), []),  # quotes are data, not expression syntax
        ({"trl": "high"}, (), []),
    ],
)
def test_filters_hold_on_every_side(shared: Engine, mode, filters, kinds, expected) -> None:
    hits = shared.search(Query("锂电池", filters=filters, kinds=kinds, mode=mode, limit=10))

    assert sorted(ids(hits)) == expected
    assert all(parse_filters(filters, kinds).matches(h.kind, DOCS_BY_ID[h.id].attrs) for h in hits)


DOCS_BY_ID = {d.id: d for d in DOCS}


# --- lexical and dense sides, passages ---------------------------------------------------


def test_lexical_side_ranks_by_field_boosts(tmp_path: Path, backend: str) -> None:
    # the same word in a title outranks it in a body (title > keywords > body)
    with open_engine(tmp_path / "index", backend, embedder=None) as engine:
        engine.upsert(
            [
                Document(id="a", kind="need", title="储能系统", body="石墨烯导热膜的量产工艺"),
                Document(id="b", kind="need", title="石墨烯导热膜", body="储能系统的散热"),
                Document(id="c", kind="need", title="储能系统", keywords="石墨烯导热膜"),
            ]
        )

        hits = engine.search(Query("石墨烯导热膜", mode="bm25"))

    assert ids(hits) == ["b", "c", "a"]
    # 膜 is one character: not shown as a shared word (issue 9)
    assert hits[0].shared_terms_by_field["title"] == ["石墨烯", "导热"]


def test_both_backends_score_the_lexical_side_alike(tmp_path: Path) -> None:
    skip_unless_available("milvus")
    corpus = [*DOCS, doc("need:5", "锂电池 c++ 3.5v 控制器", "锂电池回收 正极")]
    scores = {}
    for name in ("local", "milvus"):
        with open_engine(tmp_path / name, name, embedder=None) as engine:
            engine.upsert(corpus)
            hits = engine.search(Query("锂电池正极 c++ 3.5v", mode="bm25"))
            scores[name] = [(h.id, h.score) for h in hits]

    assert [i for i, _ in scores["milvus"]] == [i for i, _ in scores["local"]]
    for (_, m), (_, loc) in zip(scores["milvus"], scores["local"], strict=True):
        assert m == pytest.approx(loc, rel=0.05)  # tantivy stores field lengths coarsely


def test_dense_side_finds_a_paraphrase_without_shared_words(engine: Engine) -> None:
    # HashEmbedder: character bigrams, so 正极材料 shares vectors but the query's words differ
    hits = engine.search(Query("高镍三元正极材料", mode="dense", limit=1))

    assert ids(hits) == ["need:1"]
    assert hits[0].dense_score is not None and hits[0].lexical_score is None


def test_hybrid_hits_carry_both_component_scores(engine: Engine) -> None:
    [top, *_] = engine.search(Query("锂离子电池正极材料", mode="hybrid"))

    assert top.id == "need:1"
    assert top.lexical_rank == 1 and top.dense_rank == 1
    assert top.lexical_score is not None and top.lexical_score > 0
    assert top.dense_score == pytest.approx(1.0, abs=0.2)


def test_passages_are_units_and_a_document_scores_as_its_best(tmp_path: Path, backend: str) -> None:
    expert = Document(
        id="expert:1",
        kind="expert",
        title="",
        passages=("企业数字化转型的组织机制", "海上风电基础冲刷防护", "供应链金融风险"),
    )
    with open_engine(tmp_path / "index", backend) as engine:
        engine.upsert([expert, doc("need:1", "风电场运维")])
        assert engine.info()["units"] == 4

        [hit] = engine.search(Query("海上风电冲刷", kinds=("expert",), mode="hybrid"))
        assert hit.best_passage == "海上风电基础冲刷防护"

        # fewer passages: the stale unit goes, and the document still has one per passage
        engine.upsert([Document(id="expert:1", kind="expert", title="", passages=("供应链金融",))])
        assert engine.info()["units"] == 2
        assert engine.search(Query("海上风电冲刷", kinds=("expert",), mode="bm25")) == []


def test_query_syntax_is_only_text(engine: Engine) -> None:
    for text in ['title:x AND "', "kind == 'need' or", "array_contains_any(region, [", "🔋🔋", ""]:
        assert isinstance(engine.search(Query(text, mode="hybrid")), list)
    assert ids(engine.search(Query('锂电池 "正极', mode="bm25", limit=1))) == ["need:1"]


# --- writes: pending, rollback, restart -------------------------------------------------


def test_uncommitted_writes_are_invisible_until_commit(engine: Engine) -> None:
    engine.upsert([doc("need:9", "石墨烯导热膜")], commit=False)
    assert ids(engine.search(Query("石墨烯导热膜", mode="bm25"))) == []

    engine.commit()

    assert ids(engine.search(Query("石墨烯导热膜", mode="bm25"))) == ["need:9"]


def test_rollback_drops_pending_writes(engine: Engine) -> None:
    engine.upsert([doc("need:9", "石墨烯导热膜")], commit=False)
    engine.delete(["need:1"], commit=False)

    engine.rollback()

    assert engine.count() == 3
    assert ids(engine.search(Query("石墨烯导热膜", mode="bm25"))) == []
    assert ids(engine.search(Query("锂离子电池正极材料", mode="bm25", limit=1))) == ["need:1"]


def test_a_second_instance_sees_committed_writes_and_deletes(engine: Engine, backend: str) -> None:
    reader = open_engine(engine.path, backend)
    assert ids(reader.search(Query("石墨烯导热膜", mode="bm25"))) == []

    engine.upsert([doc("need:9", "石墨烯导热膜", "散热")])
    assert ids(reader.search(Query("石墨烯导热膜", mode="bm25"))) == ["need:9"]
    assert ids(reader.search(Query("石墨烯导热膜", mode="dense", limit=1))) == ["need:9"]

    engine.delete(["need:9"])
    assert ids(reader.search(Query("石墨烯导热膜", mode="bm25"))) == []
    reader.close()


def test_results_survive_a_restart(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "index"
    with open_engine(path, backend) as first:
        first.upsert(DOCS)
        before = [(h.id, h.score) for h in first.search(Query("锂电池正极"))]
    # closing the last engine stops milvus-lite's in-process server: the reopen reads disk

    with open_engine(path, backend) as second:
        after = [(h.id, h.score) for h in second.search(Query("锂电池正极"))]
        assert second.count() == 3

    assert [i for i, _ in after] == [i for i, _ in before]
    assert [s for _, s in after] == pytest.approx([s for _, s in before], rel=1e-5)
    assert len(before) == 3


def test_close_commits_pending_writes(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "index"
    with open_engine(path, backend) as engine:
        engine.upsert(DOCS, commit=False)

    with open_engine(path, backend) as engine:
        assert engine.count() == 3


# --- count, info, embedder ----------------------------------------------------------------


def test_count_and_info_report_model_items_units_and_last_write(engine: Engine) -> None:
    info = engine.info()

    assert engine.count() == 3
    assert (info["model"], info["dim"], info["items"], info["units"], info["vectors"]) == (
        "hash-64",
        64,
        3,
        3,
        3,
    )
    assert info["backend"] == engine.config.backend
    assert info["last_write"] is not None


def test_an_index_built_with_another_model_is_refused(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "index"
    with open_engine(path, backend) as engine:
        engine.upsert(DOCS)

    with pytest.raises(EmbedderMismatch, match="reindex"):
        open_engine(path, backend, embedder=HashEmbedder(name="another-model"))
    with pytest.raises(EmbedderMismatch):
        open_engine(path, backend, embedder=None)
    with open_engine(path, backend) as engine:  # the index itself is untouched
        assert engine.count() == 3


def test_an_empty_index_adopts_a_new_model(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "index"
    open_engine(path, backend, embedder=None).close()

    with open_engine(path, backend, embedder=HashEmbedder(name="another-model")) as engine:
        engine.upsert(DOCS)
        assert engine.info()["model"] == "another-model"
        assert ids(engine.search(Query("锂电池隔膜涂覆", mode="dense", limit=1))) == [
            "achievement:1"
        ]


# --- the platform: nothing unpublished or private through the search selector ------------


@pytest.fixture
def platform_search(
    db: Any, settings: Any, tmp_path: Path, monkeypatch: Any, backend: str
) -> Iterator[Search]:
    """The platform's search on the real engine with ``backend`` (no embeddings)."""

    def factory(path: Path) -> Engine:
        return Engine(path, embedder=None, config=EngineConfig(backend=backend))

    yield from _switch_on(settings, tmp_path, monkeypatch, factory)


def _indexed(search: Search, doc_id: str) -> bool:
    engine = search.engine
    assert not isinstance(engine, FakeEngine)
    return doc_id in engine.backend.fetch([doc_id])


def test_platform_search_shows_only_published_records(
    world: World, platform_search: Search, committed: Any
) -> None:
    from kechuang.catalog.choices import ListingAction
    from kechuang.catalog.services import listing_transition

    with committed():
        public = make_need(world, title="储能电池液冷板散热方案")
        draft = make_need(world, title="储能电池液冷板秘密草稿", published=False)

    page = selectors.search(selectors.SearchParams(q="储能电池液冷板", mode="bm25"))

    assert [r.obj.pk for r in page.results] == [public.pk]
    assert not _indexed(platform_search, f"need:{draft.pk}")
    assert page.degraded is False

    with committed():  # unpublishing removes it from the index at once
        listing_transition(actor=world.owner_admin, item=public, action=ListingAction.WITHDRAW)

    assert not _indexed(platform_search, f"need:{public.pk}")
    assert selectors.search(selectors.SearchParams(q="储能电池液冷板", mode="bm25")).results == []


def test_platform_rebuild_indexes_every_public_record(
    world: World, platform_search: Search
) -> None:
    need = make_need(world, title="盐碱地改良剂")
    make_need(world, title="盐碱地改良秘密草稿", published=False)

    indexing.rebuild_index()
    engine = indexing.get_engine()

    assert _indexed(platform_search, f"need:{need.pk}")
    hits = engine.search(Query("盐碱地改良", mode="bm25"))
    assert ids(hits) == [f"need:{need.pk}"]


# --- the benchmark harness ----------------------------------------------------------------


def test_bench_retrieval_writes_a_trec_run(tmp_path: Path, backend: str) -> None:
    from kechuang.matching.bench import run_retrieval
    from tests.matching.test_bench import (
        CharEmbedder,
        assert_valid_trec,
        read_run_lines,
        write_inputs,
    )

    corpus, queries, _ = write_inputs(tmp_path)
    run = tmp_path / "run.trec"

    stats = run_retrieval(
        corpus_path=corpus,
        queries_path=queries,
        run_path=run,
        mode="hybrid",
        backend=backend,
        cache_dir=tmp_path / "cache",
        embedder=CharEmbedder(),
        # no process-wide query vectors left behind for test_bench's cache accounting
        config=EngineConfig(query_cache_size=0),
    )

    assert (stats.items, stats.units, stats.info["backend"]) == (4, 4, backend)
    lines = read_run_lines(run)
    assert_valid_trec(lines, "kechuang-hybrid")
    assert {p[0]: p[2] for p in lines if p[3] == "1"} == {
        "q-battery": "d-battery",
        "q-water": "d-water",
        "q-rice": "d-rice",
    }


# --- milvus only ------------------------------------------------------------------------


def test_milvus_tokens_survive_both_tokenizers() -> None:
    from kechuang.matching.backends.milvus import encode_token, field_text, literal

    assert encode_token("锂离子电池") == "锂离子电池"
    assert encode_token("c++") == "c_2b__2b_"
    assert encode_token("3.5v") == "3_2e_5v"
    assert encode_token("a_b") != encode_token("a_5f_b")  # the escape itself is escaped
    assert field_text("锂电池 c++", limit=14) == "锂电池"  # cut at a token boundary
    assert literal('x" or "1') == '"x\\" or \\"1"'


def test_milvus_missing_collections_are_detected(tmp_path: Path) -> None:
    skip_unless_available("milvus")
    from pymilvus import MilvusClient

    path = tmp_path / "index"
    with open_engine(path, "milvus") as engine:
        engine.upsert(DOCS)
        collections = engine.info()["collections"]
        client = MilvusClient(str(path / "milvus.db"))
        client.drop_collection(collections[0])

    assert json.loads((path / "milvus.json").read_text())["collections"] == collections
    with pytest.raises(IndexCorrupted, match="rebuild"):
        open_engine(path, "milvus")
