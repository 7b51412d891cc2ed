"""The benchmark harness (``kechuang bench retrieval``), the scorer and the gold-standard loss.

Small Chinese fixtures written here; never ../shared/data. Dense runs use a tiny
deterministic embedder, so nothing here loads a model.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from bench import goldstandard, score

from kechuang import cli
from kechuang.matching.bench import (
    BenchError,
    parse_config,
    read_queries,
    run_retrieval,
)
from kechuang.matching.embeddings import Vectors
from kechuang.matching.engine import EngineConfig

CORPUS = [
    {
        "doc_id": "d-battery",
        "text": "高镍三元锂离子电池正极材料的制备与循环寿命研究",
        "source": "A",
    },
    {"doc_id": "d-water", "text": "城市生活污水生物脱氮除磷工艺的优化运行", "source": "A"},
    {"doc_id": "d-rice", "text": "水稻耐盐碱品种的分子标记辅助育种", "source": "B"},
    {"doc_id": "d-bridge", "text": "大跨度斜拉桥主梁的风致振动与抑振措施", "source": "B"},
]
QUERIES = [
    ("q-battery", "锂离子电池正极材料"),
    ("q-water", "污水脱氮除磷"),
    ("q-rice", "水稻耐盐碱育种"),
]
EXPERTS = [
    {
        "expert_id": "E1",
        "institution": "浙江大学",
        "profile": [
            {"grant_no": "1", "title": "企业数字化转型的组织机制研究"},
            {"grant_no": "2", "title": "供应链金融风险的传导与防控"},
        ],
    },
    {
        "expert_id": "E2",
        "institution": "南京大学",
        "profile": [{"grant_no": "3", "title": "农村养老保险制度的福利效应评估"}],
    },
]


class CharEmbedder:
    """Deterministic bag-of-characters vectors: texts sharing characters are close."""

    name = "test-chars"
    dim = 32

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for ch in text:
                out[i, hashlib.sha256(ch.encode()).digest()[0] % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


def write_inputs(tmp: Path) -> tuple[Path, Path, Path]:
    corpus = tmp / "corpus.jsonl"
    corpus.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in CORPUS), encoding="utf-8"
    )
    queries = tmp / "queries.tsv"
    queries.write_text(
        "qid\tquery\tsplit\n" + "".join(f"{q}\t{t}\tdev\n" for q, t in QUERIES),
        encoding="utf-8",
    )
    experts = tmp / "experts.jsonl"
    experts.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in EXPERTS), encoding="utf-8"
    )
    return corpus, queries, experts


def read_run_lines(path: Path) -> list[list[str]]:
    return [line.split(" ") for line in path.read_text(encoding="utf-8").splitlines()]


def assert_valid_trec(lines: list[list[str]], tag: str) -> None:
    by_query: dict[str, list[list[str]]] = {}
    for parts in lines:
        assert len(parts) == 6
        assert parts[1] == "Q0"
        assert parts[5] == tag
        by_query.setdefault(parts[0], []).append(parts)
    for rows in by_query.values():
        assert [int(r[3]) for r in rows] == list(range(1, len(rows) + 1))
        scores = [float(r[4]) for r in rows]
        assert scores == sorted(scores, reverse=True)
        assert len({r[2] for r in rows}) == len(rows)
        assert len(rows) <= 100


# --- the harness -------------------------------------------------------------------


def test_cli_bench_retrieval_bm25_writes_a_valid_trec_run(tmp_path, capsys):
    corpus, queries, _ = write_inputs(tmp_path)
    run = tmp_path / "out" / "run.trec"

    code = cli.main(
        [
            "bench",
            "retrieval",
            "--corpus",
            str(corpus),
            "--queries",
            str(queries),
            "--run",
            str(run),
            "--mode",
            "bm25",
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
    )

    assert code == 0
    lines = read_run_lines(run)
    assert_valid_trec(lines, "kechuang-bm25")
    top = {parts[0]: parts[2] for parts in lines if parts[3] == "1"}
    assert top == {"q-battery": "d-battery", "q-water": "d-water", "q-rice": "d-rice"}
    out = capsys.readouterr().out
    assert "索引 indexed: 4 条 items" in out
    assert "p95" in out
    assert not (tmp_path / "cache").exists()  # bm25 needs no vectors


def test_hybrid_run_counts_computed_vectors_and_then_serves_them_from_the_cache(tmp_path):
    corpus, queries, _ = write_inputs(tmp_path)
    embedder = CharEmbedder()

    first = run_retrieval(
        corpus_path=corpus,
        queries_path=queries,
        run_path=tmp_path / "a.trec",
        mode="hybrid",
        cache_dir=tmp_path / "cache",
        embedder=embedder,
        tag="mine",
    )
    second = run_retrieval(
        corpus_path=corpus,
        queries_path=queries,
        run_path=tmp_path / "b.trec",
        mode="hybrid",
        cache_dir=tmp_path / "cache",
        embedder=embedder,
    )

    assert (first.items, first.vectors, first.vectors_computed) == (4, 4, 4)
    assert first.query_vectors_computed == 3
    assert (second.vectors, second.vectors_computed, second.query_vectors_computed) == (4, 0, 0)
    assert embedder.calls == 7
    assert second.summary()["embedding"]["cache_hits"] == 4
    assert second.summary()["embedding"]["computed_per_s"] is None
    assert len(second.latencies) == 3
    lines = read_run_lines(tmp_path / "a.trec")
    assert_valid_trec(lines, "mine")
    assert {p[0]: p[2] for p in lines if p[3] == "1"} == {
        "q-battery": "d-battery",
        "q-water": "d-water",
        "q-rice": "d-rice",
    }
    assert read_run_lines(tmp_path / "b.trec") == [
        [*parts[:5], "kechuang-hybrid"] for parts in lines
    ]


def test_source_keeps_only_that_sources_documents(tmp_path):
    corpus, queries, _ = write_inputs(tmp_path)

    stats = run_retrieval(
        corpus_path=corpus,
        queries_path=queries,
        run_path=tmp_path / "run.trec",
        mode="bm25",
        source="B",
    )

    assert stats.items == 2
    docs = {parts[2] for parts in read_run_lines(tmp_path / "run.trec")}
    assert docs <= {"d-rice", "d-bridge"}
    assert "d-rice" in docs


def test_experts_are_ranked_by_their_best_work(tmp_path):
    _, _, experts = write_inputs(tmp_path)
    queries = tmp_path / "eq.tsv"
    queries.write_text("qid\tquery\nq1\t供应链金融风险防控\nq2\t农村养老保险\n", encoding="utf-8")

    stats = run_retrieval(
        experts_path=experts,
        queries_path=queries,
        run_path=tmp_path / "experts.trec",
        mode="hybrid",
        cache_dir=tmp_path / "cache",
        embedder=CharEmbedder(),
    )

    assert (stats.items, stats.units, stats.vectors) == (2, 3, 3)
    lines = read_run_lines(tmp_path / "experts.trec")
    assert_valid_trec(lines, "kechuang-hybrid")
    assert {p[0]: p[2] for p in lines if p[3] == "1"} == {"q1": "E1", "q2": "E2"}


def test_other_backends_are_refused_before_anything_is_written(tmp_path):
    corpus, queries, _ = write_inputs(tmp_path)
    run = tmp_path / "run.trec"

    with pytest.raises(BenchError, match="unknown backend"):
        run_retrieval(corpus_path=corpus, queries_path=queries, run_path=run, backend="elastic")

    assert not run.exists()


def test_cli_reports_a_bad_argument_clearly(tmp_path, capsys):
    corpus, queries, _ = write_inputs(tmp_path)
    run = tmp_path / "run.trec"

    code = cli.main(
        [
            "bench",
            "retrieval",
            "--corpus",
            str(corpus),
            "--queries",
            str(queries),
            "--run",
            str(run),
            "--mode",
            "dense",
            "--config",
            "no_such_knob=1",
        ]
    )

    assert code == 1
    assert capsys.readouterr().err.startswith("✗ --config 'no_such_knob=1': expected KEY=VALUE")
    assert not run.exists()


def test_queries_need_a_header_naming_qid_and_query(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text("q1\t锂电池\n", encoding="utf-8")

    with pytest.raises(BenchError, match="qid and query"):
        read_queries(path)


def test_quoted_queries_are_read_as_csv_writers_wrote_them(tmp_path):
    # given a query with double quotes, quoted and doubled as in ../shared/data
    path = tmp_path / "q.tsv"
    path.write_text(
        'qid\tquery\tsplit\nq1\t"论广告的""全球化""与""本土化"""\tdev\nq2\t锂电池\tdev\n',
        encoding="utf-8",
    )

    assert read_queries(path) == [("q1", '论广告的"全球化"与"本土化"'), ("q2", "锂电池")]


def test_config_overrides_are_converted_to_each_fields_type():
    config = parse_config(["fusion=rrf", "rrf_k=20", "bigram_weight=0.25", "candidates=300"])

    assert (config.fusion, config.rrf_k, config.bigram_weight, config.candidates) == (
        "rrf",
        20.0,
        0.25,
        300,
    )
    assert config.dense_weight == EngineConfig().dense_weight
    with pytest.raises(BenchError, match="KEY=VALUE"):
        parse_config(["no_such_knob=1"])
    with pytest.raises(BenchError, match="KEY=VALUE"):
        parse_config(["backend=milvus"])
    with pytest.raises(BenchError, match="candidates"):
        parse_config(["candidates=many"])


# --- scoring -------------------------------------------------------------------------

QRELS = "qid\titer\tdoc_id\trel\nq1\t0\td1\t2\nq1\t0\td2\t1\nq1\t0\td3\t1\nq2\t0\td5\t1\n"
RUN = "q1 Q0 d4 1 0.9 t\nq1 Q0 d1 2 0.8 t\nq1 Q0 d2 3 0.7 t\nq3 Q0 d9 1 0.5 t\n"


def test_metrics_on_a_hand_computed_example(tmp_path):
    (tmp_path / "qrels.tsv").write_text(QRELS, encoding="utf-8")
    (tmp_path / "run.trec").write_text(RUN, encoding="utf-8")

    result = score.score(
        score.read_run(tmp_path / "run.trec"), score.read_qrels(tmp_path / "qrels.tsv")
    )

    # q1: DCG = 2/log2(3) + 1/log2(4); ideal = 2 + 1/log2(3) + 1/log2(4)
    ndcg_q1 = (2 / math.log2(3) + 0.5) / (2 + 1 / math.log2(3) + 0.5)
    assert ndcg_q1 == pytest.approx(0.562727, abs=1e-6)
    # q2 is judged but has no results: it scores 0; q3 is not judged: ignored
    assert result["ndcg@10"] == pytest.approx(ndcg_q1 / 2, abs=1e-12)
    assert result["mrr@10"] == pytest.approx(0.25, abs=1e-12)
    assert result["r@100"] == pytest.approx((2 / 3) / 2, abs=1e-12)
    assert (result["queries"], result["queries_with_results"]) == (2.0, 1.0)


def test_cutoffs_ties_and_only_docs():
    judged = {"rel": 1.0}
    eleventh = [f"x{i}" for i in range(10)] + ["rel"]

    assert score.ndcg_at(eleventh, judged, 10) == 0.0
    assert score.mrr_at(eleventh, judged, 10) == 0.0
    assert score.recall_at(eleventh, judged, 100) == 1.0
    # trec_eval order: equal scores go by doc_id, descending; the rank column is ignored
    assert score.ordered([("a", 1.0), ("c", 1.0), ("b", 2.0)]) == ["b", "c", "a"]
    run = {"q": [("other", 0.9), ("rel", 0.8)]}
    assert score.score(run, {"q": judged})["mrr@10"] == 0.5
    assert score.score(run, {"q": judged}, only_docs={"rel"})["mrr@10"] == 1.0


def test_score_cli_reads_corpus_ids_of_one_source(tmp_path, capsys):
    corpus, _, _ = write_inputs(tmp_path)
    (tmp_path / "qrels.tsv").write_text("q\t0\td-rice\t1\n", encoding="utf-8")
    (tmp_path / "run.trec").write_text(
        "q Q0 d-water 1 3.0 t\nq Q0 d-rice 2 2.0 t\n", encoding="utf-8"
    )

    code = score.main(
        [
            str(tmp_path / "run.trec"),
            str(tmp_path / "qrels.tsv"),
            "--only-docs",
            str(corpus),
            "--only-source",
            "B",
            "--json",
        ]
    )

    assert code == 0
    assert json.loads(capsys.readouterr().out) == {
        "ndcg@10": 1.0,
        "mrr@10": 1.0,
        "r@100": 1.0,
        "queries": 1.0,
        "queries_with_results": 1.0,
    }


def test_a_malformed_run_line_is_refused(tmp_path):
    (tmp_path / "run.trec").write_text("q1 d1 0.5\n", encoding="utf-8")

    with pytest.raises(ValueError, match="not a TREC run line"):
        score.read_run(tmp_path / "run.trec")


# --- gold-standard loss ----------------------------------------------------------------


def test_goldstandard_loss_on_a_hand_computed_example():
    ratings = {
        "A": {"p1": 5.0, "p2": 3.0, "p3": 1.0, "p4": 3.0},
        "B": {"q1": 4.0, "q2": 2.0},
    }
    affinity = {
        # A: (p1,p2) gap 2 right, (p1,p3) gap 4 right, (p2,p3) gap 2 wrong,
        #    (p1,p4) gap 2 right, (p4,p3) gap 2 right; (p2,p4) equal ratings: no pair
        "A": {"p1": 0.9, "p2": 0.1, "p3": 0.5, "p4": 0.8},
        # B: a tie costs half of its gap of 2
        "B": {"q1": 0.3, "q2": 0.3},
    }

    assert goldstandard.loss(ratings, affinity) == pytest.approx((2 + 1) / (12 + 2))
    assert goldstandard.loss(ratings, {}) == 0.5  # no affinities: all ties
    reversed_ = {r: {p: -s for p, s in v.items()} for r, v in ratings.items()}
    assert goldstandard.loss(ratings, reversed_) == 1.0
    assert goldstandard.loss(ratings, ratings) == 0.0
    # a paper the engine did not return counts as the least expert
    assert goldstandard.loss({"B": {"q1": 4.0, "q2": 2.0}}, {"B": {"q1": 0.1}}) == 0.0


def test_per_reviewer_fusion_normalises_along_the_reviewers_row():
    ratings = {"A": {"p1": 5.0, "p2": 1.0, "p3": 3.0}}
    lexical = {"A": {"p1": 30.0, "p2": 10.0}}  # p3 missing: the row minimum
    dense = {"A": {"p1": 0.8, "p2": 0.9, "p3": 0.85}}

    fused = goldstandard.per_reviewer_fusion(ratings, lexical, dense, 0.5)

    assert fused == {"A": pytest.approx({"p1": 0.5, "p2": 0.5, "p3": 0.25})}


def test_goldstandard_evaluate_end_to_end_on_a_toy_data_set(tmp_path):
    base = tmp_path / "goldstandard"
    base.mkdir()
    profiles = [
        {
            "participant_id": "r1",
            "papers": [
                {"ssId": "a", "title": "Graph neural networks", "abstract": "Message passing."},
                {"ssId": "b", "title": "Node classification on graphs", "abstract": ""},
            ],
        },
        {
            "participant_id": "r2",
            "papers": [{"ssId": "c", "title": "Sourdough bread baking", "abstract": "Yeast."}],
        },
    ]
    papers = [
        {"ssId": "g", "title": "Scalable graph neural networks", "abstract": "Graphs."},
        {"ssId": "k", "title": "Baking bread with wild yeast", "abstract": "Sourdough."},
    ]
    (base / "reviewer_profiles.jsonl").write_text(
        "".join(json.dumps(p) + "\n" for p in profiles), encoding="utf-8"
    )
    (base / "papers.jsonl").write_text(
        "".join(json.dumps(p) + "\n" for p in papers), encoding="utf-8"
    )
    (base / "qrels_expertise.tsv").write_text(
        "participant_id\titer\tpaper_ssid\texpertise_1to5\n"
        "r1\t0\tg\t5.0\nr1\t0\tk\t1.0\nr2\t0\tg\t1.0\nr2\t0\tk\t4.0\nr9\t0\tg\t3.0\n",
        encoding="utf-8",
    )

    result = goldstandard.evaluate(data=tmp_path, modes=("bm25",))

    assert result["bm25"] == 0.0
    assert result["reviewers"] == 2
    assert result["reviewers_without_profile"] == ["r9"]
    assert result["ratings"] == 4
