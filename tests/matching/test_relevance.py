"""Calibrated relevance in front of people, with the real engine and e5-small (issue 9).

Demo-like records: a tea expert, a tea-fermentation need, a turbine-blade coating need.
People see 高 / 中 / 低 with a percentage, never the engine's numbers (staff may open them);
recommendations and duplicate hints show nothing below the cut-off; nobody is recommended
for their own organisation's need.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kechuang.catalog.services import expert_create, expert_set_status, expert_work_add, need_create
from kechuang.matching import calibration, indexing
from kechuang.matching.engine import Engine
from tests.api.conftest import Api
from tests.conftest import World, client_for, need_data
from tests.matching.conftest import Search, _switch_on, make_expert, publish

ENGINE_NUMBERS = ("综合 ", "词匹配", "语义相似", "data-engine-details")


@pytest.fixture(scope="module")
def e5() -> Any:
    from kechuang.matching.embeddings import E5Small

    return E5Small(num_threads=1)


@pytest.fixture
def embedded_search(
    db: Any, settings: Any, tmp_path: Path, monkeypatch: Any, e5: Any
) -> Iterator[Search]:
    """The search engine on: the real ``Engine`` with e5-small vectors."""
    yield from _switch_on(settings, tmp_path, monkeypatch, lambda p: Engine(p, embedder=e5))


def other_need(world: World, **fields: Any) -> Any:
    need = need_create(
        actor=world.other_admin, organization=world.other_enterprise, **need_data(**fields)
    )
    from kechuang.catalog.choices import ListingAction
    from kechuang.catalog.services import listing_transition

    listing_transition(actor=world.other_admin, item=need, action=ListingAction.SUBMIT)
    return listing_transition(actor=world.jiangsu_staff, item=need, action=ListingAction.PUBLISH)


@pytest.fixture
def demo(world: World, embedded_search: Search) -> dict[str, Any]:
    tea_need = other_need(
        world,
        title="红茶发酵过程智能控制",
        description="我公司红茶萎凋和发酵依靠人工经验，品质波动大，需要发酵室温湿度与供氧的"
        "智能控制，以及茶叶发酵程度的在线检测方法。",
        keywords="红茶，发酵，茶叶加工",
    )
    turbine_need = publish(
        world,
        need_create(
            actor=world.owner_admin,
            organization=world.enterprise,
            **need_data(
                title="燃气轮机涡轮叶片热障涂层寿命提升",
                description="涡轮叶片热障涂层在 1100℃ 热循环下剥落，需要改进粘结层和陶瓷层的"
                "制备工艺，提高涂层的抗热震性能和服役寿命。",
                keywords="热障涂层，涡轮叶片，等离子喷涂",
            ),
        ),
    )
    tea_expert = make_expert(
        world,
        name="茶专家",
        keywords="茶叶加工，红茶发酵，茶叶品质检测",
        works=[("红茶发酵过程中茶黄素形成机理研究", "茶叶科学"), ("茶叶加工装备智能化", "")],
        affiliation="浙江农林大学茶学系",
        biography="长期从事茶叶加工与红茶发酵研究。",
    )
    # an expert of the tea company itself: never recommended for its own need
    insider = expert_create(
        actor=world.jiangsu_staff,
        organization=world.other_enterprise,
        for_self=False,
        name="厂内茶师",
        title_level="senior",
        title_name="正高级工程师",
        affiliation=world.other_enterprise.name,
        region_id="320500",
        keywords="红茶发酵，茶叶加工，发酵控制",
        biography="负责本公司红茶发酵车间的工艺。",
        disciplines=["470"],
    )
    expert_work_add(
        actor=world.jiangsu_staff,
        expert=insider,
        kind="paper",
        title="红茶发酵室温湿度控制实践",
        venue="茶叶通讯",
    )
    insider = expert_set_status(actor=world.jiangsu_staff, expert=insider, status="published")
    indexing.rebuild_index()
    return {
        "tea_need": tea_need,
        "turbine_need": turbine_need,
        "tea": tea_expert,
        "insider": insider,
    }


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def test_a_tea_expert_is_recommended_the_tea_need_not_the_turbine_coating(
    demo: dict[str, Any],
) -> None:
    body = Api().get(f"/match/experts/{demo['tea'].pk}/needs").json()

    assert f"need:{demo['tea_need'].pk}" in ids(body)
    assert f"need:{demo['turbine_need'].pk}" not in ids(body)
    for item in body["items"]:
        assert item["relevance"]["label"] in ("high", "medium")
        assert item["relevance"]["probability"] >= calibration.RECOMMEND_FROM


def test_nobody_is_recommended_for_their_own_organisations_need(demo: dict[str, Any]) -> None:
    body = Api().get(f"/match/needs/{demo['tea_need'].pk}/experts").json()

    assert f"expert:{demo['tea'].pk}" in ids(body)
    assert f"expert:{demo['insider'].pk}" not in ids(body)


def test_an_unrelated_need_gets_an_empty_panel_not_padding(
    world: World, demo: dict[str, Any]
) -> None:
    html = client_for(None).get(f"/match/need/{demo['turbine_need'].pk}/expert/").content.decode()

    assert 'data-result="expert:' not in html  # neither tea expert is padded in
    assert "暂无合适的匹配。" in html


def test_the_reviewers_duplicate_panel_does_not_call_tea_similar_to_coatings(
    world: World, demo: dict[str, Any]
) -> None:
    html = (
        client_for(world.hangzhou_staff)
        .get(f"/match/duplicates/need/{demo['turbine_need'].pk}/")
        .content.decode()
    )

    assert f'data-result="need:{demo["tea_need"].pk}"' not in html
    assert "没有发现相似的已发布内容。" in html


@pytest.mark.parametrize("who", [None, "owner_admin", "other_admin"])
def test_people_see_a_relevance_label_and_no_engine_numbers(
    world: World, demo: dict[str, Any], who: str | None
) -> None:
    client = client_for(getattr(world, who) if who else None)

    html = client.get("/search/", {"q": "红茶发酵控制"}).content.decode()

    assert f'data-result="need:{demo["tea_need"].pk}"' in html
    assert 'data-relevance="' in html
    assert "相关度 " in html
    for raw in ENGINE_NUMBERS:
        assert raw not in html, raw


@pytest.mark.parametrize("who", ["platform_admin", "hangzhou_staff"])
def test_staff_can_open_the_engine_numbers(world: World, demo: dict[str, Any], who: str) -> None:
    html = client_for(getattr(world, who)).get("/search/", {"q": "红茶发酵控制"}).content.decode()

    assert 'data-relevance="' in html
    assert "data-engine-details" in html
    assert "语义相似" in html


def test_the_api_gives_the_relevance_beside_the_raw_numbers(demo: dict[str, Any]) -> None:
    body = Api().get("/search", {"q": "红茶发酵控制"}).json()

    first = body["items"][0]
    assert first["id"] == f"need:{demo['tea_need'].pk}"
    cosine = first["explanation"]["dense_score"]
    expected = calibration.relevance(cosine, context="search", through_passage=False)
    assert expected is not None
    assert first["relevance"] == {
        "label": expected.label,
        "probability": round(expected.probability, 4),
    }
