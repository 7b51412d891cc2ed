"""The whole life cycle through /api/v1/challenges, refusals, and a permission matrix."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from kechuang.accounts.models import User
from kechuang.catalog.services import expert_set_status
from kechuang.challenges.models import Call
from kechuang.review.models import ReviewProcess
from tests.api.conftest import Api, ok, token_for
from tests.challenges.conftest import (
    Tree,
    application_data,
    challenge_state,
    past_deadline,
    problem_data,
    reviewers,
)
from tests.review.conftest import GOOD_VALUES
from tests.review.drive import score_rounds, seat_and_assign


def api(user: User | None) -> Api:
    return Api(token_for(user) if user is not None else None)


def test_the_whole_life_cycle(tree: Tree) -> None:
    w = tree.world
    hangzhou, national, lab = api(w.hangzhou_staff), api(tree.national_staff), api(tree.lab_admin)
    today = timezone.localdate()
    # collect: 杭州 opens a round, a member submits, 杭州 accepts and publishes outside
    rnd = ok(
        hangzhou.post(
            "/challenges/rounds",
            {
                "owner": w.hangzhou.pk,
                "title": "第一季度难题征集",
                "opens_on": today.isoformat(),
                "closes_on": (today + datetime.timedelta(days=60)).isoformat(),
            },
        ),
        201,
    )
    problem = ok(
        api(w.owner_member).post(
            f"/challenges/rounds/{rnd['id']}/problems",
            {
                "organization": w.enterprise.pk,
                "title": "电池包液冷板流道优化",
                "description": "2C 充放电时电芯温差超过 8℃。",
            },
        ),
        201,
    )
    for action in ("accept", "publish"):
        ok(hangzhou.post(f"/challenges/problems/{problem['id']}/transition", {"action": action}))
    # publish: 中国科协 lists it on a call that passes bids up the tree
    now = timezone.now()
    call = ok(
        national.post(
            "/challenges/calls",
            {
                "organiser": w.national.pk,
                "title": "储能热管理揭榜",
                "description": "公开征集方案。",
                "opens_at": (now - datetime.timedelta(hours=1)).isoformat(),
                "deadline": (now + datetime.timedelta(days=30)).isoformat(),
                "requires_recommendation": True,
                "recommendation_quotas": {"district": 2},
                "review_rules": {"panel_size": 2, "max_load": 5},
            },
        ),
        201,
    )
    body = problem_data(problem=problem["id"])
    body.pop("title"), body.pop("description")
    call_problem = ok(national.post(f"/challenges/calls/{call['id']}/problems", body), 201)
    ok(national.post(f"/challenges/calls/{call['id']}/transition", {"action": "publish"}))
    # apply
    application = ok(
        lab.post(
            "/challenges/applications",
            {
                "call_problem": call_problem["id"],
                "kind": "organization",
                "organization": tree.lab.pk,
                **application_data(),
            },
        ),
        201,
    )
    submitted = ok(lab.post(f"/challenges/applications/{application['id']}/submit"))
    assert submitted["status"] == "recommending"
    # recommend: district → city → province
    for staff in (tree.xihu_staff, w.hangzhou_staff, w.zhejiang_staff):
        ok(
            api(staff).post(
                f"/challenges/applications/{application['id']}/recommendations",
                {"decision": "recommended"},
            ),
            201,
        )
    # review: start_review hands the application to a review run through /api/v1/reviews
    past_deadline(Call.objects.get(pk=call["id"]))
    ok(national.post(f"/challenges/calls/{call['id']}/transition", {"action": "close"}))
    reviewing = ok(
        national.post(f"/challenges/calls/{call['id']}/transition", {"action": "start_review"})
    )
    pid = reviewing["review_process_id"]
    process = ok(national.get(f"/reviews/processes/{pid}"))
    assert (process["purpose"], process["status"], process["rounds"]) == (
        "challenge_application",
        "setup",
        2,
    )
    assert (process["rules"]["panel_size"], process["rules"]["max_load"]) == (2, 5)
    items = ok(national.get(f"/reviews/processes/{pid}/items"))["items"]
    assert [(i["subject_type"], i["subject_id"]) for i in items] == [
        ("challenges.application", application["id"])
    ]
    panel = items[0]["panel_id"]
    experts = reviewers(2)
    for e in experts:
        expert_set_status(actor=e.user, expert=e, status="published")
    assigned = seat_and_assign(national, process=pid, panel=panel, experts=experts)
    assert (assigned.solved[0]["exact"], len(assigned.solved[0]["assignments"])) == (True, 2)
    score_rounds(national, process=pid, experts=experts, values={1: GOOD_VALUES, 2: GOOD_VALUES})
    ranked = ok(national.get(f"/reviews/processes/{pid}/ranking", {"round": 2}))
    assert [(r["item_id"], r["total"]) for r in ranked] == [(items[0]["id"], 70.0)]
    # not final yet: awarding cannot start, the award is refused, nothing changes
    before = challenge_state()
    refused = national.post(
        f"/challenges/calls/{call['id']}/transition", {"action": "start_awarding"}
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "review_not_final")
    refused = national.post(
        f"/challenges/applications/{application['id']}/award", {"justification": "评审排名第一"}
    )
    assert refused.status_code == 409
    assert challenge_state() == before
    ok(
        national.post(
            f"/reviews/processes/{pid}/decision",
            {"selected_item_ids": [items[0]["id"]], "justification": "会评排名第一。"},
        ),
        201,
    )
    ok(national.post(f"/reviews/processes/{pid}/transitions", {"action": "open_notice", "days": 5}))
    past = timezone.now() - datetime.timedelta(days=6)
    ReviewProcess.objects.filter(pk=pid).update(
        notice_starts_at=past, notice_ends_at=past + datetime.timedelta(days=5)
    )
    assert (
        ok(national.post(f"/reviews/processes/{pid}/transitions", {"action": "finalise"}))["status"]
        == "final"
    )
    # award
    ok(national.post(f"/challenges/calls/{call['id']}/transition", {"action": "start_awarding"}))
    project = ok(
        national.post(
            f"/challenges/applications/{application['id']}/award", {"justification": "评审排名第一"}
        ),
        201,
    )
    assert (project["funding_cap"], project["status"]) == ("200.00", "active")
    # milestones with tranches
    milestone = ok(
        national.post(
            f"/challenges/projects/{project['id']}/milestones",
            {
                "title": "样机",
                "deliverables": "样机一套",
                "due_on": (today + datetime.timedelta(days=180)).isoformat(),
                "tranche_amount": "120",
            },
        ),
        201,
    )
    refused = national.post(f"/challenges/milestones/{milestone['id']}/tranche", {})
    assert (refused.status_code, refused.json()["code"]) == (409, "milestone_not_passed")
    ok(
        national.post(
            f"/challenges/milestones/{milestone['id']}/review",
            {"verdict": "pass", "reason": "样机达标"},
        )
    )
    tranche = ok(national.post(f"/challenges/milestones/{milestone['id']}/tranche", {}), 201)
    assert tranche["amount"] == "120.00"
    # acceptance
    ok(
        lab.post(
            f"/challenges/projects/{project['id']}/transition", {"action": "request_acceptance"}
        )
    )
    accepted = ok(
        national.post(
            f"/challenges/projects/{project['id']}/acceptance",
            {
                "results": [{"name": "电芯最大温差", "achieved": "2.4", "met": True}],
                "verdict": "passed",
                "summary": "全部指标达到。",
            },
        ),
        201,
    )
    assert (accepted["status"], accepted["released_total"]) == ("accepted", "120.00")
    # filing visible at the national level, not to an unrelated province
    filings = ok(national.get("/challenges/filings"))
    assert filings["by_kind"] == {
        "acceptance": 1,
        "applications": 1,
        "call_published": 1,
        "milestone": 1,
        "problems": 1,
        "project": 1,
        "winner": 1,
    }
    assert (filings["calls"], filings["applications"]) == (1, 1)
    assert ok(api(w.jiangsu_staff).get("/challenges/filings"))["count"] == 0


@pytest.fixture
def open_call(tree: Tree) -> dict[str, Any]:
    national = api(tree.national_staff)
    now = timezone.now()
    call = ok(
        national.post(
            "/challenges/calls",
            {
                "organiser": tree.world.national.pk,
                "title": "储能热管理揭榜",
                "description": "说明。",
                "opens_at": (now - datetime.timedelta(hours=1)).isoformat(),
                "deadline": (now + datetime.timedelta(days=30)).isoformat(),
            },
        ),
        201,
    )
    ok(national.post(f"/challenges/calls/{call['id']}/problems", problem_data()), 201)
    return ok(national.post(f"/challenges/calls/{call['id']}/transition", {"action": "publish"}))


def test_an_artificial_threshold_is_refused_with_its_reason(tree: Tree) -> None:
    national = api(tree.national_staff)
    now = timezone.now()
    call = ok(
        national.post(
            "/challenges/calls",
            {
                "organiser": tree.world.national.pk,
                "title": "榜单",
                "description": "说明。",
                "opens_at": now.isoformat(),
                "deadline": (now + datetime.timedelta(days=3)).isoformat(),
            },
        ),
        201,
    )
    before = challenge_state()
    response = national.post(
        f"/challenges/calls/{call['id']}/problems", problem_data(eligibility={"max_age": 40})
    )
    assert response.status_code == 422
    assert response.json()["errors"]["eligibility"][0].startswith("申报条件不能设置年龄门槛")
    assert challenge_state() == before


def test_applying_after_the_deadline_is_a_conflict(tree: Tree, open_call: dict) -> None:
    past_deadline(Call.objects.get(pk=open_call["id"]))
    before = challenge_state()
    response = api(tree.lab_admin).post(
        "/challenges/applications",
        {
            "call_problem": open_call["problems"][0]["id"],
            "kind": "organization",
            "organization": tree.lab.pk,
            **application_data(),
        },
    )
    assert (response.status_code, response.json()["code"]) == (409, "deadline_passed")
    assert challenge_state() == before


ROLES = (
    "anonymous",
    "other_admin",
    "owner_member",
    "lab_admin",
    "hangzhou_staff",
    "national_staff",
    "platform_admin",
)


def user_for(tree: Tree, role: str) -> User | None:
    if role == "anonymous":
        return None
    return getattr(tree, role, None) or getattr(tree.world, role)


@pytest.mark.parametrize(
    ("role", "detail", "duplicates", "award"),
    [
        ("anonymous", 401, 401, 401),
        ("other_admin", 404, 404, 404),
        ("owner_member", 404, 404, 404),
        ("lab_admin", 200, 403, 403),
        ("hangzhou_staff", 200, 403, 403),  # an association above the applicant
        ("national_staff", 200, 200, 409),  # the organiser (award: not in review yet)
        ("platform_admin", 200, 200, 409),
    ],
)
def test_permission_matrix_of_an_application(
    tree: Tree, open_call: dict, role: str, detail: int, duplicates: int, award: int
) -> None:
    application = ok(
        api(tree.lab_admin).post(
            "/challenges/applications",
            {
                "call_problem": open_call["problems"][0]["id"],
                "kind": "organization",
                "organization": tree.lab.pk,
                **application_data(),
            },
        ),
        201,
    )
    ok(api(tree.lab_admin).post(f"/challenges/applications/{application['id']}/submit"))
    client = api(user_for(tree, role))
    before = challenge_state()
    assert client.get(f"/challenges/applications/{application['id']}").status_code == detail
    assert (
        client.get(f"/challenges/applications/{application['id']}/duplicates").status_code
        == duplicates
    )
    response = client.post(
        f"/challenges/applications/{application['id']}/award", {"justification": "—"}
    )
    assert response.status_code == award
    assert challenge_state() == before


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("lab_admin", 403),
        ("hangzhou_staff", 403),
        ("jiangsu_staff", 403),
        ("national_staff", 200),
        ("platform_admin", 200),
    ],
)
def test_only_the_national_level_sees_duplicates_across_regions(
    tree: Tree, role: str, status: int
) -> None:
    assert api(user_for(tree, role)).get("/challenges/filings/duplicates").status_code == status
