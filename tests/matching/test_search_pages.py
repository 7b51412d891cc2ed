"""The search page (/search/), and the list pages' ``q`` going through the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kechuang.catalog.choices import ListingStatus
from kechuang.catalog.models import Need
from kechuang.matching import indexing
from tests.conftest import World, client_for
from tests.matching.conftest import FakeEngine, Search, make_achievement, make_expert, make_need


@pytest.fixture
def records(world: World, search_on: Search) -> dict[str, Any]:
    need = make_need(world)
    other = make_need(world, title="江苏电池液冷测试平台", region_id="320500")
    draft = make_need(world, title="秘密草稿液冷方案", published=False)
    expert = make_expert(world)
    achievement = make_achievement(world)
    indexing.rebuild_index()
    return {
        "need": need,
        "other": other,
        "draft": draft,
        "expert": expert,
        "achievement": achievement,
    }


def page(url: str, **headers: Any) -> str:
    response = client_for(None).get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def results(html: str) -> list[str]:
    import re

    return re.findall(r'<article class="card mb-2" data-result="([^"]+)"', html)


def test_one_box_across_kinds_with_facets_and_reasons(records: dict[str, Any]) -> None:
    html = page("/search/?q=电池+液冷")

    assert sorted(results(html)) == sorted(
        [
            f"need:{records['need'].pk}",
            f"need:{records['other'].pk}",
            f"expert:{records['expert'].pk}",
        ]
    )
    assert 'data-facet="need"' in html
    assert "共 3 条结果" in html
    assert "为什么推荐" in html
    assert "锂离子电池液冷散热结构优化 工程热物理学报" in html  # the expert's best work
    assert f"need:{records['draft'].pk}" not in html


def test_kind_facet_and_filters(records: dict[str, Any]) -> None:
    experts = page("/search/?q=电池+液冷&kind=expert")
    jiangsu = page("/search/?q=电池+液冷&region=320000")

    assert results(experts) == [f"expert:{records['expert'].pk}"]
    assert results(jiangsu) == [f"need:{records['other'].pk}"]


def test_htmx_gets_the_fragment_only(records: dict[str, Any]) -> None:
    html = page("/search/?q=电池", HTTP_HX_REQUEST="true")

    assert html.startswith('<div id="search-results"')
    assert "<html" not in html


def test_no_query_shows_a_prompt(records: dict[str, Any]) -> None:
    html = page("/search/")

    assert "输入要找的技术问题、成果或专长" in html
    assert results(html) == []


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "请输入要搜索的内容。"),
        ("液" * 10_000, "搜索内容不超过 500 个字。"),
        ("🔋🔥", "搜索内容中没有可检索的文字。"),
    ],
)
def test_bad_queries_get_a_message_not_an_error(
    records: dict[str, Any], q: str, message: str
) -> None:
    html = page(f"/search/?q={q}")

    assert "data-search-error" in html
    assert message in html
    assert results(html) == []


def test_unknown_filter_value_gets_a_message(records: dict[str, Any]) -> None:
    html = page("/search/?q=电池&region=999999&kind=alien")

    assert "未知的代码：999999。" in html
    assert "未知的类型：alien。" in html


def test_query_syntax_is_text(records: dict[str, Any]) -> None:
    html = page('/search/?q=title:x+AND+"')

    assert "data-search-error" not in html


def test_pagination_keeps_the_query(records: dict[str, Any], monkeypatch: Any) -> None:
    from kechuang.matching.views import search as views_search

    monkeypatch.setattr(views_search, "PER_PAGE", 2)
    first = page("/search/?q=电池+液冷")
    second = page("/search/?q=电池+液冷&page=2")

    assert len(results(first)) == 2 and len(results(second)) == 1
    assert "?q=%E7%94%B5%E6%B1%A0+%E6%B6%B2%E5%86%B7&amp;page=2" in first


def test_degraded_search_shows_a_notice_and_database_results(
    records: dict[str, Any], search_on: Search
) -> None:
    FakeEngine.broken.add(str(Path(indexing.index_root()).resolve()))
    indexing.reset_engine()

    html = page("/search/?q=液冷")

    assert "data-search-degraded" in html
    assert f'data-result="need:{records["need"].pk}"' in html
    assert f"need:{records['draft'].pk}" not in html
    assert search_on.rebuilds == ["triggered"]


def test_titles_are_escaped(world: World, search_on: Search) -> None:
    need = make_need(world, title="<script>alert(1)</script>液冷")
    indexing.rebuild_index()

    html = page("/search/?q=液冷")

    assert f'data-result="need:{need.pk}"' in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;液冷" in html


# ---------------------------------------------------------------- list pages' q


def test_need_list_q_uses_the_engine_and_keeps_filters(records: dict[str, Any]) -> None:
    everything = page("/needs/?q=电池+液冷")
    jiangsu = page("/needs/?q=电池+液冷&region=320000")

    assert "动力电池包液冷热管理优化" in everything and "江苏电池液冷测试平台" in everything
    assert "江苏电池液冷测试平台" in jiangsu and "动力电池包液冷热管理优化" not in jiangsu
    assert "秘密草稿液冷方案" not in everything


def test_list_q_never_shows_what_is_no_longer_public(records: dict[str, Any]) -> None:
    Need.objects.filter(pk=records["other"].pk).update(status=ListingStatus.CLOSED)

    html = page("/needs/?q=电池+液冷")

    assert "江苏电池液冷测试平台" not in html


def test_list_q_ranks_by_relevance(world: World, search_on: Search) -> None:
    weak = make_need(
        world,
        title="电池回收工艺改进",
        description="退役电池的拆解与回收，求一种高效、环保的工艺方案。",
    )
    strong = make_need(world, title="电池液冷热管理", keywords="电池，液冷")
    indexing.rebuild_index()

    ids = [n.pk for n in client_for(None).get("/needs/?q=电池+液冷").context["items"]]

    assert ids == [strong.pk, weak.pk]


def test_expert_and_achievement_lists_use_the_engine(records: dict[str, Any]) -> None:
    experts = page("/experts/?q=液冷")
    achievements = page("/achievements/?q=两相流")

    assert "陈建国" in experts
    assert "高精度气液两相流量测量技术" in achievements


def test_list_q_falls_back_to_the_database_when_the_engine_is_off(world: World) -> None:
    make_need(world)  # engine off (tests/conftest.py)

    html = page("/needs/?q=液冷")

    assert "动力电池包液冷热管理优化" in html


def test_search_page_with_the_real_engine_highlights(world: World, real_search: Search) -> None:
    need = make_need(world)
    expert = make_expert(world)
    indexing.rebuild_index()

    html = page("/search/?q=液冷板+流道")

    assert results(html)[0] == f"need:{need.pk}"
    assert "<mark>液冷</mark>" in html or "<mark>液冷板</mark>" in html
    assert f"expert:{expert.pk}" not in results(html)[:1]


def test_the_reasons_name_words_borrowed_from_similar_items() -> None:
    from django.template.loader import render_to_string
    from django.utils import translation

    from kechuang.matching.types import Hit

    hit = Hit(id="need:1", kind="need", score=1.0, lexical_score=2.0, related_terms=["磷酸"])

    html = render_to_string("matching/partials/why.html", {"hit": hit})
    with translation.override("en"):
        english = render_to_string("matching/partials/why.html", {"hit": hit})

    assert "相近条目中的词" in html and "磷酸" in html
    assert "Words from similar items" in english
    assert "共同的词" not in html  # nothing shared: no empty row
