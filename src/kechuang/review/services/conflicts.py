"""Conflicts of interest: detection, declaration, adding and waiving; experts' history."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.catalog.access import can_edit_expert
from kechuang.catalog.models import ExpertProfile
from kechuang.common.errors import Conflict as ConflictError
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.common.locks import locked
from kechuang.common.validation import full_clean
from kechuang.review import conflicts as detection
from kechuang.review.choices import (
    SEATED,
    ConflictKind,
    ConflictSource,
    EventType,
    ProcessStatus,
)
from kechuang.review.events import event_record
from kechuang.review.models import (
    AffiliationHistory,
    CoauthorLink,
    Conflict,
    PanelMember,
    ReviewAssignment,
    ReviewItem,
    ReviewProcess,
)
from kechuang.review.services.assign import end_assignments
from kechuang.review.services.common import lock_process, require_runner, required_text

OPEN_STATUSES = frozenset(
    {ProcessStatus.SETUP, ProcessStatus.ASSIGNING, ProcessStatus.ROUND_1, ProcessStatus.ROUND_2}
)


def _require_open(process: ReviewProcess) -> None:
    if process.status not in OPEN_STATUSES:
        raise InvalidTransition(_("评审已结束，不能再变更利益冲突。"))


def _end_conflicted(item_id: int, expert_id: int, reason: str) -> int:
    return end_assignments(
        ReviewAssignment.objects.filter(item_id=item_id, member__expert_id=expert_id),
        reason=reason,
        removed=True,
    )


@transaction.atomic
def conflicts_detect(*, actor: Any, process: ReviewProcess) -> list[Conflict]:
    """Detect conflicts between every seated member and every item; record the new ones
    (a detected conflict is never deleted: one that no longer holds is waived with a
    reason) and end the assignments they hit. Returns the new rows."""
    process = lock_process(process)
    require_runner(actor, process)
    _require_open(process)
    experts = [
        m.expert
        for m in PanelMember.objects.filter(panel__process=process, status__in=SEATED)
        .select_related("expert__organization")
        .order_by("id")
    ]
    items = list(process.items.order_by("id"))
    found = detection.detect(
        experts, items, years=process.conflict_years, subtree=process.conflict_subtree
    )
    known = set(
        Conflict.objects.filter(process=process).values_list("item_id", "expert_id", "kind")
    )
    created = []
    for f in found:
        if (f.item_id, f.expert_id, f.kind) in known:
            continue
        created.append(
            Conflict.objects.create(
                process=process,
                item_id=f.item_id,
                expert_id=f.expert_id,
                kind=f.kind,
                source=ConflictSource.DETECTED,
                explanation=f.explanation[:500],
                created_by=actor,
            )
        )
        _end_conflicted(f.item_id, f.expert_id, _("利益冲突：%(e)s") % {"e": f.explanation})
    event_record(
        process=process,
        type=EventType.CONFLICTS_DETECTED,
        actor=actor,
        found=len(found),
        created=[c.pk for c in created],
    )
    return created


def _add(
    *, actor: Any, item: ReviewItem, expert: ExpertProfile, kind: str, source: str, reason: str
) -> Conflict:
    process = item.process
    try:
        with transaction.atomic():
            conflict = Conflict.objects.create(
                process=process,
                item=item,
                expert=expert,
                kind=kind,
                source=source,
                explanation=reason[:500],
                created_by=actor,
            )
    except IntegrityError:
        raise ConflictError(_("该利益冲突已记录。")) from None
    _end_conflicted(item.pk, expert.pk, _("利益冲突：%(e)s") % {"e": reason})
    event_record(
        process=process,
        type=EventType.CONFLICT_ADDED,
        actor=actor,
        conflict=conflict.pk,
        item=item.pk,
        expert=expert.pk,
        kind=kind,
        reason=reason[:500],
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=conflict,
        organization=process.organiser,
        after=snapshot(conflict),
    )
    return conflict


@transaction.atomic
def conflict_add(*, actor: Any, item: ReviewItem, expert: ExpertProfile, reason: str) -> Conflict:
    """The organiser records a conflict the data does not show, with the reason."""
    process = lock_process(item.process)
    require_runner(actor, process)
    _require_open(process)
    reason = required_text(reason, "reason", _("请写明利益冲突的理由。"))
    item.process = process
    return _add(
        actor=actor,
        item=item,
        expert=expert,
        kind=ConflictKind.ADDED,
        source=ConflictSource.ORGANISER,
        reason=reason,
    )


@transaction.atomic
def conflict_declare(*, actor: Any, item: ReviewItem, reason: str) -> Conflict:
    """A reviewer of the item's panel declares a conflict (回避); their assignment ends."""
    process = lock_process(item.process)
    _require_open(process)
    user_id = getattr(actor, "pk", None)
    member = None
    if item.panel_id is not None and user_id is not None:
        member = (
            PanelMember.objects.filter(
                panel_id=item.panel_id, expert__user_id=user_id, status__in=SEATED
            )
            .select_related("expert")
            .first()
        )
    if member is None:
        raise PermissionDenied(_("只有该评审组的专家可以申报回避。"))
    reason = required_text(reason, "reason", _("请写明回避的理由。"))
    item.process = process
    return _add(
        actor=actor,
        item=item,
        expert=member.expert,
        kind=ConflictKind.DECLARED,
        source=ConflictSource.DECLARED,
        reason=reason,
    )


@transaction.atomic
def conflict_waive(*, actor: Any, conflict: Conflict, reason: str) -> Conflict:
    """The organiser waives a conflict with a recorded reason (once; never undone silently:
    a new conflict can be added)."""
    process = lock_process(conflict.process)
    require_runner(actor, process)
    _require_open(process)
    conflict = locked(Conflict, pk=conflict.pk)
    if conflict.waived_at is not None:
        raise InvalidTransition(_("该利益冲突已豁免。"))
    reason = required_text(reason, "reason", _("请写明豁免的理由。"))
    before = snapshot(conflict)
    conflict.waived_at = timezone.now()
    conflict.waived_by = actor
    conflict.waive_reason = reason[:500]
    full_clean(conflict, exclude=["process", "item", "expert", "created_by", "waived_by"])
    conflict.save(update_fields=["waived_at", "waived_by", "waive_reason"])
    event_record(
        process=process,
        type=EventType.CONFLICT_WAIVED,
        actor=actor,
        conflict=conflict.pk,
        reason=conflict.waive_reason,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=conflict,
        organization=process.organiser,
        before=before,
        after=snapshot(conflict),
        note=conflict.waive_reason,
    )
    return conflict


def _require_expert_editor(actor: Any, expert: ExpertProfile) -> None:
    if not can_edit_expert(actor, expert):
        raise PermissionDenied()


@transaction.atomic
def affiliation_add(
    *,
    actor: Any,
    expert: ExpertProfile,
    organization_name: str,
    start_year: int,
    end_year: int | None = None,
    organization: Any = None,
) -> AffiliationHistory:
    """Record where an expert worked (the expert themselves or their profile's keepers)."""
    _require_expert_editor(actor, expert)
    name = organization_name or (organization.name if organization is not None else "")
    row = AffiliationHistory(
        expert=expert,
        organization=organization,
        organization_name=name.strip(),
        start_year=start_year,
        end_year=end_year,
    )
    full_clean(row, exclude=["expert", "organization"])
    row.save()
    return row


@transaction.atomic
def coauthor_add(
    *,
    actor: Any,
    expert: ExpertProfile,
    coauthor_name: str,
    kind: str,
    year: int,
    title: str = "",
    coauthor_expert: ExpertProfile | None = None,
    coauthor_user: Any = None,
) -> CoauthorLink:
    """Record a co-authorship, shared project or joint application of an expert."""
    _require_expert_editor(actor, expert)
    name = coauthor_name or (coauthor_expert.name if coauthor_expert is not None else "")
    row = CoauthorLink(
        expert=expert,
        coauthor_expert=coauthor_expert,
        coauthor_user=coauthor_user,
        coauthor_name=name.strip(),
        kind=kind,
        year=year,
        title=title,
    )
    full_clean(row, exclude=["expert", "coauthor_expert", "coauthor_user"])
    if not row.coauthor_name:
        raise ValidationFailed(fields={"coauthor_name": [_("请填写合作者姓名。")]})
    row.save()
    return row
