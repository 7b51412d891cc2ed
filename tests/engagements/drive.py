"""A test driver shared by the funnel, reminder and browser tests: engagements walked
through the services at chosen days (``DemoClock``), so every stage time, event and
audit entry is one the services wrote."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kechuang.demo.clock import DemoClock
from kechuang.engagements.choices import Origin, Stage
from kechuang.engagements.models import Engagement
from kechuang.engagements.services import (
    engagement_complete,
    engagement_sign,
    engagement_start,
    engagement_transition,
    message_post,
)
from tests.engagements.conftest import Deal

# Day 0 of the story: 1 March of last year, noon (a fixed past, far from "today").
BASE = datetime.datetime(timezone.localdate().year - 1, 3, 1, 12, 0, tzinfo=datetime.UTC)


def day(n: float) -> datetime.datetime:
    return BASE + datetime.timedelta(days=n)


@contextmanager
def at(clock: DemoClock, n: float) -> Iterator[None]:
    clock.set(day(n))
    yield


@dataclass
class Story:
    """What ``walk`` built: the engagements and the numbers the funnel must show."""

    signed: Engagement
    declined: Engagement
    waiting: Engagement
    amount: Decimal = Decimal("120.50")
    technology_amount: Decimal = Decimal("100.00")


def walk(deal: Deal) -> Story:
    """Three engagements of the world's enterprise (under 杭州市科协):

    - the expert's 我能解决 on the need: day 0 started, day 2 introduced, day 3 negotiating,
      day 10 intention, day 20 signed (120.50 万元, technology 100.00), day 25
      implementing, day 40 completed, with a message on day 4;
    - the owner invites the expert to its achievement: day 5 started, day 6 introduced
      (the expert accepts), day 8 declined by the expert (预算不符);
    - the other enterprise's 我能解决 on the need, day 30, still waiting.
    """
    w = deal.world
    clock = DemoClock(day(0))
    with clock.running():
        with at(clock, 0):
            signed = engagement_start(
                actor=deal.expert_user,
                subject=deal.need,
                counterparty=deal.expert,
                origin=Origin.SOLVE,
            )
        with at(clock, 2):
            engagement_transition(actor=w.owner_admin, engagement=signed, to=Stage.INTRODUCED)
        with at(clock, 3):
            engagement_transition(actor=w.owner_admin, engagement=signed, to=Stage.NEGOTIATING)
        with at(clock, 4):
            message_post(actor=deal.expert_user, engagement=signed, body="附上初步方案，请查收。")
        with at(clock, 5):
            declined = engagement_start(
                actor=w.owner_admin,
                subject=deal.achievement,
                counterparty=deal.expert,
                origin=Origin.INVITE,
            )
        with at(clock, 6):
            engagement_transition(actor=deal.expert_user, engagement=declined, to=Stage.INTRODUCED)
        with at(clock, 8):
            engagement_transition(
                actor=deal.expert_user,
                engagement=declined,
                to=Stage.DECLINED,
                reason="budget",
                text="报价超出本年度预算。",
            )
        with at(clock, 10):
            engagement_transition(actor=deal.expert_user, engagement=signed, to=Stage.INTENTION)
        with at(clock, 20):
            engagement_sign(
                actor=w.owner_admin,
                engagement=signed,
                contract_type="development",
                title="液冷板流道优化技术开发合同",
                amount="120.50",
                technology_amount="100",
                party_a=w.enterprise.name,
                party_b="浙江大学",
                signed_on=day(20).date().isoformat(),
            )
        with at(clock, 25):
            engagement_transition(actor=w.owner_admin, engagement=signed, to=Stage.IMPLEMENTING)
        with at(clock, 30):
            waiting = engagement_start(
                actor=w.other_admin,
                subject=deal.need,
                counterparty=w.other_enterprise,
                origin=Origin.SOLVE,
            )
        with at(clock, 40):
            engagement_complete(
                actor=w.owner_admin, engagement=signed, products=1, patents=2, revenue="300", jobs=5
            )
    return Story(signed=signed, declined=declined, waiting=waiting)


def whole_story() -> tuple[str, str]:
    """A period holding every step of ``walk``."""
    return day(0).date().isoformat(), day(45).date().isoformat()


def counts(funnel: Any) -> dict[str, int]:
    return {s.key: s.count for s in funnel.stages}
