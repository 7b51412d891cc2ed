"""Moving the open round's scoring deadline (``round_deadline_set``): who may, when, what
is refused with nothing changed, what is recorded, who is told; a score the old deadline
would have refused is accepted after an extension; the API operation and the page form."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.audit.models import AuditEntry
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.notifications.models import Notification
from kechuang.review.choices import EventType, ProcessAction
from kechuang.review.models import ReviewEvent, ReviewProcess, Score
from kechuang.review.services import process_transition, round_deadline_set, score_submit
from tests.challenges.test_english import english, stored_text
from tests.conftest import client_for
from tests.review.conftest import GOOD_VALUES, Scene, active, user_of
from tests.review.test_api import api
from tests.review.test_deadlines import in_days, open_round_1, ready, shown
from tests.web.test_english import chinese_snippets, reference_data, strip
from tests.web.test_english import user_content as typed_content

pytestmark = pytest.mark.django_db

TITLE = "评分截止时间已调整：2026 年第一期揭榜挂帅评审"


def state(scene: Scene) -> tuple[Any, ...]:
    """What a refused move must leave as it was: the deadlines, events, audit, notes."""
    process = ReviewProcess.objects.get(pk=scene.process.pk)
    return (
        process.status,
        process.round_1_deadline,
        process.round_2_deadline,
        ReviewEvent.objects.filter(process=process).count(),
        AuditEntry.objects.count(),
        Notification.objects.count(),
    )


def moved_notes() -> list[Notification]:
    return list(Notification.objects.filter(kind="deadline", title=TITLE).order_by("id"))


# ----------------------------------------------------------------- refusals


@pytest.mark.parametrize("who", ["reviewer", "applicant", "outsider"])
def test_only_a_runner_moves_the_deadline(scene: Scene, who: str) -> None:
    open_round_1(scene, in_days(1))
    actor = {
        "reviewer": scene.user("陈热"),
        "applicant": scene.world.owner_admin,
        "outsider": scene.world.jiangsu_staff,
    }[who]
    before = state(scene)

    with pytest.raises(PermissionDenied) as exc:
        round_deadline_set(actor=actor, process=scene.process, deadline=in_days(3), reason="延期")

    assert exc.value.code == "permission_denied"
    assert exc.value.message == "只有组织单位或第三方评价机构的管理人员可以执行此操作。"
    assert state(scene) == before


@pytest.mark.parametrize("stage", ["setup", "assigning", "deciding"])
def test_no_open_round_is_refused_and_nothing_changes(scene: Scene, stage: str) -> None:
    labels = {"setup": "筹备", "assigning": "分配评审专家", "deciding": "决定"}
    if stage == "assigning":
        scene.to_assigning()
    elif stage == "deciding":
        open_round_1(scene, in_days(1))
        scene.score_all(1)
        for action in (ProcessAction.OPEN_ROUND_2, ProcessAction.CLOSE_ROUNDS):
            if action == ProcessAction.CLOSE_ROUNDS:
                scene.score_all(2)
            process_transition(actor=scene.runner, process=scene.process, action=action)
    before = state(scene)

    with pytest.raises(InvalidTransition) as exc:
        round_deadline_set(
            actor=scene.runner, process=scene.process, deadline=in_days(3), reason="延期"
        )

    assert exc.value.code == "invalid_transition"
    assert exc.value.message == (
        "只有在评分进行中（第一轮或第二轮评审）才能调整评分截止时间，"
        f"评审现处于“{labels[stage]}”状态。"
    )
    assert state(scene) == before


@pytest.mark.parametrize("minutes", [-60, 0])
def test_a_time_not_in_the_future_is_refused_and_nothing_changes(
    scene: Scene, minutes: int
) -> None:
    open_round_1(scene, in_days(1))
    before = state(scene)

    with pytest.raises(ValidationFailed) as exc:
        round_deadline_set(
            actor=scene.runner,
            process=scene.process,
            deadline=timezone.now() + datetime.timedelta(minutes=minutes),
            reason="延期",
        )

    assert exc.value.code == "validation_failed"
    assert exc.value.fields == {"deadline": ["评分截止时间须晚于现在。"]}
    assert state(scene) == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_no_reason_is_refused_and_nothing_changes(scene: Scene, reason: str) -> None:
    open_round_1(scene, in_days(1))
    before = state(scene)

    with pytest.raises(ValidationFailed) as exc:
        round_deadline_set(
            actor=scene.runner, process=scene.process, deadline=in_days(3), reason=reason
        )

    assert exc.value.fields == {"reason": ["请填写调整截止时间的理由。"]}
    assert state(scene) == before


def test_every_field_error_is_reported_at_once(scene: Scene) -> None:
    open_round_1(scene, in_days(1))

    with pytest.raises(ValidationFailed) as exc:
        round_deadline_set(
            actor=scene.runner, process=scene.process, deadline=in_days(-1), reason=""
        )

    assert exc.value.fields == {
        "deadline": ["评分截止时间须晚于现在。"],
        "reason": ["请填写调整截止时间的理由。"],
    }


@pytest.mark.parametrize("current", [True, False])
def test_the_same_deadline_again_is_refused(scene: Scene, current: bool) -> None:
    deadline = in_days(2)
    open_round_1(scene, deadline if current else None)
    before = state(scene)

    with pytest.raises(ValidationFailed) as exc:
        round_deadline_set(
            actor=scene.runner,
            process=scene.process,
            deadline=deadline if current else None,
            reason="重复提交",
        )

    assert exc.value.fields == {"deadline": ["与本轮现在的评分截止时间相同。"]}
    assert state(scene) == before


# ----------------------------------------------------------------- success


def test_extending_records_event_and_audit_and_tells_reviewers_who_owe_scores(
    scene: Scene,
) -> None:
    old, new = in_days(1), in_days(5)
    open_round_1(scene, old)
    # one reviewer scores everything they were given; the others still owe scores
    assignments = active(scene.process)
    done_user = user_of(assignments[0].member.expert)
    for a in assignments:
        if user_of(a.member.expert) == done_user:
            score_submit(actor=done_user, assignment=a, round=1, values=GOOD_VALUES)
    owing = {user_of(a.member.expert) for a in assignments} - {done_user}
    audits = AuditEntry.objects.count()

    process = round_deadline_set(
        actor=scene.evaluator_admin,
        process=scene.process,
        deadline=new,
        reason="  专家集中出差，延期四天  ",
    )

    stored = ReviewProcess.objects.get(pk=scene.process.pk)
    assert (process.round_1_deadline, stored.round_1_deadline) == (new, new)
    assert (stored.status, stored.round_2_deadline) == ("round_1", None)
    event = ReviewEvent.objects.filter(process=stored).order_by("id").last()
    assert event is not None
    assert (event.type, event.actor) == (EventType.DEADLINE_MOVED, scene.evaluator_admin)
    assert event.params == {
        "round": 1,
        "old": old.isoformat(),
        "new": new.isoformat(),
        "reason": "专家集中出差，延期四天",
    }
    assert AuditEntry.objects.count() == audits + 1
    entry = AuditEntry.objects.order_by("id").last()
    assert entry is not None
    assert (entry.action, entry.object_type, entry.object_id, entry.note) == (
        "update",
        "reviewprocess",
        str(stored.pk),
        "专家集中出差，延期四天",
    )
    assert entry.before is not None and entry.after is not None
    assert entry.after["round_1_deadline"] != entry.before["round_1_deadline"]
    notes = moved_notes()
    assert {n.recipient for n in notes} == owing and len(notes) == len(owing)
    body = f"第 1 轮评分截止时间调整为 {shown(new)}。理由：专家集中出差，延期四天"
    assert {n.body for n in notes} == {body}
    for n in notes:
        owed = [
            a
            for a in assignments
            if user_of(a.member.expert) == n.recipient and not Score.objects.filter(assignment=a)
        ]
        expected = (
            reverse("review:score", args=[owed[0].pk])
            if len(owed) == 1
            else reverse("review:my_tasks")
        )
        assert n.url == expected
        assert client_for(n.recipient).get(n.url).status_code == 200


def test_setting_bringing_forward_and_removing_the_deadline(scene: Scene) -> None:
    open_round_1(scene, None)
    first, earlier = in_days(6), in_days(2)

    round_deadline_set(actor=scene.runner, process=scene.process, deadline=first, reason="设定")
    round_deadline_set(actor=scene.runner, process=scene.process, deadline=earlier, reason="提前")
    round_deadline_set(actor=scene.runner, process=scene.process, deadline=None, reason="取消")

    assert ReviewProcess.objects.get(pk=scene.process.pk).round_1_deadline is None
    moves = ReviewEvent.objects.filter(type=EventType.DEADLINE_MOVED).order_by("id")
    assert [(e.params["old"], e.params["new"]) for e in moves] == [
        (None, first.isoformat()),
        (first.isoformat(), earlier.isoformat()),
        (earlier.isoformat(), None),
    ]
    note = (
        Notification.objects.filter(recipient=scene.user("陈热"), title=TITLE).order_by("id").last()
    )
    assert note is not None and note.body == "第 1 轮评分已不设截止时间。理由：取消"


def test_round_2_moves_its_own_deadline(scene: Scene) -> None:
    round_1 = in_days(1)
    open_round_1(scene, round_1)
    scene.score_all(1)
    process_transition(
        actor=scene.runner,
        process=scene.process,
        action=ProcessAction.OPEN_ROUND_2,
        deadline=in_days(2),
    )

    round_deadline_set(
        actor=scene.runner, process=scene.process, deadline=in_days(4), reason="会期"
    )

    process = ReviewProcess.objects.get(pk=scene.process.pk)
    assert (process.round_1_deadline, process.round_2_deadline) == (round_1, in_days(4))
    event = ReviewEvent.objects.filter(type=EventType.DEADLINE_MOVED).get()
    assert event.params["round"] == 2


def test_a_score_late_for_the_old_deadline_is_accepted_after_an_extension(scene: Scene) -> None:
    open_round_1(scene, in_days(1))
    new = in_days(3)
    round_deadline_set(actor=scene.runner, process=scene.process, deadline=new, reason="延期")
    # the old deadline has passed, the new one has not: now is two days on
    later = timezone.now() + datetime.timedelta(days=2)
    a = active(scene.process)[0]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: later)
        score = score_submit(
            actor=user_of(a.member.expert), assignment=a, round=1, values=GOOD_VALUES
        )

    assert score.pk is not None and Score.objects.filter(assignment=a, round=1).count() == 1


def test_a_score_after_a_deadline_brought_forward_is_refused(scene: Scene) -> None:
    open_round_1(scene, in_days(5))
    round_deadline_set(
        actor=scene.runner, process=scene.process, deadline=in_days(1), reason="提前"
    )
    later = timezone.now() + datetime.timedelta(days=2)
    a = active(scene.process)[0]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: later)
        with pytest.raises(InvalidTransition) as exc:
            score_submit(actor=user_of(a.member.expert), assignment=a, round=1, values=GOOD_VALUES)

    assert exc.value.code == "round_deadline_passed"
    assert Score.objects.count() == 0


# ----------------------------------------------------------------- API


def test_api_moves_the_deadline(scene: Scene) -> None:
    open_round_1(scene, in_days(1))
    new = in_days(4)

    r = api(scene.runner).post(
        f"/reviews/processes/{scene.process.pk}/round-deadline",
        {"deadline": new.isoformat(), "reason": "延期"},
    )

    assert r.status_code == 200, r.content
    assert datetime.datetime.fromisoformat(r.json()["round_1_deadline"]) == new
    assert ReviewProcess.objects.get(pk=scene.process.pk).round_1_deadline == new


def test_api_removes_the_deadline_with_null(scene: Scene) -> None:
    open_round_1(scene, in_days(1))

    r = api(scene.runner).post(
        f"/reviews/processes/{scene.process.pk}/round-deadline",
        {"deadline": None, "reason": "不再限时"},
    )

    assert (r.status_code, r.json()["round_1_deadline"]) == (200, None)


def test_api_refusals_carry_their_codes(scene: Scene) -> None:
    path = f"/reviews/processes/{scene.process.pk}/round-deadline"
    scene.to_assigning()
    before = state(scene)

    closed = api(scene.runner).post(path, {"deadline": in_days(2).isoformat(), "reason": "延期"})

    assert (closed.status_code, closed.json()["code"]) == (409, "invalid_transition")
    assert closed.headers["Content-Type"].startswith("application/problem+json")
    assert state(scene) == before


def test_api_refuses_a_past_time_with_422(scene: Scene) -> None:
    open_round_1(scene, in_days(1))
    before = state(scene)

    r = api(scene.runner).post(
        f"/reviews/processes/{scene.process.pk}/round-deadline",
        {"deadline": in_days(-1).isoformat(), "reason": "延期"},
    )

    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
    assert state(scene) == before


@pytest.mark.parametrize(
    ("who", "status"), [("reviewer", 403), ("outsider", 404), ("anonymous", 401)]
)
def test_api_permissions(scene: Scene, who: str, status: int) -> None:
    open_round_1(scene, in_days(1))
    user = {
        "reviewer": scene.user("陈热"),
        "outsider": scene.world.jiangsu_staff,
        "anonymous": None,
    }[who]
    before = state(scene)

    r = api(user).post(
        f"/reviews/processes/{scene.process.pk}/round-deadline",
        {"deadline": in_days(3).isoformat(), "reason": "延期"},
    )

    assert r.status_code == status, r.content
    assert state(scene) == before


# ----------------------------------------------------------------- page


def page(scene: Scene) -> str:
    return reverse("review:process_detail", args=[scene.process.pk])


def form_action(scene: Scene) -> str:
    return reverse("review:round_deadline", args=[scene.process.pk])


def test_the_form_shows_only_to_runners_while_a_round_is_open(scene: Scene) -> None:
    ready(scene)
    runner = client_for(scene.runner)
    assert form_action(scene) not in runner.get(page(scene)).content.decode()
    process_transition(actor=scene.runner, process=scene.process, action="open_round_1")

    html = runner.get(page(scene)).content.decode()
    reviewer = client_for(scene.user("陈热")).get(page(scene)).content.decode()

    assert form_action(scene) in html and 'name="reason"' in html
    assert form_action(scene) not in reviewer


def test_the_page_form_moves_the_deadline_and_shows_it(scene: Scene) -> None:
    open_round_1(scene, in_days(1))
    new = in_days(3)
    runner = client_for(scene.runner)

    r = runner.post(
        form_action(scene), {"deadline": new.strftime("%Y-%m-%dT%H:%M"), "reason": "延期"}
    )

    assert (r.status_code, r["Location"]) == (302, page(scene))
    assert ReviewProcess.objects.get(pk=scene.process.pk).round_1_deadline == new
    html = runner.get(page(scene)).content.decode()
    assert shown(new) in html
    assert "评分截止时间已调整，已通知尚未提交评分的专家。" in html


def test_the_page_form_shows_the_errors_on_its_fields(scene: Scene) -> None:
    deadline = in_days(1)
    open_round_1(scene, deadline)
    before = state(scene)

    r = client_for(scene.runner).post(
        form_action(scene),
        {"deadline": in_days(-1).strftime("%Y-%m-%dT%H:%M"), "reason": ""},
    )

    assert r.status_code == 422
    form = r.context["deadline_form"]
    assert form.errors == {
        "deadline": ["评分截止时间须晚于现在。"],
        "reason": ["请填写调整截止时间的理由。"],
    }
    html = r.content.decode()
    assert "评分截止时间须晚于现在。" in html and "请填写调整截止时间的理由。" in html
    assert state(scene) == before


def test_the_page_form_asks_for_a_time_or_the_removal(scene: Scene) -> None:
    open_round_1(scene, in_days(1))
    before = state(scene)

    r = client_for(scene.runner).post(form_action(scene), {"deadline": "", "reason": "延期"})

    assert r.status_code == 422
    assert r.context["deadline_form"].errors == {
        "deadline": ["请输入新的截止时间，或选择取消截止时间。"]
    }
    assert state(scene) == before

    client_for(scene.runner).post(form_action(scene), {"clear": "on", "reason": "不再限时"})
    assert ReviewProcess.objects.get(pk=scene.process.pk).round_1_deadline is None


def test_a_reviewer_cannot_post_the_form(scene: Scene) -> None:
    open_round_1(scene, in_days(1))
    before = state(scene)

    r = client_for(scene.user("陈热")).post(
        form_action(scene), {"deadline": in_days(3).strftime("%Y-%m-%dT%H:%M"), "reason": "延期"}
    )

    assert r.status_code == 403
    assert state(scene) == before


def test_the_form_and_its_errors_are_english(scene: Scene) -> None:
    open_round_1(scene, in_days(1))

    r = english(scene.runner).post(form_action(scene), {"deadline": "", "reason": ""})

    assert (r.status_code, r.headers["Content-Language"]) == (422, "en")
    html = r.content.decode()
    assert "Enter the new deadline, or tick “Remove the deadline”." in html
    assert "Round 1 scores due:" in html
    texts = typed_content() + reference_data() + stored_text("review", "challenges")
    assert chinese_snippets(strip(html, texts)) == []
