"""A meeting's outcome, and how it flows into the engagement ledger; every refusal changes
nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from kechuang.audit.models import AuditEntry
from kechuang.catalog.models import Need
from kechuang.common.errors import (
    InvalidTransition,
    KechuangError,
    PermissionDenied,
    ValidationFailed,
)
from kechuang.engagements.choices import Origin, Stage
from kechuang.engagements.models import Engagement, EngagementEvent
from kechuang.engagements.models import Meeting as LedgerMeeting
from kechuang.engagements.selectors import engagement_list
from kechuang.outreach.choices import EventStatus, RequestState
from kechuang.outreach.models import Event, Meeting, MeetingRequest, MeetingSeat
from kechuang.outreach.services import meeting_outcome_record
from kechuang.outreach.services.outcomes import parse_subject, subject_choices
from tests.catalog.conftest import published_need
from tests.conftest import World
from tests.factories import UserFactory
from tests.outreach.conftest import Fair


def _state() -> tuple[Any, ...]:
    return (
        sorted(Meeting.objects.values_list("outcome", "outcome_note", "engagement_id")),
        Engagement.objects.count(),
        sorted(Engagement.objects.values_list("stage", flat=True)),
        EngagementEvent.objects.count(),
        LedgerMeeting.objects.count(),
        AuditEntry.objects.count(),
    )


def refused(error: type[KechuangError], fn: Callable[[], Any], code: str | None = None) -> None:
    before = _state()
    with pytest.raises(error) as info:
        fn()
    if code is not None:
        assert info.value.code == code
    assert _state() == before


def held(fair: Fair, *, past: bool = True) -> Meeting:
    """An accepted a→b request met at table 1 in slot 1; the slot already started."""
    Event.objects.filter(pk=fair.event.pk).update(status=EventStatus.SCHEDULED)
    fair.event.refresh_from_db()
    if past:
        start = timezone.now() - datetime.timedelta(minutes=10)
        fair.slots[0].starts_at = start
        fair.slots[0].ends_at = start + datetime.timedelta(minutes=25)
        fair.slots[0].save()
    req = MeetingRequest.objects.create(
        event=fair.event,
        requester=fair.a,
        recipient=fair.b,
        reason="电池液冷方案",
        state=RequestState.ACCEPTED,
        requester_interest=3,
        recipient_interest=2,
    )
    m = Meeting.objects.create(
        event=fair.event, request=req, slot=fair.slots[0], table=fair.tables[0]
    )
    for reg in (fair.a, fair.b):
        MeetingSeat.objects.create(meeting=m, registration=reg, slot=fair.slots[0])
    return m


def test_refusals_change_nothing(fair: Fair, world: World) -> None:
    m = held(fair, past=False)
    stranger = UserFactory()
    refused(
        ValidationFailed,
        lambda: meeting_outcome_record(actor=world.owner_admin, meeting=m, outcome="maybe"),
    )
    refused(
        ValidationFailed,
        lambda: meeting_outcome_record(
            actor=world.owner_admin, meeting=m, outcome="follow_up", note="长" * 501
        ),
    )
    refused(
        PermissionDenied,
        lambda: meeting_outcome_record(actor=stranger, meeting=m, outcome="no_interest"),
    )
    # the slot has not started and nobody checked in
    refused(
        InvalidTransition,
        lambda: meeting_outcome_record(actor=world.owner_admin, meeting=m, outcome="no_interest"),
        "meeting_not_started",
    )
    MeetingSeat.objects.filter(meeting=m, registration=fair.a).update(checked_in_at=timezone.now())
    # no party has a published need or achievement: nothing to dock about
    refused(
        ValidationFailed,
        lambda: meeting_outcome_record(actor=world.owner_admin, meeting=m, outcome="follow_up"),
        "no_subject",
    )
    need = published_need(world)
    refused(
        ValidationFailed,
        lambda: meeting_outcome_record(actor=world.owner_admin, meeting=m, outcome="intention"),
    )
    other = Need.objects.create(
        **{
            f.name: getattr(need, f.name)
            for f in Need._meta.concrete_fields
            if f.name not in {"id", "organization"}
        },
        organization=world.hangzhou,
    )
    refused(
        ValidationFailed,
        lambda: meeting_outcome_record(
            actor=world.owner_admin, meeting=m, outcome="intention", subject=other
        ),
    )
    Event.objects.filter(pk=fair.event.pk).update(status=EventStatus.CANCELLED)
    refused(
        InvalidTransition,
        lambda: meeting_outcome_record(
            actor=world.owner_admin, meeting=m, outcome="intention", subject=need
        ),
        "not_scheduled",
    )


@pytest.mark.django_db
def test_parse_subject() -> None:
    assert parse_subject("") is None
    for bad in ("need:x", "thing:1", "need:999999"):
        with pytest.raises(ValidationFailed):
            parse_subject(bad)


def test_no_interest_stays_out_of_the_ledger(fair: Fair, world: World) -> None:
    m = held(fair)
    m = meeting_outcome_record(actor=world.other_admin, meeting=m, outcome="no_interest")
    assert m.outcome == "no_interest" and m.engagement_id is None
    assert Engagement.objects.count() == 0
    assert AuditEntry.objects.filter(object_id=str(m.pk)).exists()


def test_outcomes_flow_into_the_ledger_of_both_parties(fair: Fair, world: World) -> None:
    m = held(fair)
    need = published_need(world)
    assert subject_choices(m) == [need]
    # the enterprise's side records an intention: the engagement starts from the event,
    # the meeting is on it; the other side has not yet agreed to the introduction
    m = meeting_outcome_record(
        actor=world.owner_admin, meeting=m, outcome="intention", note="下月试点", subject=need
    )
    eng = Engagement.objects.get()
    assert m.engagement_id == eng.pk and m.outcome == "intention"
    assert eng.origin == Origin.EVENT and eng.need == need
    assert eng.counterparty_org == world.other_enterprise
    assert eng.stage == Stage.INTEREST
    assert LedgerMeeting.objects.filter(engagement=eng).count() == 1
    for user in (world.owner_admin, world.other_admin):
        assert list(engagement_list(user)) == [eng]
    # the other side records "signed": its agreement introduces, and it may move on to
    # the intention; signing itself waits for the contract record in the ledger
    m = meeting_outcome_record(actor=world.other_admin, meeting=m, outcome="signed")
    eng.refresh_from_db()
    assert m.engagement_id == eng.pk and m.outcome == "signed"
    assert eng.stage == Stage.INTENTION
    assert eng.introduced_at and eng.negotiating_at and eng.intention_at
    assert "合同待" in eng.intention_summary
    assert eng.signed_at is None
    assert Engagement.objects.count() == 1
    # no new note: the meeting is on the engagement once
    assert LedgerMeeting.objects.filter(engagement=eng).count() == 1


def test_open_engagement_of_the_pair_is_reused(fair: Fair, world: World) -> None:
    m = held(fair)
    need = published_need(world)
    from kechuang.engagements.services import engagement_start

    eng = engagement_start(
        actor=world.other_admin,
        subject=need,
        counterparty=world.other_enterprise,
        origin=Origin.INTEREST,
    )
    m = meeting_outcome_record(
        actor=world.owner_admin, meeting=m, outcome="follow_up", subject=need
    )
    eng.refresh_from_db()
    assert m.engagement_id == eng.pk and Engagement.objects.count() == 1
    # the enterprise is the other side: its agreement introduces, then negotiation
    assert eng.stage == Stage.NEGOTIATING


def test_outcome_through_the_api(fair: Fair, world: World) -> None:
    from tests.api.conftest import Api, ok, token_for

    m = held(fair)
    a = Api(token_for(world.owner_admin))
    url = f"/events/meetings/{m.pk}/outcome"
    stranger = Api(token_for(UserFactory()))
    before = _state()
    assert stranger.get(url).status_code == 404
    r = a.post(url, {"outcome": "follow_up"})
    assert r.status_code == 422 and r.json()["code"] == "no_subject"
    assert _state() == before
    need = published_need(world)
    before = _state()
    assert ok(a.get(url)) == [{"value": f"need:{need.pk}", "title": str(need)}]
    r = a.post(url, {"outcome": "follow_up"})
    assert r.status_code == 422 and "subject" in r.json()["errors"]
    r = stranger.post(url, {"outcome": "follow_up", "subject": f"need:{need.pk}"})
    assert r.status_code == 404
    assert _state() == before
    body = ok(a.post(url, {"outcome": "follow_up", "subject": f"need:{need.pk}"}))
    eng = Engagement.objects.get()
    assert body["engagement_id"] == eng.pk and body["outcome"] == "follow_up"
    b = Api(token_for(world.other_admin))
    assert eng.pk in [e["id"] for e in ok(b.get("/engagements"))["items"]]


def test_outcome_page_from_the_agenda_and_the_schedule(fair: Fair, world: World) -> None:
    from django.conf import settings

    from tests.conftest import client_for

    m = held(fair)
    need = published_need(world)
    a = client_for(world.owner_admin)
    agenda = a.get(f"/events/{fair.event.pk}/agenda/").content.decode()
    assert f"/events/meetings/{m.pk}/outcome/" in agenda and 'id="nav-events"' in agenda
    staff = client_for(world.hangzhou_staff)
    assert (
        f"/events/meetings/{m.pk}/outcome/"
        in staff.get(f"/events/{fair.event.pk}/schedule/").content.decode()
    )
    page = a.get(f"/events/meetings/{m.pk}/outcome/").content.decode()
    assert f'value="need:{need.pk}"' in page
    assert client_for(UserFactory()).get(f"/events/meetings/{m.pk}/outcome/").status_code == 404
    before = _state()
    r = a.post(f"/events/meetings/{m.pk}/outcome/", {"outcome": "intention"}, follow=True)
    assert "请选择对接的需求或成果。" in r.content.decode() and _state() == before
    r = a.post(
        f"/events/meetings/{m.pk}/outcome/",
        {"outcome": "intention", "subject": f"need:{need.pk}", "note": "试点"},
        follow=True,
    )
    eng = Engagement.objects.get()
    assert f"/engagements/{eng.pk}/" in r.content.decode()
    en = client_for(world.other_admin)
    en.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = en.get(f"/events/meetings/{m.pk}/outcome/").content.decode()
    assert "s outcome</h1>" in page and "View the engagement" in page
    assert ">Events<" in page
