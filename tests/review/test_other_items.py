"""An "other" review (no other app hands items over) gets its items from its runner, on
the process page and through the API; the other kinds are refused, nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kechuang.review.choices import Purpose
from kechuang.review.models import ItemParty, ReviewEvent, ReviewItem, ReviewProcess
from kechuang.review.services import DIRECT_SUBJECT, panel_create, process_create
from tests.api.conftest import Api, token_for
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


def new_process(world: World, purpose: str = Purpose.OTHER) -> ReviewProcess:
    return process_create(
        actor=world.hangzhou_staff,
        organiser=world.hangzhou,
        title="2026 年科普作品评审",
        purpose=purpose,
        rounds=1,
        rules={"panel_size": 2, "max_load": 5},
    )


def state() -> tuple[Any, ...]:
    return (
        list(ReviewItem.objects.order_by("pk").values_list("pk", "subject_type", "subject_id")),
        ItemParty.objects.count(),
        ReviewEvent.objects.count(),
    )


def detail(process: ReviewProcess) -> str:
    return reverse("review:process_detail", args=[process.pk])


def create(process: ReviewProcess) -> str:
    return reverse("review:item_create", args=[process.pk])


def test_runner_adds_items_to_an_other_review_on_its_page(world: World) -> None:
    process = new_process(world)
    panel = panel_create(actor=world.hangzhou_staff, process=process, name="第一评审组")
    client = client_for(world.hangzhou_staff)
    page = client.get(detail(process)).content.decode()
    assert "添加评审对象" in page
    assert "还没有评审对象，请在下方添加。" in page

    first = client.post(
        create(process),
        {
            "title": "《走进储能电站》科普视频",
            "text": "面向中学生的储能电站科普视频，时长 12 分钟。",
            "organization": world.enterprise.pk,
            "panel": panel.pk,
        },
    )
    second = client.post(create(process), {"title": "《电池的一生》科普图书", "applicant": "李明"})

    assert first.status_code == second.status_code == 302
    assert first["Location"] == detail(process)
    items = list(process.items.order_by("id"))
    assert [(i.subject_type, i.subject_id, i.title, i.panel_id) for i in items] == [
        (DIRECT_SUBJECT, 1, "《走进储能电站》科普视频", panel.pk),
        (DIRECT_SUBJECT, 2, "《电池的一生》科普图书", None),
    ]
    assert items[0].text == "面向中学生的储能电站科普视频，时长 12 分钟。"
    assert [(p.name, p.organization_id, p.role) for p in items[0].parties.all()] == [
        ("杭州测温科技有限公司", world.enterprise.pk, "lead")
    ]
    assert [(p.name, p.organization_id) for p in items[1].parties.all()] == [("李明", None)]
    page = client.get(detail(process)).content.decode()
    assert "《走进储能电站》科普视频" in page and "《电池的一生》科普图书" in page


def test_an_item_without_a_title_is_refused_on_its_field(world: World) -> None:
    process = new_process(world)
    before = state()

    response = client_for(world.hangzhou_staff).post(create(process), {"title": " "})

    assert response.status_code == 422
    assert response.context["item_form"].errors["title"] == ["这个字段是必填项。"]
    assert state() == before


def test_a_challenge_review_offers_no_form_and_refuses_a_crafted_post(world: World) -> None:
    process = new_process(world, Purpose.CHALLENGE_APPLICATION)
    client = client_for(world.hangzhou_staff)
    assert "添加评审对象" not in client.get(detail(process)).content.decode()
    before = state()

    response = client.post(create(process), {"title": "手工加入的申报"}, follow=True)

    assert response.redirect_chain == [(detail(process), 302)]
    assert "“揭榜申报评审”的评审对象由对应业务交来，不能在评审中直接添加。" in (
        response.content.decode()
    )
    assert state() == before


@pytest.mark.parametrize("who", ["other_admin", "owner_admin", "jiangsu_staff"])
def test_only_the_runner_may_add_items(world: World, who: str) -> None:
    process = new_process(world)
    before = state()

    response = client_for(getattr(world, who)).post(create(process), {"title": "越权加入"})

    assert response.status_code == 404
    assert state() == before


def test_api_adds_an_item_without_a_subject_to_an_other_review(world: World) -> None:
    process = new_process(world)
    api = Api(token_for(world.hangzhou_staff))

    response = api.post(
        f"/reviews/processes/{process.pk}/items",
        {
            "title": "《走进储能电站》科普视频",
            "text": "科普视频",
            "parties": [{"organization": world.enterprise.pk}],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["subject_type"], body["subject_id"], body["title"]) == (
        DIRECT_SUBJECT,
        1,
        "《走进储能电站》科普视频",
    )
    item = ReviewItem.objects.get(pk=body["id"])
    assert [p.organization_id for p in item.parties.all()] == [world.enterprise.pk]


@pytest.mark.parametrize(
    ("purpose", "payload", "field"),
    [
        (Purpose.CHALLENGE_APPLICATION, {"title": "手工加入"}, "purpose"),
        (Purpose.OTHER, {"title": "只给类型", "subject_type": "x.y"}, "subject_id"),
        (Purpose.OTHER, {"title": "只给编号", "subject_id": 3}, "subject_type"),
    ],
)
def test_api_refuses_a_missing_subject_where_one_is_needed(
    world: World, purpose: str, payload: dict[str, Any], field: str
) -> None:
    process = new_process(world, purpose)
    api = Api(token_for(world.hangzhou_staff))
    before = state()

    response = api.post(f"/reviews/processes/{process.pk}/items", payload)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == [field]
    assert state() == before
