"""Milestone review by an expert panel through the review app, and its refusals."""

from __future__ import annotations

import pytest

from kechuang.challenges.models import Milestone, Project
from kechuang.challenges.services.milestone_review import (
    REPORT_SUBJECT,
    milestone_review_conclude,
    milestone_review_open,
)
from kechuang.challenges.services.projects import milestone_add, milestone_review, report_file
from kechuang.common.errors import Conflict, InvalidTransition
from tests.challenges.conftest import Tree, challenge_state, review_state, review_to_final


@pytest.fixture
def milestone(tree: Tree, project: Project) -> Milestone:
    return milestone_add(
        actor=tree.national_staff,
        project=project,
        title="样机",
        deliverables="液冷板样机一套，温差测试报告。",
        due_on="2030-01-01",
        tranche_amount="80",
    )


def open_review(tree: Tree, milestone: Milestone) -> tuple[Milestone, int]:
    report = report_file(
        actor=tree.lab_admin, project=milestone.project, milestone=milestone, text="样机温差 2.4℃。"
    )
    milestone = milestone_review_open(
        actor=tree.national_staff,
        milestone=milestone,
        report=report,
        rules={"panel_size": 2, "max_load": 5},
    )
    return milestone, report.pk


def test_the_milestone_passes_when_the_review_selects_its_report(
    tree: Tree, milestone: Milestone
) -> None:
    milestone, report = open_review(tree, milestone)
    process = milestone.review_process
    assert process is not None
    assert (process.purpose, process.rounds, process.organiser) == (
        "milestone",
        1,
        tree.world.national,
    )
    assert [(i.subject_type, i.subject_id) for i in process.items.all()] == [
        (REPORT_SUBJECT, report)
    ]
    review_to_final(process, runner=tree.national_staff, selected=[(REPORT_SUBJECT, report)])

    done = milestone_review_conclude(actor=tree.national_staff, milestone=milestone)

    assert (done.status, done.verdict_reason) == ("passed", "会评排名第一。")


def test_the_milestone_fails_when_the_review_selects_nothing(
    tree: Tree, milestone: Milestone
) -> None:
    milestone, _report = open_review(tree, milestone)
    assert milestone.review_process is not None
    review_to_final(milestone.review_process, runner=tree.national_staff, selected=[])

    done = milestone_review_conclude(actor=tree.national_staff, milestone=milestone)

    assert done.status == "failed"


def test_concluding_before_the_review_is_final_is_refused(tree: Tree, milestone: Milestone) -> None:
    milestone, _report = open_review(tree, milestone)
    before = (challenge_state(), review_state())

    with pytest.raises(InvalidTransition) as exc:
        milestone_review_conclude(actor=tree.national_staff, milestone=milestone)

    assert exc.value.code == "review_not_final"
    assert (challenge_state(), review_state()) == before


def test_the_one_person_verdict_is_refused_while_experts_review(
    tree: Tree, milestone: Milestone
) -> None:
    milestone, _report = open_review(tree, milestone)
    before = (challenge_state(), review_state())

    with pytest.raises(InvalidTransition) as exc:
        milestone_review(
            actor=tree.national_staff, milestone=milestone, verdict="pass", reason="可"
        )

    assert exc.value.code == "expert_review"
    assert (challenge_state(), review_state()) == before


def test_a_second_expert_review_is_refused(tree: Tree, milestone: Milestone) -> None:
    milestone, _report = open_review(tree, milestone)
    report = milestone.reports.get()
    before = (challenge_state(), review_state())

    with pytest.raises(Conflict) as exc:
        milestone_review_open(actor=tree.national_staff, milestone=milestone, report=report)

    assert exc.value.code == "review_exists"
    assert (challenge_state(), review_state()) == before
