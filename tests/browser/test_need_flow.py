"""The foundation's end-to-end flow in a real browser: an enterprise engineer signs up with
their company, writes a need and submits it; the city association's staff publish it; an
anonymous visitor finds it in the public list."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kechuang.catalog.choices import ListingStatus
from kechuang.catalog.models import Need
from kechuang.orgs.choices import AssociationLevel, Role
from tests.factories import association, member

PASSWORD = "Kechuang-browser-2026"


@pytest.fixture
def tree(transactional_db: Any) -> dict[str, Any]:
    national = association("中国科学技术协会", AssociationLevel.NATIONAL, None, "110000")
    zhejiang = association("浙江省科学技术协会", AssociationLevel.PROVINCE, national, "330000")
    hangzhou = association("杭州市科学技术协会", AssociationLevel.CITY, zhejiang, "330100")
    staff = member(hangzhou, Role.STAFF, email="staff@hzkx.example.org", display_name="审核员")
    staff.set_password(PASSWORD)
    staff.save()
    return {"hangzhou": hangzhou, "staff": staff}


def log_in(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=login]) button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def log_out(page: Page) -> None:
    page.context.clear_cookies()


def test_sign_up_submit_publish_find(
    page: Page, live_server: Any, tree: dict[str, Any], screenshot: Any
) -> None:
    base = live_server.url
    title = "储能电池包液冷板流道优化"

    # An engineer signs up and registers the company under 杭州市科协.
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=display_name]", "陈工")
    page.fill("input[name=email]", "chen@lengyuan.example.com")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.check("input[name=register_org]")
    page.fill("input[name=org_name]", "杭州冷源储能科技有限公司")
    page.select_option("select[name=org_kind]", "enterprise")
    page.select_option("select[name=org_region]", "330100")
    page.select_option("select[name=org_parent]", str(tree["hangzhou"].pk))
    screenshot("01-signup")
    page.click("form:has(input[name=password2]) button[type=submit]")
    expect(page.locator("body")).to_contain_text("陈工")

    # … writes a need …
    page.goto(f"{base}/needs/new/")
    page.fill("input[name=title]", title)
    page.fill(
        "textarea[name=description]",
        "储能电池包在 1C 连续充放电时电芯最大温差约 7℃，需要优化液冷板流道与泵速控制，"
        "目标温差不超过 3℃，冷却系统功耗降低 15%。",
    )
    page.select_option("select[name=region]", "330100")
    page.select_option("select[name=industry]", "C38")
    page.select_option("select[name=disciplines]", ["470"])
    page.fill("input[name=keywords]", "电池热管理，液冷板，储能")
    page.check("input[name=cooperation_modes][value=development]")
    page.fill("input[name=budget_min]", "30")
    page.fill("input[name=budget_max]", "80")
    deadline = timezone.localdate() + datetime.timedelta(days=60)
    page.fill("input[name=deadline]", deadline.isoformat())
    page.fill("input[name=contact_name]", "陈工")
    screenshot("02-need-form")
    page.click("form:has(input[name=title]) button[type=submit]")
    expect(page.locator("h1, h2").first).to_contain_text(title)
    need = Need.objects.get(title=title)
    assert need.status == ListingStatus.DRAFT

    # … and submits it for review.
    page.click("button:has-text('提交审核')")
    expect(page.locator("body")).to_contain_text("待审核")
    need.refresh_from_db()
    assert need.status == ListingStatus.SUBMITTED
    screenshot("03-need-submitted")

    # Nobody else can see it yet.
    log_out(page)
    page.goto(f"{base}/needs/")
    expect(page.locator("body")).not_to_contain_text(title)

    # The city association's staff find it in their queue and publish it.
    log_in(page, base, "staff@hzkx.example.org")
    page.goto(f"{base}/workspace/")
    expect(page.locator("body")).to_contain_text(title)
    screenshot("04-review-queue")
    page.click(f"a:has-text('{title}')")
    page.click("button:has-text('审核通过')")
    expect(page.locator("body")).to_contain_text("已发布")
    need.refresh_from_db()
    assert need.status == ListingStatus.PUBLISHED

    # An anonymous visitor finds it by keyword.
    log_out(page)
    page.goto(f"{base}/needs/?q=液冷板")
    expect(page.locator("body")).to_contain_text(title)
    screenshot("05-public-list")
    page.click(f"a:has-text('{title}')")
    expect(page.locator("body")).to_contain_text("杭州冷源储能科技有限公司")
    screenshot("06-public-detail")


def test_pages_on_a_phone(
    page: Page, live_server: Any, tree: dict[str, Any], screenshot: Any
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    expect(page.locator(".navbar-toggler")).to_be_visible()
    screenshot("07-phone-home")
    page.goto(f"{live_server.url}/needs/")
    screenshot("08-phone-needs")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
