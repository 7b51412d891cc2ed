"""The reviewer's task page puts what needs their action first: an invitation waiting
for an answer above the answered ones (and above the tasks on a phone), tasks to score
now above the scored ones."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kechuang.review.choices import Purpose
from kechuang.review.selectors.pages import my_invitations, my_tasks
from kechuang.review.services import (
    member_invite,
    panel_create,
    process_create,
    score_submit,
)
from tests.conftest import client_for
from tests.review.conftest import Scene

pytestmark = pytest.mark.django_db


def test_a_pending_invitation_comes_before_answered_ones_and_finished_tasks(
    scene: Scene,
) -> None:
    # given an invitation to another review, sent before this review's panel was seated
    other = process_create(
        actor=scene.runner,
        organiser=scene.world.hangzhou,
        title="2026 年科普作品评审",
        purpose=Purpose.OTHER,
        rounds=1,
        rules={"panel_size": 1, "max_load": 5},
    )
    other_panel = panel_create(actor=scene.runner, process=other, name="科普组")
    member_invite(actor=scene.runner, panel=other_panel, expert=scene.experts["陈热"])
    # and this review's round 1 scored by everyone
    scene.to_round_1()
    scene.score_all(1)
    user = scene.user("陈热")

    invitations = list(my_invitations(user))
    tasks = my_tasks(user)
    page = client_for(user).get(reverse("review:my_tasks")).content.decode()

    assert [(m.panel.process.title, m.status) for m in invitations] == [
        ("2026 年科普作品评审", "invited"),
        ("2026 年第一期揭榜挂帅评审", "accepted"),
    ]
    assert tasks and not any(t.due for t in tasks)
    # the invitations' column comes first on a phone, the waiting one on top
    assert re.search(r'class="col-lg-5 order-first order-lg-last">\s*', page)
    section = page[page.index('id="invitations"') :]
    assert section.index("2026 年科普作品评审") < section.index("2026 年第一期揭榜挂帅评审")
    assert "1 个邀请待答复" in page


def test_tasks_to_score_now_come_first(scene: Scene) -> None:
    scene.to_round_1()
    user = scene.user("陈热")
    tasks = my_tasks(user)
    assert tasks and all(t.due for t in tasks)
    first = tasks[0]

    score_submit(
        actor=user,
        assignment=first.assignment,
        round=1,
        values={
            "技术价值": 30,
            "战略价值": 15,
            "社会价值": 10,
            "知识产权与人才产出": 10,
            "实施可行性": 5,
        },
    )

    after = my_tasks(user)

    assert [t.due for t in after] == [True] * (len(tasks) - 1) + [False]
    assert after[-1].assignment.pk == first.assignment.pk
