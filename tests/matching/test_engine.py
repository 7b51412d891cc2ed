"""Ranking sanity on small fixed Chinese examples, explanations, pagination, similarity
and bad input — for bm25, dense (real multilingual-e5-small) and hybrid."""

from __future__ import annotations

from pathlib import Path

import pytest

from kechuang.matching.engine import Engine, EngineConfig
from kechuang.matching.types import Document, Mode, Query
from tests.matching.test_local_backend import HashEmbedder

CATALOGUE = [
    Document(
        "achievement:battery",
        "achievement",
        "一种锂离子电池高镍正极材料",
        "正极 锂电",
        "提高电动汽车动力电池的能量密度和循环寿命",
    ),
    Document(
        "achievement:water",
        "achievement",
        "城市生活污水生物脱氮除磷工艺",
        "污水处理",
        "采用改良活性污泥法，出水达到一级A标准",
    ),
    Document(
        "achievement:vision",
        "achievement",
        "基于卷积神经网络的表面缺陷检测系统",
        "机器视觉",
        "用于钢板和玻璃生产线的外观瑕疵自动识别",
    ),
    Document(
        "achievement:wheat",
        "achievement",
        "耐旱小麦新品种选育",
        "分子育种",
        "在西北干旱半干旱地区亩产提高百分之十五",
    ),
    Document(
        "need:drone", "need", "植保无人机精准喷洒", "农业无人机", "降低农药用量，提升作业效率"
    ),
    Document(
        "expert:zhang",
        "expert",
        "张明",
        passages=("水稻高产栽培技术研究", "农作物病虫害绿色防控体系", "设施蔬菜水肥一体化"),
    ),
    Document(
        "expert:li",
        "expert",
        "李华",
        passages=("锅炉水动力计算方法", "气液两相流沸腾传热机理", "核电站蒸汽发生器设计"),
    ),
]


@pytest.fixture(scope="module")
def e5():
    from kechuang.matching.embeddings import E5Small

    return E5Small(num_threads=1)


@pytest.fixture(scope="module")
def real(tmp_path_factory, e5):
    engine = Engine(tmp_path_factory.mktemp("real") / "index", embedder=e5)
    engine.upsert(CATALOGUE)
    yield engine
    engine.close()


@pytest.fixture
def hashed(tmp_path: Path):
    engine = Engine(tmp_path / "index", embedder=HashEmbedder())
    engine.upsert(CATALOGUE)
    yield engine
    engine.close()


def top(engine: Engine, text: str, mode: Mode, **kwargs) -> str:
    hits = engine.search(Query(text, mode=mode, limit=3, **kwargs))
    assert hits, text
    return hits[0].id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("锂电池正极材料", "achievement:battery"),  # synonym: 锂电池 = 锂离子电池
        ("污水脱氮除磷", "achievement:water"),
        ("表面缺陷检测", "achievement:vision"),
        ("两相流传热", "expert:li"),  # synonym 两相流 = 气液两相流, in one work
        ("病虫害防控", "expert:zhang"),
    ],
)
def test_bm25_ranks_the_obvious_answer_first(real: Engine, text: str, expected: str) -> None:
    assert top(real, text, "bm25") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电动车续航里程短，想找更好的电池材料", "achievement:battery"),
        ("产品外观瑕疵靠人工挑，想用摄像头自动识别", "achievement:vision"),
        ("缺水的地方种什么麦子产量高", "achievement:wheat"),
    ],
)
@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_dense_and_hybrid_find_paraphrases(
    real: Engine, text: str, expected: str, mode: Mode
) -> None:
    assert top(real, text, mode) == expected


def test_hybrid_keeps_exact_terms_that_dense_alone_blurs(real: Engine) -> None:
    assert top(real, "气液两相流", "hybrid") == "expert:li"
    assert top(real, "一级A标准", "hybrid") == "achievement:water"


def test_an_expert_is_scored_by_the_best_matching_work(real: Engine) -> None:
    [hit] = real.search(Query("蒸汽发生器", kinds=("expert",), mode="hybrid", limit=1))

    assert hit.id == "expert:li"
    assert hit.best_passage == "核电站蒸汽发生器设计"
    assert hit.shared_terms_by_field == {"passage": ["蒸汽", "发生器"]}
    assert hit.snippet == "核电站<mark>蒸汽</mark><mark>发生器</mark>设计"


def test_best_passage_for_bm25_and_dense(hashed: Engine) -> None:
    for mode in ("bm25", "dense"):
        [hit] = hashed.search(Query("水肥一体化", kinds=("expert",), mode=mode, limit=1))
        assert (hit.id, hit.best_passage) == ("expert:zhang", "设施蔬菜水肥一体化")


def test_hits_explain_themselves(real: Engine) -> None:
    [hit] = real.search(Query("锂电池 正极", mode="hybrid", limit=1))

    assert hit.id == "achievement:battery"
    assert hit.kind == "achievement"
    assert hit.shared_terms == ["锂离子电池", "正极"]
    assert hit.shared_terms_by_field == {
        "title": ["锂离子电池", "正极"],
        "keywords": ["锂离子电池", "正极"],
    }
    assert (hit.lexical_rank, hit.dense_rank) == (1, 1)
    assert hit.lexical_score is not None and hit.lexical_score > 0
    assert hit.dense_score is not None and 0 < hit.dense_score <= 1
    assert hit.best_passage is None
    assert hit.snippet == "一种<mark>锂离子电池</mark>高镍<mark>正极</mark>材料"


def test_snippet_marks_synonyms_and_escapes_html(tmp_path: Path) -> None:
    with Engine(tmp_path / "index", embedder=None, config=EngineConfig(snippet_chars=40)) as engine:
        engine.upsert(
            [Document("need:x", "need", "电池", body="<b>回收</b>废旧锂电池" + "。" * 60)]
        )

        [hit] = engine.search(Query("锂离子电池回收"))

    assert (
        hit.snippet
        == "&lt;b&gt;<mark>回收</mark>&lt;/b&gt;废旧<mark>锂电池</mark>" + "。" * 26 + "…"
    )


def test_title_outweighs_body(tmp_path: Path) -> None:
    with Engine(tmp_path / "index", embedder=None) as engine:
        engine.upsert(
            [
                Document("need:body", "need", "材料需求", body="需要一种石墨烯导热膜用于手机散热"),
                Document("need:title", "need", "石墨烯导热膜", body="用于手机散热的材料需求"),
            ]
        )

        assert [h.id for h in engine.search(Query("石墨烯导热膜"))] == ["need:title", "need:body"]


@pytest.mark.parametrize("fusion", ["rrf", "weighted"])
def test_pagination_after_fusion(tmp_path: Path, fusion: str) -> None:
    config = EngineConfig(fusion=fusion)  # type: ignore[arg-type]
    with Engine(tmp_path / "index", embedder=HashEmbedder(), config=config) as engine:
        engine.upsert(Document(f"need:{i}", "need", f"锂电池正极材料{i}号") for i in range(25))
        everything = [h.id for h in engine.search(Query("锂电池正极材料", limit=25))]

        pages = [
            [h.id for h in engine.search(Query("锂电池正极材料", limit=10, offset=offset))]
            for offset in (0, 10, 20)
        ]

    assert len(everything) == 25
    assert pages == [everything[:10], everything[10:20], everything[20:]]


def test_excluded_ids_never_come_back(hashed: Engine) -> None:
    hits = hashed.search(Query("锂电池", exclude_ids=frozenset({"achievement:battery"}), limit=20))

    assert "achievement:battery" not in [h.id for h in hits]


def test_similar_finds_the_near_duplicate_of_a_draft(real: Engine) -> None:
    draft = Document(
        "need:draft", "need", "寻求锂电池高镍正极材料技术", body="提高动力电池能量密度"
    )

    hits = real.similar(draft, limit=3)

    assert hits[0].id == "achievement:battery"
    assert hits[0].dense_score is not None and hits[0].dense_score > 0.9
    assert "need:draft" not in [h.id for h in hits]


def test_similar_excludes_the_document_itself_and_filters_kinds(hashed: Engine) -> None:
    [indexed] = [d for d in CATALOGUE if d.id == "achievement:battery"]

    hits = hashed.similar(indexed, kinds=("achievement",), limit=10)

    assert "achievement:battery" not in [h.id for h in hits]
    assert {h.kind for h in hits} <= {"achievement"}


def test_dense_mode_without_an_embedder_falls_back_to_bm25(tmp_path: Path) -> None:
    with Engine(tmp_path / "index", embedder=None) as engine:
        engine.upsert(CATALOGUE)

        assert top(engine, "污水脱氮除磷", "dense") == "achievement:water"


BAD_INPUTS = [
    "",
    "   ",
    "！！！？？？",
    "😀🚀🔥",
    "title:x AND",
    '"unbalanced',
    "(((",
    "*",
    "NOT OR AND",
    "'; DROP TABLE docs; --",
    "锂" * 10_000,
    "锂电池" * 5_000,
    "\x00\x01\x02",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_bad_input_never_raises(hashed: Engine, text: str, mode: Mode) -> None:
    hits = hashed.search(Query(text, mode=mode, limit=5))

    assert isinstance(hits, list)
    assert len(hits) <= 5


def test_bad_paging_values_give_nothing_not_an_error(hashed: Engine) -> None:
    assert hashed.search(Query("锂电池", limit=0)) == []
    assert hashed.search(Query("锂电池", offset=1000)) == []
    assert hashed.search(Query("锂电池", limit=-5)) == []


def test_similar_of_an_empty_document_is_empty(hashed: Engine) -> None:
    assert hashed.similar(Document("need:empty", "need", "")) == []


def test_the_snippet_comes_from_the_title_when_only_the_title_matches(tmp_path: Path) -> None:
    with Engine(tmp_path / "index", embedder=None) as engine:
        engine.upsert([Document("need:t", "need", "石墨烯导热膜", body="用于手机散热")])

        [hit] = engine.search(Query("石墨烯"))

    assert hit.snippet == "<mark>石墨烯</mark>导热膜"
    assert hit.shared_terms_by_field == {"title": ["石墨烯"]}


def test_embedded_text_keeps_the_parts_as_given(hashed: Engine) -> None:
    assert hashed.embed_text(Document("p:1", "paper", "", body=" 摘要正文 ")) == " 摘要正文 "
    assert hashed.embed_text(Document("p:2", "paper", "标题", " ", "摘要")) == "标题. 摘要"


def test_the_dense_side_fetches_more_units_until_it_has_the_documents_asked_for(
    tmp_path: Path,
) -> None:
    # given three experts of twelve works each, all about the same subject
    experts = [
        Document(
            id=f"expert:{n}",
            kind="expert",
            title=f"专家{n}",
            passages=tuple(f"锂离子电池正极材料研究 第{n}组 第{k}篇" for k in range(12)),
        )
        for n in range(3)
    ]
    config = EngineConfig(candidates=3, feedback_docs=0)
    engine = Engine(tmp_path / "index", embedder=HashEmbedder(), config=config)
    engine.upsert(experts)
    asked: list[int] = []
    inner = engine.backend.dense

    def dense(vector: object, filters: object, limit: int) -> object:
        asked.append(limit)
        return inner(vector, filters, limit)  # type: ignore[arg-type]

    engine.backend.dense = dense  # type: ignore[assignment]

    # when asking the dense side for three experts
    hits = engine.search(Query("锂离子电池正极材料", mode="dense", limit=3))

    # then it doubled its units until the works found belonged to three experts
    assert sorted(h.id for h in hits) == ["expert:0", "expert:1", "expert:2"]
    assert asked[0] == 3 and asked == [3 * 2**i for i in range(len(asked))]
    assert len(asked) > 1
    engine.close()
