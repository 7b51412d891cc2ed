"""The preconditions of the lifecycle moves (called by ``process_transition``).

Each raises ``InvalidTransition`` with a Chinese message that says what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.common.errors import InvalidTransition, ValidationFailed
from kechuang.review.choices import AssignmentStatus, InvitationStatus, ObjectionStatus
from kechuang.review.models import Conflict, ReviewAssignment, ReviewItem, ReviewProcess
from kechuang.review.scores import current_scores
from kechuang.review.services.common import names


def ready_for_assignment(process: ReviewProcess) -> None:
    items = process.items.all()
    if not items.exists():
        raise InvalidTransition(_("请先加入评审对象。"))
    unplaced = list(items.filter(panel__isnull=True).values_list("title", flat=True)[:5])
    if unplaced:
        raise InvalidTransition(_("以下评审对象尚未分组：%(t)s。") % {"t": names(unplaced)})


def ready_for_round_1(process: ReviewProcess) -> None:
    """Every item fully staffed by accepted members, and no assigned pair in conflict."""
    active = ReviewAssignment.objects.filter(item__process=process, status=AssignmentStatus.ACTIVE)
    short = list(
        ReviewItem.objects.filter(process=process)
        .annotate(n=Count("assignments", filter=Q(assignments__status=AssignmentStatus.ACTIVE)))
        .exclude(n=process.panel_size)
        .values_list("title", flat=True)[:5]
    )
    if short:
        raise InvalidTransition(
            _("以下评审对象的评审专家不足 %(k)d 人：%(t)s。")
            % {"k": process.panel_size, "t": names(short)}
        )
    waiting = list(
        active.exclude(member__status=InvitationStatus.ACCEPTED)
        .values_list("member__expert__name", flat=True)
        .distinct()[:5]
    )
    if waiting:
        raise InvalidTransition(_("以下专家尚未接受邀请：%(n)s。") % {"n": names(waiting)})
    conflicted = [
        a
        for a in active.select_related("member__expert", "item")
        if Conflict.objects.filter(
            item_id=a.item_id, expert_id=a.member.expert_id, waived_at__isnull=True
        ).exists()
    ]
    if conflicted:
        raise InvalidTransition(
            _("以下分配存在未豁免的利益冲突：%(p)s。")
            % {
                "p": names(
                    _("%(n)s—%(t)s") % {"n": a.member.expert.name, "t": a.item.title}
                    for a in conflicted[:5]
                )
            }
        )


def unscored(process: ReviewProcess, round_no: int) -> list[ReviewAssignment]:
    """The active assignments of the items still in the round that have no score yet."""
    pending = [
        a
        for a in ReviewAssignment.objects.filter(
            item__process=process, status=AssignmentStatus.ACTIVE
        )
        .select_related("item", "member__expert__user")
        .order_by("id")
        if a.item.in_round(round_no)
    ]
    scored = {s.assignment_id for s in current_scores(process, round_no)}
    return [a for a in pending if a.pk not in scored]


def round_complete(process: ReviewProcess, round_no: int) -> None:
    """Every active assignment of every item still in the round has a score for it."""
    missing = unscored(process, round_no)
    if missing:
        raise InvalidTransition(
            _("第 %(r)d 轮还有 %(n)d 份评分未提交（如 %(who)s）。")
            % {
                "r": round_no,
                "n": len(missing),
                "who": names(sorted({a.member.expert.name for a in missing})[:5]),
            }
        )


def advance(process: ReviewProcess, advancing: Iterable[Any] | None) -> list[int]:
    """Mark the items that do not go on to round 2; returns their ids."""
    items = list(ReviewItem.objects.select_for_update().filter(process=process))
    if advancing is None:
        return []
    try:
        keep = {int(pk) for pk in advancing}
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"advancing_item_ids": [_("请提供评审对象编号。")]}) from None
    unknown = keep - {i.pk for i in items}
    if unknown:
        raise ValidationFailed(
            fields={
                "advancing_item_ids": [
                    _("不属于本次评审的对象：%(ids)s。") % {"ids": names(sorted(unknown))}
                ]
            }
        )
    if not keep:
        raise ValidationFailed(fields={"advancing_item_ids": [_("至少要有一个对象进入会评。")]})
    out = []
    for item in items:
        if item.pk not in keep:
            item.eliminated_after_round = 1
            item.save(update_fields=["eliminated_after_round"])
            out.append(item.pk)
    return out


def notice_over(process: ReviewProcess) -> None:
    if process.notice_ends_at is None or timezone.now() < process.notice_ends_at:
        raise InvalidTransition(_("公示期尚未结束。"))
    if process.objections.filter(status=ObjectionStatus.OPEN).exists():
        raise InvalidTransition(_("还有未处理的异议。"))
