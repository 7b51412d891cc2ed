"""Notifications of the review app: in-app rows written in the caller's transaction
(``notifications.notify`` mails after commit, by each recipient's preference)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kechuang.notifications.choices import NotificationKind
from kechuang.notifications.services import notify
from kechuang.orgs.choices import MANAGING_ROLES
from kechuang.orgs.models import Membership
from kechuang.review.choices import SEATED, ProcessAction
from kechuang.review.models import PanelMember, ReviewAssignment, ReviewProcess
from kechuang.review.services import checks


def _send(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    url: str,
    body: str = "",
    subject: Any = None,
) -> None:
    users = list({u.pk: u for u in recipients if u is not None}.values())
    if users:
        notify(recipients=users, kind=kind, title=title, body=body, url=url, subject=subject)


def _managers(process: ReviewProcess) -> list[Any]:
    orgs = [process.organiser_id] + ([process.evaluator_id] if process.evaluator_id else [])
    rows = Membership.objects.filter(organization_id__in=orgs, role__in=MANAGING_ROLES)
    return [m.user for m in rows.select_related("user")]


def _reviewers(process: ReviewProcess) -> list[Any]:
    members = PanelMember.objects.filter(
        panel__process=process, status__in=SEATED, expert__user__isnull=False
    ).select_related("expert__user")
    return [m.expert.user for m in members]


def notify_invitation(member_id: int) -> None:
    member = PanelMember.objects.select_related("panel__process", "expert__user").get(pk=member_id)
    process = member.panel.process
    _send(
        recipients=[member.expert.user],
        kind=NotificationKind.INVITATION,
        title=_("邀请您参加评审：%(t)s") % {"t": process.title},
        body=_("您被邀请加入“%(p)s”评审组，请接受或谢绝。") % {"p": member.panel.name},
        url=reverse("review:my_tasks"),
        subject=member,
    )


def notify_invitation_answer(member_id: int) -> None:
    member = PanelMember.objects.select_related("panel__process", "expert").get(pk=member_id)
    process = member.panel.process
    _send(
        recipients=_managers(process),
        kind=NotificationKind.INVITATION,
        title=_("%(n)s答复了评审邀请：%(s)s")
        % {"n": member.expert.name, "s": member.get_status_display()},
        body=member.decline_reason,
        url=reverse("review:panel_detail", args=[member.panel_id]),
        subject=member,
    )


def notify_transition(process_id: int, action: str) -> None:
    process = ReviewProcess.objects.get(pk=process_id)
    if action in {ProcessAction.OPEN_ROUND_1, ProcessAction.OPEN_ROUND_2}:
        deadline = process.round_deadline(1 if action == ProcessAction.OPEN_ROUND_1 else 2)
        _send(
            recipients=_reviewers(process),
            kind=NotificationKind.DEADLINE,
            title=_("评审已开始：%(t)s") % {"t": process.title},
            body=_("请在截止前提交评分。")
            if deadline is None
            else _("请在 %(d)s 前提交评分。")
            % {"d": date_format(timezone.localtime(deadline), "Y-m-d H:i")},
            url=reverse("review:my_tasks"),
            subject=process,
        )
    elif action == ProcessAction.OPEN_NOTICE:
        _send(
            recipients=_managers(process) + _reviewers(process),
            kind=NotificationKind.DECISION,
            title=_("评审结果公示：%(t)s") % {"t": process.title},
            url=reverse("review:notice", args=[process.pk]),
            subject=process,
        )


def _pending(process: ReviewProcess, round_no: int) -> dict[Any, list[ReviewAssignment]]:
    """The round's reviewers (with an account) who still owe scores, each with the
    assignments they owe."""
    out: dict[Any, list[ReviewAssignment]] = {}
    for a in checks.unscored(process, round_no):
        if a.member.expert.user is not None:
            out.setdefault(a.member.expert.user, []).append(a)
    return out


def notify_deadline_moved(process_id: int, round_no: int, *, reason: str) -> None:
    """Tell the reviewers who have not scored everything in the round its new deadline,
    with a link to their task (their to-do list when they owe several scores)."""
    process = ReviewProcess.objects.get(pk=process_id)
    deadline = process.round_deadline(round_no)
    if deadline is None:
        body = _("第 %(r)d 轮评分已不设截止时间。理由：%(why)s") % {"r": round_no, "why": reason}
    else:
        body = _("第 %(r)d 轮评分截止时间调整为 %(d)s。理由：%(why)s") % {
            "r": round_no,
            "d": date_format(timezone.localtime(deadline), "Y-m-d H:i"),
            "why": reason,
        }
    for user, owed in _pending(process, round_no).items():
        _send(
            recipients=[user],
            kind=NotificationKind.DEADLINE,
            title=_("评分截止时间已调整：%(t)s") % {"t": process.title},
            body=body,
            url=reverse("review:score", args=[owed[0].pk])
            if len(owed) == 1
            else reverse("review:my_tasks"),
            subject=process,
        )


def notify_objection(objection_id: int, *, handled: bool) -> None:
    from kechuang.review.models import Objection

    objection = Objection.objects.select_related("process", "filed_by").get(pk=objection_id)
    # both sides read and answer objections on the notice page, at the objection's row
    # (the organiser's handling form is there, not on the decision page)
    url = reverse("review:notice", args=[objection.process_id]) + f"#objection-{objection.pk}"
    if handled:
        recipients = [objection.filed_by]
        title = _("您的异议已处理：%(s)s") % {"s": objection.get_status_display()}
    else:
        recipients = _managers(objection.process)
        title = _("收到异议：%(t)s") % {"t": objection.process.title}
    _send(
        recipients=recipients,
        kind=NotificationKind.OBJECTION,
        title=title,
        url=url,
        subject=objection,
    )
