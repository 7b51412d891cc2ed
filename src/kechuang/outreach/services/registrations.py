"""Registering for an event (for an organisation or as an expert) and validating it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.catalog.models import ExpertProfile
from kechuang.common.errors import (
    Conflict,
    InvalidTransition,
    NotAuthenticated,
    PermissionDenied,
    ValidationFailed,
)
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization
from kechuang.outreach.choices import EventStatus, RegistrationState
from kechuang.outreach.models import Event, Registration


def registration_create(
    *,
    actor: Any,
    event: Event,
    organization: Organization | None = None,
    expert: ExpertProfile | None = None,
    slot_ids: Iterable[int],
    note: str = "",
) -> Registration:
    """Register ``actor`` for ``event``, acting for ``organization`` (which they belong
    to) or as ``expert`` (their own profile). ``slot_ids``: the slots they can meet in."""
    if actor is None or not actor.is_authenticated:
        raise NotAuthenticated()
    if (organization is None) == (expert is None):
        raise ValidationFailed(fields={"party": [_("请选择代表单位或以专家身份参会（二选一）。")]})
    if organization is not None and organization.pk not in viewer_for(actor).member_org_ids:
        raise PermissionDenied(_("只能代表自己所在的单位报名。"))
    if expert is not None and expert.user_id != actor.pk:
        raise PermissionDenied(_("只能以本人的专家身份报名。"))
    wanted = set(slot_ids)
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        now = timezone.now()
        if locked.status != EventStatus.OPEN or not (
            locked.registration_opens_at <= now < locked.registration_closes_at
        ):
            raise InvalidTransition(_("该活动当前不接受报名。"), code="registration_closed")
        slots = list(locked.slots.filter(pk__in=wanted))
        if len(slots) != len(wanted) or (locked.slots.exists() and not slots):
            raise ValidationFailed(fields={"slots": [_("请至少选择一个本活动的可洽谈时段。")]})
        reg = Registration(
            event=locked,
            user=actor,
            organization=organization,
            expert=expert,
            note=note.strip()[:300],
            state=RegistrationState.PENDING
            if locked.requires_validation
            else RegistrationState.VALIDATED,
            validated_at=None if locked.requires_validation else now,
        )
        try:
            with transaction.atomic():
                reg.save()
        except IntegrityError:
            raise Conflict(_("已报名此活动。"), code="already_registered") from None
        reg.available_slots.set(slots)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=reg,
            organization=organization or locked.organizer,
            after=snapshot(reg, m2m=["available_slots"]),
        )
    return reg


def registration_validate(*, actor: Any, registration: Registration, approve: bool) -> Registration:
    """The organiser's managers validate (or reject) a pending registration."""
    if not viewer_for(actor).manages(registration.event.organizer):
        raise PermissionDenied()
    with transaction.atomic():
        reg = Registration.objects.select_for_update().get(pk=registration.pk)
        if reg.state != RegistrationState.PENDING:
            raise InvalidTransition()
        before = snapshot(reg)
        reg.state = RegistrationState.VALIDATED if approve else RegistrationState.REJECTED
        reg.validated_at = timezone.now() if approve else None
        reg.save(update_fields=["state", "validated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.STATUS,
            obj=reg,
            organization=registration.event.organizer,
            before=before,
            after=snapshot(reg),
        )
    return reg
