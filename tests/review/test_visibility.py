"""Who sees what of an item, on the pages and in the API alike (issue 10, findings 1–2).

A party to an item (a member of the applicant or partner organisation, a named user or
expert, an expert with an unwaived conflict) gets the applicant's view of it whatever
other role they hold; round 1 is scored independently on the assignment page too.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kechuang.orgs.choices import Role
from kechuang.orgs.services import membership_add
from kechuang.review.models import ReviewAssignment
from kechuang.review.services import process_transition, score_submit
from tests.conftest import client_for
from tests.review.conftest import GOOD_VALUES, Scene, active, user_of
from tests.review.test_api import api

SECRET = "组内：团队偏弱（保密）"
SHARED = "建议加强中试"


def _score_round(scene: Scene, round_no: int) -> None:
    for a in active(scene.process):
        if a.item.in_round(round_no):
            score_submit(
                actor=user_of(a.member.expert),
                assignment=a,
                round=round_no,
                values=GOOD_VALUES,
                comment_private=SECRET,
                comment_shared=SHARED,
            )


def _join(user: Any, org: Any) -> None:
    membership_add(
        actor=None, organization=org, user=user, role=Role.MEMBER, check_permission=False
    )
    user.__dict__.pop("_kechuang_viewer", None)


@pytest.fixture
def meeting(scene: Scene) -> Scene:
    """Round 1 scored with private comments, the meeting round (round 2) open."""
    scene.to_round_1()
    _score_round(scene, 1)
    process_transition(actor=scene.runner, process=scene.process, action="open_round_2")
    return scene


def test_reviewer_belonging_to_a_party_sees_only_the_applicant_view(meeting: Scene) -> None:
    scene = meeting
    party_item, other_item = scene.items[2], scene.items[0]  # items[2]: other_enterprise
    reviewer = scene.user("郑综")
    _join(reviewer, scene.world.other_enterprise)  # e.g. staff of a consortium partner
    client = api(reviewer)
    # the API: nothing of the live review of the item they stand behind
    got = client.get(f"/reviews/items/{party_item.pk}/scores", {"round": 1})
    assert (got.status_code, got.json()) == (200, [])
    assert client.get(f"/reviews/items/{party_item.pk}").json()["assignments"] == []
    # …while the panel's other items keep the meeting round's named view
    other = client.get(f"/reviews/items/{other_item.pk}/scores", {"round": 1}).json()
    assert {s["comment_private"] for s in other} == {SECRET}
    # ranking: the party item is not listed, the others are
    ranked = client.get(f"/reviews/processes/{scene.process.pk}/ranking", {"round": 1}).json()
    assert [r["item_id"] for r in ranked if r["item_id"] == party_item.pk] == []
    assert other_item.pk in [r["item_id"] for r in ranked]
    # the page: no reviewer name, no private comment
    page = client_for(reviewer).get(reverse("review:item_detail", args=[party_item.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert SECRET not in html
    assert not [e.name for e in scene.experts.values() if e.name != "郑综" and e.name in html]
    assert page.context["insider"] is False
    ranking_page = client_for(reviewer).get(reverse("review:ranking", args=[scene.process.pk]))
    shown = [row["r"].item.pk for _p, rows in ranking_page.context["sections"] for row in rows]
    assert party_item.pk not in shown and other_item.pk in shown


def test_runner_who_is_a_party_gets_the_applicant_view(meeting: Scene) -> None:
    scene = meeting
    evaluator = scene.evaluator_admin
    _join(evaluator, scene.world.enterprise)  # the applicant of items 0 and 1
    client = api(evaluator)
    own = client.get(f"/reviews/items/{scene.items[0].pk}/scores", {"round": 1})
    assert (own.status_code, own.json()) == (200, [])
    assert client.get(f"/reviews/items/{scene.items[0].pk}").json()["assignments"] == []
    other = client.get(f"/reviews/items/{scene.items[2].pk}/scores", {"round": 1}).json()
    assert {s["comment_private"] for s in other} == {SECRET}
    # running the item they stand behind is refused
    from kechuang.review.models import Conflict

    expert = scene.experts["郑综"].pk
    refused = client.post(
        f"/reviews/items/{scene.items[0].pk}/conflicts", {"expert": expert, "reason": "同事"}
    )
    assert refused.status_code == 403
    assert not Conflict.objects.filter(item=scene.items[0]).exists()
    page = client_for(evaluator).get(reverse("review:item_detail", args=[scene.items[0].pk]))
    assert SECRET not in page.content.decode()
    assert page.context["runner"] is False


def test_an_unwaived_conflict_makes_a_party(meeting: Scene) -> None:
    from kechuang.review.services import conflict_add

    scene = meeting
    item = scene.items[0]
    expert = scene.experts["郑综"]
    conflict = conflict_add(actor=scene.runner, item=item, expert=expert, reason="曾在申报单位任职")
    client = api(user_of(expert))
    assert client.get(f"/reviews/items/{item.pk}/scores", {"round": 1}).json() == []
    from kechuang.review.services import conflict_waive

    conflict_waive(actor=scene.runner, conflict=conflict, reason="已离职五年")
    assert {
        s["comment_private"]
        for s in client.get(f"/reviews/items/{item.pk}/scores", {"round": 1}).json()
    } == {SECRET}


def _colleagues(scene: Scene) -> tuple[ReviewAssignment, ReviewAssignment]:
    """Two active assignments of one item held by two different reviewers."""
    by_item: dict[int, list[ReviewAssignment]] = {}
    for a in active(scene.process):
        by_item.setdefault(a.item_id, []).append(a)
    mine, theirs = next(rows for rows in by_item.values() if len(rows) >= 2)[:2]
    return mine, theirs


def test_round_1_a_colleague_cannot_open_my_assignment_page(scene: Scene) -> None:
    scene.to_round_1()
    mine, theirs = _colleagues(scene)
    score_submit(
        actor=user_of(theirs.member.expert),
        assignment=theirs,
        round=1,
        values=GOOD_VALUES,
        comment_private=SECRET,
        comment_shared=SHARED,
    )
    me = client_for(user_of(mine.member.expert))
    page = me.get(reverse("review:score", args=[theirs.pk]))
    assert page.status_code == 404
    assert SECRET not in page.content.decode()
    # the API agrees: round 1 shows one's own score only
    scores = api(user_of(mine.member.expert)).get(
        f"/reviews/items/{mine.item_id}/scores", {"round": 1}
    )
    assert scores.json() == []
    # the ranking is not shown to the panel during round 1 either (page and API alike)
    ranking = me.get(reverse("review:ranking", args=[scene.process.pk]))
    assert [rows for _p, rows in ranking.context["sections"]] == [[]]
    got = api(user_of(mine.member.expert)).get(
        f"/reviews/processes/{scene.process.pk}/ranking", {"round": 1}
    )
    assert got.status_code == 404
    # one's own assignment stays open, and the runner sees every one
    assert me.get(reverse("review:score", args=[mine.pk])).status_code == 200
    runner = client_for(scene.runner).get(reverse("review:score", args=[theirs.pk]))
    assert runner.status_code == 200 and SECRET in runner.content.decode()


def test_from_the_meeting_round_colleagues_see_each_other(scene: Scene) -> None:
    scene.to_round_1()
    mine, theirs = _colleagues(scene)
    _score_round(scene, 1)
    process_transition(actor=scene.runner, process=scene.process, action="open_round_2")
    me = client_for(user_of(mine.member.expert))
    assert me.get(reverse("review:score", args=[theirs.pk])).status_code == 200


def test_selected_items_listed_in_the_notice_also_open(scene: Scene) -> None:
    from kechuang.review.services import decision_record, notice_open

    scene.to_round_1()
    _score_round(scene, 1)
    process_transition(actor=scene.runner, process=scene.process, action="open_round_2")
    _score_round(scene, 2)
    process_transition(actor=scene.runner, process=scene.process, action="close_rounds")
    decision_record(
        actor=scene.runner,
        process=scene.process,
        selected_item_ids=[scene.items[2].pk],
        justification="排名第一",
    )
    notice_open(actor=scene.runner, process=scene.process)
    outsider = api(scene.world.jiangsu_staff)
    listed = outsider.get(f"/reviews/processes/{scene.process.pk}/items").json()["items"]
    assert [i["id"] for i in listed] == [scene.items[2].pk]
    detail = outsider.get(f"/reviews/items/{scene.items[2].pk}")
    assert (detail.status_code, detail.json()["assignments"]) == (200, [])
    scores = outsider.get(f"/reviews/items/{scene.items[2].pk}/scores", {"round": 1})
    assert (scores.status_code, scores.json()) == (200, [])
    assert outsider.get(f"/reviews/items/{scene.items[0].pk}").status_code == 404
    page = client_for(scene.world.jiangsu_staff).get(
        reverse("review:item_detail", args=[scene.items[2].pk])
    )
    assert page.status_code == 200 and SECRET not in page.content.decode()


def test_a_runner_who_is_a_party_does_not_see_who_reviews_its_item(meeting: Scene) -> None:
    from kechuang.review.services import conflict_add

    scene = meeting
    expert = scene.experts["郑综"]
    for item in (scene.items[0], scene.items[2]):
        conflict_add(actor=scene.runner, item=item, expert=expert, reason="合作过项目")
    evaluator = scene.evaluator_admin
    listed = api(evaluator).get(f"/reviews/processes/{scene.process.pk}/conflicts").json()
    assert sorted(c["item_id"] for c in listed["items"]) == sorted(
        [scene.items[0].pk, scene.items[2].pk]
    )
    _join(evaluator, scene.world.enterprise)  # now a party to items 0 and 1
    listed = api(evaluator).get(f"/reviews/processes/{scene.process.pk}/conflicts").json()
    assert [c["item_id"] for c in listed["items"]] == [scene.items[2].pk]
    page = client_for(evaluator).get(reverse("review:assignment", args=[scene.process.pk]))
    rows = [row.item.pk for matrix in page.context["matrices"] for row in matrix.rows]
    assert rows == [scene.items[2].pk]
    # the organiser, not a party, still sees every item
    page = client_for(scene.runner).get(reverse("review:assignment", args=[scene.process.pk]))
    rows = [row.item.pk for matrix in page.context["matrices"] for row in matrix.rows]
    assert rows == [i.pk for i in scene.items]


def test_the_solver_answer_leaves_out_the_items_of_a_party(scene: Scene) -> None:
    scene.to_assigning()
    evaluator = scene.evaluator_admin
    _join(evaluator, scene.world.other_enterprise)  # a party to item 2
    response = api(evaluator).post(f"/reviews/processes/{scene.process.pk}/assignment")
    assert response.status_code == 200
    shown = {a["item_id"] for panel in response.json() for a in panel["assignments"]}
    assert shown == {scene.items[0].pk, scene.items[1].pk}
    assert ReviewAssignment.objects.filter(item=scene.items[2], status="active").exists()
