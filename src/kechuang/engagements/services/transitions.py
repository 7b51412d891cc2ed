"""The one path by which an engagement changes stage: ``engagement_transition``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import snapshot
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.engagements.access import Roles, roles_in
from kechuang.engagements.choices import (
    DeclineReason,
    EventType,
    Side,
    Stage,
    Who,
    allowed,
)
from kechuang.engagements.models import Contract, Engagement, Outcome, PairSignal
from kechuang.engagements.services.common import acting_side, audit, locked, notify_others, record

# the stage's "first reached" time
STAGE_TIME: dict[str, str] = {
    Stage.INTRODUCED: "introduced_at",
    Stage.NEGOTIATING: "negotiating_at",
    Stage.INTENTION: "intention_at",
    Stage.SIGNED: "signed_at",
    Stage.IMPLEMENTING: "implementing_at",
    Stage.COMPLETED: "completed_at",
    Stage.DECLINED: "closed_at",
    Stage.WITHDRAWN: "closed_at",
}


def _other_side(side: str) -> str:
    return Side.COUNTERPARTY if side == Side.SUBJECT else Side.SUBJECT


def _may(who: frozenset[str], roles: Roles, engagement: Engagement, actor: Any) -> str:
    """The side the actor makes this move for, or ``""`` when nobody in ``who`` is them."""
    if actor is None:
        return Side.BROKER if Who.SYSTEM in who else ""
    if Who.OTHER_SIDE in who:
        if engagement.started_side == Side.BROKER:
            # started on behalf of both: each side agrees for itself
            for side, agreed in (
                (Side.SUBJECT, engagement.subject_agreed_at),
                (Side.COUNTERPARTY, engagement.counterparty_agreed_at),
            ):
                if agreed is None and side in roles.sides:
                    return side
        else:
            other = _other_side(engagement.started_side)
            if other in roles.sides:
                return other
    if Who.PARTY in who and roles.party:
        return acting_side(roles)
    if Who.STARTER in who and engagement.started_side in roles.sides:
        return engagement.started_side
    if Who.BROKER in who and roles.broker:
        return acting_side(roles) if roles.party else Side.BROKER
    return ""


def moves_for(actor: Any, engagement: Engagement) -> list[str]:
    """The stages ``actor`` may move ``engagement`` to now (what pages offer as actions;
    the same rule ``engagement_transition`` enforces)."""
    roles = roles_in(actor, engagement)
    out = []
    for to in Stage.values:
        who = allowed(engagement.stage, to)
        if not who or (engagement.stage == Stage.STALLED and to != engagement.paused_stage):
            continue
        if _may(who, roles, engagement, actor):
            out.append(to)
    return out


def _check_reason(to: str, reason: str, text: str) -> None:
    if len(text) > 500:
        raise ValidationFailed(fields={"text": [_("说明不超过 500 字。")]})
    if to == Stage.DECLINED:
        if reason not in DeclineReason.values:
            raise ValidationFailed(fields={"reason": [_("请选择婉拒原因。")]})
        if reason == DeclineReason.OTHER and not text:
            raise ValidationFailed(fields={"text": [_("选择“其他”时请填写说明。")]})


@transaction.atomic
def engagement_transition(
    *, actor: Any, engagement: Engagement, to: str, reason: str = "", text: str = ""
) -> Engagement:
    """Move ``engagement`` to stage ``to`` along ``choices.TRANSITIONS``.

    ``reason`` is a decline's ``DeclineReason``; ``text`` a decline's or withdrawal's
    note, or the intention's written summary. Moving to ``introduced`` records the
    actor's side's agreement; the stage moves once both sides agreed. Signing needs the
    contract record (``engagement_sign``), completion the outcome (``engagement_complete``).
    """
    engagement = locked(engagement)
    frm = engagement.stage
    text = (text or "").strip()
    reason = (reason or "").strip()
    who = allowed(frm, to)
    if not who:
        raise InvalidTransition(
            _("“%(frm)s”阶段不能转为“%(to)s”。")
            % {
                "frm": Stage(frm).label,
                "to": Stage(to).label if to in Stage.values else to,
            }
        )
    if frm == Stage.STALLED and to != engagement.paused_stage:
        raise InvalidTransition(
            _("停滞的对接只能恢复到停滞前的阶段（%(stage)s）。")
            % {"stage": Stage(engagement.paused_stage).label}
        )
    roles = roles_in(actor, engagement) if actor is not None else Roles(False, False, False)
    side = _may(who, roles, engagement, actor)
    if not side:
        raise PermissionDenied(_("您不能执行这一步。"))
    _check_reason(to, reason, text)
    if to == Stage.SIGNED and not Contract.objects.filter(engagement=engagement).exists():
        raise ValidationFailed(fields={"contract": [_("签约须先登记技术合同。")]})
    if to == Stage.COMPLETED and not Outcome.objects.filter(engagement=engagement).exists():
        raise ValidationFailed(fields={"outcome": [_("落地须先登记成效。")]})
    before = snapshot(engagement)
    now = timezone.now()
    if to == Stage.INTRODUCED and not _agree(engagement, side, now):
        record(engagement=engagement, type=EventType.AGREED, actor=actor, side=side)
        audit(
            actor=actor,
            obj=engagement,
            engagement=engagement,
            before=before,
            after=snapshot(engagement),
            note="agreed",
        )
        notify_others(
            engagement=engagement,
            actor=actor,
            title=_("%(side)s已同意对接，等待另一方确认") % {"side": Side(side).label},
        )
        return engagement
    updated = ["stage", "stage_changed_at", "subject_agreed_at", "counterparty_agreed_at"]
    engagement.stage, engagement.stage_changed_at = to, now
    field = STAGE_TIME.get(to)
    if field and getattr(engagement, field) is None:
        setattr(engagement, field, now)
        updated.append(field)
    if to == Stage.STALLED:
        engagement.paused_stage = frm
        updated.append("paused_stage")
    elif frm == Stage.STALLED:
        engagement.paused_stage = ""
        updated.append("paused_stage")
    if to == Stage.INTENTION and text:
        engagement.intention_summary = text
        updated.append("intention_summary")
    if to == Stage.DECLINED:
        engagement.decline_reason, engagement.decline_text = reason, text
        engagement.declined_side = side
        updated += ["decline_reason", "decline_text", "declined_side"]
        _signal_decline(engagement, reason)
    engagement.save(update_fields=updated)
    record(
        engagement=engagement,
        type=EventType.TRANSITION,
        actor=actor,
        side=side,
        from_stage=frm,
        to_stage=to,
        reason=reason if to == Stage.DECLINED else "",
        reason_text=text if to in {Stage.DECLINED, Stage.WITHDRAWN} else "",
    )
    audit(
        actor=actor,
        obj=engagement,
        engagement=engagement,
        action=AuditAction.STATUS,
        before=before,
        after=snapshot(engagement),
        note=f"{frm}→{to}" + (f": {reason} {text}" if reason or text else ""),
    )
    title = _("对接“%(subject)s”：%(frm)s → %(to)s") % {
        "subject": str(engagement.subject)[:60],
        "frm": Stage(frm).label,
        "to": Stage(to).label,
    }
    body = ""
    if to == Stage.DECLINED:
        body = _("原因：%(reason)s %(text)s") % {
            "reason": DeclineReason(reason).label,
            "text": text,
        }
    notify_others(engagement=engagement, actor=actor, title=title, body=body)
    return engagement


def _agree(engagement: Engagement, side: str, now: Any) -> bool:
    """Record ``side``'s agreement (the starting side agreed by starting); whether both
    sides have now agreed."""
    if side == Side.SUBJECT:
        engagement.subject_agreed_at = engagement.subject_agreed_at or now
    elif side == Side.COUNTERPARTY:
        engagement.counterparty_agreed_at = engagement.counterparty_agreed_at or now
    if engagement.subject_agreed_at and engagement.counterparty_agreed_at:
        return True
    engagement.save(update_fields=["subject_agreed_at", "counterparty_agreed_at"])
    return False


def subject_doc_id(engagement: Engagement) -> str:
    return f"{engagement.subject_kind}:{engagement.need_id or engagement.achievement_id}"


def counterparty_doc_id(engagement: Engagement) -> str:
    pk = engagement.counterparty_expert_id or engagement.counterparty_org_id
    return f"{engagement.counterparty_kind}:{pk}"


def _signal_decline(engagement: Engagement, reason: str) -> None:
    """The pair is not recommended again, either way (``matching`` asks ``declined_pairs``)."""
    PairSignal.objects.get_or_create(
        source=subject_doc_id(engagement),
        target=counterparty_doc_id(engagement),
        engagement=engagement,
        defaults={"reason": reason},
    )


def declined_pairs(doc_id: str) -> set[str]:
    """The documents paired with ``doc_id`` in a declined engagement (either direction)."""
    pairs = set(PairSignal.objects.filter(source=doc_id).values_list("target", flat=True))
    pairs |= set(PairSignal.objects.filter(target=doc_id).values_list("source", flat=True))
    return pairs
