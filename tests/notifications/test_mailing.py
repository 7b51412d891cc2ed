"""E-mail: immediate mails at most once, digests grouped per person and safe to re-run."""

from __future__ import annotations

import datetime
import smtplib
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from kechuang.notifications.choices import Delivery
from kechuang.notifications.mailing import notifications_digest_send, notifications_email_now
from kechuang.notifications.models import Notification
from kechuang.notifications.services import notification_preference_update, notify
from tests.notifications.conftest import person

pytestmark = pytest.mark.django_db


def test_immediate_mail_is_not_sent_twice(mailoutbox: list[Any]) -> None:
    # given a notification already mailed once
    user = person(Delivery.IMMEDIATELY, email="a@example.com")
    notify(recipients=[user], kind="system", title="维护通知")
    pk = Notification.objects.get().pk
    assert notifications_email_now(ids=[pk]) == 1
    # when the same job runs again (a retry)
    again = notifications_email_now(ids=[pk])
    # then
    assert again == 0
    assert len(mailoutbox) == 1


def test_failed_immediate_mail_stays_unsent_and_goes_with_the_daily_digest(
    monkeypatch: pytest.MonkeyPatch, mailoutbox: list[Any]
) -> None:
    user = person(Delivery.IMMEDIATELY, email="a@example.com")
    notify(recipients=[user], kind="deadline", title="申报即将截止")
    pk = Notification.objects.get().pk

    def refuse(self: Any, messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("down")

    with monkeypatch.context() as m:
        m.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
        assert notifications_email_now(ids=[pk]) == 0
    assert Notification.objects.get().emailed_at is None

    assert notifications_digest_send(period="daily") == 1
    assert [m.to for m in mailoutbox] == [["a@example.com"]]
    assert Notification.objects.get().emailed_at is not None


def test_daily_digest_groups_each_persons_unsent_notifications(mailoutbox: list[Any]) -> None:
    # given a default (daily) person with two notifications, a weekly one, an "off" one,
    # a mobile-only one and a daily one already mailed immediately before switching
    daily = person(email="daily@example.com")
    weekly = person(Delivery.WEEKLY, email="weekly@example.com")
    off = person(Delivery.OFF, email="off@example.com")
    mobile = person(email=None, mobile="13800000002")
    everyone = [daily, weekly, off, mobile]
    notify(recipients=everyone, kind="invitation", title="邀请您担任评审专家", url="/reviews/3/")
    notify(recipients=everyone, kind="milestone", title="项目中期检查", body="请提交中期报告。")
    # when
    sent = notifications_digest_send(period="daily")
    # then one mail, to the daily person, with both notifications in order
    assert sent == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["daily@example.com"]
    assert message.subject == "科创平台：您有 2 条新通知"
    assert message.body.index("【邀请】邀请您担任评审专家") < message.body.index(
        "【里程碑】项目中期检查"
    )
    assert "http://127.0.0.1:8000/reviews/3/" in message.body
    assert "请提交中期报告。" in message.body
    mailed = Notification.objects.exclude(emailed_at=None)
    assert sorted(mailed.values_list("recipient_id", flat=True)) == [daily.pk, daily.pk]


def test_digest_is_safe_to_run_twice(mailoutbox: list[Any]) -> None:
    user = person(Delivery.WEEKLY, email="w@example.com")
    notify(recipients=[user], kind="award", title="揭榜结果公布")
    assert notifications_digest_send(period="weekly") == 1
    assert notifications_digest_send(period="weekly") == 0
    assert notifications_digest_send(period="daily") == 0
    assert len(mailoutbox) == 1


def test_dry_run_shows_the_mail_and_marks_nothing(mailoutbox: list[Any]) -> None:
    person(email="nothing-new@example.com")
    notify(recipients=[person(email="e@example.com")], kind="system", title="系统升级")
    shown: list[str] = []
    assert notifications_digest_send(period="daily", dry_run=True, write=shown.extend) == 1
    assert shown[0] == "== e@example.com · 科创平台：您有 1 条新通知"
    assert shown[1].startswith("【系统消息】系统升级")
    assert mailoutbox == []
    assert Notification.objects.filter(emailed_at=None).count() == 1


def test_turning_email_back_on_leaves_out_what_arrived_while_off(
    mailoutbox: list[Any],
) -> None:
    user = person(Delivery.OFF, email="back@example.com")
    notify(recipients=[user], kind="system", title="关闭期间的通知")
    old = Notification.objects.get()
    Notification.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    notification_preference_update(actor=user, delivery=Delivery.DAILY)
    notify(recipients=[user], kind="system", title="开启之后的通知")

    assert notifications_digest_send(period="daily") == 1
    assert "开启之后的通知" in mailoutbox[0].body
    assert "关闭期间的通知" not in mailoutbox[0].body


def test_inactive_people_get_no_digest() -> None:
    user = person(email="gone@example.com")
    notify(recipients=[user], kind="system", title="通知")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert notifications_digest_send(period="daily") == 0
    assert mail.outbox == []


def test_unknown_digest_period_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="daily or weekly"):
        notifications_digest_send(period="immediately")
