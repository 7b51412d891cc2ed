"""An event of the city association with 3 slots and 2 tables, and participants."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from kechuang.outreach.choices import EventMode, EventStatus, RegistrationState
from kechuang.outreach.models import Event, Registration, Slot, Table
from tests.conftest import World


@dataclass
class Fair:
    event: Event
    slots: list[Slot]
    tables: list[Table]
    a: Registration  # owner_admin for the enterprise
    b: Registration  # other_admin for the other enterprise


def make_event(world: World, **overrides: Any) -> Event:
    start = timezone.now() + datetime.timedelta(days=10)
    fields: dict[str, Any] = {
        "organizer": world.hangzhou,
        "title": "杭州智能制造对接会",
        "mode": EventMode.HYBRID,
        "place": "杭州国际博览中心",
        "stream_url": "https://live.example.cn/1",
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=6),
        "registration_opens_at": timezone.now() - datetime.timedelta(days=1),
        "registration_closes_at": start - datetime.timedelta(days=1),
        "status": EventStatus.OPEN,
        "created_by": world.hangzhou_staff,
    }
    fields.update(overrides)
    return Event.objects.create(**fields)


def add_slots_and_tables(event: Event, n_slots: int = 3, n_tables: int = 2) -> None:
    for i in range(n_slots):
        start = event.starts_at + datetime.timedelta(minutes=30 * i)
        Slot.objects.create(
            event=event,
            number=i + 1,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=25),
        )
    for i in range(n_tables):
        Table.objects.create(event=event, number=i + 1)


@pytest.fixture
def fair(world: World) -> Fair:
    event = make_event(world)
    add_slots_and_tables(event)
    slots = list(event.slots.order_by("number"))
    a = Registration.objects.create(
        event=event,
        user=world.owner_admin,
        organization=world.enterprise,
        state=RegistrationState.VALIDATED,
    )
    b = Registration.objects.create(
        event=event,
        user=world.other_admin,
        organization=world.other_enterprise,
        state=RegistrationState.VALIDATED,
    )
    a.available_slots.set(slots)
    b.available_slots.set(slots)
    return Fair(event, slots, list(event.tables.order_by("number")), a, b)
