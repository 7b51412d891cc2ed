"""The main review pages in Chromium, for each role, with screenshots in var/screens/
(review-*.png) — on a desktop and, for the reviewer's score form, on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from kechuang.review.choices import ProcessAction
from kechuang.review.services import (
    decision_record,
    notice_open,
    process_transition,
    score_submit,
)
from tests.browser.conftest import (  # noqa: F401  (fixtures and the Chromium launch)
    CHROMIUM,
    browser_context_args,
    browser_type_launch_args,
    screenshot,
)
from tests.review.conftest import Scene, active, user_of
from tests.review.test_views import VALUES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
]


def as_user(page: Page, base: str, user: Any) -> None:
    """Sign the browser in as ``user`` (session cookie from the test client)."""
    page.context.clear_cookies()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )


def test_review_pages_for_each_role(
    page: Page,
    live_server: Any,
    scene: Scene,
    screenshot: Any,  # noqa: F811
) -> None:
    base = live_server.url
    process = scene.process
    scene.to_assigning()
    as_user(page, base, scene.runner)
    page.goto(f"{base}/reviews/{process.pk}/assignment/")
    page.click("text=求解最优分配")
    expect(page.locator(".kc-matrix").first).to_be_visible()
    screenshot("review-01-assignment-matrix")
    page.goto(f"{base}/reviews/{process.pk}/assignment/?view=list")
    screenshot("review-02-assignment-list")
    page.goto(f"{base}/reviews/{process.pk}/conflicts/")
    page.click("text=自动检测")
    screenshot("review-03-conflicts")
    page.goto(f"{base}/reviews/new/")
    screenshot("review-04-setup")

    scene.accept_all()
    process_transition(actor=scene.runner, process=process, action=ProcessAction.OPEN_ROUND_1)
    a = active(process)[0]
    reviewer = user_of(a.member.expert)
    as_user(page, base, reviewer)
    page.goto(f"{base}/workspace/")
    expect(page.locator("#widget-review-tasks")).to_be_visible()
    screenshot("review-05-workspace-card")
    page.goto(f"{base}/reviews/assignments/{a.pk}/")
    criteria = list(process.rubric.criteria.order_by("position"))
    page.fill(f"input[name=c{criteria[0].pk}]", "45")
    for c, v in zip(criteria[1:], ("15", "10", "10", "5"), strict=True):
        page.fill(f"input[name=c{c.pk}]", v)
    page.fill("textarea[name=comment_private]", "指标偏乐观")
    page.fill("textarea[name=comment_shared]", "建议补充中试数据")
    # the browser's own range check would stop 45; send it as a server-side refusal
    page.eval_on_selector("form:has(textarea[name=comment_shared])", "f => f.noValidate = true")
    page.click("text=提交评分")
    expect(page.locator("body")).to_contain_text("分值须在 0–40 之间。")
    screenshot("review-06-score-refused")
    page.fill(f"input[name=c{criteria[0].pk}]", "32")
    page.click("text=提交评分")
    expect(page.locator("body")).to_contain_text("不能修改")
    screenshot("review-07-score-read-only")

    for x in active(process):
        if x.pk != a.pk:
            score_submit(actor=user_of(x.member.expert), assignment=x, round=1, values=VALUES)
    process_transition(actor=scene.runner, process=process, action=ProcessAction.OPEN_ROUND_2)
    b = next(x for x in active(process) if x.member_id == a.member_id)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/reviews/assignments/{b.pk}/")
    expect(page.locator("body")).to_contain_text("第一轮（网评）结果")
    screenshot("review-08-round2-phone")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(f"{base}/reviews/panels/{scene.panel.pk}/")
    screenshot("review-09-panel")

    scene.score_all(2)
    process_transition(actor=scene.runner, process=process, action=ProcessAction.CLOSE_ROUNDS)
    as_user(page, base, scene.runner)
    page.goto(f"{base}/reviews/{process.pk}/ranking/")
    screenshot("review-10-ranking")
    page.goto(f"{base}/reviews/{process.pk}/decision/")
    screenshot("review-11-decision-form")
    decision_record(
        actor=scene.runner,
        process=process,
        selected_item_ids=[scene.items[0].pk],
        justification="技术路线清晰，指标可达，团队具备中试条件。",
    )
    notice_open(actor=scene.runner, process=process, days=7)
    page.goto(f"{base}/reviews/{process.pk}/")
    screenshot("review-12-overview-runner")

    as_user(page, base, None)
    page.goto(f"{base}/reviews/{process.pk}/notice/")
    expect(page.locator("body")).to_contain_text("登录后可以在公示期内提出异议。")
    screenshot("review-13-notice-public")
    as_user(page, base, scene.world.owner_admin)
    page.goto(f"{base}/reviews/items/{scene.items[0].pk}/")
    expect(page.locator("body")).to_contain_text("专家 A")
    expect(page.locator("body")).not_to_contain_text("指标偏乐观")
    screenshot("review-14-applicant-feedback")
