"""Submitting scores, and the chair's evented corrections."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.common.errors import Conflict as ConflictError
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.review.choices import (
    SCORING_STATUS,
    AssignmentStatus,
    EventType,
    InvitationStatus,
    MemberRole,
)
from kechuang.review.events import event_record
from kechuang.review.models import (
    Criterion,
    PanelMember,
    ReviewAssignment,
    ReviewProcess,
    Score,
    ScoreLine,
)
from kechuang.review.scores import weighted_total
from kechuang.review.services.common import lock_process, required_text

MAX_COMMENT = 3000


def _plain(value: Decimal) -> str:
    """40.00 → "40", 7.50 → "7.5" (never "4E+1")."""
    return format(value.normalize(), "f")


def _values(criteria: list[Criterion], values: Mapping[Any, Any]) -> dict[int, Decimal]:
    """Values keyed by criterion id or name → {criterion id: Decimal}, every rule checked."""
    by_key: dict[str, Criterion] = {}
    for c in criteria:
        by_key[str(c.pk)] = c
        by_key[c.name] = c
    out: dict[int, Decimal] = {}
    errors: dict[str, list[str]] = {}
    for key, raw in values.items():
        found = by_key.get(str(key))
        if found is None:
            errors.setdefault(str(key), []).append(_("不是本评分标准的评分项。"))
            continue
        c = found
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            errors.setdefault(c.name, []).append(_("请输入数字。"))
            continue
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            errors.setdefault(c.name, []).append(_("分值最多保留两位小数。"))
        elif not c.min_value <= value <= c.max_value:
            errors.setdefault(c.name, []).append(
                _("分值须在 %(a)s–%(b)s 之间。")
                % {"a": _plain(c.min_value), "b": _plain(c.max_value)}
            )
        else:
            out[c.pk] = value
    for c in criteria:
        if c.pk not in out and c.name not in errors and str(c.pk) not in errors:
            errors.setdefault(c.name, []).append(_("请为此项打分。"))
    if errors:
        raise ValidationFailed(fields=errors, code="score_invalid")
    return out


def _write(
    *,
    actor: Any,
    process: ReviewProcess,
    assignment: ReviewAssignment,
    round_no: int,
    revision: int,
    values: Mapping[Any, Any],
    comment_private: str,
    comment_shared: str,
    reason: str = "",
) -> Score:
    criteria = list(Criterion.objects.filter(rubric__process=process).order_by("position"))
    checked = _values(criteria, values)
    for name, text in (("comment_private", comment_private), ("comment_shared", comment_shared)):
        if len(text or "") > MAX_COMMENT:
            raise ValidationFailed(fields={name: [_("不超过 %(n)d 个字。") % {"n": MAX_COMMENT}]})
    try:
        with transaction.atomic():
            score = Score.objects.create(
                assignment=assignment,
                round=round_no,
                revision=revision,
                total=weighted_total(criteria, checked),
                comment_private=comment_private or "",
                comment_shared=comment_shared or "",
                submitted_by=actor,
                revision_reason=reason,
            )
    except IntegrityError:
        raise ConflictError(_("该评分已提交，不能修改。"), code="score_final") from None
    ScoreLine.objects.bulk_create(
        ScoreLine(score=score, criterion_id=pk, value=value) for pk, value in checked.items()
    )
    event_record(
        process=process,
        type=EventType.SCORE_SUBMITTED if revision == 1 else EventType.SCORE_REVISED,
        actor=actor,
        score=score.pk,
        assignment=assignment.pk,
        round=round_no,
        revision=revision,
        total=str(score.total),
        reason=reason,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=score,
        organization=process.organiser,
        after={**snapshot(score), "lines": {str(k): str(v) for k, v in checked.items()}},
        note=reason,
    )
    return score


def _check_round(process: ReviewProcess, assignment: ReviewAssignment, round_no: int) -> None:
    if round_no not in SCORING_STATUS or process.status != SCORING_STATUS[round_no]:
        raise InvalidTransition(_("第 %(r)s 轮评审未在进行中。") % {"r": round_no})
    if not assignment.item.in_round(round_no):
        raise InvalidTransition(_("该评审对象未进入第 %(r)d 轮。") % {"r": round_no})


@transaction.atomic
def score_submit(
    *,
    actor: Any,
    assignment: ReviewAssignment,
    round: int,
    values: Mapping[Any, Any],
    comment_private: str = "",
    comment_shared: str = "",
) -> Score:
    """The assigned reviewer's score for the round: every criterion, each within its
    range, before the round's deadline if one is set. Final once submitted (a second
    submission is refused; see ``score_revise``)."""
    process = lock_process(assignment.item.process)
    assignment = (
        ReviewAssignment.objects.select_for_update()
        .select_related("member__expert", "item")
        .get(pk=assignment.pk)
    )
    own = (
        actor is not None
        and actor.is_authenticated
        and assignment.member.expert.user_id == actor.pk
    )
    if not own or assignment.status != AssignmentStatus.ACTIVE:
        raise PermissionDenied(_("您未被分配评审该对象。"), code="not_assigned")
    if assignment.member.status != InvitationStatus.ACCEPTED:
        raise PermissionDenied(_("请先接受评审邀请。"), code="not_assigned")
    _check_round(process, assignment, round)
    deadline = process.round_deadline(round)
    if deadline is not None and timezone.now() > deadline:
        raise InvalidTransition(
            _("第 %(r)d 轮评分已于 %(d)s 截止。")
            % {"r": round, "d": date_format(timezone.localtime(deadline), "Y-m-d H:i")},
            code="round_deadline_passed",
        )
    if Score.objects.filter(assignment=assignment, round=round).exists():
        raise ConflictError(_("该评分已提交，不能修改。"), code="score_final")
    return _write(
        actor=actor,
        process=process,
        assignment=assignment,
        round_no=round,
        revision=1,
        values=values,
        comment_private=comment_private,
        comment_shared=comment_shared,
    )


@transaction.atomic
def score_revise(
    *,
    actor: Any,
    score: Score,
    values: Mapping[Any, Any],
    reason: str,
    comment_private: str | None = None,
    comment_shared: str | None = None,
) -> Score:
    """A correction decided by the panel chair: a new revision with the reason; the
    earlier revision stays. Only while the score's round is open."""
    assignment = score.assignment
    process = lock_process(assignment.item.process)
    chair = PanelMember.objects.filter(
        panel_id=assignment.member.panel_id,
        role=MemberRole.CHAIR,
        status=InvitationStatus.ACCEPTED,
        expert__user_id=getattr(actor, "pk", 0) or 0,
    ).exists()
    if not chair:
        raise PermissionDenied(_("只有评审组组长可以更正评分。"))
    _check_round(process, assignment, score.round)
    reason = required_text(reason, "reason", _("请写明更正的理由。"))[:500]
    latest = (
        Score.objects.filter(assignment=assignment, round=score.round).order_by("-revision").first()
    )
    assert latest is not None
    if latest.pk != score.pk:
        raise ConflictError(_("该评分已有更新的版本。"))
    return _write(
        actor=actor,
        process=process,
        assignment=assignment,
        round_no=score.round,
        revision=latest.revision + 1,
        values=values,
        comment_private=latest.comment_private if comment_private is None else comment_private,
        comment_shared=latest.comment_shared if comment_shared is None else comment_shared,
        reason=reason,
    )
