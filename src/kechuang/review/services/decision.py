"""The decision, the public notice (公示) and objections."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.common.errors import Conflict as ConflictError
from kechuang.common.errors import (
    InvalidTransition,
    NotAuthenticated,
    ValidationFailed,
)
from kechuang.common.locks import locked
from kechuang.common.validation import full_clean
from kechuang.review.choices import EventType, ObjectionStatus, ProcessAction, ProcessStatus
from kechuang.review.events import event_record
from kechuang.review.models import (
    Decision,
    DecisionSelection,
    Objection,
    ReviewItem,
    ReviewProcess,
)
from kechuang.review.services.common import (
    lock_process,
    require_organiser,
    require_status,
    required_text,
)
from kechuang.review.services.notify import notify_objection
from kechuang.review.services.process import process_transition


@transaction.atomic
def decision_record(
    *, actor: Any, process: ReviewProcess, selected_item_ids: Iterable[int], justification: str
) -> Decision:
    """The organiser's decision (in ``deciding``): the selected items, in order, and the
    written justification. One per process, never edited."""
    process = lock_process(process)
    require_organiser(actor, process)
    if Decision.objects.filter(process=process).exists():
        raise ConflictError(_("本次评审已有决定，不能再次决定或修改。"), code="decision_exists")
    require_status(process, {ProcessStatus.DECIDING}, _("评审结束后才能记录决定。"))
    justification = required_text(justification, "justification", _("请填写决定理由。"))
    try:
        wanted = list(dict.fromkeys(int(pk) for pk in selected_item_ids))
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"selected_item_ids": [_("请提供评审对象编号。")]}) from None
    items = ReviewItem.objects.in_bulk(wanted)
    if any(pk not in items or items[pk].process_id != process.pk for pk in wanted):
        raise ValidationFailed(fields={"selected_item_ids": [_("所选对象不属于本次评审。")]})
    decision = Decision(process=process, justification=justification, decided_by=actor)
    full_clean(decision, exclude=["process", "decided_by"])
    decision.save()
    DecisionSelection.objects.bulk_create(
        DecisionSelection(decision=decision, item_id=pk, position=n)
        for n, pk in enumerate(wanted, start=1)
    )
    event_record(
        process=process,
        type=EventType.DECISION_RECORDED,
        actor=actor,
        decision=decision.pk,
        selected=wanted,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=decision,
        organization=process.organiser,
        after={**snapshot(decision), "selected": wanted},
    )
    return decision


def notice_open(*, actor: Any, process: ReviewProcess, days: int = 7) -> ReviewProcess:
    """Start the public notice of the decision for ``days`` days."""
    return process_transition(
        actor=actor, process=process, action=ProcessAction.OPEN_NOTICE, days=days
    )


def selected_subjects(process: ReviewProcess) -> list[tuple[str, int]]:
    """The selected subjects, in the decision's order, once the process is final."""
    # judged by the row as stored now: the caller's object may predate the last move
    if not ReviewProcess.objects.filter(pk=process.pk, status=ProcessStatus.FINAL).exists():
        raise InvalidTransition(_("评审尚未完成。"))
    return [
        (s.item.subject_type, int(s.item.subject_id))
        for s in DecisionSelection.objects.filter(decision__process=process)
        .select_related("item")
        .order_by("position")
    ]


@transaction.atomic
def objection_file(
    *, actor: Any, process: ReviewProcess, text: str, item: ReviewItem | None = None
) -> Objection:
    """Anyone logged in may object during the notice period."""
    if actor is None or not actor.is_authenticated:
        raise NotAuthenticated()
    process = lock_process(process)
    if process.status != ProcessStatus.NOTICE or (
        process.notice_ends_at is not None and timezone.now() >= process.notice_ends_at
    ):
        raise InvalidTransition(_("只能在公示期内提出异议。"))
    if item is not None and item.process_id != process.pk:
        raise ValidationFailed(fields={"item": [_("该对象不属于本次评审。")]})
    text = required_text(text, "text", _("请写明异议内容。"))
    objection = Objection(process=process, item=item, text=text, filed_by=actor)
    full_clean(objection, exclude=["process", "item", "filed_by", "handled_by"])
    objection.save()
    event_record(
        process=process,
        type=EventType.OBJECTION_FILED,
        actor=actor,
        objection=objection.pk,
        item=item.pk if item else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=objection,
        organization=process.organiser,
        after=snapshot(objection),
    )
    notify_objection(objection.pk, handled=False)
    return objection


@transaction.atomic
def objection_handle(*, actor: Any, objection: Objection, upheld: bool, answer: str) -> Objection:
    """The organiser answers an objection (upheld or rejected), once, in writing. An upheld
    objection does not change the decision by itself: the organiser acts on it (e.g.
    cancels and re-runs the review); the answer says what was done."""
    process = lock_process(objection.process)
    require_organiser(actor, process)
    require_status(process, {ProcessStatus.NOTICE}, _("只能在公示阶段处理异议。"))
    objection = locked(Objection, pk=objection.pk)
    if objection.status != ObjectionStatus.OPEN:
        raise InvalidTransition(_("该异议已处理。"))
    answer = required_text(answer, "answer", _("请写明处理意见。"))
    before = snapshot(objection)
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED
    objection.answer = answer
    objection.handled_by = actor
    objection.handled_at = timezone.now()
    full_clean(objection, exclude=["process", "item", "filed_by", "handled_by"])
    objection.save(update_fields=["status", "answer", "handled_by", "handled_at"])
    event_record(
        process=process,
        type=EventType.OBJECTION_HANDLED,
        actor=actor,
        objection=objection.pk,
        status=objection.status,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=objection,
        organization=process.organiser,
        before=before,
        after=snapshot(objection),
    )
    notify_objection(objection.pk, handled=True)
    return objection
