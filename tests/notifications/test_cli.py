"""``kechuang notify-digest``."""

from __future__ import annotations

from typing import Any

import pytest

from kechuang import cli
from kechuang.notifications.choices import Delivery
from kechuang.notifications.models import Notification
from kechuang.notifications.services import notify
from tests.notifications.conftest import person

pytestmark = pytest.mark.django_db


def test_notify_digest_sends_once(capsys: Any, mailoutbox: list[Any]) -> None:
    user = person(Delivery.WEEKLY, email="w@example.com")
    notify(recipients=[user], kind="objection", title="收到一条异议")

    assert cli.main(["notify-digest", "--period", "weekly", "--dry-run"]) == 0
    assert "== w@example.com · 科创平台：您有 1 条新通知" in capsys.readouterr().out
    assert mailoutbox == []

    assert cli.main(["notify-digest", "--period", "weekly"]) == 0
    assert cli.main(["notify-digest", "--period", "weekly"]) == 0
    out = capsys.readouterr().out
    assert "已发送 1 封每周通知汇总邮件。" in out
    assert "已发送 0 封每周通知汇总邮件。" in out
    assert len(mailoutbox) == 1
    assert Notification.objects.get().emailed_at is not None


def test_notify_digest_needs_a_known_period(capsys: Any) -> None:
    with pytest.raises(SystemExit):
        cli.main(["notify-digest", "--period", "hourly"])
    assert "invalid choice" in capsys.readouterr().err
