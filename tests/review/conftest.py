"""A review scenario on top of the shared ``world``: an organiser (杭州市科协), a
third-party evaluator, experts with accounts, a two-round process with one panel and
three items, and helpers to drive it to any stage through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from kechuang.accounts.models import User
from kechuang.catalog.models import ExpertProfile
from kechuang.catalog.services import expert_create, expert_work_add
from kechuang.invitations.choices import InvitationKind
from kechuang.invitations.selectors import invitations_of
from kechuang.invitations.services import invitation_accept
from kechuang.orgs.choices import OrgKind, Role
from kechuang.orgs.models import Organization
from kechuang.orgs.services import membership_add
from kechuang.review.choices import ProcessAction, Purpose
from kechuang.review.models import Panel, PanelMember, ReviewAssignment, ReviewItem, ReviewProcess
from kechuang.review.services import (
    PartyIn,
    assignment_solve,
    invitation_respond,
    item_add,
    member_invite,
    panel_create,
    process_create,
    process_transition,
    score_submit,
)
from tests.conftest import World
from tests.factories import OrganizationFactory, UserFactory, member


def make_expert(
    name: str,
    *,
    org: Organization | None = None,
    frontline: bool = False,
    government: bool = False,
    keywords: str = "材料",
    works: tuple[str, ...] = (),
) -> ExpertProfile:
    user = UserFactory(display_name=name)
    if org is not None:
        membership_add(
            actor=None, organization=org, user=user, role=Role.MEMBER, check_permission=False
        )
    expert = expert_create(
        actor=user,
        organization=org,
        name=name,
        affiliation=org.name if org else "独立专家",
        region_id="330106",
        disciplines=["470"],
        keywords=keywords,
        is_frontline_engineer=frontline,
        is_government_staff=government,
    )
    for title in works:
        expert_work_add(actor=user, expert=expert, kind="paper", title=title, year=2024)
    return expert


GOOD_VALUES = {
    "技术价值": 30,
    "战略价值": 15,
    "社会价值": 10,
    "知识产权与人才产出": 10,
    "实施可行性": 5,
}


def user_of(expert: ExpertProfile) -> User:
    assert expert.user is not None
    return expert.user


@dataclass
class Scene:
    world: World
    runner: User  # staff of the organiser (杭州市科协)
    evaluator_admin: User
    university: Organization
    institute: Organization
    evaluator: Organization
    experts: dict[str, ExpertProfile]
    process: ReviewProcess
    panel: Panel
    items: list[ReviewItem]
    members: dict[str, PanelMember] = field(default_factory=dict)

    def member(self, name: str) -> PanelMember:
        return self.members[name]

    def user(self, name: str) -> User:
        return user_of(self.experts[name])

    def invite_all(self) -> None:
        for name, expert in self.experts.items():
            if not expert.is_government_staff:
                self.members[name] = member_invite(
                    actor=self.runner, panel=self.panel, expert=expert
                )

    def accept_all(self) -> None:
        for name, m in self.members.items():
            m.refresh_from_db()
            if m.status == "invited":
                invitation_respond(actor=self.user(name), member=m, accept=True)

    def to_assigning(self) -> None:
        self.invite_all()
        process_transition(
            actor=self.runner, process=self.process, action=ProcessAction.START_ASSIGNMENT
        )

    def to_round_1(self) -> None:
        self.to_assigning()
        assignment_solve(actor=self.runner, process=self.process)
        self.accept_all()
        process_transition(
            actor=self.runner, process=self.process, action=ProcessAction.OPEN_ROUND_1
        )

    def score_all(self, round_no: int, values: dict[str, Any] | None = None) -> None:
        for a in active(self.process):
            if not a.item.in_round(round_no):
                continue
            score_submit(
                actor=user_of(a.member.expert),
                assignment=a,
                round=round_no,
                values=values
                or {
                    "技术价值": 30,
                    "战略价值": 15,
                    "社会价值": 10,
                    "知识产权与人才产出": 10,
                    "实施可行性": 5,
                },
            )


def active(process: ReviewProcess) -> list[ReviewAssignment]:
    return list(
        ReviewAssignment.objects.filter(item__process=process, status="active")
        .select_related("member__expert__user", "item")
        .order_by("item_id", "member_id")
    )


ITEM_TEXTS = [
    ("储能电池液冷热管理", "储能电池包液冷板流道优化与热管理控制策略，电芯温差控制在 3℃ 以内。"),
    ("气液两相流量测量", "基于差压与电容层析成像的气液两相流量计，含气率全量程测量。"),
    ("工业视觉缺陷检测", "基于深度学习的工业视觉表面缺陷检测，适用于锂电极片与光伏组件。"),
]


@pytest.fixture
def scene(world: World) -> Scene:
    university = OrganizationFactory(
        name="浙江工业大学", parent=world.zhejiang, region_id="330100", kind=OrgKind.UNIVERSITY
    )
    institute = OrganizationFactory(
        name="江苏先进材料研究院", parent=world.jiangsu, region_id="320500", kind=OrgKind.INSTITUTE
    )
    evaluator = OrganizationFactory(
        name="浙江科技评估中心",
        parent=world.zhejiang,
        region_id="330100",
        kind=OrgKind.SERVICE_AGENCY,
    )
    evaluator_admin = member(evaluator, Role.ADMIN, display_name="评估中心管理员")
    experts = {
        "陈热": make_expert(
            "陈热",
            org=university,
            frontline=False,
            keywords="热管理，液冷，储能电池",
            works=("储能电池液冷板流道优化",),
        ),
        "林流": make_expert(
            "林流",
            org=institute,
            frontline=True,
            keywords="两相流，流量测量，层析成像",
            works=("气液两相流量测量方法",),
        ),
        "周视": make_expert(
            "周视",
            org=institute,
            frontline=True,
            keywords="机器视觉，缺陷检测，深度学习",
            works=("工业视觉缺陷检测网络",),
        ),
        "吴电": make_expert(
            "吴电",
            org=university,
            frontline=False,
            keywords="电池，储能，电化学",
            works=("锂电池热失控机理",),
        ),
        "郑综": make_expert("郑综", frontline=True, keywords="智能制造，工业自动化"),
    }
    process = process_create(
        actor=world.hangzhou_staff,
        organiser=world.hangzhou,
        title="2026 年第一期揭榜挂帅评审",
        purpose=Purpose.CHALLENGE_APPLICATION,
        rounds=2,
        rules={"panel_size": 3, "max_load": 3},
        evaluator=evaluator,
    )
    # the evaluator runs the process once its own admin accepts the invitation
    invitation_accept(
        actor=evaluator_admin,
        invitation=invitations_of(InvitationKind.EVALUATOR, process.pk).get(),
    )
    process.refresh_from_db()
    panel = panel_create(actor=world.hangzhou_staff, process=process, name="第一评审组")
    owners = [
        (world.enterprise, world.owner_admin),
        (world.enterprise, world.owner_admin),
        (world.other_enterprise, world.other_admin),
    ]
    items = [
        item_add(
            actor=world.hangzhou_staff,
            process=process,
            subject_type="challenges.application",
            subject_id=100 + n,
            title=title,
            text=text,
            parties=[PartyIn(name=org.name, organization=org, user=user)],
            panel=panel,
        )
        for n, ((title, text), (org, user)) in enumerate(zip(ITEM_TEXTS, owners, strict=True))
    ]
    return Scene(
        world=world,
        runner=world.hangzhou_staff,
        evaluator_admin=evaluator_admin,
        university=university,
        institute=institute,
        evaluator=evaluator,
        experts=experts,
        process=process,
        panel=panel,
        items=items,
    )
