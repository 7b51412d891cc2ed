"""The project after the award: milestones, reports, tranches, changes, termination.

Money: every amount is a ``Decimal`` in 万元 with two places. A tranche is released only
for a milestone reviewed as passed, once, and the sum released never exceeds the award's
``funding_cap`` (checked with the project row locked, so two releases cannot race).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.challenges.choices import (
    CHANGE_TRANSITIONS,
    MILESTONE_TRANSITIONS,
    PROJECT_TRANSITIONS,
    ChangeStatus,
    EventType,
    FilingKind,
    MilestoneStatus,
    ProjectStatus,
)
from kechuang.challenges.models import (
    ChangeRequest,
    Milestone,
    ProgressReport,
    Project,
    TranchePayment,
)
from kechuang.challenges.services.applications import is_applicant_side
from kechuang.challenges.services.steps import created, event_record, filing_record, move
from kechuang.common.errors import Conflict, InvalidTransition, PermissionDenied
from kechuang.common.locks import locked
from kechuang.common.validation import Errors, clean_text, full_clean, refuse, to_date, to_decimal
from kechuang.orgs.access import viewer_for

CENT = Decimal("0.01")


def lock_project(project: Project) -> Project:
    return locked(
        Project.objects.select_related(
            "award__application__organization",
            "award__application__call__organiser__parent",
            "award__call_problem",
        ),
        pk=project.pk,
    )


def organiser_side(actor: Any, project: Project) -> None:
    if not viewer_for(actor).manages(project.award.application.call.organiser):
        raise PermissionDenied(_("只有组织单位的管理员或工作人员可以执行此操作。"))


def _applicant_side(actor: Any, project: Project) -> None:
    if not is_applicant_side(actor, project.award.application):
        raise PermissionDenied(_("只有揭榜方可以执行此操作。"))


def _applicant_filing(actor: Any, project: Project, milestone: Milestone | None) -> Project:
    """The locked project, for something its winner files (a report, a change request)."""
    project = lock_project(project)
    _applicant_side(actor, project)
    require_active(project)
    if milestone is not None and milestone.project_id != project.pk:
        raise refuse("milestone", _("里程碑不属于该项目。"))
    return project


def _applicant_filed(obj: Any, *, actor: Any, project: Project, type: EventType) -> None:
    application = project.award.application
    created(
        obj, actor=actor, call=application.call, type=type, organization=application.organization
    )


def require_active(project: Project) -> None:
    if project.status != ProjectStatus.ACTIVE:
        raise InvalidTransition(_("项目不在实施中。"))


def planned_total(project: Project) -> Decimal:
    total = project.milestones.aggregate(s=Sum("tranche_amount"))["s"] or Decimal(0)
    return total.quantize(CENT)  # SQLite sums lose the scale


def released_total(project: Project) -> Decimal:
    total = TranchePayment.objects.filter(milestone__project=project).aggregate(s=Sum("amount"))
    return (total["s"] or Decimal(0)).quantize(CENT)


@transaction.atomic
def milestone_add(
    *,
    actor: Any,
    project: Project,
    title: str,
    deliverables: str,
    due_on: Any,
    tranche_amount: Any = "0",
) -> Milestone:
    """A milestone and its tranche; all tranches together stay within the funding cap."""
    project = lock_project(project)
    organiser_side(actor, project)
    require_active(project)
    errors = Errors()
    item = Milestone(
        project=project,
        title=clean_text(title),
        deliverables=(deliverables or "").strip(),
        due_on=to_date(errors, "due_on", due_on),
        tranche_amount=to_decimal(errors, "tranche_amount", tranche_amount),
    )
    cap = project.award.funding_cap
    if item.tranche_amount is not None and planned_total(project) + item.tranche_amount > cap:
        errors.add(
            "tranche_amount",
            _("各里程碑拨付金额合计不能超过财政资金上限 %(cap)s 万元。") % {"cap": cap},
        )
    full_clean(item, exclude=["project"], errors=errors)
    errors.raise_if_any(code="over_cap" if "tranche_amount" in errors else None)
    item.save()
    call = project.award.application.call
    created(
        item,
        actor=actor,
        call=call,
        type=EventType.MILESTONE_ADDED,
        organization=call.organiser,
        tranche_amount=str(item.tranche_amount),
    )
    return item


@transaction.atomic
def milestone_review(*, actor: Any, milestone: Milestone, verdict: str, reason: str) -> Milestone:
    """Record a one-person milestone check (``pass`` or ``fail``) with its reason.

    Refused while the milestone has an expert review (``services/milestone_review.py``),
    whose outcome decides instead.
    """
    project = lock_project(milestone.project)
    organiser_side(actor, project)
    require_active(project)
    milestone = locked(Milestone, pk=milestone.pk)
    if milestone.review_process_id is not None:
        raise InvalidTransition(
            _("该里程碑由专家评审决定，不能直接记录结论。"), code="expert_review"
        )
    return milestone_verdict(
        actor=actor, project=project, milestone=milestone, verdict=verdict, reason=reason
    )


def milestone_verdict(
    *,
    actor: Any,
    project: Project,
    milestone: Milestone,
    verdict: str,
    reason: str,
    **params: Any,
) -> Milestone:
    """Move ``milestone`` (locked with ``project``) by ``verdict`` and file it upward."""
    reason = (reason or "").strip()
    if not reason:
        raise refuse("reason", _("请填写评审意见。"))
    milestone.verdict_reason = reason[:1000]
    milestone.reviewed_by = actor
    milestone.reviewed_at = timezone.now()
    call = project.award.application.call
    move(
        milestone,
        table=MILESTONE_TRANSITIONS,
        action=verdict,
        actor=actor,
        call=call,
        organization=call.organiser,
        fields=["verdict_reason", "reviewed_by", "reviewed_at"],
        reason=reason,
        **params,
    )
    filing_record(
        call=call,
        kind=FilingKind.MILESTONE,
        summary=_("%(p)s：里程碑“%(m)s”%(v)s")
        % {"p": project.title, "m": milestone.title, "v": milestone.get_status_display()},
        project=project.pk,
        milestone=milestone.pk,
        status=milestone.status,
    )
    return milestone


@transaction.atomic
def tranche_release(*, actor: Any, milestone: Milestone, amount: Any = None) -> TranchePayment:
    """Pay the tranche of a passed milestone (its planned amount unless ``amount``)."""
    project = lock_project(milestone.project)
    organiser_side(actor, project)
    milestone = locked(Milestone, pk=milestone.pk)
    if milestone.status != MilestoneStatus.PASSED:
        raise InvalidTransition(
            _("里程碑“%(m)s”尚未评审通过，不能拨付资金。") % {"m": milestone.title},
            code="milestone_not_passed",
        )
    if project.status == ProjectStatus.TERMINATED:
        raise InvalidTransition(_("项目已终止，不能拨付资金。"))
    if TranchePayment.objects.filter(milestone=milestone).exists():
        raise Conflict(_("该里程碑的资金已拨付。"), code="already_released")
    errors = Errors()
    value = to_decimal(errors, "amount", milestone.tranche_amount if amount is None else amount)
    errors.raise_if_any()
    assert value is not None
    if value <= 0:
        raise refuse("amount", _("拨付金额须大于 0。"))
    cap = project.award.funding_cap
    released = released_total(project)
    if released + value > cap:
        raise refuse(
            "amount",
            _("累计拨付 %(total)s 万元将超过财政资金上限 %(cap)s 万元。")
            % {"total": released + value, "cap": cap},
            code="over_cap",
        )
    payment = TranchePayment.objects.create(milestone=milestone, amount=value, released_by=actor)
    call = project.award.application.call
    event_record(
        call=call,
        type=EventType.TRANCHE_RELEASED,
        obj=milestone,
        actor=actor,
        amount=str(value),
        released_total=str(released + value),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=payment,
        organization=call.organiser,
        after=snapshot(payment),
    )
    return payment


@transaction.atomic
def report_file(
    *, actor: Any, project: Project, text: str, milestone: Milestone | None = None
) -> ProgressReport:
    project = _applicant_filing(actor, project, milestone)
    errors = Errors()
    report = ProgressReport(
        project=project, milestone=milestone, text=(text or "").strip(), author=actor
    )
    full_clean(report, exclude=["project", "milestone", "author"], errors=errors)
    errors.raise_if_any()
    report.save()
    _applicant_filed(report, actor=actor, project=project, type=EventType.REPORT_FILED)
    return report


@transaction.atomic
def change_request(
    *,
    actor: Any,
    project: Project,
    description: str,
    milestone: Milestone | None = None,
    new_due_on: Any = None,
) -> ChangeRequest:
    project = _applicant_filing(actor, project, milestone)
    errors = Errors()
    item = ChangeRequest(
        project=project,
        milestone=milestone,
        description=clean_text(description),
        new_due_on=to_date(errors, "new_due_on", new_due_on) if new_due_on else None,
        requested_by=actor,
    )
    full_clean(item, exclude=["project", "milestone", "requested_by", "decided_by"], errors=errors)
    errors.raise_if_any()
    item.save()
    _applicant_filed(item, actor=actor, project=project, type=EventType.CHANGE_REQUESTED)
    return item


@transaction.atomic
def change_decide(
    *, actor: Any, change: ChangeRequest, action: str, reason: str = ""
) -> ChangeRequest:
    """Approve or reject; an approved new due date moves the milestone (audited)."""
    project = lock_project(change.project)
    organiser_side(actor, project)
    change = locked(ChangeRequest.objects.select_related("milestone"), pk=change.pk)
    reason = (reason or "").strip()
    if action == "reject" and not reason:
        raise refuse("reason", _("驳回须写明理由。"))
    change.decided_by, change.decided_at = actor, timezone.now()
    change.decision_reason = reason[:500]
    call = project.award.application.call
    move(
        change,
        table=CHANGE_TRANSITIONS,
        action=action,
        actor=actor,
        call=call,
        organization=call.organiser,
        fields=["decided_by", "decided_at", "decision_reason"],
        reason=reason,
    )
    if change.status == ChangeStatus.APPROVED and change.new_due_on and change.milestone:
        milestone = locked(Milestone, pk=change.milestone.pk)
        before = snapshot(milestone)
        milestone.due_on = change.new_due_on
        milestone.save(update_fields=["due_on"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=milestone,
            organization=call.organiser,
            before=before,
            after=snapshot(milestone),
            note=f"change #{change.pk}",
        )
    return change


@transaction.atomic
def project_transition(*, actor: Any, project: Project, action: str, reason: str = "") -> Project:
    """Ask for acceptance (the winner) or terminate (the organiser, with a reason).

    ``accept`` and ``fail`` happen only through ``acceptance_record``.
    """
    project = lock_project(project)
    reason = (reason or "").strip()
    if action == "request_acceptance":
        _applicant_side(actor, project)
    elif action == "terminate":
        organiser_side(actor, project)
        if not reason:
            raise refuse("reason", _("请填写终止原因。"))
        project.termination_reason = reason[:500]
    else:
        raise InvalidTransition(_("验收结论请通过验收记录给出。"))
    call = project.award.application.call
    move(
        project,
        table=PROJECT_TRANSITIONS,
        action=action,
        actor=actor,
        call=call,
        organization=call.organiser,
        fields=["termination_reason"] if action == "terminate" else [],
        reason=reason,
    )
    return project
