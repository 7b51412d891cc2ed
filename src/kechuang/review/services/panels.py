"""Panels, invitations and answers."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.catalog.models import ExpertProfile
from kechuang.common.errors import Conflict as ConflictError
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.common.locks import locked
from kechuang.common.validation import full_clean
from kechuang.review.choices import (
    SEATED,
    SETUP_STATUSES,
    EventType,
    InvitationStatus,
    MemberRole,
)
from kechuang.review.events import event_record
from kechuang.review.models import Panel, PanelMember, ReviewProcess
from kechuang.review.services.assign import end_assignments
from kechuang.review.services.common import lock_process, require_runner, require_status
from kechuang.review.services.notify import notify_invitation, notify_invitation_answer


@transaction.atomic
def panel_create(*, actor: Any, process: ReviewProcess, name: str) -> Panel:
    process = lock_process(process)
    require_runner(actor, process)
    require_status(process, SETUP_STATUSES, _("第一轮评审开始后不能再新建评审组。"))
    panel = Panel(process=process, name=(name or "").strip())
    full_clean(panel, exclude=["process"])
    try:
        with transaction.atomic():
            panel.save()
    except IntegrityError:
        raise ConflictError(_("本次评审已有同名评审组。")) from None
    event_record(
        process=process, type=EventType.PANEL_CREATED, actor=actor, panel=panel.pk, name=panel.name
    )
    return panel


@transaction.atomic
def member_invite(
    *, actor: Any, panel: Panel, expert: ExpertProfile, role: str = MemberRole.REVIEWER
) -> PanelMember:
    """Invite an expert to a panel. Refused: government staff (when the rules exclude
    them), an expert already on a panel of this process, a second chair."""
    process = lock_process(panel.process)
    require_runner(actor, process)
    require_status(process, SETUP_STATUSES, _("第一轮评审开始后不能再邀请专家。"))
    if role not in MemberRole.values:
        raise ValidationFailed(fields={"role": [_("未知的角色。")]})
    if process.exclude_government and expert.is_government_staff:
        raise ValidationFailed(
            fields={
                "expert": [_("%(n)s是党政机关工作人员，不能担任评审专家。") % {"n": expert.name}]
            },
            code="government_staff",
        )
    if expert.user_id is None:
        raise ValidationFailed(
            fields={"expert": [_("%(n)s没有平台账号，无法接受邀请和评分。") % {"n": expert.name}]}
        )
    existing = PanelMember.objects.filter(panel__process=process, expert=expert).first()
    if existing is not None and existing.status in SEATED:
        raise ConflictError(_("%(n)s已在本次评审的评审组中。") % {"n": expert.name})
    if (
        role == MemberRole.CHAIR
        and panel.members.filter(role=MemberRole.CHAIR, status__in=SEATED).exists()
    ):
        raise ConflictError(_("每个评审组只能有一位组长。"))
    if existing is not None:
        # invited again after declining or being withdrawn: the same row, asked again
        existing.panel, existing.role, existing.status = panel, role, InvitationStatus.INVITED
        existing.responded_at, existing.decline_reason = None, ""
        existing.save(update_fields=["panel", "role", "status", "responded_at", "decline_reason"])
        member = existing
    else:
        member = PanelMember.objects.create(panel=panel, expert=expert, role=role)
    event_record(
        process=process,
        type=EventType.MEMBER_INVITED,
        actor=actor,
        panel=panel.pk,
        member=member.pk,
        expert=expert.pk,
        role=role,
    )
    notify_invitation(member.pk)
    return member


@transaction.atomic
def invitation_respond(
    *, actor: Any, member: PanelMember, accept: bool, reason: str = ""
) -> PanelMember:
    """The invited expert accepts or declines (declining is possible until the first round
    opens, also after accepting). A decline ends the member's assignments, so that
    ``assignment_solve`` replaces them with the accepted pairs fixed."""
    process = lock_process(member.panel.process)
    member = PanelMember.objects.select_for_update().select_related("expert").get(pk=member.pk)
    if actor is None or not actor.is_authenticated or member.expert.user_id != actor.pk:
        raise PermissionDenied(_("只有受邀专家本人可以答复邀请。"))
    if process.status not in SETUP_STATUSES:
        raise InvalidTransition(_("评审已开始，不能再答复邀请。"))
    if member.status not in SEATED or (accept and member.status == InvitationStatus.ACCEPTED):
        raise InvalidTransition(_("该邀请已答复或已撤回。"))
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationFailed(fields={"reason": [_("请填写谢绝的理由。")]})
    member.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    member.responded_at = timezone.now()
    member.decline_reason = "" if accept else reason[:500]
    member.save(update_fields=["status", "responded_at", "decline_reason"])
    if not accept:
        end_assignments(member.assignments.all(), reason=_("专家谢绝邀请"), removed=True)
    event_record(
        process=process,
        type=EventType.INVITATION_ANSWERED,
        actor=actor,
        member=member.pk,
        accepted=accept,
        reason=member.decline_reason,
    )
    notify_invitation_answer(member.pk)
    return member


@transaction.atomic
def member_withdraw(*, actor: Any, member: PanelMember, reason: str) -> PanelMember:
    """The organiser withdraws an invitation (before round 1); assignments end."""
    process = lock_process(member.panel.process)
    require_runner(actor, process)
    require_status(process, SETUP_STATUSES, _("第一轮评审开始后不能再撤回邀请。"))
    member = locked(PanelMember, pk=member.pk)
    if member.status not in SEATED:
        raise InvalidTransition(_("该邀请已谢绝或已撤回。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("请填写撤回的理由。")]})
    member.status = InvitationStatus.WITHDRAWN
    member.responded_at = timezone.now()
    member.save(update_fields=["status", "responded_at"])
    end_assignments(member.assignments.all(), reason=_("组织方撤回邀请"), removed=True)
    event_record(
        process=process,
        type=EventType.MEMBER_WITHDRAWN,
        actor=actor,
        member=member.pk,
        reason=reason[:500],
    )
    return member
