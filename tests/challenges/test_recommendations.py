"""Recommendation up the tree: district → city → province, each within its quota."""

from __future__ import annotations

import pytest

from kechuang.challenges.models import Application, Call
from kechuang.challenges.selectors import recommendation_queue
from kechuang.challenges.services.calls import call_create, call_problem_add, call_transition
from kechuang.challenges.services.recommendations import recommendation_decide
from kechuang.challenges.tree import recommendation_chain
from kechuang.common.errors import PermissionDenied, ValidationFailed
from kechuang.orgs.choices import Role
from tests.challenges.conftest import Tree, call_data, challenge_state, problem_data, submitted_bid
from tests.factories import OrganizationFactory, member


@pytest.fixture
def routed_call(tree: Tree) -> Call:
    call = call_create(
        actor=tree.national_staff,
        organiser=tree.world.national,
        **call_data(
            requires_recommendation=True,
            recommendation_quotas={"district": 1},
            application_limit=2,
        ),
    )
    call_problem_add(actor=tree.national_staff, call=call, **problem_data())
    return call_transition(actor=tree.national_staff, call=call, action="publish")


def test_the_chain_runs_from_the_district_up_below_the_organiser(
    tree: Tree, routed_call: Call
) -> None:
    application = submitted_bid(tree, routed_call)
    assert application.status == "recommending"
    assert [o.name for o in recommendation_chain(application)] == [
        "西湖区科学技术协会",
        "杭州市科学技术协会",
        "浙江省科学技术协会",
    ]


def test_each_level_recommends_in_turn_then_the_bid_goes_to_review(
    tree: Tree, routed_call: Call
) -> None:
    application = submitted_bid(tree, routed_call)
    w = tree.world
    # the city cannot decide before the district, even though it manages the subtree
    with pytest.raises(PermissionDenied):
        recommendation_decide(
            actor=w.hangzhou_staff, application=application, decision="recommended"
        )
    assert [a.pk for a in recommendation_queue(tree.xihu_staff)] == [application.pk]
    assert recommendation_queue(w.hangzhou_staff) == []
    for staff in (tree.xihu_staff, w.hangzhou_staff, w.zhejiang_staff):
        recommendation_decide(actor=staff, application=application, decision="recommended")
    application.refresh_from_db()
    assert application.status == "eligible"
    assert list(application.recommendations.values_list("level", flat=True)) == [
        "district",
        "city",
        "province",
    ]


def test_not_recommending_needs_a_reason_and_ends_the_bid(tree: Tree, routed_call: Call) -> None:
    application = submitted_bid(tree, routed_call)
    with pytest.raises(ValidationFailed):
        recommendation_decide(
            actor=tree.xihu_staff, application=application, decision="not_recommended"
        )
    recommendation_decide(
        actor=tree.xihu_staff,
        application=application,
        decision="not_recommended",
        reason="方案不成熟",
    )
    assert Application.objects.get(pk=application.pk).status == "not_recommended"


def test_exceeding_the_quota_of_a_level_is_refused(tree: Tree, routed_call: Call) -> None:
    # given the district has recommended one bid (its quota is 1)
    first = submitted_bid(tree, routed_call)
    recommendation_decide(actor=tree.xihu_staff, application=first, decision="recommended")
    other_lab = OrganizationFactory(name="西湖第二实验室", parent=tree.xihu, region_id="330106")
    admin = member(other_lab, Role.ADMIN)
    tree.lab_admin = admin
    second = submitted_bid(tree, routed_call, organization=other_lab)
    before = challenge_state()
    # when it recommends a second one
    with pytest.raises(ValidationFailed) as exc:
        recommendation_decide(actor=tree.xihu_staff, application=second, decision="recommended")
    # then
    assert exc.value.code == "quota_exceeded"
    assert exc.value.fields == {
        "decision": ["西湖区科学技术协会在本榜单的推荐名额（1 个）已用完。"]
    }
    assert challenge_state() == before
