"""GET /api/v1/search: ranked public results with reasons, filters, facets, bad input."""

from __future__ import annotations

from typing import Any

import pytest

from kechuang.catalog.choices import ListingStatus
from kechuang.catalog.models import Need
from kechuang.matching import indexing
from kechuang.matching.models import IndexQueue
from tests.api.conftest import Api, token_for
from tests.conftest import World
from tests.matching.conftest import FakeEngine, Search, make_achievement, make_expert, make_need


@pytest.fixture
def records(world: World, search_on: Search) -> dict[str, Any]:
    need = make_need(world)
    achievement = make_achievement(world)
    expert = make_expert(world)
    draft = make_need(world, title="秘密草稿液冷方案", published=False)
    other = make_need(world, title="江苏电池液冷测试平台", region_id="320500")
    indexing.rebuild_index()
    return {
        "need": need,
        "achievement": achievement,
        "expert": expert,
        "draft": draft,
        "other": other,
    }


def search(params: dict[str, Any], token: str | None = None) -> Any:
    return Api(token).get("/search", params)


def test_results_are_public_ranked_and_explained(records: dict[str, Any]) -> None:
    response = search({"q": "电池 液冷"})

    assert response.status_code == 200
    body = response.json()
    ids = [item["id"] for item in body["items"]]
    need, expert, other = records["need"], records["expert"], records["other"]
    assert set(ids) == {f"need:{need.pk}", f"need:{other.pk}", f"expert:{expert.pk}"}
    assert (body["count"], body["page"], body["page_size"], body["degraded"]) == (3, 1, 20, False)
    assert body["facets"] == {
        "need": 2,
        "achievement": 0,
        "challenge": 0,
        "expert": 1,
        "organization": 0,
    }
    first = next(i for i in body["items"] if i["id"] == f"expert:{expert.pk}")
    assert first["kind"] == "expert"
    assert first["object_id"] == expert.pk
    assert first["url"] == f"/experts/{expert.pk}/"
    assert first["api_url"] == f"/api/v1/experts/{expert.pk}"
    assert first["explanation"]["best_passage"] == "锂离子电池液冷散热结构优化 工程热物理学报"
    assert first["explanation"]["shared_terms_by_field"]["passage"] == ["电池", "液冷"]


def test_drafts_never_appear_even_when_the_words_match(records: dict[str, Any]) -> None:
    body = search({"q": "秘密草稿液冷方案"}).json()

    assert f"need:{records['draft'].pk}" not in [i["id"] for i in body["items"]]


def test_a_stale_index_never_shows_what_is_no_longer_public(records: dict[str, Any]) -> None:
    need = records["need"]
    Need.objects.filter(pk=need.pk).update(status=ListingStatus.WITHDRAWN)  # index not told

    body = search({"q": "电池 液冷", "kinds": ["need"]}).json()

    assert [i["id"] for i in body["items"]] == [f"need:{records['other'].pk}"]
    assert body["facets"]["need"] == 1


def test_kinds_and_region_filters(records: dict[str, Any]) -> None:
    experts = search({"q": "电池 液冷", "kinds": ["expert"]}).json()
    jiangsu = search({"q": "电池 液冷", "region": "320000"}).json()

    assert [i["id"] for i in experts["items"]] == [f"expert:{records['expert'].pk}"]
    assert experts["count"] == 1
    assert experts["facets"] == {
        "need": 2,
        "achievement": 0,
        "challenge": 0,
        "expert": 1,
        "organization": 0,
    }
    assert [i["id"] for i in jiangsu["items"]] == [f"need:{records['other'].pk}"]


def test_pagination(records: dict[str, Any]) -> None:
    first = search({"q": "电池 液冷", "page_size": 2}).json()
    second = search({"q": "电池 液冷", "page_size": 2, "page": 2}).json()

    assert (first["count"], len(first["items"]), len(second["items"])) == (3, 2, 1)
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_query_syntax_is_just_text(records: dict[str, Any]) -> None:
    for q in ["title:x AND", '"unbalanced', "电池 OR 1=1; DROP TABLE needs;--"]:
        response = search({"q": q})
        assert response.status_code == 200, q


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"q": ""}, {"q": ["请输入要搜索的内容。"]}),
        ({"q": "   "}, {"q": ["请输入要搜索的内容。"]}),
        ({}, {"q": ["必填。"]}),
        ({"q": "液" * 10_000}, {"q": ["搜索内容不超过 500 个字。"]}),
        ({"q": "🔋🔥！？"}, {"q": ["搜索内容中没有可检索的文字。"]}),
        ({"q": "电池", "region": "999999"}, {"region": ["未知的代码：999999。"]}),
        ({"q": "电池", "industry": "ZZ"}, {"industry": ["未知的代码：ZZ。"]}),
        ({"q": "电池", "cooperation_mode": "gift"}, {"cooperation_mode": ["未知的代码：gift。"]}),
        ({"q": "电池", "page_size": 101}, {"page_size": ["不能大于 100。"]}),
        ({"q": "电池", "trl_min": 10}, {"trl_min": ["不能大于 9。"]}),
    ],
)
def test_bad_input_is_a_clear_422(
    records: dict[str, Any], params: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    response = search(params)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["errors"] == errors


def test_unknown_kind_and_mode_are_422(records: dict[str, Any]) -> None:
    kinds = search({"q": "电池", "kinds": ["alien"]})
    mode = search({"q": "电池", "mode": "magic"})

    assert (kinds.status_code, mode.status_code) == (422, 422)
    assert list(kinds.json()["errors"]) == ["kinds.0"]
    assert list(mode.json()["errors"]) == ["mode"]


def test_an_invalid_token_is_refused(records: dict[str, Any]) -> None:
    response = search({"q": "电池"}, token="kc_not-a-token")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_valid_token_is_accepted(world: World, records: dict[str, Any]) -> None:
    response = search({"q": "电池 液冷"}, token=token_for(world.other_admin))

    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_a_corrupted_index_answers_from_the_database(
    records: dict[str, Any], search_on: Search
) -> None:
    from pathlib import Path

    FakeEngine.broken.add(str(Path(indexing.index_root()).resolve()))
    indexing.reset_engine()

    response = search({"q": "液冷"})

    assert response.status_code == 200
    body = response.json()
    assert body["degraded"] is True
    need_ids = {i["id"] for i in body["items"] if i["kind"] == "need"}
    assert need_ids == {f"need:{records['need'].pk}", f"need:{records['other'].pk}"}
    assert all(i["explanation"] is None and i["score"] is None for i in body["items"])
    assert search_on.rebuilds == ["triggered"]


def test_engine_off_answers_from_the_database(world: World, settings: Any) -> None:
    need = make_need(world)  # tests/conftest.py: engine off
    draft = make_need(world, title="液冷草稿不应出现", published=False)

    body = search({"q": "液冷"}).json()

    assert body["degraded"] is True
    assert [i["id"] for i in body["items"]] == [f"need:{need.pk}"]
    assert f"need:{draft.pk}" not in str(body)
    assert body["facets"] == {
        "need": 1,
        "achievement": 0,
        "challenge": 0,
        "expert": 0,
        "organization": 0,
    }
    assert IndexQueue.objects.count() == 0


def test_real_engine_end_to_end(world: World, real_search: Search) -> None:
    need = make_need(world)
    make_need(world, title="秘密草稿液冷方案", published=False)
    make_achievement(world)
    indexing.rebuild_index()

    body = search({"q": "储能电池 液冷板", "mode": "bm25"}).json()

    assert body["degraded"] is False
    assert body["items"][0]["id"] == f"need:{need.pk}"
    assert "<mark>" in body["items"][0]["snippet"]
    assert "液冷" in body["items"][0]["explanation"]["shared_terms"]
    assert [i["kind"] for i in body["items"]] == ["need"]


def test_relevance_keeps_word_matches_and_close_meanings(settings: Any) -> None:
    from kechuang.matching.selectors import relevant
    from kechuang.matching.types import Hit

    settings.KECHUANG_SEARCH_MIN_SIMILARITY = 0.87
    hits = [
        Hit(
            id="need:1",
            kind="need",
            score=1,
            lexical_score=5,
            dense_score=0.80,
            shared_terms=["液冷"],
        ),
        Hit(
            id="need:2",
            kind="need",
            score=1,
            lexical_score=1,
            dense_score=0.80,
            shared_terms=["多"],
        ),
        Hit(id="need:3", kind="need", score=1, dense_score=0.88),
        Hit(id="need:4", kind="need", score=1, dense_score=0.86),
        Hit(id="need:5", kind="need", score=1, lexical_score=2),  # no embeddings
        Hit(id="need:6", kind="need", score=1),
    ]

    assert [h.id for h in relevant(hits)] == ["need:1", "need:3", "need:5"]


def test_relevance_keeps_the_best_few_of_a_short_query(settings: Any) -> None:
    from kechuang.matching.selectors import relevant
    from kechuang.matching.types import Hit

    settings.KECHUANG_SEARCH_MIN_SIMILARITY = 0.87
    scores = [0.852, 0.848, 0.846, 0.845, 0.80]
    hits = [Hit(id=f"need:{i}", kind="need", score=s, dense_score=s) for i, s in enumerate(scores)]

    assert [h.id for h in relevant(hits)] == ["need:0", "need:1", "need:2"]
