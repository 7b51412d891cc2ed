"""Demo open challenges (揭榜挂帅), replayed through the services on a ``DemoClock``.

Three calls, dated relative to the day of loading:

- 杭州市科协's 2024 call: one problem, two bids, a one-round review, an award, two
  milestones passed and paid, acceptance passed and published — filed with 浙江省科协 and
  so visible up to 中国科协;
- 浙江省科协's 2025 call: problems collected in its own round (one first offered inside
  the province), bids from six organisations (one consortium), recommendation up the
  tree (杭州; 成都 → 四川; 四川; 广东 declines), a two-round review by a panel of five
  experts and the researcher (conflicts detected, assignment solved), decision, notice,
  three awards, and a subsidised project with one milestone passed and paid, one pending;
- 浙江省科协's 2026 call, open for applications now, with a draft bid of 澜储能源 (the
  enterprise account) to finish and submit;
- 浙江省科协's review of outstanding projects (purpose "other"), open for scoring now:
  the reviewer account and two more experts on its panel, the assignment solved, no
  score yet.

Every step is a service call by the account that would make it, at the moment it would
happen, so events, audit entries, notifications and filings are the real ones.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.test.utils import override_settings
from django.utils import timezone

from kechuang.accounts.models import User
from kechuang.accounts.services import user_register
from kechuang.catalog.models import ExpertProfile
from kechuang.catalog.services import expert_create, expert_set_status, expert_work_add
from kechuang.challenges.models import Application, Call, CallProblem, Project
from kechuang.challenges.services.acceptance import acceptance_publish, acceptance_record
from kechuang.challenges.services.applications import application_create, application_submit
from kechuang.challenges.services.awards import award_make
from kechuang.challenges.services.calls import call_create, call_problem_add, call_transition
from kechuang.challenges.services.collection import (
    problem_classify,
    problem_submit,
    problem_transition,
    round_open,
    round_transition,
)
from kechuang.challenges.services.projects import (
    milestone_add,
    milestone_review,
    project_transition,
    report_file,
    tranche_release,
)
from kechuang.challenges.services.recommendations import recommendation_decide
from kechuang.demo.challenges_data import (
    ACCOUNTS,
    BIDS_2024,
    BIDS_2025,
    DRAFT_BID,
    LENIENCY,
    OPEN_CALL,
    OPEN_PROBLEMS,
    OPEN_REVIEW,
    OPEN_REVIEW_ITEMS,
    PROBLEM_2024,
    PROBLEMS_2025,
    QUALITY,
    RECOMMENDATIONS_2025,
    RESEARCHER_EMAIL,
    REVIEWER_EMAIL,
    REVIEWERS,
    WINNERS_2025,
    Bid,
    ProblemText,
)
from kechuang.demo.clock import DemoClock
from kechuang.invitations.choices import ConsentStatus, InvitationKind
from kechuang.invitations.selectors import invitations_of
from kechuang.invitations.services import invitation_accept
from kechuang.orgs.choices import Role
from kechuang.orgs.models import Organization
from kechuang.orgs.services import membership_add
from kechuang.review.choices import MemberRole, ProcessAction, Purpose
from kechuang.review.models import Criterion, ReviewAssignment, ReviewItem, ReviewProcess
from kechuang.review.services import (
    PartyIn,
    assignment_solve,
    conflicts_detect,
    decision_record,
    invitation_respond,
    item_create,
    member_invite,
    notice_open,
    panel_create,
    process_create,
    process_transition,
    score_submit,
)

NOTICE_DAYS = 7
# three reviewers per bid (the demo panels have four and six), at most four bids each
REVIEW_RULES = {"panel_size": 3, "max_load": 4}
__all__ = [
    "ACCOUNTS",
    "DRAFT_BID",
    "OPEN_REVIEW",
    "OPEN_REVIEW_ITEMS",
    "REVIEWER_EMAIL",
    "load",
]


def _indicators(rows: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    return [{"name": n, "target": t, "unit": u} for n, t, u in rows]


def score_values(criteria: list[Criterion], quality: int) -> dict[str, Decimal]:
    """Each criterion at ``quality`` % of its maximum, to the half point."""
    out = {}
    for c in criteria:
        value = (c.max_value * quality / 100 * 2).quantize(Decimal(1), ROUND_HALF_UP) / 2
        out[c.name] = min(max(value, c.min_value), c.max_value)
    return out


@dataclass
class ChallengeDemo:
    """Replays the challenges on top of the loaded organisations, accounts and experts."""

    orgs: dict[str, Organization]
    managers: dict[str, User]  # org key -> the account acting for it
    admin: User
    clock: DemoClock
    password: str
    base: datetime.datetime = field(init=False)
    experts: dict[str, ExpertProfile] = field(default_factory=dict)  # by e-mail

    def __post_init__(self) -> None:
        today = timezone.localdate()
        self.base = timezone.make_aware(datetime.datetime.combine(today, datetime.time(10)))
        self.keys = {org.pk: key for key, org in self.orgs.items()}

    def manager(self, org: Organization) -> User:
        """The account acting for ``org`` (its staff or admin)."""
        return self.managers[self.keys[org.pk]]

    def at(self, days: float) -> None:
        """Move the clock to ``days`` from today 10:00 (negative: in the past)."""
        self.clock.set(self.base + datetime.timedelta(days=days))

    def date(self, days: int) -> datetime.date:
        return (self.base + datetime.timedelta(days=days)).date()

    # -- people

    def load_reviewers(self) -> None:
        for r in REVIEWERS:
            user = user_register(display_name=r.name, password=self.password, email=r.email)
            org = self.orgs[r.org]
            membership_add(actor=self.admin, organization=org, user=user, role=Role.MEMBER)
            expert = expert_create(
                actor=user,
                organization=org,
                for_self=True,
                name=r.name,
                title_level=r.title[0],
                title_name=r.title[1],
                affiliation=org.name,
                region_id=org.region_id,
                keywords=r.keywords,
                disciplines=r.disciplines,
                biography=f"{org.name}{r.title[1]}，研究方向：{r.keywords}。",
                is_frontline_engineer=r.frontline,
            )
            expert_work_add(actor=user, expert=expert, kind="paper", title=r.work, year=2023)
            expert_set_status(actor=user, expert=expert, status="published")
            self.experts[r.email] = expert
        self.experts[RESEARCHER_EMAIL] = ExpertProfile.objects.get(user__email=RESEARCHER_EMAIL)

    # -- calls and bids

    def add_problem(self, call: Call, text: ProblemText, days_to_finish: int, **extra: Any) -> Any:
        return call_problem_add(
            actor=self.manager(call.organiser),
            call=call,
            indicators=_indicators(text.indicators),
            expected_outcome=text.outcome,
            completion_deadline=self.date(days_to_finish).isoformat(),
            eligibility_text="具备相应研发与工程化能力的单位、团队或个人均可揭榜。",
            **text.funding,
            **extra,
        )

    def new_call(self, organiser: str, opens: int, deadline: int, **data: Any) -> Call:
        call = call_create(
            actor=self.managers[organiser],
            organiser=self.orgs[organiser],
            opens_at=self.base + datetime.timedelta(days=opens),
            deadline=self.base + datetime.timedelta(days=deadline),
            **data,
        )
        return call

    def bid(self, call: Call, problems: list[CallProblem], b: Bid) -> Application:
        partners = [{"organization": self.orgs[k].pk, "role": role} for k, role in b.partners]
        application = application_create(
            actor=self.managers[b.org],
            call_problem=problems[b.problem],
            kind="consortium" if partners else "organization",
            organization=self.orgs[b.org],
            partners=partners,
            title=b.title,
            technical_route=b.route,
            indicators=_indicators(b.indicators),
            budget=b.budget,
            schedule="第 1–6 个月方案设计与样机；第 7–12 个月现场验证与定型。",
            team=[
                {"name": n, "role": role, "affiliation": self.orgs[b.org].name}
                for n, role in b.team
            ],
        )
        for key, _role in b.partners:  # each partner organisation agrees to the consortium
            invitation = (
                invitations_of(InvitationKind.PARTNER, application.pk)
                .filter(invitee_org=self.orgs[key], status=ConsentStatus.PENDING)
                .get()
            )
            invitation_accept(actor=self.managers[key], invitation=invitation)
        return application_submit(actor=self.managers[b.org], application=application)

    # -- review

    def review(
        self,
        call: Call,
        bids: dict[str, Application],
        *,
        reviewers: list[str],
        chair: str,
        start: int,
    ) -> ReviewProcess:
        """Run the review the call's ``start_review`` opened, from panel to the last round.

        The hand-off created the process with the call's rounds and panel rules, its first
        panel and one item per eligible bid; the organiser invites the panel, detects
        conflicts, solves the assignment and the panel scores.
        """
        runner = self.manager(call.organiser)
        process = call.review_process
        assert process is not None, "start_review opens the call's review"
        rounds = process.rounds
        self.at(start)
        panel = process.panels.get()
        by_bid = items_of(process)
        items = {key: by_bid[a.pk] for key, a in bids.items() if a.pk in by_bid}
        members = []
        for email in reviewers:
            role = MemberRole.CHAIR if email == chair else MemberRole.REVIEWER
            members.append(
                member_invite(actor=runner, panel=panel, expert=self.experts[email], role=role)
            )
        conflicts_detect(actor=runner, process=process)
        process_transition(actor=runner, process=process, action=ProcessAction.START_ASSIGNMENT)
        assignment_solve(actor=runner, process=process)
        self.at(start + 1)
        for m in members:
            invitation_respond(actor=m.expert.user, member=m, accept=True)
        self.at(start + 2)
        process_transition(actor=runner, process=process, action=ProcessAction.OPEN_ROUND_1)
        criteria = list(Criterion.objects.filter(rubric__process=process).order_by("position"))
        position = {m.pk: n for n, m in enumerate(members)}
        key_of = {item.pk: key for key, item in items.items()}
        for round_no in range(1, rounds + 1):
            self.at(start + 6 + 8 * (round_no - 1))
            seats = ReviewAssignment.objects.filter(item__process=process, status="active")
            for seat in seats.select_related("item", "member__expert__user"):
                if not seat.item.in_round(round_no):
                    continue
                quality = (
                    QUALITY[key_of[seat.item_id]][round_no - 1] + LENIENCY[position[seat.member_id]]
                )
                score_submit(
                    actor=seat.member.expert.user,
                    assignment=seat,
                    round=round_no,
                    values=score_values(criteria, quality),
                    comment_shared="技术路线清晰，建议细化现场验证方案。",
                    comment_private="与同组专家意见基本一致。",
                )
            if round_no < rounds:
                self.at(start + 7)
                advancing = [i.pk for k, i in items.items() if QUALITY[k][1]]
                process_transition(
                    actor=runner,
                    process=process,
                    action=ProcessAction.OPEN_ROUND_2,
                    advancing_item_ids=advancing,
                )
        self.at(start + 6 + 8 * (rounds - 1) + 1)
        process_transition(actor=runner, process=process, action=ProcessAction.CLOSE_ROUNDS)
        return process

    def decide(self, process: ReviewProcess, winners: list[ReviewItem], day: int) -> None:
        runner = self.manager(process.organiser)
        self.at(day)
        decision_record(
            actor=runner,
            process=process,
            selected_item_ids=[i.pk for i in winners],
            justification="按专家评审综合得分排序，各题目取第一名，经组织方集体研究确定。",
        )
        notice_open(actor=runner, process=process, days=NOTICE_DAYS)
        self.at(day + NOTICE_DAYS + 1)
        process_transition(actor=runner, process=process, action=ProcessAction.FINALISE)


def items_of(process: ReviewProcess) -> dict[int, ReviewItem]:
    """Review items by the application id they review."""
    return {int(i.subject_id): i for i in process.items.all()}


def load(
    *,
    orgs: dict[str, Organization],
    managers: dict[str, User],
    admin: User,
    password: str,
) -> dict[str, int]:
    """Load the three demo calls; returns how many calls, bids and projects exist."""
    clock = DemoClock()
    demo = ChallengeDemo(orgs=orgs, managers=managers, admin=admin, clock=clock, password=password)
    # The search index is built after loading (``kechuang demo``): during the replay the
    # panels' affinity is the keyword overlap, whatever an earlier index left on disk.
    with clock.running(), override_settings(KECHUANG_SEARCH_BACKEND="database"):
        demo.load_reviewers()
        _call_2024(demo)
        _call_2025(demo)
        _draft_bid(demo, _open_call(demo))
        _open_review(demo)
    return {
        "calls": Call.objects.count(),
        "applications": Application.objects.count(),
        "projects": Project.objects.count(),
    }


def _award(demo: ChallengeDemo, call: Call, winners: list[Application]) -> list[Project]:
    runner = demo.manager(call.organiser)
    call_transition(actor=runner, call=call, action="start_awarding")
    projects = []
    for a in winners:
        award = award_make(
            actor=runner,
            application=a,
            justification="评审综合得分第一，公示期内无异议。",
            agreement_text="按榜单指标、预算与里程碑签订揭榜挂帅项目任务书。",
            agreement_signed_on=timezone.localdate().isoformat(),
        )
        projects.append(award.project)
    call_transition(actor=runner, call=call, action="finish")
    return projects


def _call_2024(demo: ChallengeDemo) -> None:
    hz_staff = demo.managers["hz"]
    demo.at(-600)
    call = demo.new_call(
        "hz",
        opens=-600,
        deadline=-570,
        title="2024 年杭州市数字经济揭榜挂帅榜单",
        description="面向杭州医药与生鲜冷链企业的数字化监测难题。",
        review_rounds=1,
        review_rules=REVIEW_RULES,
    )
    demo.add_problem(
        call, PROBLEM_2024, -300, title=PROBLEM_2024.title, description=PROBLEM_2024.description
    )
    call_transition(actor=hz_staff, call=call, action="publish")
    problems = list(call.problems.order_by("id"))
    bids = {}
    for n, b in enumerate(BIDS_2024):
        demo.at(-595 + n)
        bids[b.key] = demo.bid(call, problems, b)
    demo.at(-569)
    call_transition(actor=hz_staff, call=call, action="close")
    call = call_transition(actor=hz_staff, call=call, action="start_review")
    process = demo.review(
        call,
        bids,
        reviewers=[REVIEWERS[i].email for i in (0, 2, 3, 4)],
        chair=REVIEWERS[2].email,
        start=-568,
    )
    items = items_of(process)
    demo.decide(process, [items[bids["lengxin"].pk]], day=-560)
    demo.at(-551)
    (project,) = _award(demo, call, [bids["lengxin"]])
    winner = demo.managers["lengxin"]
    demo.at(-550)
    m1 = milestone_add(
        actor=hz_staff,
        project=project,
        title="监测终端样机与第三方检测",
        deliverables="终端样机 20 台，第三方检测报告。",
        due_on=demo.date(-450),
        tranche_amount="30",
    )
    m2 = milestone_add(
        actor=hz_staff,
        project=project,
        title="3 条线路试用",
        deliverables="终端 200 台试用报告，运维平台上线。",
        due_on=demo.date(-300),
        tranche_amount="50",
    )
    for m, day in ((m1, -452), (m2, -302)):
        demo.at(day)
        report_file(
            actor=winner, project=project, milestone=m, text=f"{m.title}已完成，提交验收材料。"
        )
        demo.at(day + 3)
        milestone_review(
            actor=hz_staff, milestone=m, verdict="pass", reason="交付物齐全，指标达到要求。"
        )
        tranche_release(actor=hz_staff, milestone=m)
    demo.at(-200)
    project_transition(actor=winner, project=project, action="request_acceptance")
    demo.at(-190)
    acceptance = acceptance_record(
        actor=hz_staff,
        project=project,
        results=[
            {"name": "温度测量误差", "achieved": "0.2", "met": True},
            {"name": "单次充电续航", "achieved": "47", "met": True},
        ],
        verdict="passed",
        summary="各项指标均达到榜单要求，终端已在 3 条配送线路稳定运行。",
    )
    demo.at(-185)
    acceptance_publish(actor=hz_staff, acceptance=acceptance)


def _emails() -> list[str]:
    return [r.email for r in REVIEWERS] + [RESEARCHER_EMAIL]


def _call_2025(demo: ChallengeDemo) -> None:
    zj_staff = demo.managers["zj"]
    demo.at(-240)
    round_ = round_open(
        actor=zj_staff,
        owner=demo.orgs["zj"],
        title="2025 年第一季度企业技术难题征集",
        opens_on=demo.date(-240),
        closes_on=demo.date(-210),
        description="面向全省企业征集制约产品升级的关键技术难题。",
    )
    collected = []
    for n, p in enumerate(PROBLEMS_2025):
        demo.at(-235 + n)
        collected.append(
            problem_submit(
                actor=demo.managers[p.org],
                round=round_,
                organization=demo.orgs[p.org],
                title=p.title,
                description=p.description,
                keywords=p.keywords,
            )
        )
    demo.at(-210)
    round_transition(actor=zj_staff, round=round_, action="close")
    demo.at(-209)
    for problem in collected:
        problem_classify(actor=zj_staff, problem=problem, industry=problem.organization.industry_id)
        problem_transition(
            actor=zj_staff, problem=problem, action="accept", reason="属于行业共性难题。"
        )
    # the first problem is offered inside the province first; nobody takes it
    problem_transition(actor=zj_staff, problem=collected[0], action="offer_internal")
    demo.at(-206)
    for problem in collected:
        problem_transition(actor=zj_staff, problem=problem, action="publish")
    demo.at(-205)
    call = demo.new_call(
        "zj",
        opens=-200,
        deadline=-170,
        title="2025 年浙江省产业关键技术揭榜挂帅榜单",
        description="本榜单题目来自全省企业技术难题征集，须经申报单位所在地科协逐级推荐。",
        requires_recommendation=True,
        recommendation_quotas={"city": 2, "province": 2},
        review_rounds=2,
        review_rules=REVIEW_RULES,
    )
    for problem, text in zip(collected, PROBLEMS_2025, strict=True):
        demo.add_problem(call, text, 120, problem=problem)
    call_transition(actor=zj_staff, call=call, action="publish")
    problems = list(call.problems.order_by("id"))
    bids = {}
    for n, b in enumerate(BIDS_2025):
        demo.at(-195 + 2 * n)
        bids[b.key] = demo.bid(call, problems, b)
    for n, (key, org, decision, reason) in enumerate(RECOMMENDATIONS_2025):
        demo.at(-180 + n)
        recommendation_decide(
            actor=demo.managers[org], application=bids[key], decision=decision, reason=reason
        )
    demo.at(-169)
    call_transition(actor=zj_staff, call=call, action="close")
    call = call_transition(actor=zj_staff, call=call, action="start_review")
    process = demo.review(call, bids, reviewers=_emails(), chair=_emails()[2], start=-168)
    items = items_of(process)
    winners = [bids[k] for k in WINNERS_2025]
    demo.decide(process, [items[a.pk] for a in winners], day=-150)
    demo.at(-141)
    projects = _award(demo, call, winners)
    subsidised = projects[1]  # 甬燃's problem, won by 锦岷动力: 40 % of the cost, capped
    demo.at(-140)
    m1 = milestone_add(
        actor=zj_staff,
        project=subsidised,
        title="燃烧器样机冷态与热态试验",
        deliverables="燃烧器样机 1 套，冷态流场与热态排放试验报告。",
        due_on=demo.date(-40),
        tranche_amount="60",
    )
    milestone_add(
        actor=zj_staff,
        project=subsidised,
        title="客户锅炉改造与连续运行检测",
        deliverables="2 台客户锅炉完成改造，连续运行 3 个月的第三方检测报告。",
        due_on=demo.date(60),
        tranche_amount="92",
    )
    winner = demo.managers["jinmin"]
    demo.at(-42)
    report_file(
        actor=winner,
        project=subsidised,
        milestone=m1,
        text="热态试验氮氧化物排放 24 mg/m³，低负荷 30% 稳燃，报告已上传。",
    )
    demo.at(-38)
    milestone_review(
        actor=zj_staff, milestone=m1, verdict="pass", reason="试验数据达到里程碑要求。"
    )
    tranche_release(actor=zj_staff, milestone=m1)


def _open_call(demo: ChallengeDemo) -> Call:
    zj_staff = demo.managers["zj"]
    demo.at(-8)
    call = demo.new_call("zj", opens=-7, deadline=45, **OPEN_CALL)
    for p in OPEN_PROBLEMS:
        call_problem_add(
            actor=zj_staff,
            call=call,
            title=p.title,
            description=p.description,
            indicators=_indicators(p.indicators),
            expected_outcome=p.outcome,
            completion_deadline=demo.date(400).isoformat(),
            eligibility_text=p.eligibility_text,
            **p.funding,
        )
    demo.at(-7)
    return call_transition(actor=zj_staff, call=call, action="publish")


def _draft_bid(demo: ChallengeDemo, call: Call) -> Application:
    """The enterprise account's bid on the open call, saved but not submitted."""
    b = DRAFT_BID
    demo.at(-2)
    return application_create(
        actor=demo.managers[b.org],
        call_problem=list(call.problems.order_by("id"))[b.problem],
        kind="organization",
        organization=demo.orgs[b.org],
        partners=[],
        title=b.title,
        technical_route=b.route,
        indicators=_indicators(b.indicators),
        budget=b.budget,
        schedule="第 1–4 个月采集焊点样本并训练模型；第 5–12 个月产线部署与连续运行验证。",
        team=[
            {"name": n, "role": role, "affiliation": demo.orgs[b.org].name} for n, role in b.team
        ],
    )


def _open_review(demo: ChallengeDemo) -> ReviewProcess:
    """A review open for scoring: items written in it, a panel seated and assigned, round 1
    open with its deadline two weeks ahead, nothing scored."""
    runner = demo.managers["zj"]
    demo.at(-12)
    process = process_create(
        actor=runner,
        organiser=demo.orgs["zj"],
        title=OPEN_REVIEW["title"],
        purpose=Purpose.OTHER,
        rounds=1,
        rules={"panel_size": len(OPEN_REVIEW["reviewers"]), "max_load": len(OPEN_REVIEW_ITEMS)},
    )
    panel = panel_create(actor=runner, process=process, name=OPEN_REVIEW["panel"])
    for n, row in enumerate(OPEN_REVIEW_ITEMS):
        demo.at(-12 + n * 0.1)
        org = demo.orgs[row.org]
        item_create(
            actor=runner,
            process=process,
            title=row.title,
            text=row.text,
            parties=[PartyIn(name=org.name, organization=org)],
            panel=panel,
        )
    demo.at(-10)
    members = [
        member_invite(
            actor=runner,
            panel=panel,
            expert=demo.experts[email],
            role=MemberRole.CHAIR if email == OPEN_REVIEW["chair"] else MemberRole.REVIEWER,
        )
        for email in OPEN_REVIEW["reviewers"]
    ]
    conflicts_detect(actor=runner, process=process)
    process_transition(actor=runner, process=process, action=ProcessAction.START_ASSIGNMENT)
    assignment_solve(actor=runner, process=process)
    demo.at(-9)
    for m in members:
        invitation_respond(actor=m.expert.user, member=m, accept=True)
    demo.at(-3)
    return process_transition(
        actor=runner,
        process=process,
        action=ProcessAction.OPEN_ROUND_1,
        deadline=demo.base + datetime.timedelta(days=14),
    )
