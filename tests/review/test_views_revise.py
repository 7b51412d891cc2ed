"""The chair's score correction page: old and new values side by side, refusals in
Chinese with nothing changed, and only the panel's chair may correct."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kechuang.review.choices import ProcessAction
from kechuang.review.models import Criterion, Score
from kechuang.review.services import (
    invitation_respond,
    member_invite,
    process_transition,
    score_submit,
)
from tests.conftest import client_for
from tests.review.conftest import GOOD_VALUES, Scene, active, make_expert, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def chaired(scene: Scene) -> tuple[Scene, Any, Score]:
    """Round 1 open with an accepted chair; one reviewer has scored (技术价值 30)."""
    chair = make_expert("组长", frontline=True)
    m = member_invite(actor=scene.runner, panel=scene.panel, expert=chair, role="chair")
    invitation_respond(actor=user_of(chair), member=m, accept=True)
    scene.to_round_1()
    a = next(x for x in active(scene.process) if x.member.expert != chair)
    score = score_submit(actor=user_of(a.member.expert), assignment=a, round=1, values=GOOD_VALUES)
    return scene, user_of(chair), score


def form_data(values: dict[str, Any], reason: str) -> dict[str, Any]:
    by_name = {c.name: c.pk for c in Criterion.objects.all()}
    return {**{f"c{by_name[k]}": v for k, v in values.items()}, "reason": reason}


def page(score: Score) -> str:
    return reverse("review:score_revise", args=[score.pk])


def test_chair_corrects_a_score_and_both_versions_stay_visible(chaired: Any) -> None:
    _scene, chair, score = chaired
    client = client_for(chair)
    assert 'value="30"' in client.get(page(score)).content.decode()  # today's values

    r = client.post(page(score), form_data({**GOOD_VALUES, "技术价值": 20}, "组长复核纠正笔误"))

    assert r.status_code == 302
    rows = Score.objects.filter(assignment=score.assignment).order_by("revision")
    assert [(s.revision, str(s.total), s.revision_reason) for s in rows] == [
        (1, "70.00", ""),
        (2, "60.00", "组长复核纠正笔误"),
    ]
    html = client.get(page(score)).content.decode()
    assert "原评分" in html and "第 2 版" in html and "组长复核纠正笔误" in html
    assert ">30<" in html and ">20<" in html and ">70.00<" in html and ">60.00<" in html
    # the first revision is no longer the one to correct
    assert "该评分已有更新的版本。" in html


@pytest.mark.parametrize(
    ("values", "reason", "message"),
    [
        ({**GOOD_VALUES, "技术价值": 20}, "  ", "请写明更正的理由。"),
        ({**GOOD_VALUES, "技术价值": 41}, "超出范围", "分值须在 0–40 之间。"),
        ({**GOOD_VALUES, "技术价值": ""}, "漏填", "请输入数字。"),
    ],
)
def test_refusals_are_shown_in_chinese_and_change_nothing(
    chaired: Any, values: dict[str, Any], reason: str, message: str
) -> None:
    _scene, chair, score = chaired

    r = client_for(chair).post(page(score), form_data(values, reason))

    assert r.status_code == 422
    assert message in r.content.decode()
    assert Score.objects.filter(assignment=score.assignment).count() == 1


def test_only_the_chair_may_correct(chaired: Any) -> None:
    scene, _chair, score = chaired
    body = form_data({**GOOD_VALUES, "技术价值": 20}, "越权")
    reviewer = user_of(score.assignment.member.expert)

    assert client_for(reviewer).post(page(score), body).status_code == 403
    assert client_for(scene.world.jiangsu_staff).post(page(score), body).status_code == 404
    assert client_for(scene.runner).post(page(score), body).status_code == 403
    assert Score.objects.filter(assignment=score.assignment).count() == 1


def test_panel_page_links_the_chair_to_the_correction_in_the_meeting_round(chaired: Any) -> None:
    scene, chair, first = chaired
    for a in active(scene.process):
        if a.pk != first.assignment_id:
            score_submit(actor=user_of(a.member.expert), assignment=a, round=1, values=GOOD_VALUES)
    process_transition(actor=scene.runner, process=scene.process, action=ProcessAction.OPEN_ROUND_2)
    scene.score_all(2)
    panel = reverse("review:panel_detail", args=[scene.panel.pk])
    round_2 = Score.objects.filter(round=2).order_by("id").first()
    assert round_2 is not None

    chair_html = client_for(chair).get(panel).content.decode()
    reviewer = user_of(first.assignment.member.expert)  # a member, not the chair
    reviewer_html = client_for(reviewer).get(panel).content.decode()

    assert page(round_2) in chair_html
    assert "/revise/" not in reviewer_html


def test_correction_page_is_english_after_a_correction(chaired: Any) -> None:
    from tests.review.test_english import chinese_on

    _scene, chair, score = chaired
    client_for(chair).post(page(score), form_data({**GOOD_VALUES, "技术价值": 20}, "纠正笔误"))

    assert chinese_on(chair, [page(score)]) == {}
