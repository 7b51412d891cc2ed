"""Helpers shared by the review services."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.common.locks import locked
from kechuang.review.access import roles_for
from kechuang.review.models import ReviewProcess


def require_runner(actor: Any, process: ReviewProcess) -> None:
    if not roles_for(actor, process).runner:
        raise PermissionDenied(_("只有组织单位或第三方评价机构的管理人员可以执行此操作。"))


def require_organiser(actor: Any, process: ReviewProcess) -> None:
    if not roles_for(actor, process).organiser:
        raise PermissionDenied(_("只有组织单位的管理人员可以执行此操作。"))


def require_status(process: ReviewProcess, statuses: Iterable[str], message: str) -> None:
    if process.status not in set(statuses):
        raise InvalidTransition(message)


def lock_process(process: ReviewProcess) -> ReviewProcess:
    """The process row, locked: every change of a process's parts serialises on it."""
    return locked(ReviewProcess.objects.select_related("organiser", "evaluator"), pk=process.pk)


def required_text(value: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(fields={field: [message]})
    return text


def scoring_deadline(value: Any) -> datetime.datetime:
    """A round's scoring deadline: a future time (a naive one is read in the current time
    zone). Opening a round and moving its deadline share this rule."""
    if not isinstance(value, datetime.datetime):
        raise ValidationFailed(fields={"deadline": [_("请输入截止时间。")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value <= timezone.now():
        raise ValidationFailed(fields={"deadline": [_("评分截止时间须晚于现在。")]})
    return value


def user_ref(user: Any) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None


def names(values: Iterable[Any]) -> str:
    """A list in running text: 陈热、林流 (the separator is translated like the words)."""
    return str(_("、")).join(str(v) for v in values)


def clauses(values: Iterable[Any]) -> str:
    """Clauses of one sentence: 甲；乙 (the separator is translated like the words)."""
    return str(_("；")).join(str(v) for v in values)


__all__ = [
    "clauses",
    "lock_process",
    "names",
    "require_organiser",
    "require_runner",
    "require_status",
    "required_text",
    "scoring_deadline",
    "user_ref",
]
