"""The invariants the database holds by itself."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from kechuang.outreach.choices import EventMode, RequestState
from kechuang.outreach.models import Meeting, MeetingRequest, MeetingSeat, Registration
from tests.conftest import World
from tests.outreach.conftest import Fair, make_event


def _refused(fn: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()  # type: ignore[operator]


def test_event_periods_and_mode_fields_are_checked(world: World) -> None:
    e = make_event(world)
    _refused(lambda: make_event(world, ends_at=e.starts_at))
    _refused(lambda: make_event(world, mode=EventMode.ONSITE, place=""))
    _refused(lambda: make_event(world, mode=EventMode.ONLINE, stream_url=""))
    _refused(
        lambda: make_event(world, registration_closes_at=e.ends_at + (e.ends_at - e.starts_at))
    )


def test_registration_is_one_party_once(fair: Fair, world: World) -> None:
    _refused(
        lambda: Registration.objects.create(
            event=fair.event,
            user=world.owner_member,
            organization=world.enterprise,
            state="pending",
        )
    )
    _refused(
        lambda: Registration.objects.create(
            event=fair.event, user=world.owner_member, state="pending"
        )
    )


def test_request_not_self_and_once(fair: Fair) -> None:
    _refused(
        lambda: MeetingRequest.objects.create(
            event=fair.event, requester=fair.a, recipient=fair.a, reason="x"
        )
    )
    MeetingRequest.objects.create(event=fair.event, requester=fair.a, recipient=fair.b, reason="x")
    _refused(
        lambda: MeetingRequest.objects.create(
            event=fair.event, requester=fair.a, recipient=fair.b, reason="y"
        )
    )
    _refused(
        lambda: MeetingRequest.objects.create(
            event=fair.event,
            requester=fair.b,
            recipient=fair.a,
            reason="y",
            state=RequestState.ACCEPTED,
        )
    )


def test_one_meeting_per_table_and_per_person_per_slot(fair: Fair, world: World) -> None:
    c = Registration.objects.create(
        event=fair.event, user=world.hangzhou_staff, organization=world.hangzhou, state="validated"
    )
    r1 = MeetingRequest.objects.create(
        event=fair.event,
        requester=fair.a,
        recipient=fair.b,
        reason="x",
        state="accepted",
        recipient_interest=2,
    )
    r2 = MeetingRequest.objects.create(
        event=fair.event,
        requester=fair.a,
        recipient=c,
        reason="x",
        state="accepted",
        recipient_interest=2,
    )
    slot, t1, t2 = fair.slots[0], fair.tables[0], fair.tables[1]
    m1 = Meeting.objects.create(event=fair.event, request=r1, slot=slot, table=t1)
    MeetingSeat.objects.create(meeting=m1, registration=fair.a, slot=slot)
    _refused(lambda: Meeting.objects.create(event=fair.event, request=r2, slot=slot, table=t1))
    m2 = Meeting.objects.create(event=fair.event, request=r2, slot=slot, table=t2)
    _refused(lambda: MeetingSeat.objects.create(meeting=m2, registration=fair.a, slot=slot))
    assert MeetingSeat.objects.filter(registration=fair.a).count() == 1
