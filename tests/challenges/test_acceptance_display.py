"""An acceptance ticks an indicator only when the achieved value meets the promise, read
in the direction of the problem's requirement; a subsidy ratio reads as a percentage."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kechuang.challenges import models as m
from kechuang.challenges.services.acceptance import acceptance_publish, acceptance_record
from kechuang.challenges.services.awards import award_make
from kechuang.challenges.services.calls import call_create, call_problem_add, call_transition
from kechuang.challenges.services.projects import project_transition
from kechuang.common.errors import ValidationFailed
from tests.challenges.conftest import Tree, call_data, challenge_state, problem_data, to_awarding
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

BATTERY = [{"name": "单次充电续航", "target": "≥30", "unit": "天"}]


def url(name: str, *args: Any) -> str:
    return reverse(f"challenges:{name}", args=args)


@pytest.fixture
def battery_project(tree: Tree) -> m.Project:
    """A project whose problem asks for ≥30 days on one charge, the winner promising 45,
    subsidised at half the cost."""
    call = call_create(
        actor=tree.national_staff,
        organiser=tree.world.national,
        **call_data(review_rules={"panel_size": 2, "max_load": 5}),
    )
    call_problem_add(
        actor=tree.national_staff,
        call=call,
        **problem_data(
            indicators=BATTERY, funding_mode="subsidy", subsidy_ratio="0.5", budget="100"
        ),
    )
    call_transition(actor=tree.national_staff, call=call, action="publish")
    application = to_awarding(tree, call)
    m.Application.objects.filter(pk=application.pk).update(
        indicators=[{"name": "单次充电续航", "target": "45", "unit": "天"}]
    )
    application.refresh_from_db()
    project = award_make(
        actor=tree.national_staff, application=application, justification="综合排名第一"
    ).project
    project_transition(actor=tree.lab_admin, project=project, action="request_acceptance")
    return project


def test_a_missed_minimum_cannot_be_marked_met(tree: Tree, battery_project: m.Project) -> None:
    before = challenge_state()

    with pytest.raises(ValidationFailed) as exc:
        acceptance_record(
            actor=tree.national_staff,
            project=battery_project,
            results=[{"name": "单次充电续航", "achieved": "41", "met": True}],
            verdict="passed",
            summary="—",
        )

    assert exc.value.fields == {"results": ["“单次充电续航”承诺 ≥45天，实际 41天，未达到。"]}
    assert challenge_state() == before


def test_a_missed_minimum_shows_a_cross_and_a_met_one_a_tick(
    tree: Tree, battery_project: m.Project
) -> None:
    acceptance = acceptance_record(
        actor=tree.national_staff,
        project=battery_project,
        results=[{"name": "单次充电续航", "achieved": "47", "met": True}],
        verdict="passed",
        summary="续航达到承诺",
    )
    acceptance_publish(actor=tree.national_staff, acceptance=acceptance)
    public = client_for(None).get(url("results")).content.decode()
    assert "单次充电续航：承诺 ≥45天，实际 47天" in public
    assert 'title="达到">✓' in public

    # a row recorded before the direction was stored, ticked although 41 < 45
    m.Acceptance.objects.filter(pk=acceptance.pk).update(
        results=[
            {"name": "单次充电续航", "unit": "天", "promised": "45", "achieved": "41", "met": True}
        ]
    )
    public = client_for(None).get(url("results")).content.decode()
    organiser = client_for(tree.national_staff).get(url("project_detail", battery_project.pk))

    for page in (public, organiser.content.decode()):
        assert "单次充电续航：承诺 ≥45天，实际 41天" in page
        assert 'title="未达到">✗' in page
        assert "✓" not in page


def test_subsidy_ratio_reads_as_a_percentage(tree: Tree, battery_project: m.Project) -> None:
    call = battery_project.award.call_problem.call

    page = client_for(None).get(url("call_detail", call.pk)).content.decode()

    assert "（补助比例 50%）" in page
    assert "0.500" not in page
