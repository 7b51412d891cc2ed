"""Problem collection: rounds, submission inside the subtree, screening, internal first."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from kechuang.challenges.access import access_problem_by_id
from kechuang.challenges.models import ChallengeEvent, CollectionRound, Problem
from kechuang.challenges.selectors import problem_list
from kechuang.challenges.services.collection import (
    problem_classify,
    problem_submit,
    problem_transition,
    round_open,
)
from kechuang.common.errors import NotFound, PermissionDenied, ValidationFailed
from tests.challenges.conftest import Tree, challenge_state


def open_round(tree: Tree) -> CollectionRound:
    today = timezone.localdate()
    return round_open(
        actor=tree.world.hangzhou_staff,
        owner=tree.world.hangzhou,
        title="2026 年第一季度难题征集",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=90),
    )


def submit(tree: Tree, round: CollectionRound) -> Problem:
    return problem_submit(
        actor=tree.world.owner_member,
        round=round,
        organization=tree.world.enterprise,
        title="高温环境下锂电池寿命衰减",
        description="储能柜夏季舱内 45℃，电池容量一年衰减 12%。",
        keywords="储能, 热管理",
    )


def test_members_of_the_subtree_submit_and_the_owner_screens(tree: Tree) -> None:
    # given an open round of 杭州市科协
    round = open_round(tree)
    # when a member of an enterprise below it submits, and the owner classifies and accepts
    problem = submit(tree, round)
    problem = problem_classify(
        actor=tree.world.hangzhou_staff, problem=problem, industry="C38", discipline="470"
    )
    problem = problem_transition(actor=tree.world.hangzhou_staff, problem=problem, action="accept")
    # then
    assert (problem.status, problem.industry_id, problem.discipline_id) == (
        "accepted",
        "C38",
        "470",
    )
    assert problem.keywords == "储能，热管理"
    assert list(
        ChallengeEvent.objects.filter(object_type="problem").values_list("type", flat=True)
    ) == ["problem_submitted", "problem_classified", "problem_accept"]


def test_an_organisation_outside_the_subtree_cannot_submit(tree: Tree) -> None:
    round = open_round(tree)
    before = challenge_state()
    with pytest.raises(PermissionDenied):
        problem_submit(
            actor=tree.world.other_admin,
            round=round,
            organization=tree.world.other_enterprise,
            title="流量计标定",
            description="现场标定困难。",
        )
    assert challenge_state() == before


def test_rejection_needs_a_reason(tree: Tree) -> None:
    problem = submit(tree, open_round(tree))
    before = challenge_state()
    with pytest.raises(ValidationFailed) as exc:
        problem_transition(actor=tree.world.hangzhou_staff, problem=problem, action="reject")
    assert exc.value.fields == {"reason": ["请填写未入选的理由。"]}
    assert challenge_state() == before


def test_offered_inside_first_then_published_outside(tree: Tree) -> None:
    # given an accepted problem offered inside 杭州's subtree
    problem = submit(tree, open_round(tree))
    staff = tree.world.hangzhou_staff
    problem_transition(actor=staff, problem=problem, action="accept")
    problem_transition(actor=staff, problem=problem, action="offer_internal")
    # then members inside see it, an outsider does not
    assert access_problem_by_id(tree.lab_admin, problem.pk).pk == problem.pk
    with pytest.raises(NotFound):
        access_problem_by_id(tree.world.other_admin, problem.pk)
    # when nobody inside takes it, it is published outside
    problem = problem_transition(actor=staff, problem=problem, action="publish")
    assert problem.status == "published"
    assert [p.pk for p in problem_list(tree.world.other_admin)] == [problem.pk]


def test_an_organisation_inside_takes_an_internal_problem(tree: Tree) -> None:
    problem = submit(tree, open_round(tree))
    staff: Any = tree.world.hangzhou_staff
    problem_transition(actor=staff, problem=problem, action="accept")
    problem_transition(actor=staff, problem=problem, action="offer_internal")
    problem = problem_transition(
        actor=tree.lab_admin, problem=problem, action="take", taken_by=tree.lab
    )
    assert (problem.status, problem.taken_by_id) == ("taken", tree.lab.pk)


@pytest.mark.parametrize("title", ["\u200b\u200b\u200b", "\u202e\u2066\u2069\u200f", " \ufeff "])
def test_a_title_of_format_characters_is_blank(tree: Tree, title: str) -> None:
    round = open_round(tree)
    before = challenge_state()

    with pytest.raises(ValidationFailed) as caught:
        problem_submit(
            actor=tree.world.owner_member,
            round=round,
            organization=tree.world.enterprise,
            title=title,
            description="储能柜夏季舱内 45℃，电池容量一年衰减 12%。",
        )

    assert set(caught.value.fields) == {"title"}
    assert challenge_state() == before


def test_format_characters_are_removed_from_a_problem_title(tree: Tree) -> None:
    problem = problem_submit(
        actor=tree.world.owner_member,
        round=open_round(tree),
        organization=tree.world.enterprise,
        title="\u202e高温\u200b锂电池衰减\u2069",
        description="储能柜夏季舱内 45℃，电池容量一年衰减 12%。",
    )

    assert problem.title == "高温锂电池衰减"
