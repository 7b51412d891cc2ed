"""Every review notification links to the page where its recipient acts on it, and that
page opens for that recipient."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kechuang.notifications.models import Notification
from kechuang.review.choices import ProcessAction
from kechuang.review.services import (
    invitation_respond,
    objection_file,
    objection_handle,
    process_transition,
)
from tests.conftest import client_for
from tests.review.conftest import Scene
from tests.review.test_views import to_notice

pytestmark = pytest.mark.django_db


def links(user: object, kind: str) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(recipient=user, kind=kind).order_by("id")
    return [(n.title, n.url) for n in rows]


def opens(user: object, url: str) -> bool:
    return client_for(user).get(url).status_code == 200


def test_invitation_links_to_the_reviewers_tasks_and_the_answer_to_the_panel(
    scene: Scene,
) -> None:
    scene.invite_all()
    chen = scene.user("陈热")
    invitation_respond(actor=chen, member=scene.member("陈热"), accept=True)

    assert links(chen, "invitation") == [
        ("邀请您参加评审：2026 年第一期揭榜挂帅评审", "/reviews/my/")
    ]
    panel_page = reverse("review:panel_detail", args=[scene.panel.pk])
    assert links(scene.runner, "invitation") == [
        (
            "浙江科技评估中心接受了邀请：担任评审“2026 年第一期揭榜挂帅评审”的第三方评价机构",
            reverse("review:process_detail", args=[scene.process.pk]),
        ),
        ("陈热答复了评审邀请：已接受", panel_page),
    ]
    assert opens(chen, "/reviews/my/") and opens(scene.runner, panel_page)


def test_round_opened_links_to_my_tasks(scene: Scene) -> None:
    scene.to_round_1()
    chen = scene.user("陈热")

    assert links(chen, "deadline") == [("评审已开始：2026 年第一期揭榜挂帅评审", "/reviews/my/")]


def test_notice_and_objections_link_to_the_notice_page(scene: Scene) -> None:
    to_notice(scene)
    notice = reverse("review:notice", args=[scene.process.pk])
    objector = scene.world.other_admin

    objection = objection_file(actor=objector, process=scene.process, text="入选单位与专家有合作")
    objection_handle(actor=scene.runner, objection=objection, upheld=False, answer="经核查无合作")

    anchor = f"{notice}#objection-{objection.pk}"
    assert links(scene.runner, "decision") == [("评审结果公示：2026 年第一期揭榜挂帅评审", notice)]
    assert links(scene.runner, "objection") == [("收到异议：2026 年第一期揭榜挂帅评审", anchor)]
    assert links(objector, "objection") == [("您的异议已处理：异议不成立", anchor)]
    html = client_for(scene.runner).get(notice).content.decode()
    assert f'id="objection-{objection.pk}"' in html and opens(objector, notice)


def test_a_round_opened_in_a_later_transition_links_the_same_way(scene: Scene) -> None:
    scene.to_round_1()
    scene.score_all(1)
    process_transition(actor=scene.runner, process=scene.process, action=ProcessAction.OPEN_ROUND_2)

    urls = {n.url for n in Notification.objects.filter(kind="deadline")}
    assert urls == {"/reviews/my/"}
