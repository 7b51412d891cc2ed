"""The pages: list, detail with registration, requests and answers, the organiser's
scheduling page, the agenda with its ICS file and check-in; who sees what."""

from __future__ import annotations

from icalendar import Calendar

from kechuang.outreach.choices import EventStatus, RequestState
from kechuang.outreach.models import Event, MeetingRequest, MeetingSeat, Registration
from tests.conftest import World, client_for
from tests.factories import UserFactory, member
from tests.outreach.conftest import Fair


def test_list_and_detail_hide_drafts(fair: Fair, world: World) -> None:
    anon = client_for(None)
    assert fair.event.title in anon.get("/events/").content.decode()
    Event.objects.filter(pk=fair.event.pk).update(status=EventStatus.DRAFT)
    assert fair.event.title not in anon.get("/events/").content.decode()
    assert anon.get(f"/events/{fair.event.pk}/").status_code == 404
    staff = client_for(world.hangzhou_staff)
    assert staff.get(f"/events/{fair.event.pk}/").status_code == 200
    assert (
        client_for(world.owner_admin).get(f"/events/{fair.event.pk}/schedule/").status_code == 404
    )


def test_register_request_answer_schedule_agenda_check_in(fair: Fair, world: World) -> None:
    ev = fair.event.pk
    newcomer = member(world.hangzhou)  # a member of the city association registers for it
    c = client_for(newcomer)
    r = c.post(f"/events/{ev}/register/", {"party": world.hangzhou.pk, "slots": [fair.slots[0].pk]})
    assert r.status_code == 302
    reg = Registration.objects.get(user=newcomer)
    # a second registration for the same organisation is refused and changes nothing
    c.post(f"/events/{ev}/register/", {"party": world.hangzhou.pk, "slots": [fair.slots[0].pk]})
    assert Registration.objects.filter(organization=world.hangzhou).count() == 1
    page = c.get(f"/events/{ev}/requests/").content.decode()
    assert world.enterprise.name in page
    c.post(
        f"/events/{ev}/requests/",
        {
            "requester": reg.pk,
            "recipient": fair.a.pk,
            "reason": "园区合作",
            "interest": 3,
        },
    )
    q = MeetingRequest.objects.get()
    # the requester cannot answer their own request: not there
    assert (
        c.post(f"/events/requests/{q.pk}/answer/", {"accept": "1", "interest": 2}).status_code
        == 404
    )
    a = client_for(world.owner_admin)
    a.post(f"/events/requests/{q.pk}/answer/", {"accept": "1", "interest": 2})
    q.refresh_from_db()
    assert q.state == RequestState.ACCEPTED
    Event.objects.filter(pk=ev).update(status=EventStatus.CLOSED)
    staff = client_for(world.hangzhou_staff)
    assert staff.post(f"/events/{ev}/schedule/").status_code == 302
    page = staff.get(f"/events/{ev}/schedule/").content.decode()
    assert "园区合作" not in page and world.hangzhou.name in page
    agenda = a.get(f"/events/{ev}/agenda/").content.decode()
    assert world.hangzhou.name in agenda and "园区合作" in agenda
    ics = a.get(f"/events/{ev}/agenda/?format=ics")
    assert len(Calendar.from_ical(ics.content).walk("VEVENT")) == 1
    assert (
        client_for(UserFactory())
        .get(f"/events/{ev}/agenda/?format=ics")
        .content.count(b"BEGIN:VEVENT")
        == 0
    )
    meeting = q.meeting
    other = client_for(world.other_admin)
    assert (
        other.post(
            f"/events/meetings/{meeting.pk}/check-in/", {"registration": fair.a.pk}
        ).status_code
        == 404
    )
    a.post(f"/events/meetings/{meeting.pk}/check-in/", {"registration": fair.a.pk})
    assert MeetingSeat.objects.get(registration=fair.a).checked_in_at is not None


def test_organiser_closes_registration_and_validates_from_the_schedule_page(
    fair: Fair, world: World
) -> None:
    ev = fair.event.pk
    Registration.objects.filter(pk=fair.b.pk).update(state="pending")
    staff = client_for(world.hangzhou_staff)
    page = staff.get(f"/events/{ev}/schedule/").content.decode()
    assert 'id="pending-registrations"' in page and world.other_enterprise.name in page
    # a participant cannot validate or move the event: not there, nothing changes
    a = client_for(world.owner_admin)
    assert (
        a.post(f"/events/registrations/{fair.b.pk}/validate/", {"approve": "1"}).status_code == 404
    )
    assert a.post(f"/events/{ev}/status/", {"to": "closed"}).status_code == 404
    assert Registration.objects.get(pk=fair.b.pk).state == "pending"
    staff.post(f"/events/registrations/{fair.b.pk}/validate/", {"approve": "1"})
    assert Registration.objects.get(pk=fair.b.pk).state == "validated"
    staff.post(f"/events/{ev}/status/", {"to": "finished"})  # not allowed from open
    assert Event.objects.get(pk=ev).status == EventStatus.OPEN
    staff.post(f"/events/{ev}/status/", {"to": "closed"})
    assert Event.objects.get(pk=ev).status == EventStatus.CLOSED
