"""The page shell in a real browser: no Content-Security-Policy violation on the main pages,
htmx's loading indicator, error message and retry (a failing, a slow and a timed-out
request), the searchable region select, and no sideways scrolling on a phone. Screenshots
of the main pages (desktop and phone, Chinese and English) land in var/screens/shell-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from kechuang.catalog.models import Need
from kechuang.catalog.services import listing_transition, need_create
from kechuang.orgs.choices import AssociationLevel, OrgKind, Role
from tests.conftest import need_data
from tests.factories import OrganizationFactory, association, member

PASSWORD = "Kechuang-browser-2026"
ERROR = "#kc-request-error"
LOADING = "#kc-loading"

# Recorded in the page before any of its own scripts run.
CSP_RECORDER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(" "));
});
"""


@pytest.fixture
def site(transactional_db: Any) -> dict[str, Any]:
    national = association("中国科学技术协会", AssociationLevel.NATIONAL, None, "110000")
    zhejiang = association("浙江省科学技术协会", AssociationLevel.PROVINCE, national, "330000")
    hangzhou = association("杭州市科学技术协会", AssociationLevel.CITY, zhejiang, "330100")
    enterprise = OrganizationFactory(
        name="杭州测温科技有限公司", parent=hangzhou, region_id="330106", kind=OrgKind.ENTERPRISE
    )
    owner = member(enterprise, Role.ADMIN, email="owner@cewen.example.com", display_name="陈工")
    owner.set_password(PASSWORD)
    owner.save()
    staff = member(hangzhou, Role.STAFF, display_name="审核员")
    needs = []
    for title, region, low, high in [
        ("储能电池包液冷板流道优化", "330106", "30", "80"),
        ("高温合金涡轮叶片热障涂层寿命评估", "330108", "120", "300"),
        ("茶叶发酵过程在线品质监测", "330110", None, "45"),
    ]:
        need = need_create(
            actor=owner,
            organization=enterprise,
            **need_data(
                title=title,
                description=f"{title}：需要合作单位提出技术方案，给出验证数据与实施计划。",
                keywords=title[:4],
                region_id=region,
                budget_min=low,
                budget_max=high,
            ),
        )
        listing_transition(actor=owner, item=need, action="submit")
        needs.append(listing_transition(actor=staff, item=need, action="publish"))
    return {"needs": needs, "owner": owner}


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", "owner@cewen.example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=login]) button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def english(page: Page, base: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])


def main_pages(base: str, need: Need) -> list[tuple[str, str]]:
    return [
        ("home", f"{base}/"),
        ("needs", f"{base}/needs/"),
        ("need", f"{base}/needs/{need.pk}/"),
        ("need-form", f"{base}/needs/new/"),
    ]


def test_no_csp_violation_on_the_main_pages(
    page: Page, live_server: Any, site: dict[str, Any]
) -> None:
    base = live_server.url
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.add_init_script(CSP_RECORDER)
    log_in(page, base)
    need = site["needs"][0]
    urls = [url for _name, url in main_pages(base, need)] + [
        f"{base}/achievements/",
        f"{base}/experts/",
        f"{base}/search/?q=液冷",
        f"{base}/challenges/",
        f"{base}/workspace/",
        f"{base}/accounts/tokens/",
        f"{base}/api/v1/docs",
    ]
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.__csp")
        assert violations == [], url
    assert [m for m in console if "Content Security Policy" in m] == []
    page.goto(f"{base}/")
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.config.allowEval") is False


def test_a_failing_request_says_so_and_retries(
    page: Page, live_server: Any, site: dict[str, Any]
) -> None:
    base = live_server.url
    page.goto(f"{base}/needs/")
    expect(page.locator(LOADING)).to_be_hidden()
    failing = {"on": True}

    def fail(route: Route) -> None:
        if route.request.headers.get("hx-request") and failing["on"]:
            route.fulfill(status=500, body="boom", content_type="text/html")
        else:
            route.continue_()

    page.route(re.compile(r".*/needs/\?.*"), fail)
    page.fill("#id_q", "液冷")
    page.press("#id_q", "Enter")

    error = page.locator(ERROR)
    expect(error).to_be_visible()
    expect(error).to_contain_text("服务器出错了，请稍后重试。")
    expect(page.locator(LOADING)).to_be_hidden()
    expect(page.locator("#results")).to_contain_text("茶叶发酵过程在线品质监测")  # unchanged

    failing["on"] = False
    error.get_by_role("button", name="重试").click()
    expect(error).to_be_hidden()
    expect(page.locator("#results")).not_to_contain_text("茶叶发酵过程在线品质监测")
    expect(page.locator("#results")).to_contain_text("储能电池包液冷板流道优化")
    expect(page).to_have_url(re.compile(r"q=%E6%B6%B2%E5%86%B7"))


def test_a_slow_request_shows_the_indicator_and_a_timeout_says_so(
    page: Page, live_server: Any, site: dict[str, Any]
) -> None:
    base = live_server.url
    page.goto(f"{base}/needs/")
    assert page.evaluate("htmx.config.timeout") == 15000
    held: list[Route] = []
    holding = {"on": True}

    def hold(route: Route) -> None:
        if route.request.headers.get("hx-request") and holding["on"]:
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r".*/needs/\?.*"), hold)
    page.fill("#id_q", "液冷")
    page.press("#id_q", "Enter")

    # slow: the indicator shows while the answer is held back, the results are busy
    expect(page.locator(LOADING)).to_be_visible()
    expect(page.locator(LOADING)).to_contain_text("正在加载…")
    expect(page.locator("#results")).to_have_attribute("aria-busy", "true")
    holding["on"] = False
    held.pop().continue_()
    expect(page.locator(LOADING)).to_be_hidden()
    expect(page.locator("#results")).to_contain_text("储能电池包液冷板流道优化")
    expect(page.locator("#results")).not_to_contain_text("茶叶发酵过程在线品质监测")
    expect(page.locator(ERROR)).to_be_hidden()

    # too slow: past the timeout (shortened here from 15 s) the request fails with a message
    page.evaluate("htmx.config.timeout = 800")
    holding["on"] = True
    page.fill("#id_q", "涂层")
    page.press("#id_q", "Enter")
    expect(page.locator(ERROR)).to_contain_text("请求超时，服务器暂时没有响应，请稍后重试。")
    expect(page.locator(LOADING)).to_be_hidden()
    page.unroute(re.compile(r".*/needs/\?.*"))
    page.evaluate("htmx.config.timeout = 15000")
    page.locator(ERROR).get_by_role("button", name="重试").click()
    expect(page.locator(ERROR)).to_be_hidden()
    expect(page.locator("#results")).to_contain_text("高温合金涡轮叶片热障涂层寿命评估")


def test_the_region_filter_searches_down_to_districts(
    page: Page, live_server: Any, site: dict[str, Any], screenshot: Any
) -> None:
    base = live_server.url
    page.goto(f"{base}/needs/")
    page.locator(".ts-wrapper .ts-control").first.click()
    page.keyboard.type("西湖")
    option = page.locator(".ts-dropdown .option", has_text="浙江省杭州市西湖区")
    expect(option).to_be_visible()
    screenshot("shell-region-search", full_page=False)
    option.click()

    expect(page).to_have_url(re.compile(r"region=330106"))
    results = page.locator("#results")
    expect(results).to_contain_text("储能电池包液冷板流道优化")
    expect(results).not_to_contain_text("高温合金涡轮叶片热障涂层寿命评估")


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize(("form_factor", "width"), [("desktop", 1280), ("phone", 375)])
def test_main_pages_fit_the_screen(
    page: Page,
    live_server: Any,
    site: dict[str, Any],
    screenshot: Any,
    language: str,
    form_factor: str,
    width: int,
) -> None:
    base = live_server.url
    log_in(page, base)
    if language == "en":
        english(page, base)
    page.set_viewport_size({"width": width, "height": 812 if form_factor == "phone" else 860})
    for name, url in main_pages(base, site["needs"][0]):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        screenshot(f"shell-{name}-{form_factor}-{language}")
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
        )
        assert scroll <= inner, f"{url} scrolls sideways ({scroll} > {inner}): {wide}"
        # no badge is cut off: its text fits inside it
        clipped = page.evaluate(
            "[...document.querySelectorAll('.badge')]"
            ".filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.textContent.trim())"
        )
        assert clipped == [], url
