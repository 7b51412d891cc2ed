"""The association's funnel in a real browser: the city association's staff see the
counts and the contract amount of the engagements built through the services, the
charts draw (ECharts under the site's CSP), and the xlsx downloaded through the page
opens with openpyxl with the same numbers."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.test_need_flow import PASSWORD, log_in
from tests.engagements.conftest import Deal, deal  # noqa: F401 -- fixture
from tests.engagements.drive import walk, whole_story

pytestmark = pytest.mark.browser

STAGES = ("新发起对接", "完成引荐", "意向达成", "签订合同", "落地完成")


def test_the_funnel_page_and_its_export_agree(
    page: Page,
    live_server: Any,
    transactional_db: Any,
    deal: Deal,  # noqa: F811
    screenshot: Any,
    tmp_path: Any,
) -> None:
    story = walk(deal)
    staff = deal.world.hangzhou_staff
    staff.set_password(PASSWORD)
    staff.save()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    log_in(page, live_server.url, staff.email)
    start, end = whole_story()
    page.goto(f"{live_server.url}/engagements/funnel/?start={start}&end={end}")
    expect(page.locator("h1")).to_have_text("对接漏斗")
    shown = {
        key: int(page.locator(f'[data-stage="{key}"]').inner_text())
        for key in ("started", "introduced", "intention", "signed", "completed")
    }
    assert shown == {"started": 3, "introduced": 2, "intention": 1, "signed": 1, "completed": 1}
    amount = Decimal(page.locator("[data-contract-value]").inner_text())
    assert amount == story.amount
    # the charts drew: ECharts put a canvas in each box, and nothing broke the page (CSP)
    for box in ("#funnel-chart", "#gap-chart", "#decline-chart"):
        expect(page.locator(f"{box} canvas")).to_have_count(1)
    assert [e for e in errors if "Content Security Policy" in e or "echarts" in e] == []
    screenshot("engagement-funnel")

    with page.expect_download() as info:
        page.click("[data-funnel-export]")
    download = info.value
    assert re.fullmatch(r"engagement-funnel-\d+-.*\.xlsx", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(str(path))
    book = load_workbook(path)
    rows = {r[0]: r[1] for r in book["漏斗"].iter_rows(values_only=True) if r and r[0]}
    assert [rows[s] for s in STAGES] == [shown[k] for k in shown]
    assert Decimal(str(rows["合同金额（万元）"])) == amount
    assert Decimal(str(rows["技术交易额（万元）"])) == story.technology_amount
