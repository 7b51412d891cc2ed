"""In Chromium (screenshots in var/screens/layout-review-*.png): on a phone the waiting
invitation comes above six finished tasks; an "other" review's runner adds an item."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from kechuang.review.choices import Purpose
from kechuang.review.services import member_invite, panel_create, process_create
from tests.browser.conftest import (  # noqa: F401  (fixtures and the Chromium launch)
    CHROMIUM,
    browser_context_args,
    browser_type_launch_args,
    screenshot,
)
from tests.review.conftest import Scene
from tests.review.test_views_browser import as_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
]


def test_waiting_invitation_first_on_a_phone_and_adding_an_item(
    page: Page,
    live_server: Any,
    scene: Scene,
    screenshot: Any,  # noqa: F811
) -> None:
    base = live_server.url
    other = process_create(
        actor=scene.runner,
        organiser=scene.world.hangzhou,
        title="2026 年科普作品评审",
        purpose=Purpose.OTHER,
        rounds=1,
        rules={"panel_size": 1, "max_load": 5},
    )
    panel = panel_create(actor=scene.runner, process=other, name="科普组")
    member_invite(actor=scene.runner, panel=panel, expert=scene.experts["陈热"])
    scene.to_round_1()
    scene.score_all(1)

    as_user(page, base, scene.user("陈热"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/reviews/my/")
    invitations = page.locator("#invitations")
    expect(invitations).to_be_in_viewport()
    expect(invitations.locator(".list-group-item").first).to_contain_text("2026 年科普作品评审")
    screenshot("layout-review-01-tasks-phone", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 860})

    as_user(page, base, scene.runner)
    page.goto(f"{base}/reviews/{other.pk}/")
    form = page.locator("#item-create")
    form.locator("input[name=title]").fill("《走进储能电站》科普视频")
    form.locator("textarea[name=text]").fill("面向中学生的储能电站科普视频。")
    form.locator("select[name=organization]").select_option(str(scene.world.enterprise.pk))
    form.locator("button[type=submit]").click()
    expect(page.locator("text=评审对象已添加。")).to_be_visible()
    expect(page.locator("td a", has_text="《走进储能电站》科普视频")).to_be_visible()
    screenshot("layout-review-02-other-items")
