"""Creating a review process, adding items, and the one path through its lifecycle."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.catalog.models import ExpertProfile
from kechuang.common.errors import (
    Conflict as ConflictError,
)
from kechuang.common.errors import (
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from kechuang.common.locks import locked
from kechuang.common.validation import full_clean
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization
from kechuang.review.access import roles_for
from kechuang.review.choices import (
    SETUP_STATUSES,
    TRANSITIONS,
    EventType,
    PartyRole,
    ProcessAction,
    ProcessStatus,
    Purpose,
)
from kechuang.review.events import event_record
from kechuang.review.models import Criterion, ItemParty, Panel, ReviewItem, ReviewProcess, Rubric
from kechuang.review.rules import ReviewRules
from kechuang.review.services import checks
from kechuang.review.services.common import (
    lock_process,
    require_runner,
    require_status,
    required_text,
    scoring_deadline,
)
from kechuang.review.services.evaluator import evaluator_invite
from kechuang.review.services.notify import notify_transition


@dataclass(frozen=True)
class PartyIn:
    """Who stands behind an item; any of organisation, user and expert may be known."""

    name: str
    role: str = PartyRole.LEAD
    organization: Organization | None = None
    user: Any = None
    expert: ExpertProfile | None = None


@dataclass(frozen=True)
class CriterionIn:
    """One criterion of a rubric: scored in [min_value, max_value], weighted by weight."""

    name: str
    weight: Decimal
    max_value: Decimal
    min_value: Decimal = Decimal(0)
    description: str = ""


# The default rubric of a challenge application (issue 4 §6): technical value weighted
# highest, then strategic value, social value, IP and talent outcomes, feasibility. Each
# criterion is scored out of its weight, so the plain sum of the values is the total
# out of 100 (the form reviewers know from Chinese project reviews).
DEFAULT_RUBRIC: tuple[CriterionIn, ...] = (
    CriterionIn(
        "技术价值", Decimal(40), Decimal(40), description="技术指标的先进性、创新性与可达性"
    ),
    CriterionIn("战略价值", Decimal(20), Decimal(20), description="对产业链、关键核心技术的意义"),
    CriterionIn("社会价值", Decimal(15), Decimal(15), description="对民生、环境与区域发展的贡献"),
    CriterionIn(
        "知识产权与人才产出", Decimal(15), Decimal(15), description="预期专利、标准与人才培养"
    ),
    CriterionIn("实施可行性", Decimal(10), Decimal(10), description="技术路线、团队、预算与进度"),
)


def _rules(rules: ReviewRules | Mapping[str, Any] | None) -> ReviewRules:
    if rules is None:
        return ReviewRules()
    if isinstance(rules, ReviewRules):
        return rules
    known = {f.name for f in fields(ReviewRules)}
    unknown = set(rules) - known
    if unknown:
        raise ValidationFailed(fields={n: [_("未知的评审规则。")] for n in sorted(unknown)})
    data = dict(rules)
    if "frontline_share" in data:
        try:
            data["frontline_share"] = Fraction(str(data["frontline_share"]))
        except (ValueError, ZeroDivisionError):
            raise ValidationFailed(
                fields={"frontline_share": [_("请输入如 1/3 的比例。")]}
            ) from None
    return ReviewRules(**{**asdict(ReviewRules()), **data})


@transaction.atomic
def process_create(
    *,
    actor: Any,
    organiser: Organization,
    title: str,
    purpose: str,
    rounds: int = 2,
    rules: ReviewRules | Mapping[str, Any] | None = None,
    rubric: Sequence[CriterionIn] | None = None,
    evaluator: Organization | None = None,
) -> ReviewProcess:
    """A new process in ``setup``, with its rules and rubric (the default one if none).

    A named ``evaluator`` is invited (``services.evaluator``); it runs the process only
    once its own admins or staff accept."""
    if not viewer_for(actor).manages(organiser):
        raise PermissionDenied(_("只有组织单位的管理人员可以创建评审。"))
    r = _rules(rules)
    share = Fraction(r.frontline_share)
    process = ReviewProcess(
        organiser=organiser,
        title=(title or "").strip(),
        purpose=purpose,
        rounds=rounds,
        panel_size=r.panel_size,
        frontline_numerator=share.numerator,
        frontline_denominator=share.denominator,
        exclude_government=r.exclude_government,
        max_load=r.max_load,
        conflict_years=r.conflict_years,
        conflict_subtree=r.conflict_subtree,
        created_by=actor,
    )
    if purpose not in Purpose.values:
        raise ValidationFailed(fields={"purpose": [_("未知的评审用途。")]})
    full_clean(process, exclude=["created_by"])
    if not 0 <= share <= 1:
        raise ValidationFailed(fields={"frontline_share": [_("一线人员比例须在 0 到 1 之间。")]})
    criteria = list(rubric) if rubric is not None else list(DEFAULT_RUBRIC)
    if not criteria:
        raise ValidationFailed(fields={"rubric": [_("评分标准至少要有一个评分项。")]})
    process.save()
    sheet = Rubric.objects.create(process=process, name=_("%(title)s评分标准") % {"title": title})
    seen: set[str] = set()
    for position, spec in enumerate(criteria, start=1):
        row = Criterion(
            rubric=sheet,
            position=position,
            name=spec.name.strip(),
            description=spec.description,
            weight=Decimal(str(spec.weight)),
            min_value=Decimal(str(spec.min_value)),
            max_value=Decimal(str(spec.max_value)),
        )
        if row.name in seen:
            raise ValidationFailed(
                fields={"rubric": [_("评分项名称重复：%(n)s。") % {"n": row.name}]}
            )
        seen.add(row.name)
        full_clean(row, exclude=["rubric"])
        row.save()
    event_record(process=process, type=EventType.CREATED, actor=actor, title=process.title)
    if evaluator is not None:
        evaluator_invite(actor=actor, process=process, evaluator=evaluator)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=process,
        organization=organiser,
        after=snapshot(process),
    )
    return process


@transaction.atomic
def item_add(
    *,
    actor: Any,
    process: ReviewProcess,
    subject_type: str,
    subject_id: int,
    title: str,
    text: str,
    parties: Sequence[PartyIn],
    panel: Panel | None = None,
) -> ReviewItem:
    """Put an item under review (before the first round opens), with its parties."""
    process = lock_process(process)
    require_runner(actor, process)
    require_status(process, SETUP_STATUSES, _("第一轮评审开始后不能再加入评审对象。"))
    if panel is not None and panel.process_id != process.pk:
        raise ValidationFailed(fields={"panel": [_("评审组不属于本次评审。")]})
    if sum(1 for p in parties if p.role == PartyRole.LEAD) > 1:
        raise ValidationFailed(fields={"parties": [_("每个评审对象只能有一个牵头方。")]})
    item = ReviewItem(
        process=process,
        subject_type=subject_type,
        subject_id=subject_id,
        title=(title or "").strip()[:200],
        text=text or "",
        panel=panel,
    )
    full_clean(item, exclude=["process", "panel"])
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        raise ConflictError(_("该对象已在本次评审中。")) from None
    for spec in parties:
        if spec.role not in PartyRole.values:
            raise ValidationFailed(fields={"parties": [_("未知的申报方角色。")]})
        name = spec.name or (spec.organization.name if spec.organization else "")
        party = ItemParty(
            item=item,
            organization=spec.organization,
            user=spec.user,
            expert=spec.expert,
            name=name[:100],
            role=spec.role,
        )
        full_clean(party, exclude=["item", "organization", "user", "expert"])
        party.save()
    event_record(
        process=process,
        type=EventType.ITEM_ADDED,
        actor=actor,
        item=item.pk,
        subject=[subject_type, subject_id],
    )
    return item


# Items of an "other" review are written in the review itself: no other app hands them
# over, so each gets a subject of its own kind, numbered within the process.
DIRECT_SUBJECT = "review.direct"


@transaction.atomic
def item_create(
    *,
    actor: Any,
    process: ReviewProcess,
    title: str,
    text: str = "",
    parties: Sequence[PartyIn] = (),
    panel: Panel | None = None,
) -> ReviewItem:
    """Write an item into a review whose items no other app hands over (purpose "other"):
    the same checks as ``item_add``, the next number of ``DIRECT_SUBJECT`` as its subject.

    Challenge applications, milestones and acceptances are handed over by the challenge
    app (each item stands for its record there), so they are refused here.
    """
    process = lock_process(process)  # also serialises the numbering below
    require_runner(actor, process)
    if process.purpose != Purpose.OTHER:
        raise ValidationFailed(
            fields={
                "purpose": [
                    _("“%(purpose)s”的评审对象由对应业务交来，不能在评审中直接添加。")
                    % {"purpose": process.get_purpose_display()}
                ]
            }
        )
    if not (title or "").strip():
        raise ValidationFailed(fields={"title": [_("请填写评审对象的标题。")]})
    last = (
        process.items.filter(subject_type=DIRECT_SUBJECT)
        .order_by("-subject_id")
        .values_list("subject_id", flat=True)
        .first()
    )
    return item_add(
        actor=actor,
        process=process,
        subject_type=DIRECT_SUBJECT,
        subject_id=(last or 0) + 1,
        title=title,
        text=text,
        parties=parties,
        panel=panel,
    )


@transaction.atomic
def item_place(*, actor: Any, item: ReviewItem, panel: Panel) -> ReviewItem:
    """Place an item in a panel (before the first round opens); its old assignments end."""
    process = lock_process(item.process)
    require_runner(actor, process)
    require_status(process, SETUP_STATUSES, _("第一轮评审开始后不能再调整分组。"))
    if panel.process_id != process.pk:
        raise ValidationFailed(fields={"panel": [_("评审组不属于本次评审。")]})
    item = locked(ReviewItem, pk=item.pk)
    if item.panel_id == panel.pk:
        return item
    from kechuang.review.services.assign import end_assignments

    end_assignments(item.assignments.all(), reason=_("评审对象调整到其他评审组"), removed=False)
    item.panel = panel
    item.save(update_fields=["panel"])
    event_record(
        process=process, type=EventType.ITEM_PLACED, actor=actor, item=item.pk, panel=panel.pk
    )
    return item


def _check_action(actor: Any, process: ReviewProcess, action: str) -> str:
    if action not in TRANSITIONS:
        raise ValidationFailed(fields={"action": [_("未知的操作。")]})
    sources, target, who = TRANSITIONS[action]
    roles = roles_for(actor, process)
    allowed = roles.organiser if who == "organiser" else roles.runner
    if not allowed:
        raise PermissionDenied(
            _("只有组织单位的管理人员可以执行此操作。")
            if who == "organiser"
            else _("只有组织单位或第三方评价机构的管理人员可以执行此操作。")
        )
    if process.status not in sources:
        raise InvalidTransition(
            _("评审处于“%(status)s”状态，不能“%(action)s”。")
            % {
                "status": ProcessStatus(process.status).label,
                "action": ProcessAction(action).label,
            }
        )
    return target


ROUND_OF_ACTION = {ProcessAction.OPEN_ROUND_1: 1, ProcessAction.OPEN_ROUND_2: 2}


@transaction.atomic
def process_transition(
    *, actor: Any, process: ReviewProcess, action: str, **params: Any
) -> ReviewProcess:
    """Move the process along ``TRANSITIONS`` after checking the action's preconditions
    (``services.checks``); write the event and the audit entry; notify after commit.

    Parameters: ``open_round_1`` and ``open_round_2`` take an optional ``deadline`` for
    the round's scores (a future time; naive times are read in the current time zone);
    ``open_round_2`` takes ``advancing_item_ids`` (default: every item); ``open_notice``
    takes ``days`` (1–30, default 7); ``cancel`` takes ``reason``.
    """
    process = lock_process(process)
    target = _check_action(actor, process, action)
    before = snapshot(process)
    update = ["status", "updated_at"]
    recorded: dict[str, Any] = {}
    known = {
        ProcessAction.OPEN_ROUND_1: {"deadline"},
        ProcessAction.OPEN_ROUND_2: {"advancing_item_ids", "deadline"},
        ProcessAction.OPEN_NOTICE: {"days"},
        ProcessAction.CANCEL: {"reason"},
    }.get(ProcessAction(action), set())
    unknown = set(params) - known
    if unknown:
        raise ValidationFailed(fields={n: [_("此操作不接受该参数。")] for n in sorted(unknown)})
    if action in ROUND_OF_ACTION and params.get("deadline") is not None:
        field = f"round_{ROUND_OF_ACTION[ProcessAction(action)]}_deadline"
        deadline = scoring_deadline(params["deadline"])
        setattr(process, field, deadline)
        update.append(field)
        recorded["deadline"] = deadline.isoformat()
    if action == ProcessAction.START_ASSIGNMENT:
        checks.ready_for_assignment(process)
    elif action == ProcessAction.OPEN_ROUND_1:
        checks.ready_for_round_1(process)
    elif action == ProcessAction.OPEN_ROUND_2:
        if process.rounds != 2:
            raise InvalidTransition(_("本次评审只有一轮。"))
        checks.round_complete(process, 1)
        recorded["eliminated"] = checks.advance(process, params.get("advancing_item_ids"))
    elif action == ProcessAction.CLOSE_ROUNDS:
        current = 1 if process.status == ProcessStatus.ROUND_1 else 2
        if current != process.rounds:
            raise InvalidTransition(_("两轮评审须先进行第二轮（会评）。"))
        checks.round_complete(process, current)
    elif action == ProcessAction.OPEN_NOTICE:
        if not hasattr(process, "decision"):
            raise InvalidTransition(_("请先记录评审决定，再开始公示。"))
        days = params.get("days", 7)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 30:
            raise ValidationFailed(fields={"days": [_("公示期须为 1–30 天。")]})
        process.notice_starts_at = timezone.now()
        process.notice_ends_at = process.notice_starts_at + datetime.timedelta(days=days)
        update += ["notice_starts_at", "notice_ends_at"]
        recorded["days"] = days
    elif action == ProcessAction.FINALISE:
        checks.notice_over(process)
    elif action == ProcessAction.CANCEL:
        recorded["reason"] = required_text(
            params.get("reason", ""), "reason", _("请填写取消评审的理由。")
        )
    process.status = target
    full_clean(process, exclude=["created_by"])
    try:
        process.save(update_fields=update)
    except IntegrityError:
        raise ConflictError() from None
    event_record(
        process=process,
        type=EventType.TRANSITION,
        actor=actor,
        action=action,
        source=before["status"],
        target=target,
        **recorded,
    )
    audit_record(
        actor=actor,
        action=AuditAction.STATUS,
        obj=process,
        organization=process.organiser,
        before=before,
        after=snapshot(process),
        note=str(recorded.get("reason", "")),
    )
    notify_transition(process.pk, action)
    return process
