"""/api/v1/engagements: the walk through the API, JSON errors with codes, and the matrix
of who sees an engagement."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kechuang.engagements.models import Contract, Engagement
from tests.api.conftest import Api, ok, token_for
from tests.engagements.conftest import Deal, solve

pytestmark = pytest.mark.django_db


def api(user: object) -> Api:
    return Api(token_for(user))  # type: ignore[arg-type]


def test_walk_through_the_api_with_problem_codes(deal: Deal) -> None:
    expert, owner = api(deal.expert_user), api(deal.world.owner_admin)
    body = ok(
        expert.post(
            "/engagements",
            {
                "subject": f"need:{deal.need.pk}",
                "counterparty": f"expert:{deal.expert.pk}",
                "origin": "solve",
            },
        ),
        201,
    )
    pk = body["id"]
    assert (body["stage"], body["subject_contacts"], body["next_stages"]) == (
        "interest",
        None,
        ["withdrawn"],
    )
    again = expert.post(
        "/engagements",
        {"subject": f"need:{deal.need.pk}", "counterparty": f"expert:{deal.expert.pk}"},
    )
    assert (again.status_code, again.json()["code"]) == (409, "engagement_exists")
    wrong = owner.post(f"/engagements/{pk}/transition", {"to": "signed"})
    assert (wrong.status_code, wrong.json()["code"]) == (409, "invalid_transition")
    body = ok(owner.post(f"/engagements/{pk}/transition", {"to": "introduced"}))
    assert body["stage"] == "introduced"
    seen = ok(expert.get(f"/engagements/{pk}"))
    assert {"label": "联系人", "value": "王工"} in seen["subject_contacts"]
    ok(expert.post(f"/engagements/{pk}/messages", {"body": "可以先做一个仿真。"}), 201)
    assert ok(owner.get(f"/engagements/{pk}/messages"))["count"] == 1
    ok(owner.post(f"/engagements/{pk}/transition", {"to": "negotiating"}))
    ok(owner.post(f"/engagements/{pk}/transition", {"to": "intention", "text": "先做仿真再开模"}))
    contract = {
        "contract_type": "development",
        "title": "液冷板开发合同",
        "amount": "80.125",
        "party_a": "杭州测温科技有限公司",
        "party_b": "陈建国",
        "signed_on": timezone.localdate().isoformat(),
    }
    bad = owner.post(f"/engagements/{pk}/contract", contract)
    assert (bad.status_code, bad.json()["code"]) == (422, "validation_failed")
    assert "amount" in bad.json()["errors"]
    bad = owner.post(f"/engagements/{pk}/contract", {**contract, "amount": "-5"})
    assert bad.status_code == 422 and Contract.objects.count() == 0
    signed = ok(owner.post(f"/engagements/{pk}/contract", {**contract, "amount": "80.12"}), 201)
    assert (signed["amount"], signed["technology_amount"]) == ("80.12", "80.12")
    ok(owner.post(f"/engagements/{pk}/transition", {"to": "implementing"}))
    ok(owner.post(f"/engagements/{pk}/milestones", {"title": "样机交付"}), 201)
    ok(owner.post(f"/engagements/{pk}/outcome", {"products": 1, "revenue": "120"}), 201)
    assert Engagement.objects.get(pk=pk).stage == "completed"


def test_strangers_get_404_and_lists_are_scoped(deal: Deal) -> None:
    e = solve(deal)
    for user in (deal.stranger, deal.world.other_admin, deal.world.jiangsu_staff):
        client = api(user)
        response = client.get(f"/engagements/{e.pk}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
        assert ok(client.get("/engagements"))["count"] == 0
        refused = client.post(
            f"/engagements/{e.pk}/transition", {"to": "declined", "reason": "budget"}
        )
        assert refused.status_code == 404
    for user in (deal.world.owner_member, deal.world.hangzhou_staff, deal.expert_user):
        assert [row["id"] for row in ok(api(user).get("/engagements"))["items"]] == [e.pk]
    assert Engagement.objects.get(pk=e.pk).stage == "interest"
    assert Api(None).get("/engagements").status_code == 401
