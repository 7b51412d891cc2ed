"""Duplicate hints while writing, near-duplicates for reviewers, ``similar_items``."""

from __future__ import annotations

from typing import Any

import pytest

from kechuang.catalog.choices import ListingAction
from kechuang.catalog.services import listing_transition
from kechuang.matching import indexing
from kechuang.matching.services import similar_items
from kechuang.matching.types import Document
from tests.conftest import World, client_for
from tests.matching.conftest import Search, make_achievement, make_need


@pytest.fixture
def records(world: World, search_on: Search) -> dict[str, Any]:
    need = make_need(world)
    achievement = make_achievement(world)
    draft = make_need(world, title="储能电池包液冷散热改进", published=False)
    indexing.rebuild_index()
    return {"need": need, "achievement": achievement, "draft": draft}


def check(client: Any, kind: str, **fields: str) -> str:
    response = client.post(f"/match/duplicates/{kind}/", fields, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_writing_a_similar_need_shows_the_published_one(
    world: World, records: dict[str, Any]
) -> None:
    html = check(
        client_for(world.other_admin),
        "need",
        title="电池包液冷热管理",
        description="储能电池包温差大，求液冷板流道优化方案",
    )

    assert f'data-result="need:{records["need"].pk}"' in html
    assert "已有相似的已发布内容，请确认不是重复发布" in html
    assert "相似度" not in html  # no raw number (the fake engine has no similarity to label)
    assert f'data-result="need:{records["draft"].pk}"' not in html  # never a draft
    assert "achievement:" not in html  # same kind only


def test_an_item_is_not_its_own_duplicate(world: World, records: dict[str, Any]) -> None:
    need = records["need"]

    html = check(
        client_for(world.owner_admin),
        "need",
        title=need.title,
        description=need.description,
        item_id=str(need.pk),
    )

    assert f'data-result="need:{need.pk}"' not in html


def test_achievement_form_uses_the_summary(world: World, records: dict[str, Any]) -> None:
    html = check(
        client_for(world.owner_admin), "achievement", title="", summary="气液两相流量测量方法"
    )

    assert f'data-result="achievement:{records["achievement"].pk}"' in html


def test_nothing_similar_shows_nothing(world: World, records: dict[str, Any]) -> None:
    html = check(client_for(world.owner_admin), "need", title="古籍修复", description="")

    assert "data-result" not in html
    assert "已有相似" not in html


def test_duplicate_check_needs_login_and_a_known_kind(
    world: World, records: dict[str, Any]
) -> None:
    anonymous = client_for(None).post("/match/duplicates/need/", {"title": "电池"})
    unknown = client_for(world.owner_admin).post("/match/duplicates/expert/", {"title": "电池"})
    get = client_for(world.owner_admin).get("/match/duplicates/need/")

    assert anonymous.status_code == 302
    assert unknown.status_code == 404
    assert get.status_code == 405


def test_forms_carry_the_htmx_hint(world: World, records: dict[str, Any]) -> None:
    client = client_for(world.owner_admin)

    new = client.get("/needs/new/").content.decode()
    edit = client.get(f"/needs/{records['draft'].pk}/edit/").content.decode()

    assert 'hx-post="/match/duplicates/need/"' in new
    assert "input changed delay:1s from:#id_title" in new
    assert f'hx-vals=\'{{"item_id": "{records["draft"].pk}"}}\'' in edit


def test_reviewers_see_near_duplicates_of_a_submission(
    world: World, records: dict[str, Any]
) -> None:
    draft = records["draft"]
    listing_transition(actor=world.owner_admin, item=draft, action=ListingAction.SUBMIT)
    reviewer = client_for(world.hangzhou_staff)

    page = reviewer.get(f"/needs/{draft.pk}/").content.decode()
    panel = reviewer.get(f"/match/duplicates/need/{draft.pk}/").content.decode()

    assert f'hx-get="/match/duplicates/need/{draft.pk}/"' in page
    assert f'data-result="need:{records["need"].pk}"' in panel
    assert "相似的已发布内容（请核对是否重复）" in panel


def test_outsiders_get_no_duplicate_panel(world: World, records: dict[str, Any]) -> None:
    need = records["need"]

    owner_page = client_for(world.owner_admin).get(f"/needs/{need.pk}/").content.decode()
    outsider = client_for(world.other_admin).get(f"/match/duplicates/need/{need.pk}/")

    assert "/match/duplicates/" not in owner_page  # only reviewers of a submission
    assert outsider.status_code == 404


def test_similar_items_for_other_apps(world: World, records: dict[str, Any]) -> None:
    doc = Document(id="challenge:1", kind="challenge", title="电池液冷", body="储能电池包液冷板")

    hits = similar_items(doc, kinds=["need", "achievement"], limit=5)

    assert [hit.id for hit in hits] == [f"need:{records['need'].pk}"]
    assert hits[0].shared_terms[:2] == ["电池", "液冷"]


def test_similar_items_without_an_index_is_empty(world: World, settings: Any) -> None:
    make_need(world)
    doc = Document(id="challenge:1", kind="challenge", title="电池液冷")

    assert similar_items(doc, kinds=["need"]) == []
