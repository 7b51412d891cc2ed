"""Marking read and changing the e-mail preference."""

from __future__ import annotations

import pytest

from kechuang.common.errors import NotFound, ValidationFailed
from kechuang.notifications.access import access_notification_by_id
from kechuang.notifications.choices import Delivery
from kechuang.notifications.models import Notification, NotificationPreference
from kechuang.notifications.services import (
    notification_mark_read,
    notification_preference_update,
    notifications_mark_all_read,
    notify,
    preference_for,
)
from tests.notifications.conftest import person

pytestmark = pytest.mark.django_db


def test_mark_read_keeps_the_first_read_time() -> None:
    user = person()
    notify(recipients=[user], kind="system", title="通知")
    notification = Notification.objects.get()
    first = notification_mark_read(actor=user, notification=notification).read_at
    assert first is not None
    again = notification_mark_read(actor=user, notification=notification).read_at
    assert again == first


def test_mark_read_of_someone_elses_notification_is_not_found() -> None:
    owner, other = person(), person()
    notify(recipients=[owner], kind="system", title="通知")
    notification = Notification.objects.get()
    with pytest.raises(NotFound) as exc:
        notification_mark_read(actor=other, notification=notification)
    assert exc.value.code == "not_found"
    assert Notification.objects.get().read_at is None


def test_mark_all_read_touches_only_the_actors_unread() -> None:
    me, other = person(), person()
    notify(recipients=[me, other], kind="system", title="一")
    notify(recipients=[me], kind="system", title="二")
    assert notifications_mark_all_read(actor=me) == 2
    assert notifications_mark_all_read(actor=me) == 0
    assert Notification.objects.filter(recipient=other, read_at=None).count() == 1


def test_gatekeeper_hides_other_peoples_notifications() -> None:
    owner, other = person(), person()
    notify(recipients=[owner], kind="system", title="通知")
    pk = Notification.objects.get().pk
    assert access_notification_by_id(owner, pk).pk == pk
    for user, key in ((other, pk), (owner, "abc"), (owner, pk + 1)):
        with pytest.raises(NotFound):
            access_notification_by_id(user, key)
    with pytest.raises(ValueError, match="unknown action"):
        access_notification_by_id(owner, pk, action="delete")


def test_default_preference_is_daily_and_not_saved() -> None:
    user = person()
    preference = preference_for(user)
    assert preference.delivery == Delivery.DAILY
    assert preference.pk is None


def test_preference_update_saves_and_records_when_email_came_back_on() -> None:
    user = person()
    off = notification_preference_update(actor=user, delivery="off")
    assert (off.delivery, off.email_since) == ("off", None)
    on = notification_preference_update(actor=user, delivery="weekly")
    assert on.delivery == "weekly"
    assert on.email_since is not None
    assert NotificationPreference.objects.get(user=user).delivery == "weekly"


def test_preference_update_refuses_an_unknown_value_and_changes_nothing() -> None:
    user = person(Delivery.WEEKLY)
    with pytest.raises(ValidationFailed) as exc:
        notification_preference_update(actor=user, delivery="hourly")
    assert exc.value.code == "validation_failed"
    assert exc.value.fields == {"delivery": ["请选择有效的邮件提醒方式。"]}
    assert NotificationPreference.objects.get(user=user).delivery == "weekly"
