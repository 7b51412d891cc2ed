"""The workspace: my organisations, my organisations' listings, my review queue."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kechuang.catalog.services import listing_transition, need_create
from tests.conftest import World, client_for, need_data

pytestmark = pytest.mark.django_db

WORKSPACE = reverse("web:workspace")


def titles(items: Any) -> list[str]:
    return [item.title for item in items]


def test_workspace_needs_login() -> None:
    response = Client().get(WORKSPACE)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={WORKSPACE}"


def test_workspace_lists_my_organisations_with_role(world: World) -> None:
    response = client_for(world.owner_admin).get(WORKSPACE)

    assert response.status_code == 200
    assert [(m.organization_id, m.role) for m in response.context["memberships"]] == [
        (world.enterprise.pk, "admin")
    ]
    assert f'href="{reverse("web:manage_org", args=[world.enterprise.pk])}"' in (
        response.content.decode()
    )


def test_workspace_shows_own_drafts_not_others(world: World, draft_need: Any) -> None:
    other = need_create(
        actor=world.other_admin,
        organization=world.other_enterprise,
        **need_data(title="苏州流量计标定需求"),
    )

    mine = client_for(world.owner_member).get(WORKSPACE)
    theirs = client_for(world.other_admin).get(WORKSPACE)

    assert titles(mine.context["needs"]) == [draft_need.title]
    assert titles(theirs.context["needs"]) == [other.title]
    html = mine.content.decode()
    assert f'href="{reverse("web:need_detail", args=[draft_need.pk])}"' in html
    assert "草稿" in html
    assert other.title not in html


def test_workspace_shows_achievements(world: World, draft_achievement: Any) -> None:
    response = client_for(world.owner_admin).get(WORKSPACE)

    assert titles(response.context["achievements"]) == [draft_achievement.title]
    assert titles(client_for(world.other_admin).get(WORKSPACE).context["achievements"]) == []


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("hangzhou_staff", True),
        ("zhejiang_staff", True),
        ("platform_admin", True),
        ("jiangsu_staff", False),
        ("owner_admin", False),  # the owner does not review its own organisation
        ("owner_member", False),
        ("other_admin", False),
    ],
)
def test_review_queue_per_user(world: World, draft_need: Any, who: str, sees: bool) -> None:
    listing_transition(actor=world.owner_admin, item=draft_need, action="submit")

    response = client_for(getattr(world, who)).get(WORKSPACE)

    assert titles(response.context["review_needs"]) == ([draft_need.title] if sees else [])
    assert response.context["review_total"] == (1 if sees else 0)


def test_review_widget_only_for_managers(world: World) -> None:
    staff = client_for(world.hangzhou_staff).get(WORKSPACE).content.decode()
    member = client_for(world.owner_member).get(WORKSPACE).content.decode()

    assert 'id="widget-reviews"' in staff
    assert 'id="widget-reviews"' not in member


def test_review_queue_drops_published_items(world: World, draft_need: Any) -> None:
    listing_transition(actor=world.owner_admin, item=draft_need, action="submit")
    listing_transition(actor=world.hangzhou_staff, item=draft_need, action="publish")

    response = client_for(world.hangzhou_staff).get(WORKSPACE)

    assert titles(response.context["review_needs"]) == []


def test_widget_fragment(world: World, draft_need: Any) -> None:
    listing_transition(actor=world.owner_admin, item=draft_need, action="submit")
    client = client_for(world.hangzhou_staff)

    response = client.get(
        reverse("web:workspace_widget", args=["reviews"]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div class="card mb-3" id="widget-reviews">')
    assert draft_need.title in html
    assert "<html" not in html
    assert client.get(reverse("web:workspace_widget", args=["nope"])).status_code == 404


def test_expert_profile_link_when_none(world: World) -> None:
    response = client_for(world.owner_member).get(WORKSPACE)

    assert response.context["expert"] is None
    assert f'href="{reverse("web:expert_create")}"' in response.content.decode()
