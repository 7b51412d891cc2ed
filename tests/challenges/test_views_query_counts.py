"""Challenge list pages run a fixed number of queries, however many rows they show."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kechuang.challenges.services.calls import call_create, call_problem_add, call_transition
from tests.challenges.conftest import Tree, call_data, problem_data
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def publish_calls(tree: Tree, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        call = call_create(
            actor=tree.national_staff,
            organiser=tree.world.national,
            **call_data(title=f"榜单{i:02d}"),
        )
        call_problem_add(actor=tree.national_staff, call=call, **problem_data())
        call_problem_add(actor=tree.national_staff, call=call, **problem_data(title="第二题"))
        call_transition(actor=tree.national_staff, call=call, action="publish")


def count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["challenges:call_list", "challenges:call_manage"])
def test_call_lists_do_not_grow_with_rows(tree: Tree, name: str) -> None:
    client = client_for(tree.national_staff)
    publish_calls(tree, 2)
    few = count(client, reverse(name))
    publish_calls(tree, 8, start=2)

    assert count(client, reverse(name)) == few
