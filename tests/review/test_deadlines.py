"""Round deadlines: set when a round opens, shown to the reviewer (tasks page, score form,
round-opened notification), and a score after the deadline is refused, nothing changed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.audit.models import AuditEntry
from kechuang.common.errors import InvalidTransition, ValidationFailed
from kechuang.notifications.models import Notification
from kechuang.review.choices import EventType, ProcessAction
from kechuang.review.models import ReviewEvent, ReviewProcess, Score
from kechuang.review.services import assignment_solve, process_transition, score_submit
from tests.conftest import client_for
from tests.review.conftest import GOOD_VALUES, Scene, active, user_of
from tests.review.test_api import api

pytestmark = pytest.mark.django_db


def in_days(days: int) -> datetime.datetime:
    """A whole minute ``days`` from now, in the current time zone (what pages show)."""
    return timezone.localtime().replace(second=0, microsecond=0) + datetime.timedelta(days=days)


def shown(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def ready(scene: Scene) -> None:
    """Everything up to, not including, opening round 1."""
    scene.to_assigning()
    assignment_solve(actor=scene.runner, process=scene.process)
    scene.accept_all()


def open_round_1(scene: Scene, deadline: datetime.datetime | None) -> ReviewProcess:
    ready(scene)
    return process_transition(
        actor=scene.runner,
        process=scene.process,
        action=ProcessAction.OPEN_ROUND_1,
        deadline=deadline,
    )


def test_opening_a_round_records_the_deadline_and_tells_the_reviewers(scene: Scene) -> None:
    deadline = in_days(3)

    process = open_round_1(scene, deadline)

    assert (process.round_1_deadline, process.round_2_deadline) == (deadline, None)
    event = ReviewEvent.objects.filter(process=process, type=EventType.TRANSITION).last()
    assert event is not None and event.params["deadline"] == deadline.isoformat()
    note = Notification.objects.get(recipient=scene.user("陈热"), kind="deadline")
    assert note.body == f"请在 {shown(deadline)} 前提交评分。"


def test_a_round_without_deadline_keeps_the_general_reminder(scene: Scene) -> None:
    process = open_round_1(scene, None)

    assert process.round_1_deadline is None
    note = Notification.objects.get(recipient=scene.user("陈热"), kind="deadline")
    assert note.body == "请在截止前提交评分。"


@pytest.mark.parametrize("days", [-1, 0])
def test_a_deadline_not_in_the_future_is_refused_and_nothing_changes(
    scene: Scene, days: int
) -> None:
    ready(scene)
    events = ReviewEvent.objects.count()

    with pytest.raises(ValidationFailed) as exc:
        process_transition(
            actor=scene.runner,
            process=scene.process,
            action=ProcessAction.OPEN_ROUND_1,
            deadline=timezone.now() + datetime.timedelta(days=days),
        )

    assert exc.value.fields == {"deadline": ["评分截止时间须晚于现在。"]}
    process = ReviewProcess.objects.get(pk=scene.process.pk)
    assert (process.status, process.round_1_deadline) == ("assigning", None)
    assert ReviewEvent.objects.count() == events
    assert not Notification.objects.filter(kind="deadline").exists()


def test_a_deadline_on_another_action_is_refused(scene: Scene) -> None:
    open_round_1(scene, None)
    scene.score_all(1)

    with pytest.raises(ValidationFailed) as exc:
        process_transition(
            actor=scene.runner,
            process=scene.process,
            action=ProcessAction.CLOSE_ROUNDS,
            deadline=in_days(1),
        )

    assert exc.value.fields == {"deadline": ["此操作不接受该参数。"]}
    assert ReviewProcess.objects.get(pk=scene.process.pk).status == "round_1"


def test_a_score_after_the_deadline_is_refused_and_nothing_changes(scene: Scene) -> None:
    open_round_1(scene, in_days(2))
    a = active(scene.process)[0]
    score_submit(actor=user_of(a.member.expert), assignment=a, round=1, values=GOOD_VALUES)
    passed = timezone.now() - datetime.timedelta(minutes=1)
    # the deadline passes (a test shortcut: services never move a deadline back)
    ReviewProcess.objects.filter(pk=scene.process.pk).update(round_1_deadline=passed)
    late = active(scene.process)[1]
    reviewer = user_of(late.member.expert)
    scores, audits = Score.objects.count(), AuditEntry.objects.count()

    with pytest.raises(InvalidTransition) as exc:
        score_submit(actor=reviewer, assignment=late, round=1, values=GOOD_VALUES)

    assert exc.value.code == "round_deadline_passed"
    assert exc.value.message == f"第 1 轮评分已于 {shown(passed)} 截止。"
    assert (Score.objects.count(), AuditEntry.objects.count()) == (scores, audits)


def test_round_2_has_its_own_deadline(scene: Scene) -> None:
    open_round_1(scene, in_days(1))
    scene.score_all(1)
    deadline = in_days(5)

    process = process_transition(
        actor=scene.runner,
        process=scene.process,
        action=ProcessAction.OPEN_ROUND_2,
        deadline=deadline,
    )

    assert process.round_deadline(2) == deadline
    scene.score_all(2)  # round 1's deadline does not apply to round 2
    assert Score.objects.filter(round=2).count() == 9


def test_tasks_page_and_score_form_show_the_deadline(scene: Scene) -> None:
    deadline = in_days(3)
    open_round_1(scene, deadline)
    a = active(scene.process)[0]
    reviewer = client_for(user_of(a.member.expert))

    tasks = reviewer.get(reverse("review:my_tasks")).content.decode()
    card = reviewer.get(reverse("review:tasks_card")).content.decode()
    form = reviewer.get(reverse("review:score", args=[a.pk])).content.decode()

    for html in (tasks, card, form):
        assert f"评分截止：{shown(deadline)}" in html


def test_the_runner_sets_the_deadline_on_the_process_page(scene: Scene) -> None:
    ready(scene)
    page = reverse("review:process_detail", args=[scene.process.pk])
    action = reverse("review:process_action", args=[scene.process.pk, "open_round_1"])
    runner = client_for(scene.runner)
    assert 'name="deadline"' in runner.get(page).content.decode()

    bad = runner.post(action, {"deadline": "明天"}, follow=True)
    assert "请输入有效的评分截止时间。" in bad.content.decode()
    assert ReviewProcess.objects.get(pk=scene.process.pk).status == "assigning"

    deadline = in_days(4)
    runner.post(action, {"deadline": deadline.strftime("%Y-%m-%dT%H:%M")})
    process = ReviewProcess.objects.get(pk=scene.process.pk)
    assert (process.status, process.round_1_deadline) == ("round_1", deadline)


def test_the_api_sets_the_deadline_and_refuses_late_scores(scene: Scene) -> None:
    ready(scene)
    deadline = in_days(2)
    path = f"/reviews/processes/{scene.process.pk}/transitions"

    r = api(scene.runner).post(path, {"action": "open_round_1", "deadline": deadline.isoformat()})

    assert r.status_code == 200, r.content
    body = r.json()
    got = datetime.datetime.fromisoformat(body["round_1_deadline"])
    assert (got, body["round_2_deadline"]) == (deadline, None)
    ReviewProcess.objects.filter(pk=scene.process.pk).update(
        round_1_deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    a = active(scene.process)[0]
    late = api(user_of(a.member.expert)).post(
        f"/reviews/assignments/{a.pk}/scores", {"round": 1, "values": GOOD_VALUES}
    )
    assert (late.status_code, late.json()["code"]) == (409, "round_deadline_passed")
    assert Score.objects.count() == 0
