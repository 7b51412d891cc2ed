"""List pages and list endpoints run a fixed number of queries, however many rows they show
(no N+1): the count with 12 published items equals the count with 2."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kechuang.catalog.choices import ListingAction
from kechuang.catalog.services import (
    achievement_create,
    expert_create,
    expert_set_status,
    listing_transition,
    need_create,
)
from tests.conftest import World, achievement_data, need_data

pytestmark = pytest.mark.django_db


def publish_needs(world: World, n: int) -> None:
    for i in range(n):
        need = need_create(
            actor=world.owner_admin,
            organization=world.enterprise,
            **need_data(title=f"需求{i:02d}号测试"),
        )
        listing_transition(actor=world.owner_admin, item=need, action=ListingAction.SUBMIT)
        listing_transition(actor=world.hangzhou_staff, item=need, action=ListingAction.PUBLISH)


def publish_achievements(world: World, n: int) -> None:
    for i in range(n):
        item = achievement_create(
            actor=world.owner_admin,
            organization=world.enterprise,
            **achievement_data(title=f"成果{i:02d}号测试"),
        )
        listing_transition(actor=world.owner_admin, item=item, action=ListingAction.SUBMIT)
        listing_transition(actor=world.hangzhou_staff, item=item, action=ListingAction.PUBLISH)


def publish_experts(world: World, n: int) -> None:
    for i in range(n):
        expert = expert_create(
            actor=world.hangzhou_staff,
            organization=world.hangzhou,
            for_self=False,
            name=f"专家{i:02d}",
            affiliation="杭州某研究院",
            region_id="330106",
            keywords="热管理",
            disciplines=["470"],
        )
        expert_set_status(actor=world.hangzhou_staff, expert=expert, status="published")


def count_queries(url: str) -> int:
    client = Client()
    client.get(url)  # warm caches (vocabulary choices, sessions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("make", "url"),
    [
        (publish_needs, "/needs/"),
        (publish_needs, "/api/v1/needs"),
        (publish_achievements, "/achievements/"),
        (publish_achievements, "/api/v1/achievements"),
        (publish_experts, "/experts/"),
        (publish_experts, "/api/v1/experts"),
    ],
)
def test_list_query_count_does_not_grow_with_rows(world: World, make: Any, url: str) -> None:
    make(world, 2)
    few = count_queries(url)
    make(world, 10)
    many = count_queries(url)

    assert many == few, f"{url}: {few} queries for 2 rows, {many} for 12"
