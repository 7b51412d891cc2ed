"""Pages of matchmaking events: list and detail (with registration), my meeting requests,
my agenda (with the ICS file, check-in and outcomes), and the organiser's scheduling page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, NotFound
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization
from kechuang.outreach.access import (
    access_event_by_id,
    access_meeting_by_id,
    access_meeting_request_by_id,
    access_registration_by_id,
    manages_event,
)
from kechuang.outreach.calendar import agenda_ics
from kechuang.outreach.choices import EVENT_TRANSITIONS, EventStatus, Interest, MeetingOutcome
from kechuang.outreach.selectors import (
    agenda_for,
    event_registrations,
    event_schedule_view,
    events_visible_to,
    my_registrations,
    my_requests,
)
from kechuang.outreach.services import (
    event_schedule,
    event_transition,
    meeting_check_in,
    meeting_outcome_record,
    meeting_request_answer,
    meeting_request_create,
    registration_create,
    registration_validate,
)
from kechuang.outreach.services.outcomes import parse_subject, subject_choices
from kechuang.web.errors import page_errors


def _say(request: HttpRequest, exc: KechuangError) -> None:
    for msg in [m for ms in exc.fields.values() for m in ms] or [str(exc.message)]:
        messages.error(request, msg)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


@access_rule("event")
def event_list_page(request: HttpRequest) -> HttpResponse:
    events = events_visible_to(request.user).order_by("-starts_at", "id")[:100]
    return render(request, "outreach/event_list.html", {"events": events})


@page_errors
@access_rule("event", "event.registration")
def event_detail_page(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event_by_id(request.user, event_id)
    viewer = viewer_for(request.user)
    orgs = Organization.objects.filter(pk__in=viewer.member_org_ids).order_by("name")
    return render(
        request,
        "outreach/event_detail.html",
        {
            "event": event,
            "slots": event.slots.all(),
            "mine": my_registrations(request.user, event),
            "orgs": orgs,
            "manager": manages_event(request.user, event),
            "has_expert": hasattr(request.user, "expert_profile"),
        },
    )


@login_required
@require_POST
@page_errors
@access_rule("event")
def register_page(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event_by_id(request.user, event_id)
    as_expert = request.POST.get("party") == "expert"
    org = None
    if not as_expert:
        org = Organization.objects.filter(pk=_int(request.POST.get("party")) or 0).first()
    expert = getattr(request.user, "expert_profile", None) if as_expert else None
    slot_ids = [i for i in map(_int, request.POST.getlist("slots")) if i is not None]
    try:
        reg = registration_create(
            actor=request.user,
            event=event,
            organization=org,
            expert=expert,
            slot_ids=slot_ids,
            note=request.POST.get("note", ""),
        )
    except KechuangError as exc:
        _say(request, exc)
    else:
        messages.success(
            request,
            _("报名成功，等待主办方确认。") if reg.state == "pending" else _("报名成功。"),
        )
    return redirect("outreach:detail", event_id=event.pk)


@login_required
@page_errors
@access_rule("event", "event.registration", "event.request")
def requests_page(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event_by_id(request.user, event_id)
    if request.method == "POST":
        try:
            requester = access_registration_by_id(request.user, request.POST.get("requester"))
            recipient = (
                event_registrations(request.user, event)
                .filter(pk=_int(request.POST.get("recipient")) or 0)
                .first()
            )
            if recipient is None or requester.event_id != event.pk:
                raise NotFound()
            meeting_request_create(
                actor=request.user,
                requester=requester,
                recipient=recipient,
                reason=request.POST.get("reason", ""),
                interest=_int(request.POST.get("interest")) or 0,
            )
        except KechuangError as exc:
            _say(request, exc)
        else:
            messages.success(request, _("已发出洽谈请求。"))
        return redirect("outreach:requests", event_id=event.pk)
    mine = my_registrations(request.user, event)
    mine_ids = {r.pk for r in mine}
    return render(
        request,
        "outreach/requests.html",
        {
            "event": event,
            "mine": mine,
            "requests": my_requests(request.user, event),
            "mine_ids": mine_ids,
            "others": event_registrations(request.user, event).exclude(pk__in=mine_ids),
            "levels": Interest.choices,
        },
    )


@login_required
@require_POST
@page_errors
@access_rule("event.request")
def answer_page(request: HttpRequest, request_id: int) -> HttpResponse:
    req = access_meeting_request_by_id(request.user, request_id, action="answer")
    accept = request.POST.get("accept") == "1"
    try:
        meeting_request_answer(
            actor=request.user,
            request=req,
            accept=accept,
            interest=_int(request.POST.get("interest")) if accept else None,
        )
    except KechuangError as exc:
        _say(request, exc)
    else:
        messages.success(request, _("已接受。") if accept else _("已婉拒。"))
    return redirect("outreach:requests", event_id=req.event_id)


@login_required
@page_errors
@access_rule("event", "event.meeting")
def schedule_page(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event_by_id(request.user, event_id, action="manage")
    if request.method == "POST":
        try:
            run = event_schedule(actor=request.user, event=event)
        except KechuangError as exc:
            _say(request, exc)
        else:
            messages.success(request, _("排期完成：安排了 %(n)d 场洽谈。") % {"n": run.meetings})
        return redirect("outreach:schedule", event_id=event.pk)
    last_run, meetings = event_schedule_view(request.user, event)
    return render(
        request,
        "outreach/schedule.html",
        {
            "event": event,
            "run": last_run,
            "meetings": meetings,
            "moves": [
                (to, EventStatus(to).label)
                for to in sorted(EVENT_TRANSITIONS.get(event.status, frozenset()))
                if to != EventStatus.SCHEDULED
            ],
            "pending": event_registrations(request.user, event).filter(state="pending"),
        },
    )


@login_required
@require_POST
@page_errors
@access_rule("event")
def event_status_page(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event_by_id(request.user, event_id, action="manage")
    try:
        event_transition(actor=request.user, event=event, to=request.POST.get("to", ""))
    except KechuangError as exc:
        _say(request, exc)
    return redirect("outreach:schedule", event_id=event.pk)


@login_required
@require_POST
@page_errors
@access_rule("event.registration")
def registration_validate_page(request: HttpRequest, registration_id: int) -> HttpResponse:
    reg = access_registration_by_id(request.user, registration_id, action="validate")
    try:
        registration_validate(
            actor=request.user, registration=reg, approve=request.POST.get("approve") == "1"
        )
    except KechuangError as exc:
        _say(request, exc)
    return redirect("outreach:schedule", event_id=reg.event_id)


@login_required
@page_errors
@access_rule("event", "event.meeting")
def agenda_page(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_event_by_id(request.user, event_id)
    items = agenda_for(request.user, event)
    if request.GET.get("format") == "ics":
        body = agenda_ics(event, items, domain=request.get_host().split(":")[0] or "kechuang")
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-agenda.ics"'
        return response
    return render(request, "outreach/agenda.html", {"event": event, "items": items})


@login_required
@require_POST
@page_errors
@access_rule("event.meeting", "event.registration")
def check_in_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting_by_id(request.user, meeting_id, action="check_in")
    reg = access_registration_by_id(request.user, request.POST.get("registration"))
    try:
        meeting_check_in(actor=request.user, meeting=meeting, registration=reg)
    except KechuangError as exc:
        _say(request, exc)
    else:
        messages.success(request, _("已签到。"))
    return redirect("outreach:agenda", event_id=meeting.event_id)


@login_required
@page_errors
@access_rule("event.meeting")
def outcome_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Either party or the organiser records what came of a meeting; follow-up, intention
    and signing join the engagement ledger about a need or achievement picked here."""
    meeting = access_meeting_by_id(request.user, meeting_id, action="outcome")
    if request.method == "POST":
        try:
            meeting = meeting_outcome_record(
                actor=request.user,
                meeting=meeting,
                outcome=request.POST.get("outcome", ""),
                note=request.POST.get("note", ""),
                subject=parse_subject(request.POST.get("subject", "")),
            )
        except KechuangError as exc:
            _say(request, exc)
        else:
            messages.success(request, _("已登记洽谈结果。"))
            return redirect("outreach:outcome", meeting_id=meeting.pk)
    subjects = [(f"{type(s).__name__.lower()}:{s.pk}", s) for s in subject_choices(meeting)]
    return render(
        request,
        "outreach/outcome.html",
        {
            "meeting": meeting,
            "event": meeting.event,
            "outcomes": [c for c in MeetingOutcome.choices if c[0]],
            "subjects": subjects,
            "organiser": manages_event(request.user, meeting.event),
        },
    )
