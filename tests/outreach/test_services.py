"""The use cases of matchmaking events, and every refusal (each changes nothing)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from kechuang.audit.models import AuditEntry
from kechuang.catalog.models import ExpertProfile
from kechuang.common.errors import (
    Conflict,
    InvalidTransition,
    KechuangError,
    NotAuthenticated,
    PermissionDenied,
    ValidationFailed,
)
from kechuang.outreach.choices import EventMode, EventStatus, RegistrationState, RequestState
from kechuang.outreach.models import (
    Event,
    Meeting,
    MeetingRequest,
    MeetingSeat,
    Registration,
    ScheduleRun,
)
from kechuang.outreach.services import (
    event_create,
    event_schedule,
    event_transition,
    meeting_check_in,
    meeting_request_answer,
    meeting_request_create,
    registration_create,
    registration_validate,
)
from tests.conftest import World
from tests.factories import UserFactory
from tests.outreach.conftest import Fair


def _state() -> tuple[Any, ...]:
    return (
        Event.objects.count(),
        sorted(Event.objects.values_list("status", flat=True)),
        sorted(Registration.objects.values_list("state", flat=True)),
        sorted(MeetingRequest.objects.values_list("state", flat=True)),
        Meeting.objects.count(),
        MeetingSeat.objects.filter(checked_in_at__isnull=False).count(),
        ScheduleRun.objects.count(),
        AuditEntry.objects.count(),
    )


def refused(error: type[KechuangError], fn: Callable[[], Any], code: str | None = None) -> None:
    before = _state()
    with pytest.raises(error) as info:
        fn()
    if code:
        assert info.value.code == code
    assert _state() == before


def _fields(**over: Any) -> dict[str, Any]:
    start = timezone.now() + datetime.timedelta(days=5)
    f: dict[str, Any] = {
        "title": "新能源对接会",
        "mode": EventMode.ONSITE,
        "place": "杭州",
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=4),
        "registration_opens_at": timezone.now(),
        "registration_closes_at": start,
    }
    return f | over


def test_event_create_builds_slots_and_tables(world: World) -> None:
    e = event_create(
        actor=world.hangzhou_staff,
        organizer=world.hangzhou,
        fields=_fields(),
        n_slots=6,
        slot_minutes=20,
        break_minutes=10,
        n_tables=4,
    )
    assert e.status == EventStatus.DRAFT
    assert [s.starts_at - e.starts_at for s in e.slots.all()][-1] == datetime.timedelta(
        hours=2, minutes=30
    )
    assert e.tables.count() == 4
    assert AuditEntry.objects.filter(object_type="event", object_id=str(e.pk)).exists()


@pytest.mark.parametrize(
    ("who", "org", "fields", "n_slots", "error"),
    [
        ("owner_admin", "enterprise", {}, 2, PermissionDenied),  # not an association
        ("jiangsu_staff", "hangzhou", {}, 2, PermissionDenied),  # not its manager
        ("hangzhou_staff", "hangzhou", {"mode": EventMode.ONLINE}, 2, ValidationFailed),
        ("hangzhou_staff", "hangzhou", {"title": ""}, 2, ValidationFailed),
        ("hangzhou_staff", "hangzhou", {}, 20, ValidationFailed),  # slots past the end
        ("hangzhou_staff", "hangzhou", {}, -1, ValidationFailed),
    ],
)
def test_event_create_refusals(
    world: World, who: str, org: str, fields: dict, n_slots: int, error: type
) -> None:
    refused(
        error,
        lambda: event_create(
            actor=getattr(world, who),
            organizer=getattr(world, org),
            fields=_fields(**fields),
            n_slots=n_slots,
            slot_minutes=20,
            n_tables=2,
        ),
    )


def test_event_transitions(fair: Fair, world: World) -> None:
    refused(
        PermissionDenied,
        lambda: event_transition(actor=world.jiangsu_staff, event=fair.event, to="closed"),
    )
    refused(
        InvalidTransition,
        lambda: event_transition(actor=world.hangzhou_staff, event=fair.event, to="finished"),
    )
    refused(
        InvalidTransition,
        lambda: event_transition(actor=world.hangzhou_staff, event=fair.event, to="scheduled"),
    )
    e = event_transition(actor=world.zhejiang_staff, event=fair.event, to="closed")
    assert e.status == EventStatus.CLOSED


def _expert(user: Any, world: World) -> ExpertProfile:
    return ExpertProfile.objects.create(
        user=user, name="王专家", affiliation="浙大", region_id="330106", keywords="测温"
    )


def test_register_as_expert_with_validation(fair: Fair, world: World) -> None:
    fair.event.requires_validation = True
    fair.event.save()
    user = UserFactory()
    expert = _expert(user, world)
    reg = registration_create(
        actor=user, event=fair.event, expert=expert, slot_ids=[fair.slots[0].pk]
    )
    assert reg.state == RegistrationState.PENDING
    assert list(reg.available_slots.all()) == [fair.slots[0]]
    refused(
        PermissionDenied,
        lambda: registration_validate(actor=world.jiangsu_staff, registration=reg, approve=True),
    )
    reg = registration_validate(actor=world.hangzhou_staff, registration=reg, approve=True)
    assert reg.state == RegistrationState.VALIDATED
    refused(
        InvalidTransition,
        lambda: registration_validate(actor=world.hangzhou_staff, registration=reg, approve=False),
    )


def test_register_refusals(fair: Fair, world: World) -> None:
    stranger = UserFactory()
    slot = [fair.slots[0].pk]
    ev = fair.event
    refused(
        NotAuthenticated,
        lambda: registration_create(
            actor=None, event=ev, organization=world.enterprise, slot_ids=slot
        ),
    )
    refused(ValidationFailed, lambda: registration_create(actor=stranger, event=ev, slot_ids=slot))
    refused(
        PermissionDenied,
        lambda: registration_create(
            actor=stranger, event=ev, organization=world.hangzhou, slot_ids=slot
        ),
    )
    other = _expert(UserFactory(), world)
    refused(
        PermissionDenied,
        lambda: registration_create(actor=stranger, event=ev, expert=other, slot_ids=slot),
    )
    refused(
        Conflict,
        lambda: registration_create(
            actor=world.owner_member, event=ev, organization=world.enterprise, slot_ids=slot
        ),
        "already_registered",
    )
    mine = _expert(stranger, world)
    refused(
        ValidationFailed,
        lambda: registration_create(actor=stranger, event=ev, expert=mine, slot_ids=[]),
    )
    refused(
        ValidationFailed,
        lambda: registration_create(actor=stranger, event=ev, expert=mine, slot_ids=[10**6]),
    )
    Event.objects.filter(pk=ev.pk).update(
        registration_closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    refused(
        InvalidTransition,
        lambda: registration_create(actor=stranger, event=ev, expert=mine, slot_ids=slot),
        "registration_closed",
    )


def test_request_accept_decline_and_refusals(fair: Fair, world: World) -> None:
    a, b = fair.a, fair.b
    refused(
        ValidationFailed,
        lambda: meeting_request_create(
            actor=world.owner_admin, requester=a, recipient=a, reason="x"
        ),
        "self_request",
    )
    refused(
        PermissionDenied,
        lambda: meeting_request_create(
            actor=world.other_admin, requester=a, recipient=b, reason="x"
        ),
    )
    refused(
        ValidationFailed,
        lambda: meeting_request_create(
            actor=world.owner_admin, requester=a, recipient=b, reason="  "
        ),
    )
    refused(
        ValidationFailed,
        lambda: meeting_request_create(
            actor=world.owner_admin, requester=a, recipient=b, reason="x", interest=7
        ),
    )
    req = meeting_request_create(
        actor=world.owner_admin, requester=a, recipient=b, reason="测温合作", interest=3
    )
    refused(
        Conflict,
        lambda: meeting_request_create(
            actor=world.owner_admin, requester=a, recipient=b, reason="x"
        ),
        "duplicate_request",
    )
    refused(
        Conflict,
        lambda: meeting_request_create(
            actor=world.other_admin, requester=b, recipient=a, reason="x"
        ),
        "duplicate_request",
    )
    refused(
        PermissionDenied,
        lambda: meeting_request_answer(
            actor=world.owner_admin, request=req, accept=True, interest=2
        ),
    )
    refused(
        ValidationFailed,
        lambda: meeting_request_answer(actor=world.other_admin, request=req, accept=True),
    )
    req = meeting_request_answer(actor=world.other_admin, request=req, accept=True, interest=2)
    assert req.state == RequestState.ACCEPTED and req.mutual_interest == 5
    refused(
        InvalidTransition,
        lambda: meeting_request_answer(actor=world.other_admin, request=req, accept=False),
    )


def test_request_needs_validated_parties_and_an_open_event(fair: Fair, world: World) -> None:
    Registration.objects.filter(pk=fair.b.pk).update(state=RegistrationState.PENDING)
    refused(
        ValidationFailed,
        lambda: meeting_request_create(
            actor=world.owner_admin, requester=fair.a, recipient=fair.b, reason="x"
        ),
    )
    Registration.objects.filter(pk=fair.a.pk).update(state=RegistrationState.PENDING)
    refused(
        PermissionDenied,
        lambda: meeting_request_create(
            actor=world.owner_admin, requester=fair.a, recipient=fair.b, reason="x"
        ),
        "not_validated",
    )
    Registration.objects.update(state=RegistrationState.VALIDATED)
    Event.objects.filter(pk=fair.event.pk).update(status=EventStatus.SCHEDULED)
    refused(
        InvalidTransition,
        lambda: meeting_request_create(
            actor=world.owner_admin, requester=fair.a, recipient=fair.b, reason="x"
        ),
        "requests_closed",
    )


def _accepted(fair: Fair, a: Registration, b: Registration, interest: int = 2) -> MeetingRequest:
    return MeetingRequest.objects.create(
        event=fair.event,
        requester=a,
        recipient=b,
        reason="r",
        state=RequestState.ACCEPTED,
        requester_interest=interest,
        recipient_interest=interest,
    )


def test_schedule_persists_meetings_and_checks_in(fair: Fair, world: World) -> None:
    c = Registration.objects.create(
        event=fair.event, user=world.hangzhou_staff, organization=world.hangzhou, state="validated"
    )
    c.available_slots.set([fair.slots[0]])
    r_ab = _accepted(fair, fair.a, fair.b, 1)
    r_ac = _accepted(fair, fair.a, c, 3)
    r_bc = _accepted(fair, fair.b, c, 2)
    refused(
        InvalidTransition,
        lambda: event_schedule(actor=world.hangzhou_staff, event=fair.event),
        "not_schedulable",
    )
    Event.objects.filter(pk=fair.event.pk).update(status=EventStatus.CLOSED)
    refused(PermissionDenied, lambda: event_schedule(actor=world.owner_admin, event=fair.event))
    run = event_schedule(actor=world.hangzhou_staff, event=fair.event, time_limit_s=5)
    # c has only slot 1, where the heavier a–c meeting wins; b–c cannot be met
    assert run.status == "optimal" and run.meetings == 2
    assert run.unscheduled == {str(r_bc.pk): "party_busy"}
    assert Meeting.objects.get(request=r_ac).slot == fair.slots[0]
    assert Meeting.objects.get(request=r_ab).slot != fair.slots[0]
    assert MeetingSeat.objects.count() == 4
    for reg in (fair.a, fair.b, c):
        slots = list(MeetingSeat.objects.filter(registration=reg).values_list("slot", flat=True))
        assert len(slots) == len(set(slots))
    fair.event.refresh_from_db()
    assert fair.event.status == EventStatus.SCHEDULED
    m = Meeting.objects.get(request=r_ab)
    refused(
        PermissionDenied,
        lambda: meeting_check_in(actor=world.hangzhou_staff, meeting=m, registration=c),
        "not_a_party",
    )
    refused(
        PermissionDenied,
        lambda: meeting_check_in(actor=world.other_admin, meeting=m, registration=fair.a),
    )
    seat = meeting_check_in(actor=world.owner_admin, meeting=m, registration=fair.a)
    assert seat.checked_in_at is not None
    refused(
        Conflict,
        lambda: meeting_check_in(actor=world.owner_admin, meeting=m, registration=fair.a),
        "already_checked_in",
    )
    refused(
        Conflict,
        lambda: event_schedule(actor=world.hangzhou_staff, event=fair.event),
        "meetings_started",
    )


def test_rescheduling_replaces_meetings_and_explains(fair: Fair, world: World) -> None:
    Event.objects.filter(pk=fair.event.pk).update(status=EventStatus.CLOSED)
    fair.b.available_slots.set([])
    req = _accepted(fair, fair.a, fair.b)
    run = event_schedule(actor=world.hangzhou_staff, event=fair.event, time_limit_s=5)
    assert run.meetings == 0 and run.unscheduled == {str(req.pk): "no_common_slot"}
    fair.b.available_slots.set(fair.slots)
    run = event_schedule(actor=world.hangzhou_staff, event=fair.event, time_limit_s=5)
    assert run.meetings == 1 and Meeting.objects.count() == 1
    assert ScheduleRun.objects.count() == 2
