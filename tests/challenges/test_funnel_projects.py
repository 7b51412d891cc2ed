"""An accepted challenge project counts as a signed and completed engagement in the
funnel of its organiser's subtree (issue 13, item 7)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kechuang.challenges import models as m
from kechuang.challenges.services.acceptance import acceptance_record
from kechuang.challenges.services.projects import project_transition
from kechuang.engagements.funnel import funnel_for, parse_period
from tests.challenges.conftest import Tree

pytestmark = pytest.mark.django_db


def _counts(user: object, org: object) -> dict[str, tuple[int, int]]:
    today = timezone.localdate().isoformat()
    funnel = funnel_for(user, org, parse_period(today, today))
    return {s.key: (s.count, s.other) for s in funnel.stages}


def _accept(tree: Tree, project: m.Project, verdict: str) -> None:
    project_transition(actor=tree.lab_admin, project=project, action="request_acceptance")
    met = verdict == "passed"
    acceptance_record(
        actor=tree.national_staff,
        project=project,
        results=[{"name": "电芯最大温差", "achieved": "2.4" if met else "5", "met": met}],
        verdict=verdict,
        summary="验收意见",
    )


def test_an_accepted_project_is_signed_and_completed(tree: Tree, project: m.Project) -> None:
    national = tree.world.national
    before = _counts(tree.national_staff, national)
    assert before["signed"] == before["completed"] == (0, 0)
    _accept(tree, project, "passed")
    project.refresh_from_db()
    assert project.status == "accepted"
    after = _counts(tree.national_staff, national)
    assert after["signed"] == after["completed"] == (1, 1)
    assert after["started"] == (0, 0)  # a project is no engagement start
    # outside the organiser's subtree it does not count
    assert _counts(tree.xihu_staff, tree.xihu)["signed"] == (0, 0)


def test_a_failed_acceptance_does_not_count(tree: Tree, project: m.Project) -> None:
    _accept(tree, project, "failed")
    assert _counts(tree.national_staff, tree.world.national)["completed"] == (0, 0)
