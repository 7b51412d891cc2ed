"""The gatekeepers of matchmaking events and what hangs off them.

- an event: published (not a draft) → everyone; a draft → managers of the organiser;
  ``manage`` → managers of the organiser (association staff of it or above, platform admin);
- a registration: its own user, and the event's managers;
- a meeting request: the users of both parties, and the event's managers; ``answer`` →
  the recipient's user only;
- a meeting: the users of both parties, and the event's managers; ``check_in`` and
  ``outcome`` → the same.

Everything else is "not there" (``NotFound``).
"""

from __future__ import annotations

from typing import Any

from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import NotFound
from kechuang.orgs.access import viewer_for
from kechuang.outreach.choices import EventStatus
from kechuang.outreach.models import Event, Meeting, MeetingRequest, Registration


def _id(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError, OverflowError):
        raise NotFound() from None


def manages_event(user: Any, event: Event) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return viewer_for(user).manages(event.organizer)


def sees_event(user: Any, event: Event) -> bool:
    return event.status != EventStatus.DRAFT or manages_event(user, event)


@gatekeeper("event")
def access_event_by_id(user: Any, pk: Any, *, action: str = "view") -> Event:
    """Event ``pk`` if ``user`` may ``action`` ("view" or "manage") it."""
    if action not in {"view", "manage"}:
        raise ValueError(f"unknown action {action!r}")
    event = (
        Event.objects.select_related("organizer", "industry", "region").filter(pk=_id(pk)).first()
    )
    if event is None:
        raise NotFound()
    allowed = manages_event(user, event) if action == "manage" else sees_event(user, event)
    if not allowed:
        raise NotFound()
    return event


def _own(user: Any, registration: Registration) -> bool:
    return user is not None and user.is_authenticated and registration.user_id == user.pk


@gatekeeper("event.registration")
def access_registration_by_id(user: Any, pk: Any, *, action: str = "view") -> Registration:
    """Registration ``pk``: "view" by its user or the event's managers; "validate" by the
    event's managers."""
    if action not in {"view", "validate"}:
        raise ValueError(f"unknown action {action!r}")
    reg = (
        Registration.objects.select_related("event__organizer", "organization", "expert", "user")
        .filter(pk=_id(pk))
        .first()
    )
    if reg is None:
        raise NotFound()
    manager = manages_event(user, reg.event)
    if not (manager or (action == "view" and _own(user, reg))):
        raise NotFound()
    return reg


@gatekeeper("event.request")
def access_meeting_request_by_id(user: Any, pk: Any, *, action: str = "view") -> MeetingRequest:
    """Request ``pk``: "view" by either party's user or the event's managers; "answer" by
    the recipient's user."""
    if action not in {"view", "answer"}:
        raise ValueError(f"unknown action {action!r}")
    req = (
        MeetingRequest.objects.select_related(
            "event__organizer",
            "requester__organization",
            "requester__expert",
            "recipient__organization",
            "recipient__expert",
        )
        .filter(pk=_id(pk))
        .first()
    )
    if req is None:
        raise NotFound()
    if action == "answer":
        allowed = _own(user, req.recipient)
    else:
        allowed = (
            _own(user, req.requester) or _own(user, req.recipient) or manages_event(user, req.event)
        )
    if not allowed:
        raise NotFound()
    return req


@gatekeeper("event.meeting")
def access_meeting_by_id(user: Any, pk: Any, *, action: str = "view") -> Meeting:
    """Meeting ``pk``: "view", "check_in" and "outcome" (recording what came of it) by
    either party's user or the event's managers."""
    if action not in {"view", "check_in", "outcome"}:
        raise ValueError(f"unknown action {action!r}")
    meeting = (
        Meeting.objects.select_related(
            "event__organizer", "slot", "table", "request__requester", "request__recipient"
        )
        .filter(pk=_id(pk))
        .first()
    )
    if meeting is None:
        raise NotFound()
    req = meeting.request
    if not (
        _own(user, req.requester) or _own(user, req.recipient) or manages_event(user, meeting.event)
    ):
        raise NotFound()
    return meeting
