"""Stalled reminders: both sides and the liaison, once per stall period, never for
closed or already-stalled engagements; the reminder is not activity."""

from __future__ import annotations

from typing import Any

import pytest

from kechuang.demo.clock import DemoClock
from kechuang.engagements.choices import EventType, Origin, Stage
from kechuang.engagements.models import Engagement, EngagementEvent
from kechuang.engagements.reminders import engagements_remind_stalled, stall_days
from kechuang.engagements.services import (
    broker_assign,
    engagement_start,
    engagement_transition,
    message_post,
)
from kechuang.notifications.models import Notification
from kechuang.orgs.choices import Role
from tests.engagements.conftest import Deal
from tests.engagements.drive import day
from tests.factories import member

pytestmark = pytest.mark.django_db


def _reminded() -> list[tuple[int, int]]:
    """(recipient, engagement) of every reminder notification, in order."""
    return sorted(
        (n.recipient_id, int(n.subject_id))
        for n in Notification.objects.filter(title__startswith="对接已")
    )


@pytest.fixture
def quiet(deal: Deal) -> tuple[Engagement, Any]:
    """The expert's 我能解决 on the need, introduced on day 1, with a liaison of the
    enterprise assigned by 杭州市科协; nothing after day 1."""
    w = deal.world
    liaison = member(w.hangzhou, Role.MEMBER, display_name="联络员小周")
    clock = DemoClock(day(0))
    with clock.running():
        broker_assign(
            actor=w.hangzhou_staff,
            association=w.hangzhou,
            organization=w.enterprise,
            user=liaison,
            role="liaison",
        )
        item = engagement_start(
            actor=deal.expert_user, subject=deal.need, counterparty=deal.expert, origin=Origin.SOLVE
        )
        clock.set(day(1))
        engagement_transition(actor=deal.world.owner_admin, engagement=item, to=Stage.INTRODUCED)
    return item, liaison


def test_both_sides_and_the_liaison_are_reminded_once(
    deal: Deal, quiet: tuple[Engagement, Any]
) -> None:
    item, liaison = quiet
    w = deal.world
    assert stall_days() == 14
    assert engagements_remind_stalled(now=day(14.9)).engagements == 0  # 13.9 days quiet
    result = engagements_remind_stalled(now=day(15.5))
    assert result.engagements == 1
    expected = sorted((u.pk, item.pk) for u in (w.owner_admin, deal.expert_user, liaison))
    assert _reminded() == expected
    assert result.notified == 3
    item.refresh_from_db()
    assert item.reminded_at == day(15.5)
    assert item.last_activity_at < day(2)  # the reminder is not activity
    event = EngagementEvent.objects.get(engagement=item, type=EventType.REMINDED)
    assert event.params == {"quiet_days": 14, "stall_days": 14}
    # the same stall period: no second reminder, however often the job runs
    assert engagements_remind_stalled(now=day(16)).engagements == 0
    assert engagements_remind_stalled(now=day(29)).engagements == 0
    assert len(_reminded()) == 3
    # still quiet 14 days after the reminder: reminded again
    assert engagements_remind_stalled(now=day(29.6)).engagements == 1
    assert len(_reminded()) == 6


def test_activity_restarts_the_clock(deal: Deal, quiet: tuple[Engagement, Any]) -> None:
    item, _ = quiet
    clock = DemoClock(day(10))
    with clock.running():
        message_post(actor=deal.expert_user, engagement=item, body="下周可以到现场看看吗？")
    assert engagements_remind_stalled(now=day(15.5)).engagements == 0
    assert engagements_remind_stalled(now=day(24.5)).engagements == 1


@pytest.mark.parametrize("stage", [Stage.DECLINED, Stage.STALLED])
def test_closed_and_stalled_engagements_are_not_reminded(
    deal: Deal, quiet: tuple[Engagement, Any], stage: str
) -> None:
    item, _ = quiet
    clock = DemoClock(day(2))
    with clock.running():
        # a side declines; a broker (the association above) marks it stalled
        w = deal.world
        engagement_transition(
            actor=w.owner_admin if stage == Stage.DECLINED else w.hangzhou_staff,
            engagement=item,
            to=stage,
            reason="timing" if stage == Stage.DECLINED else "",
        )
    assert engagements_remind_stalled(now=day(60)).engagements == 0
    assert _reminded() == []


def test_the_setting_decides_the_days(
    deal: Deal, quiet: tuple[Engagement, Any], settings: Any
) -> None:
    settings.KECHUANG_ENGAGEMENT_STALL_DAYS = 3
    assert engagements_remind_stalled(now=day(3.9)).engagements == 0
    assert engagements_remind_stalled(now=day(4.1)).engagements == 1
    settings.KECHUANG_ENGAGEMENT_STALL_DAYS = 0
    with pytest.raises(ValueError):
        engagements_remind_stalled(now=day(30))


def test_the_scheduler_runs_it_hourly() -> None:
    from kechuang.engagements.tasks import remind_stalled
    from kechuang.worker.scheduler import default_jobs

    found = {j.name: j for j in default_jobs()}
    assert found["engagements-remind-stalled"].task is remind_stalled
    assert found["engagements-remind-stalled"].schedule == "23 * * * *"
