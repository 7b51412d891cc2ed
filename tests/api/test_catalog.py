"""/api/v1/achievements and /api/v1/experts beyond the permission matrix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kechuang.catalog.models import Achievement, ExpertProfile
from tests.api.conftest import Api, db_state, expert_data, kept_expert, move
from tests.conftest import World, achievement_data


def achievement_body(world: World, **overrides: Any) -> dict[str, Any]:
    data = achievement_data()
    data["region"] = data.pop("region_id")
    data["industry"] = data.pop("industry_id")
    data["keywords"] = data["keywords"].split("，")
    data["organization"] = world.enterprise.pk
    data.update(overrides)
    return data


def test_achievement_detail_fields(world: World, api_as: Callable[[str], Api]) -> None:
    created = api_as("owner_admin").post("/achievements", achievement_body(world))

    assert created.status_code == 201
    data = created.json()
    assert (data["trl"], data["ip_type"], data["ip_status"]) == (7, "invention_patent", "granted")
    assert data["trl_label"].startswith("7 级")
    assert data["cooperation_modes"] == [
        {"code": "transfer", "name": "技术转让", "name_en": "Technology transfer"},
        {"code": "licensing", "name": "技术许可", "name_en": "Technology licensing"},
    ]


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"trl": 10}, {"trl"}),
        ({"trl": "high"}, {"trl"}),
        ({"ip_type": "trademark"}, {"ip_type"}),
        ({"summary": "太短"}, {"summary"}),
        ({"asking_price": "-1"}, {"asking_price"}),
        ({"team": ["李教授"]}, {"team"}),
    ],
)
def test_achievement_bad_input(
    world: World, api_as: Callable[[str], Api], overrides: dict[str, Any], fields: set[str]
) -> None:
    api = api_as("owner_admin")
    before = db_state()

    response = api.post("/achievements", achievement_body(world, **overrides))

    assert response.status_code == 422
    assert set(response.json()["errors"]) == fields
    assert db_state() == before


def test_achievement_trl_filter(world: World, api_as: Callable[[str], Api]) -> None:
    api = api_as("owner_admin")
    for trl in (3, 7):
        item_id = api.post("/achievements", achievement_body(world, trl=trl)).json()["id"]
        move(Achievement.objects.get(pk=item_id), world, "submit", "publish")

    def trls(**params: Any) -> list[int]:
        return sorted(i["trl"] for i in Api().get("/achievements", params).json()["items"])

    assert trls() == [3, 7]
    assert trls(trl_min=5) == [7]
    assert Api().get("/achievements", {"trl_min": 10}).status_code == 422


def test_expert_own_profile_then_a_second_one_is_refused(
    world: World, api_as: Callable[[str], Api]
) -> None:
    api = api_as("owner_member")

    first = api.post("/experts", expert_data(organization=world.enterprise.pk))
    assert first.status_code == 201
    data = first.json()
    assert (data["status"], data["organization"]["id"]) == ("draft", world.enterprise.pk)
    assert data["keywords"] == ["电池热管理", "传热"]
    assert data["industries"] == [
        {
            "code": "C38",
            "name": "电气机械和器材制造业",
            "name_en": "Manufacture of Electrical Machinery and Apparatus",
        }
    ]
    before = db_state()

    second = api.post("/experts", expert_data(name="陈明二号"))

    assert second.status_code == 422
    assert second.json()["code"] == "conflict"
    assert db_state() == before


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"disciplines": []}, {"disciplines"}),
        ({"region": "999999"}, {"region"}),
        ({"title_level": "emeritus"}, {"title_level"}),
        ({"is_frontline_engineer": "maybe"}, {"is_frontline_engineer"}),
        ({"homepage": "https://example.com"}, {"homepage"}),
    ],
)
def test_expert_bad_input(
    world: World, api_as: Callable[[str], Api], overrides: dict[str, Any], fields: set[str]
) -> None:
    api = api_as("owner_member")
    before = db_state()

    response = api.post("/experts", expert_data(**overrides))

    assert response.status_code == 422
    assert set(response.json()["errors"]) == fields
    assert db_state() == before


def test_expert_publish_and_works(world: World, api_as: Callable[[str], Api]) -> None:
    expert = kept_expert(world)
    api = api_as("owner_admin")
    assert Api().get(f"/experts/{expert.pk}").status_code == 404

    published = api.post(f"/experts/{expert.pk}/status", {"status": "published"})
    work = api.post(
        f"/experts/{expert.pk}/works", {"kind": "patent", "title": "一种液冷板", "year": 2023}
    )

    assert (published.status_code, published.json()["status"]) == (200, "published")
    assert work.status_code == 201
    public = Api().get(f"/experts/{expert.pk}").json()
    assert [(w["kind"], w["kind_label"], w["title"]) for w in public["works"]] == [
        ("patent", "专利", "一种液冷板")
    ]
    assert [e["id"] for e in Api().get("/experts", {"q": "陈明"}).json()["items"]] == [expert.pk]


def test_expert_bad_status_and_work(world: World, api_as: Callable[[str], Api]) -> None:
    expert = kept_expert(world)
    api = api_as("owner_admin")
    before = db_state()

    status = api.post(f"/experts/{expert.pk}/status", {"status": "draft"})
    work = api.post(f"/experts/{expert.pk}/works", {"kind": "paper", "title": "论文", "year": 1800})

    assert (status.status_code, set(status.json()["errors"])) == (422, {"status"})
    assert (work.status_code, set(work.json()["errors"])) == (422, {"year"})
    assert db_state() == before
    assert ExpertProfile.objects.get(pk=expert.pk).status == "draft"
