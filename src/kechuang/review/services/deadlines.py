"""Moving the scoring deadline of the round that is open now (extend, set, bring forward
or remove it): real review work slips, and the organiser says so with a reason."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.common.errors import InvalidTransition, ValidationFailed
from kechuang.common.validation import Errors, full_clean
from kechuang.review.choices import SCORING_STATUS, EventType, ProcessStatus
from kechuang.review.events import event_record
from kechuang.review.models import ReviewProcess
from kechuang.review.services.common import (
    lock_process,
    require_runner,
    required_text,
    scoring_deadline,
)
from kechuang.review.services.notify import notify_deadline_moved

MAX_REASON = 500
ROUND_OF_STATUS = {status: round_no for round_no, status in SCORING_STATUS.items()}


def _iso(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


@transaction.atomic
def round_deadline_set(
    *,
    actor: Any,
    process: ReviewProcess,
    deadline: datetime.datetime | None,
    reason: str,
) -> ReviewProcess:
    """Set the scoring deadline of the open round (round 1 or 2) to ``deadline`` — a
    future time, naive times read in the current time zone — or remove it (``None``).
    Runners only, with a reason. Writes the event (old and new deadline, reason) and the
    audit entry, and tells the round's reviewers who have not scored everything yet.

    Scores are checked against the process's deadline when submitted, so a score that
    the old deadline would have refused is accepted after an extension."""
    process = lock_process(process)
    require_runner(actor, process)
    round_no = ROUND_OF_STATUS.get(process.status)
    if round_no is None:
        raise InvalidTransition(
            _("只有在评分进行中（第一轮或第二轮评审）才能调整评分截止时间，评审现处于“%(s)s”状态。")
            % {"s": ProcessStatus(process.status).label}
        )
    errors = Errors()
    new: datetime.datetime | None = None
    if deadline is not None:
        try:
            new = scoring_deadline(deadline)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    try:
        reason = required_text(reason, "reason", _("请填写调整截止时间的理由。"))[:MAX_REASON]
    except ValidationFailed as exc:
        errors.update(exc.fields)
    field = f"round_{round_no}_deadline"
    old: datetime.datetime | None = getattr(process, field)
    if not errors and new == old:
        errors.add("deadline", _("与本轮现在的评分截止时间相同。"))
    errors.raise_if_any()
    before = snapshot(process)
    setattr(process, field, new)
    full_clean(process, exclude=["created_by"])
    process.save(update_fields=[field, "updated_at"])
    event_record(
        process=process,
        type=EventType.DEADLINE_MOVED,
        actor=actor,
        round=round_no,
        old=_iso(old),
        new=_iso(new),
        reason=reason,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=process,
        organization=process.organiser,
        before=before,
        after=snapshot(process),
        note=reason,
    )
    notify_deadline_moved(process.pk, round_no, reason=reason)
    return process
