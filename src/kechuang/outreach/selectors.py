"""Reads of matchmaking events, scoped to the viewer by the rules in ``access``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from kechuang.common.access_rules import gatekeeper
from kechuang.orgs.access import viewer_for
from kechuang.outreach.access import manages_event
from kechuang.outreach.choices import EventStatus
from kechuang.outreach.models import Event, Meeting, MeetingRequest, Registration, ScheduleRun


@gatekeeper("event")
def events_visible_to(user: Any) -> QuerySet[Event]:
    """Every event but drafts, plus the drafts of organisers the viewer manages."""
    viewer = viewer_for(user)
    q = ~Q(status=EventStatus.DRAFT)
    if viewer.is_authenticated:
        q |= viewer.managed_scope("organizer")
    return Event.objects.filter(q).select_related("organizer", "industry", "region")


@gatekeeper("event.registration")
def my_registrations(user: Any, event: Event) -> list[Registration]:
    """The viewer's own registrations for ``event``."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        Registration.objects.filter(event=event, user=user).select_related("organization", "expert")
    )


@gatekeeper("event.registration")
def event_registrations(user: Any, event: Event) -> QuerySet[Registration]:
    """All registrations of ``event`` (the organiser's managers); validated participants
    (what anyone registered and validated may pick a meeting partner from); nothing else."""
    qs = Registration.objects.filter(event=event).select_related("organization", "expert", "user")
    if manages_event(user, event):
        return qs
    if any(r.state == "validated" for r in my_registrations(user, event)):
        return qs.filter(state="validated")
    return qs.none()


@gatekeeper("event.request")
def my_requests(user: Any, event: Event) -> QuerySet[MeetingRequest]:
    """Requests the viewer sent or received at ``event`` (all of them for its managers)."""
    qs = MeetingRequest.objects.filter(event=event).select_related(
        "requester__organization",
        "requester__expert",
        "recipient__organization",
        "recipient__expert",
        "meeting__slot",
        "meeting__table",
    )
    if manages_event(user, event):
        return qs
    if user is None or not user.is_authenticated:
        return qs.none()
    return qs.filter(Q(requester__user=user) | Q(recipient__user=user))


@dataclass(frozen=True)
class AgendaItem:
    meeting: Meeting
    mine: Registration
    other: Registration
    checked_in_at: Any


@gatekeeper("event.meeting")
def agenda_for(user: Any, event: Event) -> list[AgendaItem]:
    """The viewer's meetings at ``event``, in slot order (one line per own registration)."""
    out = []
    for reg in my_registrations(user, event):
        seats = reg.seats.select_related(
            "meeting__slot",
            "meeting__table",
            "meeting__request__requester__organization",
            "meeting__request__requester__expert",
            "meeting__request__recipient__organization",
            "meeting__request__recipient__expert",
        )
        for seat in seats:
            req = seat.meeting.request
            other = req.recipient if req.requester_id == reg.pk else req.requester
            out.append(AgendaItem(seat.meeting, reg, other, seat.checked_in_at))
    out.sort(key=lambda a: (a.meeting.slot.number, a.meeting.table.number))
    return out


@gatekeeper("event.meeting")
def event_schedule_view(user: Any, event: Event) -> tuple[ScheduleRun | None, QuerySet[Meeting]]:
    """The last scheduler run and every meeting (the organiser's managers only)."""
    if not manages_event(user, event):
        return None, Meeting.objects.none()
    meetings = Meeting.objects.filter(event=event).select_related(
        "slot",
        "table",
        "request__requester__organization",
        "request__requester__expert",
        "request__recipient__organization",
        "request__recipient__expert",
    )
    return event.schedule_runs.first(), meetings
