"""The engagement lifecycle through its services: every move of the table, who may make
it, and every refusal leaving everything as it was."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kechuang.audit.models import AuditEntry
from kechuang.catalog.access import need_contact_visible
from kechuang.catalog.choices import ContactVisibility
from kechuang.catalog.models import Need
from kechuang.common.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from kechuang.engagements.access import access_engagement_by_id, engagements_visible
from kechuang.engagements.choices import BrokerRole, DeclineReason, Side, Stage
from kechuang.engagements.models import (
    Contract,
    Engagement,
    EngagementEvent,
    Message,
    PairSignal,
)
from kechuang.engagements.selectors import contacts_for
from kechuang.engagements.services import (
    agreement_accept,
    agreement_require,
    broker_assign,
    declined_pairs,
    engagement_sign,
    engagement_transition,
    message_post,
    milestone_add,
    payment_record,
)
from kechuang.notifications.models import Notification
from tests.engagements.conftest import Deal, solve, walk_to

pytestmark = pytest.mark.django_db


def state(e: Engagement) -> tuple[Any, ...]:
    e = Engagement.objects.get(pk=e.pk)
    return (
        e.stage,
        e.introduced_at,
        e.signed_at,
        EngagementEvent.objects.filter(engagement=e).count(),
        Contract.objects.count(),
        AuditEntry.objects.count(),
        Notification.objects.count(),
    )


def contract_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "contract_type": "development",
        "title": "液冷板开发合同",
        "amount": "80.50",
        "technology_amount": "60",
        "party_a": "杭州测温科技有限公司",
        "party_b": "陈建国",
        "signed_on": timezone.localdate().isoformat(),
    }
    data.update(overrides)
    return data


def test_expert_solves_owner_accepts_and_contacts_become_visible(deal: Deal) -> None:
    Need.objects.filter(pk=deal.need.pk).update(contact_visibility=ContactVisibility.AFTER_DOCKING)
    need = Need.objects.get(pk=deal.need.pk)
    e = solve(deal)
    assert (e.stage, e.started_side, e.counterparty_agreed_at is not None) == (
        Stage.INTEREST,
        Side.COUNTERPARTY,
        True,
    )
    # the owner's managing members hear of it
    assert (
        Notification.objects.filter(recipient=deal.world.owner_admin, kind="engagement").count()
        == 1
    )
    assert contacts_for(deal.expert_user, e) is None
    assert need_contact_visible(deal.expert_user, need) is False
    # the starter cannot accept their own start
    with pytest.raises(PermissionDenied):
        engagement_transition(actor=deal.expert_user, engagement=e, to=Stage.INTRODUCED)
    engagement_transition(actor=deal.world.owner_admin, engagement=e, to=Stage.INTRODUCED)
    e.refresh_from_db()
    assert e.stage == Stage.INTRODUCED and e.introduced_at is not None
    contacts = contacts_for(deal.expert_user, e)
    assert contacts is not None and ("联系人", "王工") in contacts.subject
    assert need_contact_visible(deal.expert_user, need) is True
    assert need_contact_visible(deal.stranger, need) is False
    assert list(
        EngagementEvent.objects.filter(engagement=e).values_list("type", "from_stage", "to_stage")
    ) == [("started", "", "interest"), ("transition", "interest", "introduced")]
    assert AuditEntry.objects.filter(object_type="engagement", object_id=str(e.pk)).count() == 2


def test_whole_walk_to_completed_records_contract_and_outcome(deal: Deal) -> None:
    e = walk_to(deal, solve(deal), Stage.IMPLEMENTING)
    assert e.contract.amount == Decimal("80.50") and e.contract.technology_amount == Decimal(
        "60.00"
    )
    milestone_add(actor=deal.expert_user, engagement=e, title="样机交付")
    payment_record(
        actor=deal.world.owner_admin, engagement=e, amount="40", received_on=timezone.localdate()
    )
    e = walk_to(deal, e, Stage.COMPLETED)
    assert (e.stage, e.outcome.revenue, e.outcome.products) == (
        Stage.COMPLETED,
        Decimal("300.00"),
        1,
    )
    assert [
        s
        for s in EngagementEvent.objects.filter(engagement=e, type="transition").values_list(
            "to_stage", flat=True
        )
    ] == [
        "introduced",
        "negotiating",
        "intention",
        "signed",
        "implementing",
        "completed",
    ]


def test_wrong_party_changes_nothing(deal: Deal) -> None:
    e = solve(deal)
    before = state(e)
    for actor in (deal.stranger, deal.world.other_admin, deal.world.jiangsu_staff):
        with pytest.raises(PermissionDenied):
            engagement_transition(actor=actor, engagement=e, to=Stage.INTRODUCED)
        with pytest.raises(PermissionDenied):
            engagement_transition(actor=actor, engagement=e, to=Stage.DECLINED, reason="budget")
    assert state(e) == before
    # the starter withdraws, the other side may not
    with pytest.raises(PermissionDenied):
        engagement_transition(actor=deal.world.owner_admin, engagement=e, to=Stage.WITHDRAWN)
    assert state(e) == before


def test_transition_not_in_the_table_changes_nothing(deal: Deal) -> None:
    e = solve(deal)
    before = state(e)
    for to in (Stage.SIGNED, Stage.COMPLETED, Stage.NEGOTIATING, "nonsense"):
        with pytest.raises(InvalidTransition):
            engagement_transition(actor=deal.world.owner_admin, engagement=e, to=to)
    assert state(e) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "10.125"}, "amount"),
        ({"technology_amount": "80.51"}, "technology_amount"),
        ({"amount": "abc"}, "amount"),
        ({"signed_on": "2000-01-01"}, "signed_on"),
        ({"registered": True}, "registration_number"),
    ],
)
def test_bad_contract_changes_nothing(deal: Deal, overrides: dict[str, Any], field: str) -> None:
    e = walk_to(deal, solve(deal), Stage.INTENTION)
    before = state(e)
    with pytest.raises(ValidationFailed) as caught:
        engagement_sign(actor=deal.world.owner_admin, engagement=e, **contract_data(**overrides))
    assert field in caught.value.fields
    assert state(e) == before


def test_signing_date_before_the_start_is_refused(deal: Deal) -> None:
    e = walk_to(deal, solve(deal), Stage.INTENTION)
    started = timezone.localdate(e.started_at)
    day_before = (started - datetime.timedelta(days=1)).isoformat()
    with pytest.raises(ValidationFailed) as caught:
        engagement_sign(actor=deal.expert_user, engagement=e, **contract_data(signed_on=day_before))
    assert "不能早于对接发起日期" in caught.value.fields["signed_on"][0]
    assert Engagement.objects.get(pk=e.pk).stage == Stage.INTENTION
    engagement_sign(
        actor=deal.expert_user, engagement=e, **contract_data(signed_on=started.isoformat())
    )
    assert Engagement.objects.get(pk=e.pk).stage == Stage.SIGNED


def test_signing_by_a_stranger_and_before_intention_is_refused(deal: Deal) -> None:
    e = walk_to(deal, solve(deal), Stage.NEGOTIATING)
    before = state(e)
    with pytest.raises(InvalidTransition):
        engagement_sign(actor=deal.world.owner_admin, engagement=e, **contract_data())
    with pytest.raises(PermissionDenied):
        engagement_sign(actor=deal.stranger, engagement=e, **contract_data())
    assert state(e) == before


def test_decline_keeps_messages_records_reason_and_negative_signal(deal: Deal) -> None:
    e = solve(deal)
    message_post(actor=deal.expert_user, engagement=e, body="我们做过类似的液冷板项目。")
    before = state(e)
    with pytest.raises(ValidationFailed):  # no reason
        engagement_transition(actor=deal.world.owner_admin, engagement=e, to=Stage.DECLINED)
    with pytest.raises(ValidationFailed):  # "other" without text
        engagement_transition(
            actor=deal.world.owner_admin, engagement=e, to=Stage.DECLINED, reason="other"
        )
    assert state(e) == before
    engagement_transition(
        actor=deal.world.owner_admin,
        engagement=e,
        to=Stage.DECLINED,
        reason=DeclineReason.BUDGET,
        text="预算只有 30 万",
    )
    e.refresh_from_db()
    assert (e.stage, e.decline_reason, e.declined_side) == (Stage.DECLINED, "budget", Side.SUBJECT)
    assert Message.objects.filter(engagement=e).count() == 1
    assert declined_pairs(f"need:{deal.need.pk}") == {f"expert:{deal.expert.pk}"}
    assert declined_pairs(f"expert:{deal.expert.pk}") == {f"need:{deal.need.pk}"}
    assert PairSignal.objects.get().reason == "budget"
    # the expert is told why
    note = Notification.objects.filter(recipient=deal.expert_user).latest("id")
    assert "预算不符" in note.body
    with pytest.raises(InvalidTransition):
        message_post(actor=deal.expert_user, engagement=e, body="还可以再谈吗？")


def test_second_open_engagement_for_the_same_pair_is_refused(deal: Deal) -> None:
    solve(deal)
    with pytest.raises(Conflict):
        solve(deal)
    assert Engagement.objects.count() == 1


def test_visibility_is_the_two_sides_their_liaison_and_associations_above(deal: Deal) -> None:
    e = solve(deal)
    w = deal.world
    seeing = {
        w.owner_admin,
        w.owner_member,
        deal.expert_user,
        w.hangzhou_staff,
        w.zhejiang_staff,
        w.platform_admin,
    }
    for user in seeing:
        assert access_engagement_by_id(user, e.pk).pk == e.pk
        assert list(engagements_visible(user)) == [e]
    for user in (deal.stranger, w.other_admin, w.jiangsu_staff):
        with pytest.raises(NotFound):
            access_engagement_by_id(user, e.pk)
        assert list(engagements_visible(user)) == []
    broker_assign(
        actor=w.jiangsu_staff,
        association=w.jiangsu,
        organization=w.other_enterprise,
        user=deal.stranger,
        role=BrokerRole.LIAISON,
    )
    # the liaison of the expert's organisation does not see it: the expert is the party
    assert list(engagements_visible(deal.stranger)) == []
    broker_assign(
        actor=w.hangzhou_staff,
        association=w.hangzhou,
        organization=w.enterprise,
        user=deal.stranger,
        role=BrokerRole.LIAISON,
    )
    assert list(engagements_visible(deal.stranger)) == [e]
    with pytest.raises(PermissionDenied):
        access_engagement_by_id(deal.stranger, e.pk, action="act")
    # the liaison sees the contacts only once the sides are introduced
    assert contacts_for(deal.stranger, e) is None
    assert contacts_for(deal.world.hangzhou_staff, e) is None  # nothing to show yet
    walk_to(deal, e, Stage.INTRODUCED)
    assert contacts_for(deal.stranger, Engagement.objects.get(pk=e.pk)) is not None


def test_confidentiality_agreement_gates_contacts_after_introduction(deal: Deal) -> None:
    e = solve(deal)
    agreement_require(
        actor=deal.world.owner_admin, engagement=e, text="双方对技术资料保密，期限三年。"
    )
    walk_to(deal, e, Stage.INTRODUCED)
    e = Engagement.objects.get(pk=e.pk)
    assert contacts_for(deal.expert_user, e) is None
    assert contacts_for(deal.world.owner_admin, e) is not None
    agreement_accept(actor=deal.expert_user, engagement=e)
    assert contacts_for(deal.expert_user, Engagement.objects.get(pk=e.pk)) is not None


def test_staff_start_needs_both_sides_to_agree(deal: Deal) -> None:
    from kechuang.engagements.services import engagement_start

    e = engagement_start(
        actor=deal.world.hangzhou_staff, subject=deal.need, counterparty=deal.expert, origin="staff"
    )
    assert e.started_side == Side.BROKER
    engagement_transition(actor=deal.expert_user, engagement=e, to=Stage.INTRODUCED)
    e.refresh_from_db()
    assert e.stage == Stage.INTEREST and e.counterparty_agreed_at is not None
    engagement_transition(actor=deal.world.owner_admin, engagement=e, to=Stage.INTRODUCED)
    e.refresh_from_db()
    assert e.stage == Stage.INTRODUCED


def test_stalled_resumes_only_where_it_stopped(deal: Deal) -> None:
    e = walk_to(deal, solve(deal), Stage.NEGOTIATING)
    engagement_transition(actor=deal.world.hangzhou_staff, engagement=e, to=Stage.STALLED)
    e.refresh_from_db()
    assert (e.stage, e.paused_stage) == (Stage.STALLED, Stage.NEGOTIATING)
    with pytest.raises(InvalidTransition):
        engagement_transition(actor=deal.expert_user, engagement=e, to=Stage.INTENTION)
    engagement_transition(actor=deal.expert_user, engagement=e, to=Stage.NEGOTIATING)
    e.refresh_from_db()
    assert (e.stage, e.paused_stage) == (Stage.NEGOTIATING, "")


def test_expert_answer_is_private_until_public_and_becomes_an_engagement(deal: Deal) -> None:
    from kechuang.engagements.access import access_answer_by_id
    from kechuang.engagements.services import answer_to_engagement, need_answer_create

    answer = need_answer_create(
        actor=deal.expert_user, need=deal.need, body="建议采用蛇形流道加变频泵，先做 CFD 仿真。"
    )
    assert access_answer_by_id(deal.world.owner_member, answer.pk) == answer
    assert access_answer_by_id(deal.world.hangzhou_staff, answer.pk) == answer
    with pytest.raises(NotFound):
        access_answer_by_id(deal.stranger, answer.pk)
    with pytest.raises(PermissionDenied):
        answer_to_engagement(actor=deal.expert_user, answer=answer)
    assert Engagement.objects.count() == 0
    e = answer_to_engagement(actor=deal.world.owner_admin, answer=answer)
    assert (e.origin, e.started_side, e.counterparty_expert_id) == (
        "answer",
        "subject",
        deal.expert.pk,
    )
    # the expert accepts the owner's invitation
    engagement_transition(actor=deal.expert_user, engagement=e, to=Stage.INTRODUCED)
    assert Engagement.objects.get(pk=e.pk).stage == Stage.INTRODUCED
    with pytest.raises(InvalidTransition):
        answer_to_engagement(actor=deal.world.owner_admin, answer=answer)
    public = need_answer_create(
        actor=deal.expert_user,
        need=deal.need,
        body="另一个思路：相变材料辅助散热。",
        is_public=True,
    )
    assert access_answer_by_id(deal.stranger, public.pk) == public


def test_withdrawal_keeps_the_conversation(deal: Deal) -> None:
    e = solve(deal)
    message_post(actor=deal.expert_user, engagement=e, body="补充一下我们的案例。")
    engagement_transition(actor=deal.expert_user, engagement=e, to=Stage.WITHDRAWN, text="另有安排")
    e.refresh_from_db()
    assert (e.stage, e.closed_at is not None) == (Stage.WITHDRAWN, True)
    assert Message.objects.filter(engagement=e).count() == 1
    assert PairSignal.objects.count() == 0  # a withdrawal is no negative signal
