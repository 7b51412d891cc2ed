"""The database refuses what the services refuse: the constraints hold on their own."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kechuang.engagements.choices import ContractType, Origin, Side, Stage
from kechuang.engagements.models import Contract, Engagement, EngagementEvent
from tests.engagements.conftest import Deal

pytestmark = pytest.mark.django_db


def engagement(deal: Deal, **fields: object) -> Engagement:
    data: dict[str, object] = {
        "need": deal.need,
        "subject_org": deal.world.enterprise,
        "counterparty_expert": deal.expert,
        "started_by": deal.expert_user,
        "started_side": Side.COUNTERPARTY,
        "origin": Origin.SOLVE,
    }
    data.update(fields)
    return Engagement.objects.create(**data)


def refused(**fields: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Engagement.objects.create(**fields)


def test_an_engagement_has_exactly_one_subject_and_one_counterparty(deal: Deal) -> None:
    base = {
        "subject_org": deal.world.enterprise,
        "started_side": Side.COUNTERPARTY,
        "origin": Origin.SOLVE,
    }
    refused(**base, counterparty_expert=deal.expert)  # no subject
    refused(**base, need=deal.need, achievement=deal.achievement, counterparty_expert=deal.expert)
    refused(**base, need=deal.need)  # no counterparty
    refused(
        **base,
        need=deal.need,
        counterparty_expert=deal.expert,
        counterparty_org=deal.world.other_enterprise,
    )
    refused(**base, need=deal.need, counterparty_expert=deal.expert, stage=Stage.DECLINED)
    assert Engagement.objects.count() == 0


def test_contract_amounts_are_checked_by_the_database(deal: Deal) -> None:
    e = engagement(deal)
    good = {
        "engagement": e,
        "contract_type": ContractType.DEVELOPMENT,
        "title": "液冷板开发合同",
        "party_a": "杭州测温科技有限公司",
        "party_b": "陈建国",
        "signed_on": timezone.localdate(),
        "amount": Decimal("80.00"),
        "technology_amount": Decimal("60.00"),
    }
    for bad in (
        {"amount": Decimal("-1"), "technology_amount": Decimal("0")},
        {"technology_amount": Decimal("80.01")},
        {"registered": True, "registration_number": ""},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Contract.objects.create(**{**good, **bad})
    assert Contract.objects.count() == 0
    Contract.objects.create(**good)
    assert Contract.objects.get().technology_amount == Decimal("60.00")


def test_events_are_append_only(deal: Deal) -> None:
    event = EngagementEvent.objects.create(engagement=engagement(deal), type="started")
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        EngagementEvent.objects.all().delete()
