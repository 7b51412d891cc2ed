"""/api/v1/reviews: the lifecycle through the API, refusals, and the permission matrix
(anonymous, outsider, applicant, reviewer, other panel's reviewer, evaluator, organiser)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from kechuang.catalog.services import expert_set_status
from kechuang.review.models import ReviewEvent, ReviewItem, ReviewProcess, Score
from kechuang.review.services import (
    PartyIn,
    decision_record,
    item_add,
    member_invite,
    notice_open,
    panel_create,
    process_create,
    process_transition,
)
from tests.api.conftest import Api, token_for
from tests.review.conftest import GOOD_VALUES, Scene, active, make_expert, user_of


def api(user: Any) -> Api:
    return Api(token_for(user) if user is not None else None)


def test_process_create_and_detail(scene: Scene) -> None:
    runner = api(scene.runner)
    r = runner.post(
        "/reviews/processes",
        {
            "organiser": scene.world.hangzhou.pk,
            "title": "验收评审",
            "purpose": "acceptance",
            "rounds": 1,
            "rules": {"panel_size": 3, "frontline_share": "1/3", "max_load": 4},
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "setup"
    assert body["rules"]["frontline_share"] == "1/3"
    assert [c["name"] for c in body["rubric"]][:2] == ["技术价值", "战略价值"]
    assert body["my_roles"]["organiser"] is True
    refused = api(scene.world.jiangsu_staff).post(
        "/reviews/processes",
        {"organiser": scene.world.hangzhou.pk, "title": "越权", "purpose": "other"},
    )
    assert refused.status_code == 403
    assert ReviewProcess.objects.filter(title="越权").count() == 0


def test_lifecycle_through_the_api(scene: Scene) -> None:
    runner = api(scene.runner)
    for e in scene.experts.values():
        expert_set_status(actor=user_of(e), expert=e, status="published")
    panel = scene.panel.pk
    for e in scene.experts.values():
        r = runner.post(f"/reviews/panels/{panel}/members", {"expert": e.pk})
        assert r.status_code == 201, r.content
    pid = scene.process.pk
    assert runner.post(f"/reviews/processes/{pid}/conflicts/detection").status_code == 200
    r = runner.post(f"/reviews/processes/{pid}/transitions", {"action": "start_assignment"})
    assert r.json()["status"] == "assigning"
    solved = runner.post(f"/reviews/processes/{pid}/assignment")
    assert solved.status_code == 200, solved.content
    assert solved.json()[0]["exact"] is True
    assert len(solved.json()[0]["assignments"]) == 9
    members = api(scene.runner).get(f"/reviews/panels/{panel}").json()["members"]
    for m in members:
        expert = next(e for e in scene.experts.values() if e.pk == m["expert_id"])
        r = api(user_of(expert)).post(f"/reviews/members/{m['id']}/response", {"accept": True})
        assert r.json()["status"] == "accepted"
    r = runner.post(f"/reviews/processes/{pid}/transitions", {"action": "open_round_1"})
    assert r.json()["status"] == "round_1", r.content
    for expert in scene.experts.values():
        mine = api(user_of(expert)).get("/reviews/assignments/mine").json()["items"]
        for a in mine:
            r = api(user_of(expert)).post(
                f"/reviews/assignments/{a['id']}/scores",
                {"round": 1, "values": GOOD_VALUES, "comment_shared": "建议补充数据"},
            )
            assert r.status_code == 201, r.content
    r = runner.post(f"/reviews/processes/{pid}/transitions", {"action": "open_round_2"})
    assert r.json()["status"] == "round_2"
    scene.score_all(2)
    runner.post(f"/reviews/processes/{pid}/transitions", {"action": "close_rounds"})
    ranked = runner.get(f"/reviews/processes/{pid}/ranking", {"round": 2}).json()
    assert [row["total"] for row in ranked] == [70.0, 70.0, 70.0]
    first = ranked[0]["item_id"]
    r = runner.post(
        f"/reviews/processes/{pid}/decision",
        {"selected_item_ids": [first], "justification": "会评排名第一。"},
    )
    assert r.status_code == 201, r.content
    again = runner.post(
        f"/reviews/processes/{pid}/decision",
        {"selected_item_ids": [first], "justification": "再次决定"},
    )
    assert (again.status_code, again.json()["code"]) == (409, "decision_exists")
    r = runner.post(f"/reviews/processes/{pid}/transitions", {"action": "open_notice", "days": 5})
    assert r.json()["status"] == "notice"
    public = Api().get(f"/reviews/processes/{pid}/decision")
    assert [i["id"] for i in public.json()["selected"]] == [first]
    objection = api(scene.world.other_admin).post(
        f"/reviews/processes/{pid}/objections", {"text": "对评审结果有异议"}
    )
    assert objection.status_code == 201
    answer = runner.post(
        f"/reviews/objections/{objection.json()['id']}/answer",
        {"upheld": False, "answer": "经核查，评审程序合规。"},
    )
    assert answer.json()["status"] == "rejected"
    past = timezone.now() - datetime.timedelta(days=6)
    ReviewProcess.objects.filter(pk=pid).update(
        notice_starts_at=past, notice_ends_at=past + datetime.timedelta(days=5)
    )
    r = runner.post(f"/reviews/processes/{pid}/transitions", {"action": "finalise"})
    assert r.json()["status"] == "final"


def test_score_refusals_through_the_api(scene: Scene) -> None:
    scene.to_round_1()
    a = active(scene.process)[0]
    reviewer = api(user_of(a.member.expert))
    out_of_range = reviewer.post(
        f"/reviews/assignments/{a.pk}/scores",
        {"round": 1, "values": {**GOOD_VALUES, "技术价值": 50}},
    )
    assert out_of_range.status_code == 422
    assert out_of_range.json()["errors"] == {"技术价值": ["分值须在 0–40 之间。"]}
    not_assigned = next(
        m
        for m in scene.members.values()
        if m.pk not in {x.member_id for x in active(scene.process) if x.item_id == a.item_id}
    )
    r = api(user_of(not_assigned.expert)).post(
        f"/reviews/assignments/{a.pk}/scores", {"round": 1, "values": GOOD_VALUES}
    )
    assert r.status_code in {403, 404}
    assert not Score.objects.exists()


def test_manual_conflicted_assignment_refused_through_the_api(scene: Scene) -> None:
    scene.to_assigning()
    runner = api(scene.runner)
    zhou = scene.experts["周视"]
    expert_set_status(actor=user_of(zhou), expert=zhou, status="published")
    item = scene.items[0].pk
    r = runner.post(f"/reviews/items/{item}/conflicts", {"expert": zhou.pk, "reason": "亲属"})
    assert r.status_code == 201
    r = runner.client.put(
        f"/api/v1/reviews/items/{item}/reviewers",
        {"member_ids": [scene.member("周视").pk]},
        content_type="application/json",
        **runner.headers,
    )
    assert (r.status_code, r.json()["code"]) == (422, "conflict_of_interest")
    assert not active(scene.process)


@pytest.fixture
def two_panels(scene: Scene) -> dict[str, Any]:
    """Scene at the notice, plus a second panel with its own item and reviewer."""
    other_panel = panel_create(actor=scene.runner, process=scene.process, name="第二评审组")
    outsider_expert = make_expert("冯他", frontline=True)
    member_invite(actor=scene.runner, panel=other_panel, expert=outsider_expert)
    other_item = item_add(
        actor=scene.runner,
        process=scene.process,
        subject_type="challenges.application",
        subject_id=900,
        title="另一组的对象",
        text="",
        parties=[PartyIn(name="某公司")],
        panel=other_panel,
    )
    return {"panel": other_panel, "expert": outsider_expert, "item": other_item}


def _status(user: Any, path: str) -> int:
    return api(user).get(path).status_code


def test_permission_matrix(scene: Scene, two_panels: dict[str, Any]) -> None:
    scene.invite_all()
    reviewer = scene.user("陈热")
    other_reviewer = user_of(two_panels["expert"])
    applicant = scene.world.owner_admin
    pid, panel, item = scene.process.pk, scene.panel.pk, scene.items[0].pk
    other_panel, other_item = two_panels["panel"].pk, two_panels["item"].pk
    cases = {
        f"/reviews/processes/{pid}": (404, 404, 200, 200, 200, 200, 200),
        f"/reviews/processes/{pid}/items": (401, 404, 200, 200, 200, 200, 200),
        f"/reviews/panels/{panel}": (401, 404, 404, 200, 404, 200, 200),
        f"/reviews/panels/{other_panel}": (401, 404, 404, 404, 200, 200, 200),
        f"/reviews/items/{item}": (401, 404, 200, 200, 404, 200, 200),
        f"/reviews/items/{other_item}": (401, 404, 404, 404, 200, 200, 200),
        f"/reviews/processes/{pid}/conflicts": (401, 404, 403, 403, 403, 200, 200),
        f"/reviews/processes/{pid}/ranking": (401, 404, 404, 404, 404, 200, 200),
    }
    users = (
        None,
        scene.world.jiangsu_staff,
        applicant,
        reviewer,
        other_reviewer,
        scene.evaluator_admin,
        scene.runner,
    )
    got = {path: tuple(_status(u, path) for u in users) for path in cases}
    assert got == cases
    # reviewers list only their own panel; applicants see their items only
    panels = api(reviewer).get(f"/reviews/processes/{pid}/panels").json()["items"]
    assert [p["id"] for p in panels] == [panel]
    items = api(applicant).get(f"/reviews/processes/{pid}/items").json()["items"]
    assert [i["id"] for i in items] == [scene.items[0].pk, scene.items[1].pk]


def test_applicant_never_sees_reviewer_names_or_private_comments(scene: Scene) -> None:
    scene.to_round_1()
    for a in active(scene.process):
        from kechuang.review.services import score_submit

        score_submit(
            actor=user_of(a.member.expert),
            assignment=a,
            round=1,
            values=GOOD_VALUES,
            comment_private="组内：团队偏弱",
            comment_shared="建议加强中试",
        )
    process_transition(actor=scene.runner, process=scene.process, action="open_round_2")
    scene.score_all(2)
    process_transition(actor=scene.runner, process=scene.process, action="close_rounds")
    decision_record(
        actor=scene.runner,
        process=scene.process,
        selected_item_ids=[scene.items[0].pk],
        justification="排名第一",
    )
    notice_open(actor=scene.runner, process=scene.process)
    applicant = api(scene.world.owner_admin)
    item = scene.items[0].pk
    detail = applicant.get(f"/reviews/items/{item}").json()
    assert detail["assignments"] == []
    scores = applicant.get(f"/reviews/items/{item}/scores", {"round": 1}).json()
    assert [
        (s["reviewer"], s["comment_private"], s["comment_shared"], s["lines"]) for s in scores
    ] == [
        ("专家 1", None, "建议加强中试", {}),
        ("专家 2", None, "建议加强中试", {}),
        ("专家 3", None, "建议加强中试", {}),
    ]
    names = {e.name for e in scene.experts.values()}
    assert not any(
        n in applicant.get(f"/reviews/items/{item}/scores", {"round": 1}).content.decode()
        for n in names
    )
    # the panel sees names and private comments
    panel_view = api(scene.runner).get(f"/reviews/items/{item}/scores", {"round": 1}).json()
    assert {s["comment_private"] for s in panel_view} == {"组内：团队偏弱"}
    assert {s["reviewer"] for s in panel_view} <= names


def test_process_list_query_count_does_not_grow(scene: Scene) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kechuang.review.services import process_create

    client = api(scene.runner)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/reviews/processes").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for n in range(3):
        process_create(
            actor=scene.runner, organiser=scene.world.hangzhou, title=f"评审{n}", purpose="other"
        )
    assert count() == one
    assert client.get("/reviews/processes").json()["count"] == 4


def test_chair_revises_a_score_and_experts_record_history(scene: Scene) -> None:
    from kechuang.review.services import invitation_respond, score_submit

    chair = make_expert("组长", frontline=True)
    m = member_invite(actor=scene.runner, panel=scene.panel, expert=chair, role="chair")
    invitation_respond(actor=user_of(chair), member=m, accept=True)
    scene.to_round_1()
    a = next(x for x in active(scene.process) if x.member.expert != chair)
    score = score_submit(actor=user_of(a.member.expert), assignment=a, round=1, values=GOOD_VALUES)
    body = {"values": {**GOOD_VALUES, "技术价值": 20}, "reason": "组长复核纠正笔误"}
    refused = api(user_of(a.member.expert)).post(f"/reviews/scores/{score.pk}/revisions", body)
    assert refused.status_code == 403
    r = api(user_of(chair)).post(f"/reviews/scores/{score.pk}/revisions", body)
    assert r.status_code == 201, r.content
    assert (r.json()["revision"], r.json()["total"]) == (2, "60.00")
    chen = scene.experts["陈热"]
    r = api(user_of(chen)).post(
        f"/reviews/experts/{chen.pk}/affiliations",
        {"organization_name": "杭州测温科技有限公司", "start_year": 2018, "end_year": 2024},
    )
    assert r.status_code == 201, r.content
    r = api(scene.world.owner_member).post(
        f"/reviews/experts/{chen.pk}/coauthors",
        {"coauthor_name": "某人", "kind": "paper", "year": 2025},
    )
    assert r.status_code == 404  # a draft profile of someone else is not there


def test_item_place_moves_an_item_between_panels_before_round_1(scene: Scene) -> None:
    second = panel_create(actor=scene.runner, process=scene.process, name="第二评审组")
    other = process_create(
        actor=scene.runner, organiser=scene.world.hangzhou, title="另一评审", purpose="other"
    )
    foreign = panel_create(actor=scene.runner, process=other, name="外组")
    item = scene.items[0]
    path = f"/reviews/items/{item.pk}/panel"

    def put(user: Any, panel: int) -> int:
        return api(user)._send("put", path, {"panel": panel}, None).status_code

    def panel_now() -> int | None:
        return ReviewItem.objects.get(pk=item.pk).panel_id

    # refused: anonymous, an outsider, the applicant, a panel of another process
    assert put(None, second.pk) == 401
    assert put(scene.world.jiangsu_staff, second.pk) == 404
    assert put(scene.world.owner_admin, second.pk) == 403
    assert put(scene.runner, foreign.pk) == 422  # the runner may see it, but it is not ours
    assert panel_now() == scene.panel.pk

    r = api(scene.evaluator_admin)._send("put", path, {"panel": second.pk}, None)
    assert r.status_code == 200, r.content
    assert (r.json()["id"], r.json()["panel_id"]) == (item.pk, second.pk)
    event = ReviewEvent.objects.filter(process=scene.process, type="item_placed").get()
    assert event.params == {"item": item.pk, "panel": second.pk}

    put(scene.runner, scene.panel.pk)
    scene.to_round_1()
    late = api(scene.runner)._send("put", path, {"panel": second.pk}, None)
    assert late.status_code == 409
    assert late.json()["detail"] == "第一轮评审开始后不能再调整分组。"
    assert panel_now() == scene.panel.pk
