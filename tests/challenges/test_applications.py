"""Applications: create, edit, submit before the deadline, limits, consortia, duplicates."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from kechuang.challenges.models import Application, Call
from kechuang.challenges.selectors import application_duplicates, applications_mine
from kechuang.challenges.services.applications import (
    application_create,
    application_submit,
    application_update,
    application_withdraw,
)
from kechuang.challenges.services.calls import call_create, call_problem_add, call_transition
from kechuang.common.errors import InvalidTransition, ValidationFailed
from tests.challenges.conftest import (
    Tree,
    answer_invitations,
    application_data,
    bid,
    call_data,
    challenge_state,
    past_deadline,
    problem_data,
    submitted_bid,
)
from tests.factories import OrganizationFactory


def test_submit_without_recommendation_goes_straight_to_review(tree: Tree, published: Call) -> None:
    application = submitted_bid(tree, published)
    assert application.status == "eligible"
    assert application.submitted_at is not None
    assert [a.pk for a in applications_mine(tree.lab_admin)] == [application.pk]


def test_a_bid_without_team_members_is_accepted(tree: Tree, published: Call) -> None:
    application = bid(tree, published, team=[])
    assert application.team == []


def test_a_missing_budget_and_no_indicators_get_one_message_each(
    tree: Tree, published: Call
) -> None:
    before = challenge_state()
    with pytest.raises(ValidationFailed) as exc:
        bid(tree, published, budget=None, indicators=[])
    assert exc.value.fields == {
        "budget": ["此字段不能为空。"],
        "indicators": ["请至少填写一项技术指标。"],
    }
    assert challenge_state() == before


def test_applying_after_the_deadline_is_refused(tree: Tree, published: Call) -> None:
    past_deadline(published)
    before = challenge_state()
    with pytest.raises(InvalidTransition) as exc:
        bid(tree, published)
    assert exc.value.code == "deadline_passed"
    assert challenge_state() == before


def test_submitting_a_draft_after_the_deadline_is_refused(tree: Tree, published: Call) -> None:
    draft = bid(tree, published)
    past_deadline(published)
    before = challenge_state()
    with pytest.raises(InvalidTransition) as exc:
        application_submit(actor=tree.lab_admin, application=draft)
    assert exc.value.code == "deadline_passed"
    assert challenge_state() == before


def test_editing_until_the_deadline(tree: Tree, published: Call) -> None:
    application = submitted_bid(tree, published)
    application = application_update(actor=tree.lab_admin, application=application, budget="150")
    assert str(application.budget) == "150.00"
    past_deadline(published)
    with pytest.raises(InvalidTransition):
        application_update(actor=tree.lab_admin, application=application, budget="140")
    application.refresh_from_db()
    assert str(application.budget) == "150.00"


def test_the_per_applicant_limit_is_enforced(tree: Tree, published: Call) -> None:
    bid(tree, published)
    before = challenge_state()
    with pytest.raises(ValidationFailed) as exc:
        bid(tree, published, title="第二份方案")
    assert exc.value.code == "limit_reached"
    assert exc.value.fields == {"call": ["每个申报主体在本榜单最多提交 1 份申请。"]}
    assert challenge_state() == before


def test_withdrawing_frees_the_slot(tree: Tree, published: Call) -> None:
    first = bid(tree, published)
    application_withdraw(actor=tree.lab_admin, application=first)
    second = bid(tree, published, title="第二份方案")
    assert (Application.objects.get(pk=first.pk).status, second.status) == ("withdrawn", "draft")


@pytest.mark.django_db(transaction=True)
def test_the_limit_holds_under_concurrency(tree: Tree, published: Call) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's row locks")
    errors: list[Exception] = []

    def attempt(title: str) -> None:
        try:
            bid(tree, published, title=title)
        except ValidationFailed as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(f"方案{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Application.objects.filter(call=published).count() == 1
    assert [e.code for e in errors] == ["limit_reached"] * 3


def partners(n: int, tree: Tree) -> list[dict[str, Any]]:
    orgs = [
        OrganizationFactory(name=f"合作单位{i}", parent=tree.xihu, region_id="330106")
        for i in range(n)
    ]
    return [{"organization": org.pk, "role": "测试"} for org in orgs]


def test_a_consortium_of_a_lead_and_four_partners(tree: Tree, published: Call) -> None:
    application = bid(tree, published, kind="consortium", partners=partners(4, tree))
    assert application.partners.count() == 0  # each partner is asked first

    answered = answer_invitations(application, accept=True)

    assert [(i.kind, i.status) for i in answered] == [("partner", "accepted")] * 4
    assert sorted(application.partners.values_list("organization__name", "role")) == [
        (f"合作单位{i}", "测试") for i in range(4)
    ]


def test_too_many_consortium_partners_are_refused(tree: Tree, published: Call) -> None:
    rows = partners(5, tree)
    before = challenge_state()
    with pytest.raises(ValidationFailed) as exc:
        bid(tree, published, kind="consortium", partners=rows)
    assert exc.value.code == "too_many_partners"
    assert exc.value.fields == {"partners": ["联合体成员单位最多 4 家（不含牵头单位）。"]}
    assert challenge_state() == before


def test_the_same_proposal_in_another_call_is_shown_with_its_similarity(
    tree: Tree, published: Call
) -> None:
    # given the lab's bid in another call, re-sent with another title and one more sentence
    other = call_create(
        actor=tree.national_staff, organiser=tree.world.national, **call_data(title="第二张榜单")
    )
    call_problem_add(actor=tree.national_staff, call=other, **problem_data())
    call_transition(actor=tree.national_staff, call=other, action="publish")
    first = submitted_bid(tree, other)
    route = application_data()["technical_route"] + "团队已有两项相关专利。"
    second = submitted_bid(tree, published, title="分形流道液冷方案", technical_route=route)
    # and an unrelated bid by someone else
    unrelated = application_create(
        actor=tree.world.other_admin,
        call_problem=published.problems.get(),
        kind="organization",
        organization=tree.world.other_enterprise,
        **application_data(
            title="气液两相流量测量",
            technical_route="基于差压与电容层析成像融合的两相流量测量方法，误差小于 5%。",
        ),
    )
    application_submit(actor=tree.world.other_admin, application=unrelated)
    # then the organiser sees the first as a near-duplicate of the second, nothing else
    hits = application_duplicates(second)
    assert [(h.application_id, h.call_title) for h in hits] == [(first.pk, "第二张榜单")]
    assert 0.8 <= hits[0].similarity < 1
