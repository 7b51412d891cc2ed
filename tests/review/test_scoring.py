"""Scores, revisions, rounds, calibration, ranking, decision, notice and objections."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.audit.models import AuditEntry
from kechuang.common.errors import Conflict as ConflictError
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.notifications.models import Notification
from kechuang.review.calibration import Entry, calibrate
from kechuang.review.choices import ProcessAction, ProcessStatus
from kechuang.review.models import Decision, Objection, ReviewItem, ReviewProcess, Score, ScoreLine
from kechuang.review.selectors import item_scores
from kechuang.review.services import (
    decision_record,
    notice_open,
    objection_file,
    objection_handle,
    process_transition,
    ranking,
    score_revise,
    score_submit,
    selected_subjects,
)
from tests.review.conftest import Scene, active, user_of

GOOD = {"技术价值": 36, "战略价值": 18, "社会价值": 12, "知识产权与人才产出": 12, "实施可行性": 8}


def _fresh(scene: Scene, n: int) -> ReviewItem:
    """The item as a gatekeeper loads it (with its process as it is now)."""
    return ReviewItem.objects.select_related("process").get(pk=scene.items[n].pk)


def _own(scene: Scene, item: int = 0):
    return next(a for a in active(scene.process) if a.item == scene.items[item])


def test_score_submit_totals_and_records(scene: Scene) -> None:
    scene.to_round_1()
    a = _own(scene)
    score = score_submit(
        actor=user_of(a.member.expert),
        assignment=a,
        round=1,
        values=GOOD,
        comment_private="路线可行",
        comment_shared="建议补充中试数据",
    )
    assert score.total == Decimal("86.00")
    assert ScoreLine.objects.filter(score=score).count() == 5
    assert AuditEntry.objects.filter(object_type="score", object_id=str(score.pk)).count() == 1


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({**GOOD, "技术价值": 41}, "技术价值", "分值须在 0–40 之间。"),
        ({**GOOD, "社会价值": -1}, "社会价值", "分值须在 0–15 之间。"),
        ({**GOOD, "实施可行性": "很好"}, "实施可行性", "请输入数字。"),
        ({k: v for k, v in GOOD.items() if k != "战略价值"}, "战略价值", "请为此项打分。"),
        ({**GOOD, "颜值": 3}, "颜值", "不是本评分标准的评分项。"),
    ],
)
def test_out_of_range_or_incomplete_score_refused(
    scene: Scene, values: dict, field: str, message: str
) -> None:
    scene.to_round_1()
    a = _own(scene)
    with pytest.raises(ValidationFailed) as exc:
        score_submit(actor=user_of(a.member.expert), assignment=a, round=1, values=values)
    assert exc.value.fields[field] == [message]
    assert not Score.objects.exists()


def test_scoring_unassigned_item_refused(scene: Scene) -> None:
    scene.to_round_1()
    a = _own(scene)
    stranger = next(
        m
        for m in scene.members.values()
        if not active(scene.process)
        or m.pk not in {x.member_id for x in active(scene.process) if x.item_id == a.item_id}
    )
    with pytest.raises(PermissionDenied) as exc:
        score_submit(actor=user_of(stranger.expert), assignment=a, round=1, values=GOOD)
    assert exc.value.code == "not_assigned"
    assert not Score.objects.exists()


def test_edit_after_submit_refused_and_chair_revision_kept(scene: Scene) -> None:
    scene.to_round_1()
    a = _own(scene)
    reviewer = user_of(a.member.expert)
    first = score_submit(actor=reviewer, assignment=a, round=1, values=GOOD)
    with pytest.raises(ConflictError) as exc:
        score_submit(actor=reviewer, assignment=a, round=1, values={**GOOD, "技术价值": 10})
    assert exc.value.code == "score_final"
    with pytest.raises(TypeError):
        first.save()
    with pytest.raises(TypeError):
        Score.objects.filter(pk=first.pk).update(total=0)
    with pytest.raises(PermissionDenied):  # no chair on the panel
        score_revise(actor=reviewer, score=first, values=GOOD, reason="笔误")
    assert Score.objects.count() == 1


def test_chair_revises_with_reason(scene: Scene) -> None:
    from kechuang.review.services import invitation_respond, member_invite
    from tests.review.conftest import make_expert

    chair = make_expert("组长", frontline=True)
    m = member_invite(actor=scene.runner, panel=scene.panel, expert=chair, role="chair")
    invitation_respond(actor=user_of(chair), member=m, accept=True)
    scene.to_round_1()
    a = next(x for x in active(scene.process) if x.member.expert != chair)
    first = score_submit(actor=user_of(a.member.expert), assignment=a, round=1, values=GOOD)
    with pytest.raises(ValidationFailed):
        score_revise(actor=user_of(chair), score=first, values=GOOD, reason="")
    second = score_revise(
        actor=user_of(chair),
        score=first,
        values={**GOOD, "技术价值": 26},
        reason="评审会议纠正笔误",
    )
    assert (second.revision, second.total, second.revision_reason) == (
        2,
        Decimal("76.00"),
        "评审会议纠正笔误",
    )
    assert list(Score.objects.filter(assignment=a).values_list("revision", flat=True)) == [1, 2]


def test_calibration_on_a_fixed_example() -> None:
    # reviewers A (lenient) and B (strict) both score items x and y; C scores only x.
    entries = [
        Entry("A", "x", 90.0),
        Entry("A", "y", 80.0),
        Entry("B", "x", 70.0),
        Entry("B", "y", 50.0),
        Entry("C", "x", 40.0),
    ]
    result = calibrate(entries)
    # μ = 330 / 5 = 66; μA = 85 → +19; μB = 60 → −6; C has one score → 0
    assert result.offsets == {"A": pytest.approx(19.0), "B": pytest.approx(-6.0), "C": 0.0}
    x, y = result.items["x"], result.items["y"]
    assert x.mean == pytest.approx(200 / 3)
    assert x.calibrated == pytest.approx(((90 - 19) + (70 + 6) + 40) / 3)  # 62.333…
    assert y.mean == pytest.approx(65.0)
    assert y.calibrated == pytest.approx(((80 - 19) + (50 + 6)) / 2)  # 58.5
    # x: totals 90, 70, 40 → pstdev 20.548 ≥ 15 → disagreement; C is 40 from median 80 → outlier;
    # A is 35 from median(70, 40) = 55 → outlier; B is 5 from median(90, 40) = 65 → not.
    assert x.spread == pytest.approx(20.5480466)
    assert x.disagreement is True
    assert x.outliers == ("A", "C")
    assert y.spread == pytest.approx(15.0)
    assert y.disagreement is True
    assert y.outliers == ()


def _through_rounds(scene: Scene) -> None:
    scene.to_round_1()
    scene.score_all(1)
    process_transition(
        actor=scene.runner,
        process=scene.process,
        action=ProcessAction.OPEN_ROUND_2,
        advancing_item_ids=[scene.items[0].pk, scene.items[1].pk],
    )
    scene.score_all(2)
    process_transition(actor=scene.runner, process=scene.process, action=ProcessAction.CLOSE_ROUNDS)


def test_two_rounds_ranking_and_elimination(scene: Scene) -> None:
    scene.to_round_1()
    with pytest.raises(InvalidTransition) as exc:
        process_transition(
            actor=scene.runner, process=scene.process, action=ProcessAction.OPEN_ROUND_2
        )
    assert "第 1 轮还有 9 份评分未提交" in exc.value.message
    scene.score_all(1)
    ranked = ranking(process=scene.process, round=1)
    assert [(r.total, r.calibrated, r.scores, r.flags) for r in ranked] == [(70.0, 70.0, 3, ())] * 3
    process_transition(
        actor=scene.runner,
        process=scene.process,
        action=ProcessAction.OPEN_ROUND_2,
        advancing_item_ids=[scene.items[0].pk],
    )
    scene.items[2].refresh_from_db()
    assert scene.items[2].eliminated_after_round == 1
    assert [r.item for r in ranking(process=scene.process, round=2)] == [scene.items[0]]
    eliminated = next(a for a in active(scene.process) if a.item == scene.items[2])
    with pytest.raises(InvalidTransition):
        score_submit(
            actor=user_of(eliminated.member.expert), assignment=eliminated, round=2, values=GOOD
        )


def test_round_1_scores_are_independent_then_shared_in_the_meeting(scene: Scene) -> None:
    scene.to_round_1()
    rows = [a for a in active(scene.process) if a.item == scene.items[0]]
    score_submit(actor=user_of(rows[0].member.expert), assignment=rows[0], round=1, values=GOOD)
    other = user_of(rows[1].member.expert)
    assert item_scores(other, _fresh(scene, 0), round=1) == []
    assert len(item_scores(scene.runner, _fresh(scene, 0), round=1)) == 1
    # applicants see nothing before the notice
    assert item_scores(scene.world.owner_admin, _fresh(scene, 0), round=1) == []


def test_decision_notice_objection_final(scene: Scene) -> None:
    _through_rounds(scene)
    with pytest.raises(ValidationFailed):
        decision_record(
            actor=scene.runner,
            process=scene.process,
            selected_item_ids=[scene.items[0].pk],
            justification=" ",
        )
    with pytest.raises(PermissionDenied):  # the evaluator runs, the organiser decides
        decision_record(
            actor=scene.evaluator_admin,
            process=scene.process,
            selected_item_ids=[scene.items[0].pk],
            justification="综合排名第一",
        )
    assert not Decision.objects.exists()
    decision = decision_record(
        actor=scene.runner,
        process=scene.process,
        selected_item_ids=[scene.items[0].pk],
        justification="两轮评审综合排名第一，技术路线成熟。",
    )
    with pytest.raises(ConflictError) as exc:
        decision_record(
            actor=scene.runner,
            process=scene.process,
            selected_item_ids=[scene.items[1].pk],
            justification="改选",
        )
    assert exc.value.code == "decision_exists"
    assert Decision.objects.get().pk == decision.pk
    with pytest.raises(TypeError):
        decision.save()
    with pytest.raises(InvalidTransition):
        selected_subjects(scene.process)
    notice_open(actor=scene.runner, process=scene.process, days=5)
    scene.process.refresh_from_db()
    assert scene.process.status == ProcessStatus.NOTICE
    # applicants now see the shared comments, anonymously
    feedback = item_scores(scene.world.owner_admin, _fresh(scene, 0), round=2)
    assert [(v.reviewer, v.comment_private, v.lines) for v in feedback] == [
        ("专家 1", None, {}),
        ("专家 2", None, {}),
        ("专家 3", None, {}),
    ]
    objection = objection_file(
        actor=scene.world.other_admin, process=scene.process, text="评审专家与获选单位有合作关系"
    )
    with pytest.raises(InvalidTransition):  # the notice has not ended
        process_transition(actor=scene.runner, process=scene.process, action=ProcessAction.FINALISE)
    # the notice period passes
    past = timezone.now() - datetime.timedelta(days=6)
    ReviewProcess.objects.filter(pk=scene.process.pk).update(
        notice_starts_at=past, notice_ends_at=past + datetime.timedelta(days=5)
    )
    with pytest.raises(InvalidTransition) as exc:  # an objection is open
        process_transition(actor=scene.runner, process=scene.process, action=ProcessAction.FINALISE)
    assert exc.value.message == "还有未处理的异议。"
    with pytest.raises(ValidationFailed):
        objection_handle(actor=scene.runner, objection=objection, upheld=False, answer="")
    objection_handle(
        actor=scene.runner, objection=objection, upheld=False, answer="经核查无合作关系"
    )
    with pytest.raises(InvalidTransition):
        objection_handle(actor=scene.runner, objection=objection, upheld=True, answer="改判")
    objection.refresh_from_db()
    assert (objection.status, objection.answer) == ("rejected", "经核查无合作关系")
    with pytest.raises(InvalidTransition):  # the notice period is over
        objection_file(actor=scene.world.other_admin, process=scene.process, text="再提")
    assert Objection.objects.count() == 1
    process_transition(actor=scene.runner, process=scene.process, action=ProcessAction.FINALISE)
    assert selected_subjects(scene.process) == [("challenges.application", 100)]
    assert (
        Notification.objects.filter(kind="objection", recipient=scene.world.other_admin).count()
        == 1
    )
    assert Notification.objects.filter(kind="decision").exists()


def test_invitations_notify_the_expert(scene: Scene) -> None:
    scene.invite_all()
    chen = scene.user("陈热")
    notes = Notification.objects.filter(recipient=chen, kind="invitation")
    assert [n.title for n in notes] == ["邀请您参加评审：2026 年第一期揭榜挂帅评审"]


def test_meeting_round_sees_round_1_aggregates_of_its_panel(scene: Scene) -> None:
    from kechuang.review.models import Panel
    from kechuang.review.selectors import panel_ranking

    scene.to_round_1()
    scene.score_all(1)
    process_transition(actor=scene.runner, process=scene.process, action=ProcessAction.OPEN_ROUND_2)
    a = _own(scene)
    member = user_of(a.member.expert)
    panel = Panel.objects.select_related("process").get(pk=scene.panel.pk)
    rows = panel_ranking(member, panel, round=1)
    assert [(r.total, r.calibrated, r.scores) for r in rows] == [(70.0, 70.0, 3)] * 3
    # in the meeting every member of the panel sees the round-1 scores, names and comments
    views = item_scores(member, _fresh(scene, 0), round=1)
    assert len(views) == 3 and all(v.reviewer for v in views)
    # someone outside the panel sees nothing
    assert panel_ranking(scene.world.owner_admin, panel, round=1) == []
