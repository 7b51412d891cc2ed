"""Asking another participant for a 1:1 meeting, and answering."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.common.errors import (
    Conflict,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from kechuang.outreach.choices import REQUESTS_OPEN, Interest, RegistrationState, RequestState
from kechuang.outreach.models import Event, MeetingRequest, Registration


def _interest(value: Any, field: str) -> int:
    if value not in Interest.values:
        raise ValidationFailed(fields={field: [_("意愿须为 1（一般）、2（较强）或 3（强烈）。")]})
    return int(value)


def meeting_request_create(
    *,
    actor: Any,
    requester: Registration,
    recipient: Registration,
    reason: str,
    interest: int = Interest.MEDIUM,
) -> MeetingRequest:
    """``requester`` (the actor's validated registration) asks ``recipient`` (another
    validated participant of the same event) for a meeting, giving a reason."""
    if requester.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("只能以本人的报名发起洽谈。"))
    if requester.event_id != recipient.event_id:
        raise ValidationFailed(fields={"recipient": [_("对方未报名此活动。")]})
    if requester.pk == recipient.pk:
        raise ValidationFailed(_("不能向自己发起洽谈。"), code="self_request")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("请填写洽谈事由。")]})
    if len(reason) > 500:
        raise ValidationFailed(fields={"reason": [_("洽谈事由不超过 500 字。")]})
    level = _interest(interest, "interest")
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=requester.event_id)
        if event.status not in REQUESTS_OPEN:
            raise InvalidTransition(_("该活动当前不能发起洽谈请求。"), code="requests_closed")
        states = dict(
            Registration.objects.filter(pk__in=[requester.pk, recipient.pk]).values_list(
                "pk", "state"
            )
        )
        if states.get(requester.pk) != RegistrationState.VALIDATED:
            raise PermissionDenied(_("报名确认后才能发起洽谈。"), code="not_validated")
        if states.get(recipient.pk) != RegistrationState.VALIDATED:
            raise ValidationFailed(fields={"recipient": [_("对方的报名尚未确认。")]})
        pair = Q(requester=requester, recipient=recipient) | Q(
            requester=recipient, recipient=requester
        )
        if MeetingRequest.objects.filter(pair).exists():
            raise Conflict(_("你们之间已有洽谈请求。"), code="duplicate_request")
        req = MeetingRequest(
            event=event,
            requester=requester,
            recipient=recipient,
            reason=reason,
            requester_interest=level,
        )
        try:
            with transaction.atomic():
                req.save()
        except IntegrityError:
            raise Conflict(_("你们之间已有洽谈请求。"), code="duplicate_request") from None
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=req,
            organization=requester.organization or event.organizer,
            after=snapshot(req),
        )
    return req


def meeting_request_answer(
    *, actor: Any, request: MeetingRequest, accept: bool, interest: int | None = None
) -> MeetingRequest:
    """The recipient accepts (saying how interested they are) or declines."""
    if request.recipient.user_id != getattr(actor, "pk", None):
        raise PermissionDenied()
    level = _interest(interest, "interest") if accept else None
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=request.event_id)
        req = MeetingRequest.objects.select_for_update().get(pk=request.pk)
        if event.status not in REQUESTS_OPEN:
            raise InvalidTransition(_("该活动当前不能回复洽谈请求。"), code="requests_closed")
        if req.state != RequestState.REQUESTED:
            raise InvalidTransition(_("该请求已回复。"))
        before = snapshot(req)
        req.state = RequestState.ACCEPTED if accept else RequestState.DECLINED
        req.recipient_interest = level
        req.answered_at = timezone.now()
        req.save(update_fields=["state", "recipient_interest", "answered_at"])
        audit_record(
            actor=actor,
            action=AuditAction.STATUS,
            obj=req,
            organization=event.organizer,
            before=before,
            after=snapshot(req),
        )
    return req
