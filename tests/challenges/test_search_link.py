"""Challenge problems in matching (issue 13, item 7): the problems of an open call are
indexed like needs, solvers are recommended to the organiser, problems to experts."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kechuang.challenges import models as m
from kechuang.challenges.services.calls import call_problem_add, call_transition
from kechuang.matching.selectors import recommendations
from tests.challenges.conftest import Tree, call_data, past_deadline, problem_data
from tests.matching.conftest import (  # noqa: F401 -- fixtures
    Search,
    committed,
    make_expert,
    search_on,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_call(tree: Tree, call: m.Call, committed: Any, search_on: Search) -> m.Call:  # noqa: F811
    """The call with a public and an organiser-only problem, published (and indexed)."""
    call_problem_add(
        actor=tree.national_staff,
        call=call,
        **problem_data(title="高压电缆局放在线监测", confidentiality="internal"),
    )
    with committed():
        return call_transition(actor=tree.national_staff, call=call, action="publish")


def _problems(call: m.Call) -> tuple[m.CallProblem, m.CallProblem]:
    public, internal = call.problems.order_by("id")
    return public, internal


def test_publishing_indexes_the_public_problems_only(
    open_call: m.Call,
    search_on: Search,  # noqa: F811
) -> None:
    public, internal = _problems(open_call)
    assert f"challenge:{public.pk}" in search_on.ids()
    assert f"challenge:{internal.pk}" not in search_on.ids()
    doc = search_on.doc(f"challenge:{public.pk}")
    assert doc is not None and doc.title == "电池包液冷板流道优化"
    assert "电芯最大温差 ≤3 ℃" in doc.body


def test_cancelling_the_call_removes_its_problems(
    tree: Tree,
    open_call: m.Call,
    committed: Any,  # noqa: F811
    search_on: Search,  # noqa: F811
) -> None:
    public, _ = _problems(open_call)
    with committed():
        call_transition(actor=tree.national_staff, call=open_call, action="cancel", reason="撤回")
    assert f"challenge:{public.pk}" not in search_on.ids()


def test_a_problem_past_its_deadline_is_no_longer_a_result(
    tree: Tree,
    open_call: m.Call,
    search_on: Search,  # noqa: F811
) -> None:
    public, _ = _problems(open_call)
    expert = make_expert(tree.world)
    found = recommendations(None, "expert", expert, "challenge").results
    assert [r.obj.pk for r in found] == [public.pk]
    past_deadline(open_call)  # still in the index until the tick closes it: re-checked
    assert recommendations(None, "expert", expert, "challenge").results == []


def test_experts_are_recommended_to_the_organiser(
    tree: Tree,
    open_call: m.Call,
    search_on: Search,  # noqa: F811
    committed: Any,  # noqa: F811
    client: Any,
) -> None:
    public, internal = _problems(open_call)
    with committed():
        expert = make_expert(tree.world)
    found = recommendations(tree.national_staff, "challenge", public, "expert").results
    assert [r.obj.pk for r in found] == [expert.pk]
    client.force_login(tree.national_staff)
    page = client.get(reverse("challenges:call_detail", args=[open_call.pk]))
    slot = reverse("web:recommendations", args=["challenge", public.pk, "expert"])
    assert slot in page.content.decode()
    panel = client.get(slot)
    assert panel.status_code == 200
    assert expert.name in panel.content.decode()
    # the organiser may see matches of its organiser-only problem too
    url = reverse("web:recommendations", args=["challenge", internal.pk, "expert"])
    assert client.get(url).status_code == 200


def test_an_organiser_only_problem_has_no_matches_for_others(
    tree: Tree,
    open_call: m.Call,
    client: Any,
) -> None:
    _, internal = _problems(open_call)
    client.force_login(tree.lab_admin)
    url = reverse("web:recommendations", args=["challenge", internal.pk, "expert"])
    assert client.get(url).status_code == 404
    assert slot_absent(client, open_call)


def slot_absent(client: Any, call: m.Call) -> bool:
    """Applicants do not get the organiser's recommendation panels on the call page."""
    return "data-recommendations-slot" not in client.get(
        reverse("challenges:call_detail", args=[call.pk])
    ).content.decode("utf-8")


def test_the_search_api_returns_challenge_problems(
    tree: Tree,
    open_call: m.Call,
    client: Any,
) -> None:
    public, _ = _problems(open_call)
    response = client.get("/api/v1/search", {"q": "液冷板流道", "kinds": "challenge"})
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [(i["id"], i["api_url"]) for i in items] == [
        (f"challenge:{public.pk}", f"/api/v1/challenges/calls/{open_call.pk}")
    ]


def test_a_draft_call_is_not_searchable(
    tree: Tree,
    committed: Any,  # noqa: F811
    search_on: Search,  # noqa: F811
) -> None:
    from kechuang.challenges.services.calls import call_create

    with committed():
        draft = call_create(actor=tree.national_staff, organiser=tree.world.national, **call_data())
        call_problem_add(actor=tree.national_staff, call=draft, **problem_data())
    assert not [i for i in search_on.ids() if i.startswith("challenge:")]
