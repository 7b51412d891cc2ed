"""Review pages through the test client: who sees which page (404 for the others), the
forms' happy paths and refusals (Chinese message, nothing changed), and the applicant's
pages never showing a reviewer's name or a private comment."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kechuang.catalog.services import expert_set_status
from kechuang.review.choices import ProcessAction
from kechuang.review.models import (
    Conflict,
    Decision,
    Objection,
    PanelMember,
    ReviewAssignment,
    ReviewProcess,
    Score,
)
from kechuang.review.services import (
    decision_record,
    notice_open,
    panel_create,
    process_create,
    process_transition,
)
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.review.conftest import Scene, active, user_of

pytestmark = pytest.mark.django_db

VALUES = {"技术价值": 30, "战略价值": 15, "社会价值": 10, "知识产权与人才产出": 10, "实施可行性": 5}
PRIVATE = "组内讨论：预算偏高"
SHARED = "建议补充中试数据"


def url(name: str, *args: Any) -> str:
    return reverse(f"review:{name}", args=args)


def score_form(assignment: ReviewAssignment, values: dict[str, Any]) -> dict[str, Any]:
    criteria = assignment.item.process.rubric.criteria.all()
    data = {f"c{c.pk}": values.get(c.name, "") for c in criteria}
    return {**data, "comment_private": PRIVATE, "comment_shared": SHARED}


def to_notice(scene: Scene) -> None:
    """Round 1 and 2 scored with comments, decided (first item), notice open."""
    scene.to_round_1()
    for a in active(scene.process):
        client_for(user_of(a.member.expert)).post(url("score", a.pk), score_form(a, VALUES))
    process_transition(actor=scene.runner, process=scene.process, action=ProcessAction.OPEN_ROUND_2)
    scene.score_all(2)
    process_transition(actor=scene.runner, process=scene.process, action=ProcessAction.CLOSE_ROUNDS)
    decision_record(
        actor=scene.runner,
        process=scene.process,
        selected_item_ids=[scene.items[0].pk],
        justification="技术路线清晰，指标可达。",
    )
    notice_open(actor=scene.runner, process=scene.process, days=7)


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize(
    "page", ["process_detail", "candidates", "conflicts", "assignment", "ranking"]
)
def test_runner_pages_render_for_organiser_and_evaluator(scene: Scene, page: str) -> None:
    scene.to_round_1()
    for user in (scene.runner, scene.evaluator_admin):
        response = client_for(user).get(url(page, scene.process.pk))
        assert response.status_code == 200, (page, user)
        assert scene.process.title in response.content.decode()


@pytest.mark.parametrize("page", ["candidates", "conflicts", "assignment", "decision"])
def test_runner_pages_404_for_reviewer_applicant_and_strangers(scene: Scene, page: str) -> None:
    scene.to_round_1()
    outsiders = [scene.user("陈热"), scene.world.owner_admin, scene.world.jiangsu_staff]
    for user in outsiders:
        assert client_for(user).get(url(page, scene.process.pk)).status_code in {403, 404}
    assert client_for(None).get(url(page, scene.process.pk)).status_code in {302, 404}


def test_process_404_for_anonymous_and_strangers_before_notice(scene: Scene) -> None:
    assert client_for(None).get(url("process_detail", scene.process.pk)).status_code == 404
    stranger = client_for(scene.world.jiangsu_staff)
    assert stranger.get(url("process_detail", scene.process.pk)).status_code == 404
    assert stranger.get(url("notice", scene.process.pk)).status_code == 404


def test_decision_page_is_the_organisers_only(scene: Scene) -> None:
    scene.to_round_1()
    assert client_for(scene.runner).get(url("decision", scene.process.pk)).status_code == 200
    evaluator = client_for(scene.evaluator_admin)
    assert evaluator.get(url("decision", scene.process.pk)).status_code == 403


def test_reviewer_of_another_panel_gets_404(scene: Scene) -> None:
    scene.to_round_1()
    process = process_create(
        actor=scene.runner, organiser=scene.world.hangzhou, title="另一评审", purpose="other"
    )
    panel = panel_create(actor=scene.runner, process=process, name="另一组")
    outsider = UserFactory()
    a = active(scene.process)[0]
    client = client_for(outsider)
    assert client.get(url("panel_detail", scene.panel.pk)).status_code == 404
    assert client.get(url("score", a.pk)).status_code == 404
    assert client.get(url("item_detail", a.item.pk)).status_code == 404
    # a reviewer of this panel does not see the other process's panel
    assert client_for(scene.user("陈热")).get(url("panel_detail", panel.pk)).status_code == 404


def test_reviewer_sees_own_panel_and_tasks(scene: Scene) -> None:
    scene.to_round_1()
    reviewer = scene.user("林流")
    client = client_for(reviewer)
    assert client.get(url("panel_detail", scene.panel.pk)).status_code == 200
    tasks = client.get(url("my_tasks"))
    assert tasks.status_code == 200
    mine = [a for a in active(scene.process) if a.member.expert.name == "林流"]
    assert [t.assignment.pk for t in tasks.context["due"]] == [a.pk for a in mine]
    card = client.get(url("tasks_card"))
    assert "我的评审任务" in card.content.decode()
    assert client_for(scene.world.owner_member).get(url("tasks_card")).content.strip() == b""


# ---------------------------------------------------------------- invitations


def test_decline_needs_a_reason_and_changes_nothing(scene: Scene) -> None:
    scene.invite_all()
    member = scene.member("陈热")
    client = client_for(scene.user("陈热"))
    response = client.post(url("respond", member.pk), {"accept": "0", "reason": ""}, follow=True)
    assert "请填写谢绝的理由。" in response.content.decode()
    member.refresh_from_db()
    assert member.status == "invited"
    client.post(url("respond", member.pk), {"accept": "0", "reason": "出差"})
    member.refresh_from_db()
    assert (member.status, member.decline_reason) == ("declined", "出差")


def test_only_the_invited_expert_may_answer(scene: Scene) -> None:
    scene.invite_all()
    member = scene.member("陈热")
    response = client_for(scene.user("林流")).post(url("respond", member.pk), {"accept": "1"})
    assert response.status_code == 404
    member.refresh_from_db()
    assert member.status == "invited"


def test_invite_from_the_candidate_pool_with_htmx(scene: Scene) -> None:
    expert = scene.experts["郑综"]
    hidden = client_for(scene.runner).post(
        url("invite", scene.process.pk, expert.pk), {"panel": scene.panel.pk, "role": "reviewer"}
    )
    assert hidden.status_code == 404  # a draft profile is not in the runner's catalog
    expert_set_status(actor=scene.user("郑综"), expert=expert, status="published")
    pool = client_for(scene.runner).get(url("candidates", scene.process.pk) + "?q=郑综")
    assert [c.expert.pk for c in pool.context["candidates"]] == [expert.pk]
    response = client_for(scene.runner).post(
        url("invite", scene.process.pk, expert.pk),
        {"panel": scene.panel.pk, "role": "reviewer"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert PanelMember.objects.filter(panel=scene.panel, expert=expert, status="invited").exists()
    again = client_for(scene.runner).post(
        url("invite", scene.process.pk, expert.pk),
        {"panel": scene.panel.pk, "role": "reviewer"},
        HTTP_HX_REQUEST="true",
    )
    assert again.status_code == 422
    assert "郑综已在本次评审的评审组中。" in again.content.decode()
    assert PanelMember.objects.filter(expert=expert).count() == 1


# ---------------------------------------------------------------- conflicts and assignment


def test_waive_needs_a_reason(scene: Scene) -> None:
    scene.to_assigning()
    item = scene.items[0]
    conflict = Conflict.objects.create(
        process=scene.process,
        item=item,
        expert=scene.experts["陈热"],
        kind="added",
        source="organiser",
        explanation="曾共同申报",
    )
    client = client_for(scene.runner)
    response = client.post(
        url("conflict_waive", conflict.pk), {"reason": " "}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert "请写明豁免的理由。" in response.content.decode()
    conflict.refresh_from_db()
    assert conflict.waived_at is None
    client.post(url("conflict_waive", conflict.pk), {"reason": "合作已结束五年"})
    conflict.refresh_from_db()
    assert conflict.waive_reason == "合作已结束五年"


def test_add_conflict_refusal_and_happy_path(scene: Scene) -> None:
    scene.to_assigning()
    client = client_for(scene.runner)
    expert = scene.experts["周视"]
    data = {"item": scene.items[2].pk, "expert": expert.pk, "reason": ""}
    response = client.post(url("conflict_add", scene.process.pk), data)
    assert response.status_code == 422
    assert "请写明利益冲突的理由。" in response.content.decode()
    assert not Conflict.objects.filter(expert=expert).exists()
    data["reason"] = "其学生在申报团队中"
    assert client.post(url("conflict_add", scene.process.pk), data).status_code == 302
    assert Conflict.objects.get(expert=expert).explanation == "其学生在申报团队中"


def test_solve_shows_matrix_with_reasons(scene: Scene) -> None:
    scene.to_assigning()
    client = client_for(scene.runner)
    assert client.post(url("solve", scene.process.pk)).status_code == 302
    page = client.get(url("assignment", scene.process.pk) + "?view=list").content.decode()
    first = active(scene.process)[0]
    assert first.reason and first.reason in page
    assert len(active(scene.process)) == 9


def test_infeasible_solve_explains_why_and_stores_nothing(scene: Scene) -> None:
    scene.invite_all()
    for name in ("林流", "周视", "郑综"):  # every front-line expert declines
        client_for(scene.user(name)).post(
            url("respond", scene.member(name).pk), {"accept": "0", "reason": "没空"}
        )
    process_transition(
        actor=scene.runner, process=scene.process, action=ProcessAction.START_ASSIGNMENT
    )
    response = client_for(scene.runner).post(url("solve", scene.process.pk))
    assert response.status_code == 422
    page = response.content.decode()
    assert "无法在评审规则下配齐评审专家" in page
    assert "储能电池液冷热管理" in page
    assert not ReviewAssignment.objects.filter(item__process=scene.process).exists()


def test_manual_assignment_with_a_conflict_is_refused(scene: Scene) -> None:
    scene.to_assigning()
    client = client_for(scene.runner)
    client.post(url("solve", scene.process.pk))
    item = scene.items[0]
    before = sorted(active(scene.process), key=lambda a: a.pk)
    Conflict.objects.create(
        process=scene.process,
        item=item,
        expert=scene.experts["郑综"],
        kind="added",
        source="organiser",
        explanation="亲属关系",
    )
    members = [scene.member(n).pk for n in ("郑综", "林流", "周视")]
    response = client.post(url("item_assign", item.pk), {"member_ids": members})
    assert response.status_code == 422
    assert "郑综与该评审对象存在利益冲突。" in response.content.decode()
    assert sorted(active(scene.process), key=lambda a: a.pk) == before


# ---------------------------------------------------------------- scoring


def test_score_out_of_range_is_refused_in_chinese(scene: Scene) -> None:
    scene.to_round_1()
    a = active(scene.process)[0]
    client = client_for(user_of(a.member.expert))
    page = client.get(url("score", a.pk))
    assert page.status_code == 200 and "技术价值" in page.content.decode()
    response = client.post(url("score", a.pk), score_form(a, {**VALUES, "技术价值": 45}))
    assert response.status_code == 422
    assert "分值须在 0–40 之间。" in response.content.decode()
    assert not Score.objects.filter(assignment=a).exists()


def test_score_submitted_then_read_only(scene: Scene) -> None:
    scene.to_round_1()
    a = active(scene.process)[0]
    client = client_for(user_of(a.member.expert))
    assert client.post(url("score", a.pk), score_form(a, VALUES)).status_code == 302
    score = Score.objects.get(assignment=a)
    assert (score.total, score.comment_private) == (70, PRIVATE)
    page = client.get(url("score", a.pk))
    assert page.context["can_score"] is False
    assert "不能修改" in page.content.decode()
    again = client.post(url("score", a.pk), score_form(a, {**VALUES, "技术价值": 10}))
    assert "该评分已提交，不能修改。" in again.content.decode()
    assert Score.objects.filter(assignment=a).count() == 1


def test_scoring_someone_elses_assignment_is_refused(scene: Scene) -> None:
    scene.to_round_1()
    rows = active(scene.process)
    a = rows[0]
    other = next(r for r in rows if r.member_id != a.member_id)
    client = client_for(user_of(other.member.expert))  # same panel, not assigned to ``a``
    # round 1 is independent: a colleague's assignment is not even there for them
    assert client.post(url("score", a.pk), score_form(a, VALUES)).status_code == 404
    assert not Score.objects.filter(assignment=a).exists()


def test_round_two_shows_round_one_aggregates(scene: Scene) -> None:
    scene.to_round_1()
    scene.score_all(1)
    process_transition(actor=scene.runner, process=scene.process, action=ProcessAction.OPEN_ROUND_2)
    a = active(scene.process)[0]
    page = client_for(user_of(a.member.expert)).get(url("score", a.pk))
    assert page.context["round1"].total == 70.0
    assert "第一轮（网评）结果" in page.content.decode()


def test_declare_conflict_ends_the_assignment(scene: Scene) -> None:
    scene.to_round_1()
    a = active(scene.process)[0]
    client = client_for(user_of(a.member.expert))
    refused = client.post(url("declare", a.item.pk), {"reason": ""}, follow=True)
    assert "请写明回避的理由。" in refused.content.decode()
    a.refresh_from_db()
    assert a.status == "active"
    client.post(url("declare", a.item.pk), {"reason": "曾在申报单位兼职"})
    a.refresh_from_db()
    assert a.status == "removed"


# ---------------------------------------------------------------- applicant and public


def test_applicant_never_sees_reviewer_names_or_private_comments(scene: Scene) -> None:
    to_notice(scene)
    applicant = client_for(scene.world.owner_admin)
    item = scene.items[0]
    pages = [
        applicant.get(url("item_detail", item.pk)),
        applicant.get(url("process_detail", scene.process.pk)),
        applicant.get(url("notice", scene.process.pk)),
    ]
    names = list(scene.experts)
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert PRIVATE not in html
        assert not [n for n in names if n in html]
    feedback = pages[0].content.decode()
    assert SHARED in feedback and "专家 A" in feedback
    assert applicant.get(url("ranking", scene.process.pk)).status_code == 404


def test_public_notice_and_objection(scene: Scene) -> None:
    to_notice(scene)
    anonymous = client_for(None).get(url("notice", scene.process.pk))
    assert anonymous.status_code == 200
    assert "登录后可以在公示期内提出异议。" in anonymous.content.decode()
    citizen = client_for(scene.world.jiangsu_staff)
    empty = citizen.post(url("notice", scene.process.pk), {"item": "", "text": " "})
    assert empty.status_code == 422
    assert "请写明异议内容。" in empty.content.decode()
    assert not Objection.objects.exists()
    citizen.post(url("notice", scene.process.pk), {"item": "", "text": "入选单位存在关联交易"})
    objection = Objection.objects.get()
    handle = client_for(scene.runner).post(
        url("objection_handle", objection.pk), {"upheld": "0", "answer": ""}, follow=True
    )
    assert "请写明处理意见。" in handle.content.decode()
    objection.refresh_from_db()
    assert objection.status == "open"
    client_for(scene.runner).post(
        url("objection_handle", objection.pk), {"upheld": "0", "answer": "经核查无关联交易"}
    )
    objection.refresh_from_db()
    assert (objection.status, objection.answer) == ("rejected", "经核查无关联交易")


def test_decision_form_needs_a_justification(scene: Scene) -> None:
    scene.to_round_1()
    scene.score_all(1)
    process_transition(actor=scene.runner, process=scene.process, action=ProcessAction.OPEN_ROUND_2)
    scene.score_all(2)
    process_transition(actor=scene.runner, process=scene.process, action=ProcessAction.CLOSE_ROUNDS)
    client = client_for(scene.runner)
    data = {"selected_item_ids": [scene.items[1].pk], "justification": ""}
    response = client.post(url("decision", scene.process.pk), data)
    assert response.status_code == 422
    assert "请填写决定理由。" in response.content.decode()
    assert not Decision.objects.exists()
    data["justification"] = "综合排名第一"
    assert client.post(url("decision", scene.process.pk), data).status_code == 302
    assert Decision.objects.get().justification == "综合排名第一"


# ---------------------------------------------------------------- setup


def test_create_process_with_rubric(scene: Scene) -> None:
    data = {
        "organiser": scene.world.hangzhou.pk,
        "title": "2026 年第二期揭榜评审",
        "purpose": "challenge_application",
        "rounds": "1",
        "evaluator": "",
        "panel_size": "3",
        "frontline_share": "1/3",
        "exclude_government": "on",
        "max_load": "5",
        "conflict_years": "3",
        "c-TOTAL_FORMS": "3",
        "c-INITIAL_FORMS": "0",
        "c-0-name": "技术先进性",
        "c-0-weight": "60",
        "c-0-min_value": "0",
        "c-0-max_value": "10",
        "c-1-name": "可行性",
        "c-1-weight": "40",
        "c-1-min_value": "0",
        "c-1-max_value": "10",
    }
    client = client_for(scene.runner)
    bad = client.post(url("process_create"), {**data, "c-1-max_value": "0"})
    assert bad.status_code == 422
    assert "最高分须高于最低分。" in bad.content.decode()
    assert not ReviewProcess.objects.filter(title=data["title"]).exists()
    assert client.post(url("process_create"), data).status_code == 302
    process = ReviewProcess.objects.get(title=data["title"])
    assert list(process.rubric.criteria.values_list("name", "weight")) == [
        ("技术先进性", 60),
        ("可行性", 40),
    ]
    assert (process.rounds, process.panel_size, process.max_load) == (1, 3, 5)


def test_create_page_404_for_non_managers(scene: Scene) -> None:
    assert client_for(scene.world.owner_member).get(url("process_create")).status_code == 404


def test_transition_refusal_is_shown_in_chinese(scene: Scene) -> None:
    response = client_for(scene.runner).post(
        url("process_action", scene.process.pk, "start_assignment"), follow=True
    )
    assert response.status_code == 200
    scene.process.refresh_from_db()
    assert scene.process.status == "assigning"
    refused = client_for(scene.runner).post(
        url("process_action", scene.process.pk, "open_round_1"), follow=True
    )
    assert "评审专家不足" in refused.content.decode()
    scene.process.refresh_from_db()
    assert scene.process.status == "assigning"
