"""The main challenge pages in Chromium, screenshots in var/screens/ (challenges-*.png):
the public list and a call, an applicant's form on a phone, the organiser's project page
with a refused tranche, the recommendation queue and the filing dashboard."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from kechuang.challenges import models as m
from kechuang.challenges.services.calls import call_create, call_problem_add, call_transition
from kechuang.challenges.services.projects import milestone_add
from tests.browser.conftest import (  # noqa: F401  (fixtures and the Chromium launch)
    CHROMIUM,
    browser_context_args,
    browser_type_launch_args,
    screenshot,
)
from tests.challenges.conftest import Tree, call_data, problem_data, submitted_bid
from tests.challenges.test_views import awarded

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
]


def as_user(page: Page, base: str, user: Any) -> None:
    """Sign the browser in as ``user`` (session cookie from the test client)."""
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    if user is None:
        return
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )


def test_challenge_pages_for_each_role(
    page: Page,
    live_server: Any,
    tree: Tree,
    call: m.Call,
    screenshot: Any,  # noqa: F811
) -> None:
    base = live_server.url
    project = awarded(tree, call)
    milestone = milestone_add(
        actor=tree.national_staff,
        project=project,
        title="样机完成",
        deliverables="样机一套及测试报告",
        due_on="2027-01-01",
        tranche_amount="80",
    )
    open_call = call_create(
        actor=tree.national_staff,
        organiser=tree.world.national,
        **call_data(
            title="氢能储运关键材料揭榜",
            requires_recommendation=True,
            recommendation_quotas={"district": 2},
        ),
    )
    call_problem_add(
        actor=tree.national_staff,
        call=open_call,
        **problem_data(title="高压储氢瓶内胆材料", funding_mode="subsidy", subsidy_ratio="0.5"),
    )
    call_transition(actor=tree.national_staff, call=open_call, action="publish")
    submitted_bid(tree, open_call, title="纳米改性内胆材料方案")

    as_user(page, base, None)
    page.goto(f"{base}/challenges/")
    expect(page.locator("text=氢能储运关键材料揭榜")).to_be_visible()
    screenshot("challenges-01-list")
    page.goto(f"{base}/challenges/{open_call.pk}/")
    screenshot("challenges-02-call")
    page.goto(f"{base}/challenges/results/")
    screenshot("challenges-03-results")

    as_user(page, base, tree.world.other_admin)
    problem = open_call.problems.get()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/challenges/{open_call.pk}/problems/{problem.pk}/apply/")
    page.fill("input[name=title]", "短")
    page.click("#main form button[type=submit]")
    screenshot("challenges-04-apply-phone")
    expect(page.locator(".alert-danger").first).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 860})

    as_user(page, base, tree.national_staff)
    page.goto(f"{base}/challenges/projects/{project.pk}/")
    page.click(f"#milestone-{milestone.pk} >> text=拨付资金")
    expect(page.locator("text=尚未评审通过，不能拨付资金")).to_be_visible()
    screenshot("challenges-05-project-refused-tranche")
    page.goto(f"{base}/challenges/filings/")
    screenshot("challenges-06-filings")

    as_user(page, base, tree.xihu_staff)
    page.goto(f"{base}/challenges/recommendations/")
    expect(page.locator("text=剩余名额 2")).to_be_visible()
    screenshot("challenges-07-recommendations")
