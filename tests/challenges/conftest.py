"""Fixtures of the challenge tests: a district association under 杭州, a call organised
by 中国科协 with one problem, and a helper that snapshots every challenge table so a
refusal can be shown to change nothing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from kechuang.accounts.models import User
from kechuang.audit.models import AuditEntry
from kechuang.catalog.models import ExpertProfile
from kechuang.challenges import models as m
from kechuang.challenges.services.applications import application_create, application_submit
from kechuang.challenges.services.awards import award_make
from kechuang.challenges.services.calls import call_create, call_problem_add, call_transition
from kechuang.invitations.choices import ConsentStatus, InvitationKind
from kechuang.invitations.models import Invitation
from kechuang.invitations.services import invitation_accept, invitation_decline
from kechuang.orgs.choices import AssociationLevel, OrgKind, Role
from kechuang.orgs.models import Organization
from kechuang.orgs.services import membership_add
from kechuang.review.choices import ProcessAction
from kechuang.review.models import ItemParty, ReviewAssignment, ReviewItem, ReviewProcess
from kechuang.review.services import (
    assignment_solve,
    decision_record,
    invitation_respond,
    member_invite,
    notice_open,
    process_transition,
    score_submit,
)
from tests.conftest import World
from tests.factories import OrganizationFactory, UserFactory, association, member
from tests.review.conftest import GOOD_VALUES, make_expert


@dataclass
class Tree:
    """``world`` plus a district association and an enterprise below it."""

    world: World
    xihu: Organization  # 西湖区科协, under 杭州
    lab: Organization  # an enterprise under 西湖区科协
    lab_admin: User
    xihu_staff: User
    national_staff: User


@pytest.fixture
def tree(world: World) -> Tree:
    xihu = association("西湖区科学技术协会", AssociationLevel.DISTRICT, world.hangzhou, "330106")
    lab = OrganizationFactory(
        name="杭州热控实验室有限公司", parent=xihu, region_id="330106", kind=OrgKind.ENTERPRISE
    )
    return Tree(
        world=world,
        xihu=xihu,
        lab=lab,
        lab_admin=member(lab, Role.ADMIN, display_name="实验室管理员"),
        xihu_staff=member(xihu, Role.STAFF, display_name="西湖科协工作人员"),
        national_staff=member(world.national, Role.STAFF, display_name="中国科协工作人员"),
    )


def call_data(**overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    data: dict[str, Any] = {
        "title": "储能热管理关键技术揭榜",
        "description": "面向储能电站的电池热管理难题，公开征集解决方案。",
        "opens_at": now - datetime.timedelta(days=1),
        "deadline": now + datetime.timedelta(days=30),
    }
    data.update(overrides)
    return data


def problem_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "电池包液冷板流道优化",
        "description": "2C 充放电时电芯温差超过 8℃，需要把温差控制在 3℃ 以内。",
        "indicators": [{"name": "电芯最大温差", "target": "≤3", "unit": "℃"}],
        "expected_outcome": "样机一套及验证报告",
        "funding_mode": "public",
        "budget": "200",
        "completion_deadline": (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
        "eligibility_text": "具备液冷系统设计与验证能力。",
    }
    data.update(overrides)
    return data


def application_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "仿生分形流道液冷板方案",
        "technical_route": "采用仿生分形流道设计液冷板，结合多目标拓扑优化与电芯级温度反馈"
        "控制，在 2C 工况下把电芯温差降到 3℃ 以内，并完成 1000 次循环验证。",
        "indicators": [{"name": "电芯最大温差", "target": "2.5", "unit": "℃"}],
        "budget": "180",
        "schedule": "第 1–6 个月设计仿真；第 7–12 个月样机与验证。",
        "team": [{"name": "赵工", "role": "负责人", "affiliation": "杭州热控实验室"}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def call(tree: Tree) -> m.Call:
    """A draft call of 中国科协 with one problem."""
    item = call_create(
        actor=tree.national_staff,
        organiser=tree.world.national,
        **call_data(review_rules={"panel_size": 2, "max_load": 5}),
    )
    call_problem_add(actor=tree.national_staff, call=item, **problem_data())
    return item


@pytest.fixture
def published(tree: Tree, call: m.Call) -> m.Call:
    return call_transition(actor=tree.national_staff, call=call, action="publish")


def bid(tree: Tree, call: m.Call, **overrides: Any) -> m.Application:
    """A draft organisation bid by the lab on the call's first problem."""
    return application_create(
        actor=tree.lab_admin,
        call_problem=call.problems.first(),
        kind=overrides.pop("kind", "organization"),
        organization=overrides.pop("organization", tree.lab),
        **application_data(**overrides),
    )


def submitted_bid(
    tree: Tree, call: m.Call, *, consent: bool = False, **overrides: Any
) -> m.Application:
    """A submitted bid; with ``consent`` every partner and team member named accepts first."""
    application = bid(tree, call, **overrides)
    if consent:
        answer_invitations(application, accept=True)
    return application_submit(actor=tree.lab_admin, application=application)


def answerer(invitation: Invitation) -> User:
    """Who answers ``invitation``: the person, or an admin of the organisation (made for
    the test when the organisation has none)."""
    if invitation.invitee_user is not None:
        return invitation.invitee_user
    org = invitation.invitee_org
    assert org is not None
    admin = org.memberships.filter(role=Role.ADMIN).first()
    if admin is not None:
        return admin.user
    user = UserFactory(display_name=f"{org.name}管理员")
    membership_add(actor=None, organization=org, user=user, role=Role.ADMIN, check_permission=False)
    return user


def answer_invitations(application: m.Application, *, accept: bool) -> list[Invitation]:
    """Every pending partner and team-member invitation of ``application``, answered."""
    answer = invitation_accept if accept else invitation_decline
    return [
        answer(actor=answerer(inv), invitation=inv)
        for inv in Invitation.objects.filter(
            target_id=application.pk,
            kind__in=[InvitationKind.PARTNER, InvitationKind.TEAM_MEMBER],
            status=ConsentStatus.PENDING,
        ).order_by("pk")
    ]


def past_deadline(call: m.Call) -> None:
    """Move the call's window into the past (tests only: services never rewrite it)."""
    now = timezone.now()
    m.Call.objects.filter(pk=call.pk).update(
        opens_at=now - datetime.timedelta(days=10), deadline=now - datetime.timedelta(minutes=1)
    )


def challenge_state() -> tuple[Any, ...]:
    """Every challenge row and its status, plus the audit count."""

    def rows(model: Any, *fields: str) -> list[Any]:
        return list(model.objects.order_by("pk").values_list("pk", *fields))

    return (
        AuditEntry.objects.count(),
        rows(m.CollectionRound, "status"),
        rows(m.Problem, "status", "screening_reason", "taken_by"),
        rows(m.Call, "status", "title", "updated_at"),
        rows(m.CallProblem, "title", "budget"),
        rows(m.Application, "status", "title", "budget", "updated_at"),
        rows(m.ApplicationPartner, "organization"),
        rows(m.Recommendation, "decision"),
        rows(m.Award, "application"),
        rows(m.Project, "status"),
        rows(m.Milestone, "status", "due_on"),
        rows(m.TranchePayment, "amount"),
        rows(m.ChangeRequest, "status"),
        rows(m.Acceptance, "verdict"),
        rows(m.ChallengeEvent, "type"),
        rows(m.Filing, "kind"),
    )


def reviewers(n: int = 2) -> list[ExpertProfile]:
    """Independent front-line experts with accounts, unrelated to every applicant."""
    return [make_expert(f"评审专家{i}", frontline=True, keywords="热管理，液冷") for i in range(n)]


def review_to_final(
    process: ReviewProcess,
    *,
    runner: User,
    selected: list[tuple[str, int]],
    shared: dict[int, list[str]] | None = None,
) -> ReviewProcess:
    """Drive ``process`` (in setup, items placed in its first panel) through invitation,
    assignment, every round, decision and notice to ``final``, selecting ``selected``
    subjects (the notice period is moved into the past: tests only). ``shared`` gives,
    per round, the shared comment of each assignment in id order (missing: none)."""
    panel = process.panels.order_by("id").first()
    assert panel is not None
    members = [
        member_invite(actor=runner, panel=panel, expert=e) for e in reviewers(process.panel_size)
    ]
    process_transition(actor=runner, process=process, action=ProcessAction.START_ASSIGNMENT)
    assignment_solve(actor=runner, process=process)
    for seat in members:
        invitation_respond(actor=seat.expert.user, member=seat, accept=True)
    process_transition(actor=runner, process=process, action=ProcessAction.OPEN_ROUND_1)
    for round_no in range(1, process.rounds + 1):
        if round_no == 2:
            process_transition(actor=runner, process=process, action=ProcessAction.OPEN_ROUND_2)
        texts = (shared or {}).get(round_no, [])
        active = ReviewAssignment.objects.filter(item__process=process, status="active")
        for n, a in enumerate(active.order_by("id")):
            score_submit(
                actor=a.member.expert.user,
                assignment=a,
                round=round_no,
                values=GOOD_VALUES,
                comment_shared=texts[n] if n < len(texts) else "",
            )
    process_transition(actor=runner, process=process, action=ProcessAction.CLOSE_ROUNDS)
    items = {(i.subject_type, i.subject_id): i.pk for i in process.items.all()}
    decision_record(
        actor=runner,
        process=process,
        selected_item_ids=[items[s] for s in selected],
        justification="会评排名第一。",
    )
    notice_open(actor=runner, process=process, days=5)
    past = timezone.now() - datetime.timedelta(days=6)
    ReviewProcess.objects.filter(pk=process.pk).update(
        notice_starts_at=past, notice_ends_at=past + datetime.timedelta(days=5)
    )
    return process_transition(actor=runner, process=process, action=ProcessAction.FINALISE)


def review_state() -> tuple[Any, ...]:
    """Every review row that a challenge service might write, for "nothing changed"."""
    return (
        list(ReviewProcess.objects.order_by("pk").values_list("pk", "status")),
        ReviewItem.objects.count(),
        ItemParty.objects.count(),
    )


def to_awarding(tree: Tree, call: m.Call) -> m.Application:
    """A bid, reviewed and selected by the call's review, the call awarding."""
    application = submitted_bid(tree, call)
    past_deadline(call)
    for action in ("close", "start_review"):
        call_transition(actor=tree.national_staff, call=call, action=action)
    call.refresh_from_db()
    assert call.review_process is not None
    review_to_final(
        call.review_process,
        runner=tree.national_staff,
        selected=[("challenges.application", application.pk)],
    )
    call_transition(actor=tree.national_staff, call=call, action="start_awarding")
    application.refresh_from_db()
    return application


@pytest.fixture
def project(tree: Tree, published: m.Call) -> m.Project:
    application = to_awarding(tree, published)
    award = award_make(
        actor=tree.national_staff, application=application, justification="综合排名第一"
    )
    return award.project
