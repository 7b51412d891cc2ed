"""Issue 4's lifecycle through the browser: 杭州市科协 publishes a call with a problem; an
enterprise logs in and applies; 杭州 closes the call and starts its review, invites the
panel, solves the assignment; a reviewer accepts and scores both rounds; 杭州 records
the decision, runs the notice, awards; a milestone passes and its tranche is released;
acceptance; the public sees the winner; 中国科协's staff see the filing.

Every step a person takes in the browser is a page; time moves on a ``DemoClock`` (the
live server runs in this process, so it sees the same clock). Screenshots of each step
land in var/screens/challenge-*.png.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from kechuang.accounts.models import User
from kechuang.catalog.models import ExpertProfile
from kechuang.catalog.services import expert_set_status
from kechuang.challenges import models as m
from kechuang.demo.clock import DemoClock
from kechuang.orgs.choices import OrgKind, Role
from kechuang.review.models import Conflict, PanelMember, ReviewAssignment, ReviewProcess
from kechuang.review.services import invitation_respond, score_submit
from tests.conftest import World
from tests.factories import OrganizationFactory, member
from tests.review.conftest import GOOD_VALUES, make_expert, user_of

PASSWORD = "Kechuang-browser-2026"
CALL = "2026 年杭州市储能热管理揭榜挂帅榜单"
PROBLEM = "储能电池包液冷板流道优化"
BID = "仿生分形流道液冷板方案"
# the reviewer in the browser: integers inside each criterion's range (the others score
# GOOD_VALUES through the service), so the browser's bid ranks by a known total
ROUND_SCORES = {1: ("34", "16", "12", "12", "8"), 2: ("36", "17", "12", "13", "8")}


@dataclass
class Cast:
    world: World
    organiser: User  # 杭州市科协 staff
    applicant: User  # admin of 杭州测温科技有限公司 (logs in with PASSWORD)
    national: User  # 中国科协 staff
    reviewer: ExpertProfile  # scores in the browser
    others: list[ExpertProfile]  # score through the services
    colleague: ExpertProfile  # works at the applying enterprise: a conflict


@pytest.fixture
def cast(world: World) -> Cast:
    world.owner_admin.set_password(PASSWORD)
    world.owner_admin.save(update_fields=["password"])
    university = OrganizationFactory(
        name="浙江热工大学", parent=world.zhejiang, kind=OrgKind.UNIVERSITY
    )
    # the default panel rules: five reviewers per bid, at least a third front-line
    reviewer = make_expert(
        "周启明", org=world.other_enterprise, frontline=True, keywords="液冷，热管理，电池包"
    )
    others = [
        make_expert("吴海涛", org=world.other_enterprise, frontline=True, keywords="液冷板，流道"),
        make_expert("郑文博", org=university, keywords="传热，流道，液冷板"),
        make_expert("冯雅琴", org=university, keywords="储能，电池热管理"),
        make_expert("韩立新", org=university, keywords="热管理，仿真"),
    ]
    colleague = make_expert("林晓东", org=world.enterprise, keywords="液冷板，流道，电池包")
    for expert in (reviewer, *others, colleague):  # the organiser finds published ones only
        expert_set_status(actor=user_of(expert), expert=expert, status="published")
    return Cast(
        world=world,
        organiser=world.hangzhou_staff,
        applicant=world.owner_admin,
        national=member(world.national, Role.STAFF, display_name="中国科协工作人员"),
        reviewer=reviewer,
        others=others,
        colleague=colleague,
    )


def as_user(page: Page, base: str, user: User | None) -> None:
    """Sign the browser in as ``user`` (a session from the test client); None: nobody."""
    page.context.clear_cookies()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )


def log_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=login]) button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def local(moment: datetime.datetime) -> str:
    """A datetime-local input's value."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def press(page: Page, label: str) -> None:
    """Click the submit button ``label`` (confirmations are accepted, see the test)."""
    page.click(f"button[type=submit]:has-text('{label}')")


def flash(page: Page, text: str) -> None:
    expect(page.locator(".alert").filter(has_text=text).first).to_be_visible()


def test_challenge_lifecycle_in_the_browser(
    page: Page, live_server: Any, cast: Cast, screenshot: Any
) -> None:
    base = live_server.url
    w = cast.world
    clock = DemoClock()
    page.on("dialog", lambda dialog: dialog.accept())  # "确定发布吗？" and the like
    with clock.running():
        # -- 杭州市科协 publishes a call with one problem
        opened = timezone.now()
        deadline = opened + datetime.timedelta(days=3)
        as_user(page, base, cast.organiser)
        page.goto(f"{base}/challenges/new/")
        page.select_option("select[name=organiser]", str(w.hangzhou.pk))
        page.fill("input[name=title]", CALL)
        page.fill("textarea[name=description]", "面向杭州储能企业的电池热管理难题，公开征集方案。")
        page.fill("input[name=opens_at]", local(opened - datetime.timedelta(hours=1)))
        page.fill("input[name=deadline]", local(deadline))
        screenshot("challenge-01-call-form")
        press(page, "保存")
        flash(page, "榜单草稿已保存")
        call = m.Call.objects.get(title=CALL)
        page.click("a:has-text('添加题目')")
        page.fill("input[name=title]", PROBLEM)
        page.fill(
            "textarea[name=description]",
            "2C 充放电时电芯温差超过 8℃，需要把温差控制在 3℃ 以内，冷却功耗降低 15%。",
        )
        page.fill("textarea[name=expected_outcome]", "液冷板样机一套及第三方验证报告。")
        page.select_option("select[name=funding_mode]", "public")
        page.fill("input[name=budget]", "200")
        page.fill(
            "input[name=completion_deadline]",
            (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
        )
        page.fill("textarea[name=eligibility_text]", "具备液冷系统设计与验证能力的单位或团队。")
        page.locator("input[name=indicator_name]").first.fill("电芯最大温差")
        page.locator("input[name=indicator_target]").first.fill("≤3")
        page.locator("input[name=indicator_unit]").first.fill("℃")
        screenshot("challenge-02-problem-form")
        press(page, "添加")
        flash(page, "题目已添加")
        press(page, "发布榜单")
        flash(page, "榜单已发布")
        screenshot("challenge-03-call-published")
        call.refresh_from_db()
        assert call.status == "published"

        # -- an enterprise logs in and applies: fills the form, saves, submits
        log_in(page, base, cast.applicant.email)
        page.goto(f"{base}/challenges/{call.pk}/")
        page.click("a:has-text('我要揭榜')")
        page.select_option("select[name=kind]", "organization")
        page.select_option("select[name=organization]", str(w.enterprise.pk))
        page.fill("input[name=title]", BID)
        page.fill(
            "textarea[name=technical_route]",
            "采用仿生分形流道设计液冷板，结合多目标拓扑优化与电芯级温度反馈控制，"
            "在 2C 工况下把电芯温差降到 3℃ 以内，并完成 1000 次循环验证。",
        )
        page.fill("input[name=budget]", "180")
        page.fill("textarea[name=schedule]", "第 1–6 个月设计仿真；第 7–12 个月样机与验证。")
        page.locator("input[name=indicator_name]").first.fill("电芯最大温差")
        page.locator("input[name=indicator_target]").first.fill("2.5")
        page.locator("input[name=indicator_unit]").first.fill("℃")
        page.locator("input[name=team_name]").first.fill("赵工")
        page.locator("input[name=team_role]").first.fill("负责人")
        screenshot("challenge-04-application-form")
        press(page, "保存草稿")
        flash(page, "申请已保存为草稿")
        press(page, "提交申请")
        flash(page, "申请已提交")
        screenshot("challenge-05-application-submitted")
        application = m.Application.objects.get(title=BID)
        assert application.status == "eligible"

        # -- the deadline passes; 杭州 closes the call and starts its review
        clock.set(deadline + datetime.timedelta(minutes=5))
        as_user(page, base, cast.organiser)
        page.goto(f"{base}/challenges/{call.pk}/")
        press(page, "截止揭榜")
        flash(page, "已截止揭榜")
        press(page, "开始评审")
        flash(page, "已开始评审")
        screenshot("challenge-06-call-in-review")
        call.refresh_from_db()
        process = ReviewProcess.objects.get(pk=call.review_process_id)
        assert (process.rounds, process.panel_size, process.items.count()) == (2, 5, 1)

        # -- 杭州 invites six experts from the candidates, detects the applicant's own
        # engineer as a conflict, and the solver seats the five others
        page.click("a:has-text('评审（专家组、分配、评分）')")
        expect(page).to_have_url(re.compile(rf"/reviews/{process.pk}/$"))
        page.goto(f"{base}/reviews/{process.pk}/experts/")
        for expert in (cast.reviewer, *cast.others, cast.colleague):
            row = page.locator(f"#candidate-{expert.pk}")
            row.locator("button:has-text('邀请')").click()
            expect(row.locator(".badge.bg-green-lt")).to_be_visible()
        screenshot("challenge-07-panel-invited")
        page.goto(f"{base}/reviews/{process.pk}/conflicts/")
        page.click("text=自动检测")
        flash(page, "新发现 1 项利益冲突")
        screenshot("challenge-08-conflicts")
        assert list(Conflict.objects.filter(process=process).values_list("expert", "kind")) == [
            (cast.colleague.pk, "same_org")
        ]
        page.goto(f"{base}/reviews/{process.pk}/")
        press(page, "开始分配专家")
        flash(page, "已进入专家分配阶段")
        page.goto(f"{base}/reviews/{process.pk}/assignment/")
        page.click("text=求解最优分配")
        expect(page.locator(".kc-matrix").first).to_be_visible()
        screenshot("challenge-09-assignment")
        active = ReviewAssignment.objects.filter(item__process=process, status="active")
        assert sorted(active.values_list("member__expert__name", flat=True)) == sorted(
            e.name for e in (cast.reviewer, *cast.others)
        )

        # -- the reviewer accepts the invitation; the others accept through the service
        # (the same page, four more times, would only lengthen the test)
        as_user(page, base, user_of(cast.reviewer))
        page.goto(f"{base}/reviews/my/")
        page.click("button:has-text('接受')")
        screenshot("challenge-10-invitation-accepted")
        for expert in cast.others:
            seat = PanelMember.objects.get(panel__process=process, expert=expert)
            invitation_respond(actor=user_of(expert), member=seat, accept=True)
        assert set(
            PanelMember.objects.filter(panel__process=process)
            .exclude(expert=cast.colleague)
            .values_list("status", flat=True)
        ) == {"accepted"}

        # -- two rounds: 杭州 opens each, the reviewer scores in the browser
        criteria = list(process.rubric.criteria.order_by("position"))
        for round_no in (1, 2):
            as_user(page, base, cast.organiser)
            page.goto(f"{base}/reviews/{process.pk}/")
            press(page, "开始第一轮评审" if round_no == 1 else "结束第一轮，开始会评")
            as_user(page, base, user_of(cast.reviewer))
            page.goto(f"{base}/reviews/my/")
            page.click(f"a:has-text('{BID}')")
            for c, value in zip(criteria, ROUND_SCORES[round_no], strict=True):
                page.fill(f"input[name=c{c.pk}]", value)
            page.fill("textarea[name=comment_shared]", "技术路线清晰，建议补充中试数据。")
            page.fill("textarea[name=comment_private]", "团队中试条件有待核实。")
            screenshot(f"challenge-{10 + round_no}-score-round-{round_no}")
            press(page, "提交评分")
            expect(page.locator("body")).to_contain_text("不能修改")
            for expert in cast.others:
                seat = active.get(member__expert=expert)
                score_submit(
                    actor=user_of(expert), assignment=seat, round=round_no, values=GOOD_VALUES
                )

        # -- 杭州 closes the rounds, records the decision and runs the notice
        as_user(page, base, cast.organiser)
        page.goto(f"{base}/reviews/{process.pk}/")
        press(page, "结束评审，进入决定")
        page.goto(f"{base}/reviews/{process.pk}/ranking/")
        screenshot("challenge-13-ranking")
        page.goto(f"{base}/reviews/{process.pk}/decision/")
        page.check("input[name=selected_item_ids]")
        page.fill("textarea[name=justification]", "会评得分第一，技术路线与指标可达。")
        press(page, "记录决定")
        expect(page.locator("body")).to_contain_text("决定一经记录不能修改。")
        page.goto(f"{base}/reviews/{process.pk}/")
        press(page, "开始公示")
        flash(page, "已开始公示")
        as_user(page, base, None)
        page.goto(f"{base}/reviews/{process.pk}/notice/")
        expect(page.locator("body")).to_contain_text(BID)
        screenshot("challenge-14-notice-public")
        # the notice ends a week later
        clock.set(clock.now() + datetime.timedelta(days=7, hours=1))
        as_user(page, base, cast.organiser)
        page.goto(f"{base}/reviews/{process.pk}/")
        press(page, "公示结束，完成评审")
        flash(page, "评审已完成")
        process.refresh_from_db()
        assert process.status == "final"

        # -- 杭州 awards the winner the review selected, and the project starts
        page.goto(f"{base}/challenges/{call.pk}/")
        press(page, "进入确定揭榜方")
        page.goto(f"{base}/challenges/applications/{application.pk}/")
        page.fill("textarea[name=justification]", "评审排名第一，公示期内无异议。")
        page.fill("textarea[name=agreement_text]", "按榜单指标、预算与里程碑签订任务书。")
        screenshot("challenge-15-award-form")
        press(page, "确定揭榜方并立项")
        flash(page, "已确定揭榜方并立项")
        project = m.Project.objects.get(award__application=application)
        page.goto(f"{base}/challenges/{call.pk}/")
        press(page, "完成榜单")
        flash(page, "榜单已完成")

        # -- a milestone with its tranche; it passes and the money is released
        page.goto(f"{base}/challenges/projects/{project.pk}/")
        milestone_form = page.locator("form[action$='/milestones/']")
        milestone_form.locator("input[name=title]").fill("液冷板样机与台架试验")
        milestone_form.locator("textarea[name=deliverables]").fill("样机 1 套，台架试验报告。")
        milestone_form.locator("input[name=due_on]").fill(
            (timezone.localdate() + datetime.timedelta(days=180)).isoformat()
        )
        milestone_form.locator("input[name=tranche_amount]").fill("120")
        milestone_form.locator("button[type=submit]").click()
        verdict = page.locator("form[action*='/verdict/']")
        verdict.locator("input[name=reason]").fill("样机与试验报告齐全，温差 2.6℃。")
        verdict.locator("button").click()
        press(page, "拨付资金")
        expect(page.locator("body")).to_contain_text("拨付 120 万元")
        screenshot("challenge-16-tranche-released")
        (milestone,) = project.milestones.all()
        assert (milestone.status, milestone.payment.amount) == ("passed", 120)

        # -- acceptance: the winner asks, 杭州 records and publishes the verdict; on its
        # bid the winner reads the panel's shared comments, without names or private ones
        log_in(page, base, cast.applicant.email)
        page.goto(f"{base}/challenges/applications/{application.pk}/")
        feedback = page.locator(".card").filter(has_text="评审意见")
        expect(feedback).to_contain_text("技术路线清晰，建议补充中试数据。")
        expect(page.locator("body")).not_to_contain_text(cast.reviewer.name)
        expect(page.locator("body")).not_to_contain_text("团队中试条件有待核实。")
        screenshot("challenge-17-applicant-feedback")
        page.goto(f"{base}/challenges/projects/{project.pk}/")
        press(page, "申请验收")
        as_user(page, base, cast.organiser)
        page.goto(f"{base}/challenges/projects/{project.pk}/")
        page.fill("input[name=achieved]", "2.4")
        page.check("input[name=met]")
        page.select_option("select[name=verdict]", "passed")
        page.fill("textarea[name=summary]", "全部指标达到榜单要求。")
        screenshot("challenge-18-acceptance-form")
        press(page, "记录验收结论")
        press(page, "公布验收结果")
        screenshot("challenge-19-project-accepted")
        project.refresh_from_db()
        assert project.status == "accepted"

        # -- the public sees the winner
        as_user(page, base, None)
        page.goto(f"{base}/challenges/results/")
        expect(page.locator("body")).to_contain_text(w.enterprise.name)
        screenshot("challenge-20-public-results")
        page.goto(f"{base}/challenges/{call.pk}/")
        expect(page.locator("body")).to_contain_text(w.enterprise.name)
        screenshot("challenge-21-public-call")

        # -- 中国科协's staff see the filings, filed with 浙江省科协
        as_user(page, base, cast.national)
        page.goto(f"{base}/challenges/filings/")
        expect(page.locator("body")).to_contain_text(CALL)
        screenshot("challenge-22-national-filings")
        assert sorted(m.Filing.objects.filter(call=call).values_list("kind", flat=True)) == [
            "acceptance",
            "applications",
            "call_published",
            "milestone",
            "problems",
            "project",
            "winner",
        ]
