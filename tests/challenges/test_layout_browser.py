"""Layout of what issue 9 found, in Chromium (screenshots in var/screens/layout-*.png):
the workspace card's headed sections, the organiser's page without dead links, an
acceptance's missed indicator and the subsidy ratio as a percentage."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from kechuang.challenges import models as m
from kechuang.challenges.services.acceptance import acceptance_publish, acceptance_record
from kechuang.challenges.services.calls import call_create
from tests.browser.conftest import (  # noqa: F401  (fixtures and the Chromium launch)
    CHROMIUM,
    browser_context_args,
    browser_type_launch_args,
    screenshot,
)
from tests.challenges.conftest import Tree, call_data
from tests.challenges.test_acceptance_display import battery_project  # noqa: F401
from tests.challenges.test_views_browser import as_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
]


def test_workspace_manage_page_and_acceptance(
    page: Page,
    live_server: Any,
    tree: Tree,
    battery_project: m.Project,  # noqa: F811
    screenshot: Any,  # noqa: F811
) -> None:
    base = live_server.url
    call_create(actor=tree.lab_admin, organiser=tree.lab, **call_data(title="实验室自设榜单"))
    acceptance = acceptance_record(
        actor=tree.national_staff,
        project=battery_project,
        results=[{"name": "单次充电续航", "achieved": "41", "met": False}],
        verdict="failed",
        summary="续航未达到承诺",
    )
    acceptance_publish(actor=tree.national_staff, acceptance=acceptance)

    as_user(page, base, tree.lab_admin)
    page.goto(f"{base}/workspace/")
    card = page.locator("#my-challenges")
    expect(card.locator("h3", has_text="我组织的榜单")).to_be_visible()
    expect(card.locator("h3", has_text="我的揭榜申请")).to_be_visible()
    expect(card.locator("h3", has_text="我的项目")).to_be_visible()
    card.screenshot(path=str(screenshot("layout-01-workspace").with_name("layout-01-card.png")))

    page.goto(f"{base}/challenges/manage/")
    expect(page.locator("text=创建榜单")).to_be_visible()
    expect(page.locator("text=推荐队列")).to_have_count(0)
    screenshot("layout-02-manage-enterprise")

    as_user(page, base, tree.world.platform_admin)
    page.goto(f"{base}/challenges/manage/")
    page.click("text=创建榜单")
    expect(page.locator("h1", has_text="创建榜单")).to_be_visible()
    screenshot("layout-03-create-as-platform-admin", full_page=False)

    as_user(page, base, None)
    page.goto(f"{base}/challenges/results/")
    row = page.locator("li", has_text="单次充电续航")
    expect(row).to_contain_text("承诺 ≥45天，实际 41天 ✗")
    screenshot("layout-04-results")
    page.goto(f"{base}/challenges/{battery_project.award.call_problem.call_id}/")
    expect(page.locator("text=（补助比例 50%）")).to_be_visible()
    screenshot("layout-05-subsidy", full_page=False)
