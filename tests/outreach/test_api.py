"""/api/v1/events end to end: register, request, answer, schedule, agenda + ICS, check-in;
refusals answer problem JSON with a code and change nothing."""

from __future__ import annotations

from icalendar import Calendar

from kechuang.outreach.choices import EventStatus
from kechuang.outreach.models import Event, Meeting, MeetingRequest, Registration
from tests.api.conftest import Api, ok, token_for
from tests.conftest import World
from tests.factories import UserFactory
from tests.outreach.conftest import Fair


def test_the_whole_flow_through_the_api(fair: Fair, world: World) -> None:
    a = Api(token_for(world.owner_admin))
    b = Api(token_for(world.other_admin))
    staff = Api(token_for(world.hangzhou_staff))
    ev = fair.event.pk
    assert [e["id"] for e in ok(Api().get("/events"))["items"]] == [ev]
    body = ok(
        a.post(
            f"/events/{ev}/requests",
            {
                "requester_id": fair.a.pk,
                "recipient_id": fair.b.pk,
                "reason": "测温传感器合作",
                "interest": 3,
            },
        ),
        201,
    )
    ok(b.post(f"/events/requests/{body['id']}/answer", {"accept": True, "interest": 2}))
    assert [r["state"] for r in ok(a.get(f"/events/{ev}/requests"))["items"]] == ["accepted"]
    Event.objects.filter(pk=ev).update(status=EventStatus.CLOSED)
    run = ok(staff.post(f"/events/{ev}/schedule", {"time_limit_s": 5}))
    assert run["status"] == "optimal" and run["meetings"] == 1 and run["objective"] == 5
    agenda = ok(a.get(f"/events/{ev}/agenda"))
    assert [x["with_name"] for x in agenda] == [world.other_enterprise.name]
    ics = a.get(f"/events/{ev}/agenda.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    vevents = Calendar.from_ical(ics.content).walk("VEVENT")
    assert len(vevents) == 1 and "测温传感器合作" in str(vevents[0]["description"])
    meeting = agenda[0]["meeting_id"]
    ok(a.post(f"/events/meetings/{meeting}/check-in", {"registration_id": fair.a.pk}))
    again = a.post(f"/events/meetings/{meeting}/check-in", {"registration_id": fair.a.pk})
    assert again.status_code == 409 and again.json()["code"] == "already_checked_in"


def test_refusals_answer_with_codes_and_change_nothing(fair: Fair, world: World) -> None:
    a = Api(token_for(world.owner_admin))
    b = Api(token_for(world.other_admin))
    stranger = Api(token_for(UserFactory()))
    ev = fair.event.pk
    counts = (Registration.objects.count(), MeetingRequest.objects.count(), Meeting.objects.count())
    r = a.post(
        f"/events/{ev}/requests",
        {"requester_id": fair.a.pk, "recipient_id": fair.a.pk, "reason": "x"},
    )
    assert r.status_code == 422 and r.json()["code"] == "self_request"
    r = a.post(
        f"/events/{ev}/registrations",
        {"organization_id": world.enterprise.pk, "slot_ids": [fair.slots[0].pk]},
    )
    assert r.status_code == 409 and r.json()["code"] == "already_registered"
    r = stranger.post(
        f"/events/{ev}/requests",
        {"requester_id": fair.a.pk, "recipient_id": fair.b.pk, "reason": "x"},
    )
    assert r.status_code == 404
    assert stranger.get(f"/events/{ev}/registrations").json()["items"] == []
    r = b.post(f"/events/{ev}/schedule", {"time_limit_s": 5})
    assert r.status_code == 404
    r = Api().post(f"/events/{ev}/schedule", {"time_limit_s": 5})
    assert r.status_code == 401
    r = a.post(
        f"/events/{ev}/requests",
        {"requester_id": fair.a.pk, "recipient_id": fair.b.pk, "reason": "x", "bogus": 1},
    )
    assert r.status_code == 422
    draft = Event.objects.filter(pk=ev)
    draft.update(status=EventStatus.DRAFT)
    assert Api().get(f"/events/{ev}").status_code == 404
    assert ok(Api(token_for(world.hangzhou_staff)).get(f"/events/{ev}"))["status"] == "draft"
    assert counts == (
        Registration.objects.count(),
        MeetingRequest.objects.count(),
        Meeting.objects.count(),
    )


def test_organiser_creates_opens_validates_and_closes(world: World) -> None:
    import datetime

    from django.utils import timezone

    staff = Api(token_for(world.hangzhou_staff))
    start = timezone.now() + datetime.timedelta(days=3)
    body = {
        "organizer_id": world.hangzhou.pk,
        "title": "线上对接会",
        "mode": "online",
        "stream_url": "https://live.example.cn/2",
        "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=3)).isoformat(),
        "registration_opens_at": timezone.now().isoformat(),
        "registration_closes_at": start.isoformat(),
        "requires_validation": True,
        "n_slots": 4,
        "slot_minutes": 20,
        "n_tables": 3,
    }
    bad = Api(token_for(world.owner_admin)).post("/events", body)
    assert bad.status_code == 403 and Event.objects.count() == 0
    bad = staff.post("/events", body | {"mode": "onsite"})
    assert bad.status_code == 422 and Event.objects.count() == 0
    ev = ok(staff.post("/events", body), 201)
    assert ev["status"] == "draft" and Event.objects.get().slots.count() == 4
    assert Api().get(f"/events/{ev['id']}").status_code == 404
    ok(staff.post(f"/events/{ev['id']}/status", {"to": "open"}))
    a = Api(token_for(world.owner_admin))
    slot = Event.objects.get().slots.first()
    reg = ok(
        a.post(
            f"/events/{ev['id']}/registrations",
            {"organization_id": world.enterprise.pk, "slot_ids": [slot.pk]},
        ),
        201,
    )
    assert reg["state"] == "pending"
    assert (
        a.post(f"/events/registrations/{reg['id']}/validate", {"approve": True}).status_code == 404
    )
    assert (
        ok(staff.post(f"/events/registrations/{reg['id']}/validate", {"approve": True}))["state"]
        == "validated"
    )
    again = staff.post(f"/events/registrations/{reg['id']}/validate", {"approve": False})
    assert again.status_code == 409
    ok(staff.post(f"/events/{ev['id']}/status", {"to": "closed"}))
    wrong = staff.post(f"/events/{ev['id']}/status", {"to": "draft"})
    assert wrong.status_code == 409 and wrong.json()["code"] == "invalid_transition"
