"""The demo engagements: replayed through the services over every stage, two signed
contracts with amounts, messages, and funnels that show them."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.accounts.models import User
from kechuang.audit.models import AuditEntry
from kechuang.demo.loader import demo_load
from kechuang.engagements.funnel import funnel_for, parse_period
from kechuang.engagements.models import Contract, Engagement, EngagementEvent, Message
from kechuang.orgs.models import Organization

pytestmark = pytest.mark.django_db


def test_the_demo_engagements_cover_every_stage() -> None:
    loaded = demo_load()
    assert (loaded["engagements"], loaded["contracts"]) == (32, 2)
    assert Counter(Engagement.objects.values_list("stage", flat=True)) == {
        "interest": 6,
        "introduced": 5,
        "negotiating": 5,
        "intention": 4,
        "implementing": 1,
        "completed": 1,
        "declined": 6,
        "withdrawn": 2,
        "stalled": 2,
    }
    assert sorted(Contract.objects.values_list("amount", flat=True)) == [
        Decimal("85.50"),
        Decimal("268.00"),
    ]
    assert set(
        Engagement.objects.filter(stage="declined").values_list("decline_reason", flat=True)
    ) == {"tech_mismatch", "immature", "budget", "timing", "has_solution", "other"}
    # every introduced engagement has its two messages; the steps are real events
    introduced = Engagement.objects.filter(introduced_at__isnull=False)
    assert Message.objects.filter(engagement__in=introduced).count() == 2 * introduced.count()
    assert EngagementEvent.objects.filter(type="transition").count() > 40
    assert AuditEntry.objects.filter(object_type="engagement").count() > 60
    # dated in the past, in order, never in the future
    now = timezone.now()
    for e in Engagement.objects.all():
        times = [t for t in (e.started_at, e.introduced_at, e.signed_at, e.completed_at) if t]
        assert times == sorted(times) and times[-1] <= now
    # the national funnel of the last year shows them, and the accepted demo project(s)
    admin = User.objects.get(email="admin@kechuang.example")
    national = Organization.objects.get(short_name="中国科协")
    funnel = funnel_for(admin, national, parse_period("", ""))
    counts = {s.key: s.count for s in funnel.stages}
    assert counts["started"] == 32
    assert funnel.contract_value == Decimal("353.50")
    assert funnel.contracts == 2
