"""notify(): in-app rows inside the caller's transaction, e-mail only after commit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from kechuang.common.errors import ValidationFailed
from kechuang.notifications.choices import Delivery, NotificationKind
from kechuang.notifications.models import Notification
from kechuang.notifications.services import notify
from tests.notifications.conftest import person

pytestmark = pytest.mark.django_db


def test_notify_creates_one_row_per_distinct_active_recipient() -> None:
    # given two people, one listed twice, and a deactivated one
    alice, bob = person(display_name="甲"), person(display_name="乙")
    gone = person(is_active=False)
    # when
    created = notify(
        recipients=[alice, bob, alice, gone],
        kind=NotificationKind.INVITATION,
        title="邀请您参加评审",
        body="请于三日内回复。",
        url="/review/1/",
        subject=bob,
    )
    # then
    assert created == 2
    rows = Notification.objects.order_by("recipient_id")
    assert [r.recipient_id for r in rows] == [alice.pk, bob.pk]
    first = rows[0]
    assert (first.kind, first.title, first.body, first.url) == (
        "invitation",
        "邀请您参加评审",
        "请于三日内回复。",
        "/review/1/",
    )
    assert (first.subject_type, first.subject_id) == ("accounts.user", str(bob.pk))
    assert first.read_at is None and first.emailed_at is None


def test_notify_with_nobody_creates_nothing() -> None:
    assert notify(recipients=[], kind="system", title="公告") == 0
    assert Notification.objects.count() == 0


def test_notify_unknown_kind_is_a_programming_error() -> None:
    user = person()
    with pytest.raises(ValueError, match="unknown notification kind 'spam'"):
        notify(recipients=[user], kind="spam", title="x")
    assert Notification.objects.count() == 0


def test_notify_title_too_long_is_refused_and_nothing_created() -> None:
    user = person()
    with pytest.raises(ValidationFailed) as exc:
        notify(recipients=[user], kind="system", title="长" * 201)
    assert exc.value.code == "validation_failed"
    assert "title" in exc.value.fields
    assert Notification.objects.count() == 0


def test_immediate_mail_is_sent_after_commit(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    # given one person who wants mail immediately, one daily, one off, one without e-mail
    now = person(Delivery.IMMEDIATELY, email="now@example.com")
    daily = person(Delivery.DAILY)
    off = person(Delivery.OFF)
    mobile_only = person(Delivery.IMMEDIATELY, email=None, mobile="13800000001")
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        notify(
            recipients=[now, daily, off, mobile_only],
            kind=NotificationKind.DECISION,
            title="评审结果已公布",
            url="/challenges/7/",
        )
        assert mailoutbox == []  # nothing leaves before the commit
    # then
    assert len(callbacks) == 1
    assert [m.to for m in mailoutbox] == [["now@example.com"]]
    assert mailoutbox[0].subject == "科创平台：评审结果已公布"
    assert "【决定】评审结果已公布" in mailoutbox[0].body
    assert "http://127.0.0.1:8000/challenges/7/" in mailoutbox[0].body
    emailed = Notification.objects.exclude(emailed_at=None).values_list("recipient_id", flat=True)
    assert list(emailed) == [now.pk]
    assert Notification.objects.count() == 4  # everyone sees it in-app


def test_no_mail_and_no_rows_when_the_caller_rolls_back(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    user = person(Delivery.IMMEDIATELY)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(recipients=[user], kind="award", title="恭喜揭榜成功")
        raise RuntimeError("the caller's change failed")
    assert callbacks == []
    assert mailoutbox == []
    assert Notification.objects.count() == 0
