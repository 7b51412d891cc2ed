"""Award, project, milestones with tranches, changes, acceptance and the filings they make."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.challenges.models import Call, Filing, Project
from kechuang.challenges.services.acceptance import acceptance_publish, acceptance_record
from kechuang.challenges.services.awards import award_make
from kechuang.challenges.services.projects import (
    change_decide,
    change_request,
    milestone_add,
    milestone_review,
    project_transition,
    tranche_release,
)
from kechuang.common.errors import Conflict, InvalidTransition, ValidationFailed
from kechuang.notifications.models import Notification
from tests.challenges.conftest import Tree, challenge_state, to_awarding


def in_days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def test_the_award_sets_up_the_project_files_it_and_notifies_the_winner(
    tree: Tree, project: Project
) -> None:
    assert project.status == "active"
    assert project.award.funding_cap == Decimal("200.00")
    assert project.award.application.status == "awarded"
    assert list(
        Filing.objects.filter(kind__in=["winner", "project"]).values_list("kind", flat=True)
    ) == [
        "project",
        "winner",
    ]
    assert list(Notification.objects.filter(kind="award").values_list("recipient_id", "title")) == [
        (tree.lab_admin.pk, "您的揭榜申请《仿生分形流道液冷板方案》已确定为揭榜方")
    ]


def test_a_second_award_for_the_same_problem_is_refused(tree: Tree, published: Call) -> None:
    application = to_awarding(tree, published)
    award_make(actor=tree.national_staff, application=application, justification="第一")
    before = challenge_state()
    with pytest.raises(Conflict) as exc:
        award_make(actor=tree.national_staff, application=application, justification="再次")
    assert exc.value.code == "already_awarded"
    assert challenge_state() == before


def test_releasing_a_tranche_before_its_milestone_passed_is_refused(
    tree: Tree, project: Project
) -> None:
    milestone = milestone_add(
        actor=tree.national_staff,
        project=project,
        title="样机",
        deliverables="样机一套",
        due_on=in_days(180),
        tranche_amount="80",
    )
    before = challenge_state()
    with pytest.raises(InvalidTransition) as exc:
        tranche_release(actor=tree.national_staff, milestone=milestone)
    assert exc.value.code == "milestone_not_passed"
    assert challenge_state() == before


def test_tranches_follow_passed_milestones_and_never_exceed_the_cap(
    tree: Tree, project: Project
) -> None:
    staff = tree.national_staff
    first = milestone_add(
        actor=staff,
        project=project,
        title="样机",
        deliverables="样机一套",
        due_on=in_days(180),
        tranche_amount="120.50",
    )
    second = milestone_add(
        actor=staff,
        project=project,
        title="验证",
        deliverables="报告",
        due_on=in_days(360),
        tranche_amount="79.50",
    )
    # planning beyond the cap of 200 is refused
    with pytest.raises(ValidationFailed) as exc:
        milestone_add(
            actor=staff,
            project=project,
            title="追加",
            deliverables="—",
            due_on=in_days(400),
            tranche_amount="0.01",
        )
    assert exc.value.code == "over_cap"
    milestone_review(actor=staff, milestone=first, verdict="pass", reason="样机达标")
    payment = tranche_release(actor=staff, milestone=first)
    assert payment.amount == Decimal("120.50")
    with pytest.raises(Conflict):
        tranche_release(actor=staff, milestone=first)
    milestone_review(actor=staff, milestone=second, verdict="pass", reason="验证通过")
    # releasing more than what is left under the cap is refused
    before = challenge_state()
    with pytest.raises(ValidationFailed) as exc:
        tranche_release(actor=staff, milestone=second, amount="79.51")
    assert exc.value.code == "over_cap"
    assert challenge_state() == before
    assert tranche_release(actor=staff, milestone=second).amount == Decimal("79.50")


def test_an_approved_change_moves_the_milestone(tree: Tree, project: Project) -> None:
    milestone = milestone_add(
        actor=tree.national_staff,
        project=project,
        title="样机",
        deliverables="样机一套",
        due_on=in_days(180),
    )
    change = change_request(
        actor=tree.lab_admin,
        project=project,
        description="材料到货延迟",
        milestone=milestone,
        new_due_on=in_days(210),
    )
    change = change_decide(actor=tree.national_staff, change=change, action="approve")
    milestone.refresh_from_db()
    assert (change.status, milestone.due_on.isoformat()) == ("approved", in_days(210))


def test_acceptance_against_the_promised_indicators(tree: Tree, project: Project) -> None:
    project_transition(actor=tree.lab_admin, project=project, action="request_acceptance")
    results = [{"name": "电芯最大温差", "achieved": "2.4", "met": True}]
    acceptance = acceptance_record(
        actor=tree.national_staff,
        project=project,
        results=results,
        verdict="passed",
        summary="全部指标达到",
    )
    acceptance_publish(actor=tree.national_staff, acceptance=acceptance)
    project.refresh_from_db()
    assert project.status == "accepted"
    assert acceptance.results == [
        {
            "name": "电芯最大温差",
            "unit": "℃",
            "promised": "2.5",
            "rule": "≤",
            "achieved": "2.4",
            "met": True,
        }
    ]
    assert Filing.objects.filter(kind="acceptance").get().summary == (
        "电池包液冷板流道优化 验收：通过（指标达到 1/1）"
    )


def test_passed_with_an_unmet_indicator_is_refused(tree: Tree, project: Project) -> None:
    project_transition(actor=tree.lab_admin, project=project, action="request_acceptance")
    before = challenge_state()
    with pytest.raises(ValidationFailed) as exc:
        acceptance_record(
            actor=tree.national_staff,
            project=project,
            results=[{"name": "电芯最大温差", "achieved": "3.5", "met": False}],
            verdict="passed",
            summary="—",
        )
    assert list(exc.value.fields) == ["verdict"]
    assert challenge_state() == before
