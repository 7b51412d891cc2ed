"""What the sides record along the way: the contract at signing, payments and
milestones during implementation, the outcome at completion, meetings, and the
confidentiality agreement."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import snapshot
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.common.validation import full_clean
from kechuang.engagements.access import roles_in
from kechuang.engagements.choices import ContractType, EventType, Stage
from kechuang.engagements.models import (
    ConfidentialityAcceptance,
    ConfidentialityAgreement,
    Contract,
    Engagement,
    Meeting,
    Milestone,
    Outcome,
    Payment,
)
from kechuang.engagements.services.common import acting_side, audit, locked, notify_others, record
from kechuang.engagements.services.transitions import engagement_transition

MAX_AMOUNT = Decimal("999999999999.99")


def parse_amount(value: Any, field: str, errors: dict[str, list[str]]) -> Any:
    """A non-negative amount with at most two decimals (a ``Decimal``), or None and an
    error under ``field``: typed ``Any`` like ``common.validation.to_decimal``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.setdefault(field, []).append(_("请填写金额。"))
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("金额须为数字。"))
        return None
    if not amount.is_finite():
        errors.setdefault(field, []).append(_("金额须为数字。"))
    elif amount < 0:
        errors.setdefault(field, []).append(_("金额不能为负数。"))
    elif amount.as_tuple().exponent < -2:  # type: ignore[operator]
        errors.setdefault(field, []).append(_("金额最多保留两位小数。"))
    elif amount > MAX_AMOUNT:
        errors.setdefault(field, []).append(_("金额过大。"))
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def parse_day(value: Any, field: str, errors: dict[str, list[str]], *, required: bool) -> Any:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("请填写日期。"))
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        day = parse_date(str(value))
    except ValueError:
        day = None
    if day is None:
        errors.setdefault(field, []).append(_("日期格式应为 YYYY-MM-DD。"))
    return day


def _require_party(actor: Any, engagement: Engagement) -> str:
    roles = roles_in(actor, engagement)
    if not roles.party:
        raise PermissionDenied(_("只有对接双方可以登记。"))
    return acting_side(roles)


def _save(obj: Any) -> None:
    full_clean(obj)
    obj.save()


@transaction.atomic
def engagement_sign(*, actor: Any, engagement: Engagement, **data: Any) -> Contract:
    """Record the technology contract and move the engagement to ``signed``."""
    engagement = locked(engagement)
    side = _require_party(actor, engagement)
    if engagement.stage != Stage.INTENTION:
        raise InvalidTransition(_("达成合作意向后才能登记合同签约。"))
    errors: dict[str, list[str]] = {}
    if data.get("contract_type") not in ContractType.values:
        errors["contract_type"] = [_("请选择合同类型。")]
    amount = parse_amount(data.get("amount"), "amount", errors)
    tech = data.get("technology_amount")
    technology_amount = (
        amount if tech in (None, "") else parse_amount(tech, "technology_amount", errors)
    )
    if amount is not None and technology_amount is not None and technology_amount > amount:
        errors.setdefault("technology_amount", []).append(_("技术交易额不能超过合同金额。"))
    signed_on = parse_day(data.get("signed_on"), "signed_on", errors, required=True)
    started = timezone.localdate(engagement.started_at)
    if signed_on is not None and signed_on < started:
        errors.setdefault("signed_on", []).append(
            _("签订日期不能早于对接发起日期（%(day)s）。") % {"day": started.isoformat()}
        )
    if signed_on is not None and signed_on > timezone.localdate():
        errors.setdefault("signed_on", []).append(_("签订日期不能晚于今天。"))
    term_start = parse_day(data.get("term_start"), "term_start", errors, required=False)
    term_end = parse_day(data.get("term_end"), "term_end", errors, required=False)
    registered = bool(data.get("registered"))
    number = str(data.get("registration_number") or "").strip()
    if registered and not number:
        errors["registration_number"] = [_("已认定登记的合同须填写登记编号。")]
    if errors:
        raise ValidationFailed(fields=errors)
    contract = Contract(
        engagement=engagement,
        contract_type=data["contract_type"],
        title=str(data.get("title") or "").strip(),
        amount=amount,
        technology_amount=technology_amount,
        party_a=str(data.get("party_a") or "").strip(),
        party_b=str(data.get("party_b") or "").strip(),
        signed_on=signed_on,
        term_start=term_start,
        term_end=term_end,
        registered=registered,
        registration_number=number,
        recorded_by=actor,
    )
    _save(contract)
    record(
        engagement=engagement,
        type=EventType.CONTRACT,
        actor=actor,
        side=side,
        params={"amount": str(amount), "technology_amount": str(technology_amount)},
    )
    audit(
        actor=actor,
        obj=contract,
        engagement=engagement,
        action=AuditAction.CREATE,
        after=snapshot(contract),
    )
    engagement_transition(actor=actor, engagement=engagement, to=Stage.SIGNED)
    return contract


@transaction.atomic
def payment_record(
    *, actor: Any, engagement: Engagement, amount: Any, received_on: Any, note: str = ""
) -> Payment:
    engagement = locked(engagement)
    side = _require_party(actor, engagement)
    if engagement.stage not in {Stage.SIGNED, Stage.IMPLEMENTING, Stage.COMPLETED}:
        raise InvalidTransition(_("签约后才能登记到款。"))
    errors: dict[str, list[str]] = {}
    value = parse_amount(amount, "amount", errors)
    day = parse_day(received_on, "received_on", errors, required=True)
    if day is not None and day > timezone.localdate():
        errors.setdefault("received_on", []).append(_("到款日期不能晚于今天。"))
    if errors:
        raise ValidationFailed(fields=errors)
    payment = Payment(
        contract=engagement.contract,
        amount=value,
        received_on=day,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    _save(payment)
    record(
        engagement=engagement,
        type=EventType.PAYMENT,
        actor=actor,
        side=side,
        params={"amount": str(value)},
    )
    audit(
        actor=actor,
        obj=payment,
        engagement=engagement,
        action=AuditAction.CREATE,
        after=snapshot(payment),
    )
    notify_others(
        engagement=engagement, actor=actor, title=_("登记到款 %(amount)s 万元") % {"amount": value}
    )
    return payment


@transaction.atomic
def milestone_add(
    *, actor: Any, engagement: Engagement, title: str, due_on: Any = None
) -> Milestone:
    engagement = locked(engagement)
    side = _require_party(actor, engagement)
    if engagement.stage not in {Stage.SIGNED, Stage.IMPLEMENTING}:
        raise InvalidTransition(_("签约后、落地前才能添加里程碑。"))
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("请填写里程碑名称。")]
    due = parse_day(due_on, "due_on", errors, required=False)
    if errors:
        raise ValidationFailed(fields=errors)
    milestone = Milestone(engagement=engagement, title=title, due_on=due, created_by=actor)
    _save(milestone)
    record(
        engagement=engagement,
        type=EventType.MILESTONE,
        actor=actor,
        side=side,
        params={"title": title},
    )
    audit(
        actor=actor,
        obj=milestone,
        engagement=engagement,
        action=AuditAction.CREATE,
        after=snapshot(milestone),
    )
    return milestone


@transaction.atomic
def milestone_complete(*, actor: Any, milestone: Milestone, done_on: Any = None) -> Milestone:
    engagement = locked(milestone.engagement)
    side = _require_party(actor, engagement)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.done_on is not None:
        raise InvalidTransition(_("该里程碑已完成。"))
    errors: dict[str, list[str]] = {}
    day = parse_day(done_on, "done_on", errors, required=False) or timezone.localdate()
    if day > timezone.localdate():
        errors["done_on"] = [_("完成日期不能晚于今天。")]
    if errors:
        raise ValidationFailed(fields=errors)
    before = snapshot(milestone)
    milestone.done_on = day
    milestone.save(update_fields=["done_on"])
    record(
        engagement=engagement,
        type=EventType.MILESTONE,
        actor=actor,
        side=side,
        params={"title": milestone.title, "done_on": day.isoformat()},
    )
    audit(
        actor=actor, obj=milestone, engagement=engagement, before=before, after=snapshot(milestone)
    )
    notify_others(
        engagement=engagement,
        actor=actor,
        title=_("里程碑完成：%(title)s") % {"title": milestone.title},
    )
    return milestone


def _count(value: Any, field: str, errors: dict[str, list[str]]) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(str(value).strip())
    except ValueError:
        number = -1
    if number < 0:
        errors[field] = [_("请填写非负整数。")]
    return max(number, 0)


@transaction.atomic
def engagement_complete(*, actor: Any, engagement: Engagement, **data: Any) -> Outcome:
    """Record the outcome and move the engagement to ``completed``."""
    engagement = locked(engagement)
    side = _require_party(actor, engagement)
    if engagement.stage != Stage.IMPLEMENTING:
        raise InvalidTransition(_("实施中的对接才能登记落地。"))
    errors: dict[str, list[str]] = {}
    revenue = data.get("revenue")
    outcome = Outcome(
        engagement=engagement,
        products=_count(data.get("products"), "products", errors),
        patents=_count(data.get("patents"), "patents", errors),
        jobs=_count(data.get("jobs"), "jobs", errors),
        revenue=Decimal("0") if revenue in (None, "") else parse_amount(revenue, "revenue", errors),
        summary=str(data.get("summary") or "").strip(),
        recorded_by=actor,
    )
    if errors:
        raise ValidationFailed(fields=errors)
    _save(outcome)
    record(engagement=engagement, type=EventType.OUTCOME, actor=actor, side=side)
    audit(
        actor=actor,
        obj=outcome,
        engagement=engagement,
        action=AuditAction.CREATE,
        after=snapshot(outcome),
    )
    engagement_transition(actor=actor, engagement=engagement, to=Stage.COMPLETED)
    return outcome


@transaction.atomic
def meeting_record(
    *,
    actor: Any,
    engagement: Engagement,
    held_on: Any,
    notes: str,
    place: str = "",
    attendees: str = "",
) -> Meeting:
    """A party, a liaison or association staff records a meeting."""
    engagement = locked(engagement)
    roles = roles_in(actor, engagement)
    if not (roles.party or roles.broker):
        raise PermissionDenied()
    errors: dict[str, list[str]] = {}
    day = parse_day(held_on, "held_on", errors, required=True)
    if not (notes or "").strip():
        errors["notes"] = [_("请填写会谈纪要。")]
    if errors:
        raise ValidationFailed(fields=errors)
    meeting = Meeting(
        engagement=engagement,
        held_on=day,
        notes=notes.strip(),
        place=(place or "").strip(),
        attendees=(attendees or "").strip(),
        recorded_by=actor,
    )
    _save(meeting)
    record(
        engagement=engagement,
        type=EventType.MEETING,
        actor=actor,
        side=acting_side(roles),
        params={"held_on": day.isoformat()},
    )
    audit(
        actor=actor,
        obj=meeting,
        engagement=engagement,
        action=AuditAction.CREATE,
        after=snapshot(meeting),
    )
    notify_others(
        engagement=engagement,
        actor=actor,
        title=_("新的会谈记录（%(day)s）") % {"day": day.isoformat()},
    )
    return meeting


@transaction.atomic
def agreement_require(*, actor: Any, engagement: Engagement, text: str) -> ConfidentialityAgreement:
    """The subject's side requires a confidentiality agreement before details are shown."""
    engagement = locked(engagement)
    if not roles_in(actor, engagement).subject:
        raise PermissionDenied(_("只有需求方/成果方可以要求签署保密协议。"))
    if engagement.stage not in {Stage.INTEREST, Stage.INTRODUCED, Stage.NEGOTIATING}:
        raise InvalidTransition(_("当前阶段不能再要求保密协议。"))
    if ConfidentialityAgreement.objects.filter(engagement=engagement).exists():
        raise InvalidTransition(_("已要求签署保密协议。"))
    text = (text or "").strip()
    if len(text) < 10:
        raise ValidationFailed(fields={"text": [_("请填写保密协议内容（至少 10 字）。")]})
    agreement = ConfidentialityAgreement(engagement=engagement, text=text, required_by=actor)
    _save(agreement)
    record(engagement=engagement, type=EventType.AGREEMENT_REQUIRED, actor=actor, side="subject")
    audit(
        actor=actor,
        obj=agreement,
        engagement=engagement,
        action=AuditAction.CREATE,
        after=snapshot(agreement),
    )
    notify_others(engagement=engagement, actor=actor, title=_("对方要求签署保密协议后查看详情"))
    return agreement


@transaction.atomic
def agreement_accept(*, actor: Any, engagement: Engagement) -> ConfidentialityAcceptance:
    engagement = locked(engagement)
    if not roles_in(actor, engagement).counterparty:
        raise PermissionDenied(_("只有对接方需要签署保密协议。"))
    agreement = ConfidentialityAgreement.objects.filter(engagement=engagement).first()
    if agreement is None:
        raise InvalidTransition(_("本对接未要求保密协议。"))
    if ConfidentialityAcceptance.objects.filter(agreement=agreement, user=actor).exists():
        raise InvalidTransition(_("您已签署保密协议。"))
    acceptance = ConfidentialityAcceptance.objects.create(agreement=agreement, user=actor)
    record(
        engagement=engagement, type=EventType.AGREEMENT_ACCEPTED, actor=actor, side="counterparty"
    )
    audit(
        actor=actor,
        obj=acceptance,
        engagement=engagement,
        action=AuditAction.CREATE,
        note="nda accepted",
    )
    notify_others(engagement=engagement, actor=actor, title=_("对方已签署保密协议"))
    return acceptance
