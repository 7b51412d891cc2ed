"""The docking walk of issue 13 in a real browser: an expert finds a published need and
clicks 我能解决; the enterprise accepts the introduction; both see each other's contacts;
a message with a file; intention; a signed contract with its amount; an implementation
milestone; completion with the outcome."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kechuang.catalog.choices import ExpertStatus, ListingAction
from kechuang.catalog.services import (
    expert_create,
    expert_set_status,
    listing_transition,
    need_create,
)
from kechuang.engagements.models import Contract, Engagement, MessageAttachment
from kechuang.orgs.choices import AssociationLevel, OrgKind, Role
from tests.api.conftest import PDF
from tests.browser.test_need_flow import PASSWORD, log_in, log_out
from tests.conftest import need_data
from tests.engagements.conftest import expert_data
from tests.factories import OrganizationFactory, association, member


def _with_password(user: Any) -> Any:
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def setting(transactional_db: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    national = association("中国科学技术协会", AssociationLevel.NATIONAL, None, "110000")
    zhejiang = association("浙江省科学技术协会", AssociationLevel.PROVINCE, national, "330000")
    hangzhou = association("杭州市科学技术协会", AssociationLevel.CITY, zhejiang, "330100")
    enterprise = OrganizationFactory(
        name="杭州冷源储能科技有限公司",
        parent=hangzhou,
        region_id="330106",
        kind=OrgKind.ENTERPRISE,
    )
    university = OrganizationFactory(
        name="浙江工业大学", parent=hangzhou, region_id="330106", kind=OrgKind.UNIVERSITY
    )
    staff = member(hangzhou, Role.STAFF, email="staff@hzkx.example.org", display_name="审核员")
    owner = _with_password(
        member(enterprise, Role.ADMIN, email="chen@lengyuan.example.com", display_name="陈工")
    )
    expert_user = _with_password(
        member(university, Role.MEMBER, email="li@zjut.example.edu", display_name="李教授")
    )
    need = need_create(
        actor=owner,
        organization=enterprise,
        **need_data(contact_visibility="after_docking", contact_phone="0571-86661234"),
    )
    listing_transition(actor=owner, item=need, action=ListingAction.SUBMIT)
    listing_transition(actor=staff, item=need, action=ListingAction.PUBLISH)
    expert = expert_create(
        actor=expert_user, **expert_data(name="李明", affiliation="浙江工业大学")
    )
    expert_set_status(actor=expert_user, expert=expert, status=ExpertStatus.PUBLISHED)
    return {"need": need, "owner": owner, "expert_user": expert_user, "expert": expert}


def test_solve_accept_message_sign_implement_complete(
    page: Page, live_server: Any, setting: dict[str, Any], screenshot: Any, tmp_path: Path
) -> None:
    base, need = live_server.url, setting["need"]

    # The expert opens the published need: its contacts wait for the docking.
    log_in(page, base, "li@zjut.example.edu")
    page.goto(f"{base}/needs/{need.pk}/")
    expect(page.locator("[data-contact-hidden]")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("0571-86661234")
    page.click("[data-start=solve]")
    expect(page.locator("[data-start-form]")).to_contain_text("专家本人：李明")
    page.fill("textarea[name=note]", "我们做过储能液冷板的流道拓扑优化，可以先做仿真评估。")
    screenshot("engagement-01-start")
    page.click("[data-confirm-start]")
    expect(page.locator("[data-waiting]")).to_be_visible()
    engagement = Engagement.objects.get()
    detail = f"{base}/engagements/{engagement.pk}/"
    expect(page.locator("[data-contacts-hidden]")).to_be_visible()
    log_out(page)

    # The enterprise accepts the introduction and sees the expert's contacts.
    log_in(page, base, "chen@lengyuan.example.com")
    page.goto(f"{base}/engagements/")
    expect(page.locator("[data-engagement-list]")).to_contain_text(need.title)
    page.click(f"[data-engagement='{engagement.pk}'] a")
    screenshot("engagement-02-owner-sees-interest")
    page.click("[data-move=introduced]")
    expect(page.locator("[data-stage]")).to_have_text("已引荐")
    expect(page.locator("[data-contacts]")).to_contain_text("li@zjut.example.edu")
    log_out(page)

    # The expert sees the need's contacts now, here and on the need's page, and writes
    # with a file.
    log_in(page, base, "li@zjut.example.edu")
    page.goto(detail)
    expect(page.locator("[data-contacts]")).to_contain_text("0571-86661234")
    pdf = tmp_path / "仿真方案.pdf"
    pdf.write_bytes(PDF)
    page.fill("[data-message-form] textarea[name=body]", "初步仿真方案见附件，请查收。")
    page.set_input_files("[data-message-form] input[name=attachments]", str(pdf))
    page.click("[data-message-form] button[type=submit]")
    expect(page.locator("[data-messages]")).to_contain_text("初步仿真方案见附件")
    expect(page.locator("[data-file]")).to_have_text("仿真方案.pdf")
    page.goto(f"{base}/needs/{need.pk}/")
    expect(page.locator("body")).to_contain_text("0571-86661234")
    log_out(page)

    # The enterprise reads it, negotiates, agrees an intention, signs with an amount.
    log_in(page, base, "chen@lengyuan.example.com")
    page.goto(detail)
    expect(page.locator("[data-unread]")).to_be_visible()
    with page.expect_download() as download:
        page.click("[data-file]")
    assert download.value.suggested_filename == "仿真方案.pdf"
    page.click("[data-move=negotiating]")
    page.fill("form:has([data-move=intention]) textarea[name=text]", "先做仿真评估，再开模试制。")
    page.click("[data-move=intention]")
    expect(page.locator("[data-stage]")).to_have_text("合作意向")
    page.click("[data-sign]")
    page.select_option("select[name=contract_type]", "development")
    page.fill("input[name=amount]", "-5")
    page.fill("input[name=technology_amount]", "")
    page.click("[data-contract-form] button[type=submit]")
    expect(page.locator("[data-contract-form]")).to_contain_text("金额不能为负数")
    page.fill("input[name=amount]", "85.50")
    page.fill("input[name=technology_amount]", "70")
    screenshot("engagement-03-contract-form")
    page.click("[data-contract-form] button[type=submit]")
    expect(page.locator("[data-stage]")).to_have_text("已签约")
    expect(page.locator("[data-amount]")).to_have_text("85.50")
    page.click("[data-move=implementing]")
    page.fill("[data-milestones] input[name=title]", "样机交付与测试")
    page.click("[data-milestones] button:has-text('添加')")
    page.click("[data-milestones] button:has-text('标记完成')")
    expect(page.locator("[data-milestones]")).to_contain_text("已完成")
    page.fill("[data-outcome-form] input[name=products]", "1")
    page.fill("[data-outcome-form] input[name=revenue]", "320")
    page.fill("[data-outcome-form] textarea[name=summary]", "电芯温差由 7℃ 降至 2.6℃。")
    page.click("[data-outcome-form] button[type=submit]")
    expect(page.locator("[data-stage]")).to_have_text("已落地")
    expect(page.locator("[data-outcome]")).to_contain_text("320")
    screenshot("engagement-04-completed")

    engagement.refresh_from_db()
    contract = Contract.objects.get()
    assert (engagement.stage, str(contract.amount), str(contract.technology_amount)) == (
        "completed",
        "85.50",
        "70.00",
    )
    assert contract.signed_on == timezone.localdate()
    assert MessageAttachment.objects.count() == 1
    assert re.search(r"已落地", page.content())
