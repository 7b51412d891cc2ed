"""Calls: drafts, problems with fair eligibility, publication and filing, the life cycle."""

from __future__ import annotations

from typing import Any

import pytest

from kechuang.challenges.access import access_call_by_id
from kechuang.challenges.models import Call, Filing
from kechuang.challenges.services.calls import call_problem_add, call_transition
from kechuang.challenges.services.eligibility import eligibility_text_findings
from kechuang.common.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tests.challenges.conftest import (
    Tree,
    challenge_state,
    past_deadline,
    problem_data,
    review_to_final,
    submitted_bid,
)


def test_publish_files_the_call_and_its_problems_with_the_parent(tree: Tree, call: Call) -> None:
    call = call_transition(actor=tree.national_staff, call=call, action="publish")
    assert call.status == "published"
    filings = list(Filing.objects.order_by("id").values_list("kind", "recipient_id", "summary"))
    # 中国科协 has no parent: it files with itself, the top of the tree
    assert filings == [
        ("call_published", tree.world.national.pk, "发布榜单《储能热管理关键技术揭榜》"),
        ("problems", tree.world.national.pk, "榜单题目 1 项"),
    ]


def test_drafts_are_hidden_from_the_public(tree: Tree, call: Call) -> None:
    with pytest.raises(NotFound):
        access_call_by_id(None, call.pk)
    assert access_call_by_id(tree.national_staff, call.pk, action="manage").pk == call.pk


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("项目负责人年龄 45 周岁以下。", "年龄"),
        ("研发投入占营业收入比例不低于 5%。", "研发投入占比"),
        ("上年度营业收入 2000 万元以上。", "营业收入"),
        ("注册资本不少于 1000 万元。", "注册资本"),
        ("员工人数 100 人以上。", "员工人数"),
        ("企业成立满 3 年。", "成立年限"),
        ("限规模以上企业申报。", "企业规模"),
    ],
)
def test_artificial_thresholds_in_text_are_refused(
    tree: Tree, call: Call, text: str, what: str
) -> None:
    before = challenge_state()
    with pytest.raises(ValidationFailed) as exc:
        call_problem_add(
            actor=tree.national_staff, call=call, **problem_data(eligibility_text=text)
        )
    assert exc.value.code == "validation_failed"
    [message] = exc.value.fields["eligibility_text"]
    assert message.startswith(f"申报条件不能设置{what}门槛")
    assert "不论资历、不设门槛" in message
    assert challenge_state() == before


@pytest.mark.parametrize(
    ("structured", "expected"),
    [
        ({"max_age": 45}, "申报条件不能设置年龄门槛（“max_age”）"),
        ({"rd_ratio": 0.05}, "申报条件不能设置研发投入占比门槛（“rd_ratio”）"),
        ({"company_size": "large"}, "申报条件不能设置企业规模门槛（“company_size”）"),
        ({"headcount": 100}, "申报条件不能设置员工人数门槛（“headcount”）"),
        ({"favourite_colour": ["red"]}, "不支持的申报条件“favourite_colour”"),
    ],
)
def test_artificial_thresholds_in_structured_eligibility_are_refused(
    tree: Tree, call: Call, structured: dict[str, Any], expected: str
) -> None:
    before = challenge_state()
    with pytest.raises(ValidationFailed) as exc:
        call_problem_add(
            actor=tree.national_staff, call=call, **problem_data(eligibility=structured)
        )
    assert exc.value.fields["eligibility"][0].startswith(expected)
    assert challenge_state() == before


def test_capabilities_with_numbers_are_fair() -> None:
    assert eligibility_text_findings("具备 1000 小时连续运行验证能力，拥有研发团队。") == []


def test_structured_capabilities_are_kept(tree: Tree, call: Call) -> None:
    item = call_problem_add(
        actor=tree.national_staff,
        call=call,
        **problem_data(
            eligibility={"applicant_kinds": ["organization", "consortium"], "capabilities": ["CFD"]}
        ),
    )
    assert item.eligibility == {
        "applicant_kinds": ["organization", "consortium"],
        "capabilities": ["CFD"],
    }


def test_subsidy_needs_a_ratio(tree: Tree, call: Call) -> None:
    with pytest.raises(ValidationFailed) as exc:
        call_problem_add(
            actor=tree.national_staff, call=call, **problem_data(funding_mode="subsidy")
        )
    assert exc.value.fields == {"subsidy_ratio": ["按比例补助须填写补助比例（0–1）。"]}


def test_only_the_organiser_side_publishes(tree: Tree, call: Call) -> None:
    before = challenge_state()
    with pytest.raises(PermissionDenied):
        call_transition(actor=tree.world.hangzhou_staff, call=call, action="publish")
    assert challenge_state() == before


def test_a_call_cannot_close_before_its_deadline(tree: Tree, published: Call) -> None:
    before = challenge_state()
    with pytest.raises(InvalidTransition):
        call_transition(actor=tree.national_staff, call=published, action="close")
    assert challenge_state() == before


def test_life_cycle_follows_the_table(tree: Tree, published: Call) -> None:
    bid = submitted_bid(tree, published)
    past_deadline(published)
    staff = tree.national_staff
    for action, status in [("close", "closed"), ("start_review", "reviewing")]:
        assert call_transition(actor=staff, call=published, action=action).status == status
    published.refresh_from_db()
    assert published.review_process is not None
    review_to_final(
        published.review_process, runner=staff, selected=[("challenges.application", bid.pk)]
    )
    for action, status in [("start_awarding", "awarding"), ("finish", "done")]:
        assert call_transition(actor=staff, call=published, action=action).status == status
    with pytest.raises(InvalidTransition):
        call_transition(actor=staff, call=published, action="cancel", reason="重复")
