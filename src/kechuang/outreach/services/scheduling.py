"""The organiser runs the scheduler; participants check in to their meetings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.common.errors import Conflict, InvalidTransition, PermissionDenied
from kechuang.orgs.access import viewer_for
from kechuang.outreach import scheduling
from kechuang.outreach.choices import SCHEDULABLE, EventStatus, RegistrationState, RequestState
from kechuang.outreach.models import (
    Event,
    Meeting,
    MeetingRequest,
    MeetingSeat,
    Registration,
    ScheduleRun,
)

PairScore = Callable[[MeetingRequest], float]

TIME_LIMIT_S = 20.0


def stored_score(request: MeetingRequest) -> float:
    """The matching engine's score recorded on the request (0 when there is none).

    The engine has no pair-scoring call yet; when it has, the service passes one as
    ``pair_score`` and the solver still only sees numbers."""
    return float(request.match_score or 0.0)


def event_schedule(
    *,
    actor: Any,
    event: Event,
    time_limit_s: float = TIME_LIMIT_S,
    pair_score: PairScore = stored_score,
) -> ScheduleRun:
    """Schedule every accepted request between validated participants: slots × tables,
    both parties' availability, one meeting per person per slot, weight = both sides'
    interest + the engine's score. Replaces the previous schedule atomically (refused once
    anyone has checked in), records the run and moves the event to ``scheduled``."""
    if not viewer_for(actor).manages(event.organizer):
        raise PermissionDenied()
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.status not in SCHEDULABLE:
            raise InvalidTransition(_("报名截止后才能排期。"), code="not_schedulable")
        if MeetingSeat.objects.filter(meeting__event=locked, checked_in_at__isnull=False).exists():
            raise Conflict(_("已有参会方签到，不能重新排期。"), code="meetings_started")
        slots = list(locked.slots.order_by("number"))
        tables = list(locked.tables.order_by("number"))
        regs = list(
            Registration.objects.filter(event=locked, state=RegistrationState.VALIDATED)
            .prefetch_related("available_slots")
            .order_by("pk")
        )
        reqs = list(
            MeetingRequest.objects.filter(
                event=locked,
                state=RequestState.ACCEPTED,
                requester__state=RegistrationState.VALIDATED,
                recipient__state=RegistrationState.VALIDATED,
            ).order_by("created_at", "pk")
        )
        person = {r.pk: i for i, r in enumerate(regs)}
        slot_index = {s.pk: i for i, s in enumerate(slots)}
        problem = scheduling.MeetingProblem(
            len(regs),
            len(slots),
            len(tables),
            tuple(
                frozenset(slot_index[s.pk] for s in r.available_slots.all() if s.pk in slot_index)
                for r in regs
            ),
            tuple(
                scheduling.Request(
                    person[q.requester_id],
                    person[q.recipient_id],
                    q.mutual_interest + max(0.0, pair_score(q)),
                )
                for q in reqs
            ),
        )
        result = scheduling.solve(problem, time_limit_s=time_limit_s)
        if scheduling.validate(problem, result):  # the solver's bug, not the user's input
            raise RuntimeError(f"invalid schedule: {scheduling.validate(problem, result)[:3]}")
        Meeting.objects.filter(event=locked).delete()  # seats go with them
        for p in result.placements:
            q, slot = reqs[p.request], slots[p.slot]
            meeting = Meeting.objects.create(
                event=locked, request=q, slot=slot, table=tables[p.table]
            )
            MeetingSeat.objects.bulk_create(
                [
                    MeetingSeat(meeting=meeting, registration_id=q.requester_id, slot=slot),
                    MeetingSeat(meeting=meeting, registration_id=q.recipient_id, slot=slot),
                ]
            )
        run = ScheduleRun.objects.create(
            event=locked,
            actor=actor,
            status=result.status,
            solver=result.solver,
            objective=result.objective,
            bound=result.bound,
            gap=result.gap,
            seconds=result.seconds,
            requests=len(reqs),
            meetings=len(result.placements),
            note=result.note[:300],
            unscheduled={str(reqs[i].pk): code for i, code in result.unscheduled.items()},
        )
        before = snapshot(locked)
        locked.status = EventStatus.SCHEDULED
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.STATUS,
            obj=locked,
            organization=locked.organizer,
            before=before,
            after=snapshot(locked),
            note=f"schedule run {run.pk}: {run.meetings} meetings of {run.requests} requests, "
            f"{result.status}, objective {result.objective:.3f}, bound {result.bound:.3f}",
        )
    return run


def meeting_check_in(*, actor: Any, meeting: Meeting, registration: Registration) -> MeetingSeat:
    """Check ``registration`` in to ``meeting``: its own user, or the organiser's managers
    (at the desk). A second check-in is refused (the first time stands)."""
    own = registration.user_id == getattr(actor, "pk", None)
    if not (own or viewer_for(actor).manages(meeting.event.organizer)):
        raise PermissionDenied()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=meeting.event_id)
        if event.status != EventStatus.SCHEDULED:
            raise InvalidTransition(_("活动排期后才能签到。"), code="not_scheduled")
        seat = (
            MeetingSeat.objects.select_for_update()
            .filter(meeting=meeting, registration=registration)
            .first()
        )
        if seat is None:
            raise PermissionDenied(_("该参会方不在此洽谈中。"), code="not_a_party")
        if seat.checked_in_at is not None:
            raise Conflict(_("已签到。"), code="already_checked_in")
        seat.checked_in_at = timezone.now()
        seat.save(update_fields=["checked_in_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=meeting,
            organization=event.organizer,
            after={"checked_in": registration.pk, "at": seat.checked_in_at.isoformat()},
        )
    return seat
