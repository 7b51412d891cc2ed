"""The local backend (tantivy + usearch + SQLite sidecar) through the Engine: writes,
filters, persistence, several readers, the write lock, corruption and model mismatch."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from kechuang.matching.analysis import normalise
from kechuang.matching.embeddings import Vectors
from kechuang.matching.engine import (
    EmbedderMismatch,
    Engine,
    EngineConfig,
    IndexBusy,
    IndexCorrupted,
    UnknownFilter,
)
from kechuang.matching.types import Document, Mode, Query


class HashEmbedder:
    """Deterministic stand-in: character bigrams hashed into 64 dimensions."""

    dim = 64

    def __init__(self, name: str = "hash-64") -> None:
        self.name = name
        self.calls = 0

    def embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            text = normalise(text)
            for i in range(max(len(text) - 1, 1)):
                digest = hashlib.sha256(text[i : i + 2].encode()).digest()
                out[row, digest[0] % self.dim] += 1.0
            out[row] /= max(float(np.linalg.norm(out[row])), 1e-9)
        return out


def doc(doc_id: str, title: str, body: str = "", kind: str = "need", **attrs: object) -> Document:
    return Document(id=doc_id, kind=kind, title=title, body=body, attrs=dict(attrs))


DOCS = [
    doc(
        "need:1",
        "锂离子电池正极材料",
        "高镍三元正极",
        region="330106",
        industry="C3841",
        trl=5,
        modes=["development"],
        org_path="/1/4/17/",
        disciplines=["47040"],
        published="2026-03-01",
    ),
    doc(
        "need:2",
        "锂电池回收利用",
        "废旧电池梯次利用",
        region="320102",
        industry="N7724",
        trl=3,
        modes=["transfer"],
        org_path="/1/9/",
        published="2025-06-30",
    ),
    doc(
        "achievement:1",
        "锂电池隔膜涂覆技术",
        "陶瓷涂覆隔膜",
        kind="achievement",
        region="330200",
        industry="C2929",
        trl=7,
        modes=["licensing", "transfer"],
        org_path="/1/4/18/",
        disciplines=["43020"],
    ),
]


def ids(hits) -> list[str]:
    return [h.id for h in hits]


@pytest.fixture
def engine(tmp_path: Path):
    engine = Engine(tmp_path / "index", embedder=HashEmbedder())
    engine.upsert(DOCS)
    yield engine
    engine.close()


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
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


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_delete_removes_at_once_from_both_sides(engine: Engine, mode: Mode) -> None:
    assert engine.delete(["need:1", "missing:9"]) == 1

    assert engine.count() == 2
    assert "need:1" not in ids(engine.search(Query("锂离子电池正极材料", mode=mode)))
    assert engine.info()["vectors"] == 2


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
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
        ({"trl": "high"}, (), []),
    ],
)
def test_filters_hold_on_every_side(engine: Engine, mode, filters, kinds, expected) -> None:
    hits = engine.search(Query("锂电池", filters=filters, kinds=kinds, mode=mode, limit=10))

    assert sorted(ids(hits)) == expected


def test_unknown_filter_key_is_a_clear_error(engine: Engine) -> None:
    with pytest.raises(UnknownFilter, match="colour"):
        engine.search(Query("锂电池", filters={"colour": "red"}))


def test_a_narrow_filter_on_the_dense_side_still_finds_its_documents(tmp_path: Path) -> None:
    # 300 documents, one of them in Beijing: over-fetching cannot reach it, the exact
    # pass over the filtered units must.
    engine = Engine(tmp_path / "index", embedder=HashEmbedder(), config=EngineConfig(candidates=5))
    many = [doc(f"need:{i}", f"锂电池正极材料第{i}号", region="330106") for i in range(300)]
    many.append(doc("need:bj", "城市污水处理", region="110101"))
    engine.upsert(many)

    hits = engine.search(Query("锂电池正极材料", filters={"region": "110000"}, mode="dense"))

    assert ids(hits) == ["need:bj"]
    engine.close()


@pytest.mark.parametrize("exact_below", [0, 100_000])  # HNSW + filter check; exact
def test_dense_filters_through_hnsw_and_exact_paths(tmp_path: Path, exact_below: int) -> None:
    config = EngineConfig(exact_below=exact_below)
    engine = Engine(tmp_path / "index", embedder=HashEmbedder(), config=config)
    regions = ["330106", "320102", "110101"]
    engine.upsert(
        doc(f"need:{i}", f"锂电池正极材料第{i}号", region=regions[i % 3], trl=i % 9 + 1)
        for i in range(90)
    )

    hits = engine.search(
        Query("锂电池正极材料", filters={"region": "320000", "trl": 5}, mode="dense", limit=50)
    )

    expected = sorted(f"need:{i}" for i in range(90) if i % 3 == 1 and i % 9 + 1 >= 5)
    assert sorted(ids(hits)) == expected
    engine.close()


def test_results_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "index"
    with Engine(path, embedder=HashEmbedder()) as first:
        first.upsert(DOCS)
        before = [(h.id, h.score) for h in first.search(Query("锂电池正极"))]

    with Engine(path, embedder=HashEmbedder()) as second:
        after = [(h.id, h.score) for h in second.search(Query("锂电池正极"))]
        assert second.count() == 3

    assert after == before
    assert len(before) == 3


def test_a_second_instance_sees_committed_writes_and_deletes(engine: Engine) -> None:
    reader = Engine(engine.path, embedder=HashEmbedder())
    assert ids(reader.search(Query("石墨烯导热膜", mode="bm25"))) == []

    engine.upsert([doc("need:9", "石墨烯导热膜", "散热")])
    assert ids(reader.search(Query("石墨烯导热膜", mode="bm25"))) == ["need:9"]
    assert ids(reader.search(Query("石墨烯导热膜", mode="dense", limit=1))) == ["need:9"]

    engine.delete(["need:9"])
    assert ids(reader.search(Query("石墨烯导热膜", mode="bm25"))) == []
    reader.close()


def test_another_process_sees_writes(engine: Engine) -> None:
    engine.upsert([doc("need:10", "盐碱地改良剂", "土壤修复")])
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from kechuang.matching.engine import Engine
        from kechuang.matching.types import Query
        engine = Engine(Path({str(engine.path)!r}), embedder=None)
        """
    )
    # the reader has no embedder: the index has one, so it must be refused ...
    refused = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert "EmbedderMismatch" in refused.stderr
    # ... and with the same model it reads what this process wrote.
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).parents[2])!r})
        from tests.matching.test_local_backend import HashEmbedder
        from kechuang.matching.engine import Engine
        from kechuang.matching.types import Query
        engine = Engine(Path({str(engine.path)!r}), embedder=HashEmbedder())
        print(",".join(h.id for h in engine.search(Query("盐碱地改良剂", limit=1))))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "need:10", result.stderr


def test_one_writer_at_a_time(engine: Engine) -> None:
    other = Engine(engine.path, embedder=HashEmbedder(), config=EngineConfig(lock_timeout=0.1))
    engine.upsert([doc("need:11", "风电叶片检测")], commit=False)  # holds the write lock

    with pytest.raises(IndexBusy):
        other.upsert([doc("need:12", "光伏组件清洗")])

    engine.commit()
    assert other.upsert([doc("need:12", "光伏组件清洗")]) == 1
    assert sorted(ids(engine.search(Query("风电叶片检测 光伏组件清洗", mode="bm25")))) == [
        "need:11",
        "need:12",
    ]
    other.close()


def _build(path: Path) -> None:
    """An index whose vectors are all in its HNSW base file (no delta)."""
    config = EngineConfig(vector_delta_limit=0)
    with Engine(path, embedder=HashEmbedder(), config=config) as engine:
        engine.upsert(DOCS)


def _base_file(path: Path) -> Path:
    [base] = path.glob("vectors-*.usearch")
    return base


def _truncate(file: Path) -> None:
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("suffix", [".term", ".idx", ".fast"])
def test_a_truncated_lexical_file_is_detected(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / "index"
    _build(path)
    for file in (path / "lexical").glob(f"*{suffix}"):
        _truncate(file)

    with pytest.raises(IndexCorrupted):
        Engine(path, embedder=HashEmbedder())


def test_a_truncated_vector_file_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "index"
    _build(path)
    _truncate(_base_file(path))

    with pytest.raises(IndexCorrupted, match=r"vectors-\d+\.usearch"):
        Engine(path, embedder=HashEmbedder())


@pytest.mark.parametrize("name", ["vectors", "meta.sqlite3", "lexical"])
def test_a_missing_index_file_is_detected(tmp_path: Path, name: str) -> None:
    import shutil

    path = tmp_path / "index"
    _build(path)
    target = _base_file(path) if name == "vectors" else path / name
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink()

    with pytest.raises(IndexCorrupted):
        Engine(path, embedder=HashEmbedder())


def test_corruption_after_opening_is_detected_by_a_reader(tmp_path: Path) -> None:
    path = tmp_path / "index"
    _build(path)
    reader = Engine(path, embedder=HashEmbedder())
    with Engine(path, embedder=HashEmbedder()) as writer:
        writer.upsert([doc("need:13", "海水淡化膜")])
    _truncate(_base_file(path))

    with pytest.raises(IndexCorrupted):
        reader.search(Query("海水淡化膜"))


def test_an_index_built_with_another_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index"
    _build(path)

    with pytest.raises(EmbedderMismatch, match="reindex"):
        Engine(path, embedder=HashEmbedder(name="another-model"))
    with pytest.raises(EmbedderMismatch):
        Engine(path, embedder=None)


def test_an_empty_index_adopts_a_new_model(tmp_path: Path) -> None:
    path = tmp_path / "index"
    Engine(path, embedder=None).close()

    with Engine(path, embedder=HashEmbedder(name="another-model")) as engine:
        engine.upsert(DOCS)
        assert engine.info()["model"] == "another-model"


def test_documents_are_counted_per_kind(engine: Engine) -> None:
    # what `kechuang search-health` compares with the public rows of each kind
    assert (engine.backend.count_kind("need"), engine.backend.count_kind("achievement")) == (2, 1)
    assert engine.backend.count_kind("expert") == 0

    engine.delete(["need:2"])

    assert engine.backend.count_kind("need") == 1


def test_info_reports_model_sizes_and_last_write(engine: Engine) -> None:
    info = engine.info()

    assert (info["model"], info["dim"], info["items"], info["units"], info["vectors"]) == (
        "hash-64",
        64,
        3,
        3,
        3,
    )
    assert info["bytes"]["lexical"] > 0
    assert info["bytes"]["vectors"] > 0
    assert info["last_write"] is not None


def test_a_lexical_only_index_works_without_vectors(tmp_path: Path) -> None:
    with Engine(tmp_path / "index", embedder=None) as engine:
        engine.upsert(DOCS)

        assert ids(engine.search(Query("锂电池隔膜", mode="dense", limit=1))) == ["achievement:1"]
        assert engine.info()["vectors"] == 0
        assert not list(engine.path.glob("vectors*.usearch"))


class FailingEmbedder(HashEmbedder):
    """Fails on its n-th call, like a model server going away mid-batch."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.fail_on = fail_on

    def embed(self, texts: Sequence[str], *, query: bool) -> Vectors:
        if self.calls + 1 == self.fail_on:
            self.calls += 1
            raise RuntimeError("embedding server went away")
        return super().embed(texts, query=query)


def test_a_failed_upsert_changes_nothing_and_releases_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "index"
    _build(path)
    failing = Engine(path, embedder=FailingEmbedder(fail_on=2))
    batch = [doc(f"need:new{i}", f"新增需求{i}") for i in range(4)]

    with pytest.raises(RuntimeError, match="went away"):
        failing.upsert([doc("need:1", "改写的标题"), *batch], batch_size=2)

    with Engine(path, embedder=HashEmbedder(), config=EngineConfig(lock_timeout=0.1)) as other:
        assert other.count() == 3
        assert ids(other.search(Query("锂离子电池正极材料", mode="bm25", limit=1))) == ["need:1"]
        assert other.upsert([doc("need:14", "可以写入")]) == 1  # the lock was released
    failing.close()


@pytest.mark.parametrize(
    ("filters", "kinds", "expected"),
    [
        ({"region": "330000"}, (), True),
        ({"region": "330200"}, (), False),
        ({"industry": "C"}, (), True),
        ({"industry": "c38"}, (), True),
        ({"disciplines": ["470", "110"]}, (), True),
        ({"trl": 6}, (), False),
        ({"trl_max": 5}, (), True),
        ({"org_path": "/1/4"}, ("need",), True),
        ({"published_from": "2026-03-02"}, (), False),
        ({}, ("expert",), False),
    ],
)
def test_filters_match_attributes_in_python_as_the_index_does(filters, kinds, expected) -> None:
    from kechuang.matching.backends.base import parse_filters

    assert parse_filters(filters, kinds).matches("need", DOCS[0].attrs) is expected


def test_filter_terms_expand_codes_into_prefixes() -> None:
    from kechuang.matching.backends.base import filter_terms

    assert filter_terms(DOCS[0].attrs) == {
        "region": ["33", "3301", "330106"],
        "industry": ["C", "C38", "C384", "C3841"],
        "discipline": ["470", "47040"],
        "mode": ["development"],
        "org": ["/1/", "/1/4/", "/1/4/17/"],
    }


# --- the vector delta: small writes do not rewrite the HNSW base file ---------------------


def test_small_writes_leave_the_base_file_alone_and_readers_see_them(tmp_path: Path) -> None:
    path = tmp_path / "index"
    _build(path)
    base = _base_file(path)
    before = base.stat().st_mtime_ns
    reader = Engine(path, embedder=HashEmbedder())
    with Engine(path, embedder=HashEmbedder()) as writer:
        writer.upsert([doc("need:13", "海水淡化反渗透膜")])
        writer.delete(["need:1"])

    assert _base_file(path) == base and base.stat().st_mtime_ns == before
    info = reader.info()
    assert (info["vectors"], info["vector_delta"]) == (3, 2)  # 3 − need:1 + need:13
    found = ids(reader.search(Query("海水淡化反渗透膜", mode="dense", limit=4)))
    assert found[0] == "need:13"
    assert "need:1" not in found
    assert reader.backend.unit_vectors([("need:13", 0), ("need:1", 0)])[1] is None
    assert reader.backend.unit_vectors([("need:13", 0)])[0] is not None


def test_a_delta_past_its_limit_is_folded_into_a_new_base_file(tmp_path: Path) -> None:
    path = tmp_path / "index"
    _build(path)
    old = _base_file(path)
    config = EngineConfig(vector_delta_limit=2)
    with Engine(path, embedder=HashEmbedder(), config=config) as writer:
        writer.upsert([doc("need:13", "海水淡化反渗透膜")])
        assert _base_file(path) == old  # one change: still in the delta
        writer.upsert([doc(f"need:{n}", f"污水处理膜生物反应器{n}") for n in (14, 15)])

    new = _base_file(path)
    assert new != old and not old.exists()
    reader = Engine(path, embedder=HashEmbedder())
    assert (reader.info()["vectors"], reader.info()["vector_delta"]) == (6, 0)
    assert ids(reader.search(Query("海水淡化反渗透膜", mode="dense", limit=1))) == ["need:13"]


def test_deleting_what_is_not_indexed_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "index"
    _build(path)
    with Engine(path, embedder=HashEmbedder()) as engine:
        version = engine.info()["version"]
        assert engine.delete(["need:404", "expert:9"]) == 0
        assert engine.info()["version"] == version


def test_a_rolled_back_write_leaves_base_and_delta_as_they_were(tmp_path: Path) -> None:
    path = tmp_path / "index"
    _build(path)
    with Engine(path, embedder=HashEmbedder()) as writer:
        writer.upsert([doc("need:13", "海水淡化反渗透膜")])
        writer.upsert([doc("need:14", "污水处理")], commit=False)
        writer.delete(["need:13", "need:2"], commit=False)
        writer.backend.rollback()

    reader = Engine(path, embedder=HashEmbedder())
    assert (reader.info()["vectors"], reader.info()["vector_delta"]) == (4, 1)
    assert ids(reader.search(Query("海水淡化反渗透膜", mode="dense", limit=1))) == ["need:13"]
