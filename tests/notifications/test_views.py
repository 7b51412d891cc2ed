"""Pages: the list (unread first, mark one / all read, htmx), preferences, the navbar bell."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kechuang.notifications.models import Notification, NotificationPreference
from kechuang.notifications.services import notify
from tests.conftest import client_for
from tests.notifications.conftest import person

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_list_needs_login() -> None:
    response = client_for(None).get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_list_shows_my_notifications_unread_first() -> None:
    me, other = person(), person()
    notify(recipients=[me], kind="system", title="第一条已读")
    notify(recipients=[me], kind="award", title="第二条未读")
    notify(recipients=[other], kind="system", title="别人的通知")
    Notification.objects.filter(title="第一条已读").update(read_at="2026-01-01T00:00:00Z")

    response = client_for(me).get("/notifications/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("第二条未读") < html.index("第一条已读")
    assert "别人的通知" not in html
    assert "全部标为已读" in html


def test_unread_tab_with_htmx_renders_only_the_fragment() -> None:
    me = person()
    notify(recipients=[me], kind="system", title="未读的")
    notify(recipients=[me], kind="system", title="读过的")
    Notification.objects.filter(title="读过的").update(read_at="2026-01-01T00:00:00Z")

    response = client_for(me).get("/notifications/", {"unread": "1"}, **HTMX)

    html = response.content.decode()
    assert "<html" not in html
    assert "未读的" in html and "读过的" not in html


def test_mark_one_read_with_htmx_returns_the_row_and_the_new_bell() -> None:
    me = person()
    notify(recipients=[me], kind="system", title="一")
    notify(recipients=[me], kind="system", title="二")
    pk = Notification.objects.get(title="一").pk

    response = client_for(me).post(f"/notifications/{pk}/read/", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{pk}"' in html
    assert 'id="kc-bell-count" hx-swap-oob="true"' in html
    assert '<span class="badge bg-red text-red-fg badge-notification badge-pill">1</span>' in html
    assert Notification.objects.get(pk=pk).read_at is not None


def test_open_marks_read_and_goes_to_the_url() -> None:
    me = person()
    notify(recipients=[me], kind="decision", title="去看看", url="/needs/")
    pk = Notification.objects.get().pk

    response = client_for(me).post(f"/notifications/{pk}/read/", {"open": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/needs/"
    assert Notification.objects.get().read_at is not None


def test_marking_someone_elses_notification_is_404_and_changes_nothing() -> None:
    owner, other = person(), person()
    notify(recipients=[owner], kind="system", title="别人的")
    pk = Notification.objects.get().pk

    response = client_for(other).post(f"/notifications/{pk}/read/")

    assert response.status_code == 404
    assert Notification.objects.get().read_at is None


def test_mark_all_read() -> None:
    me = person()
    notify(recipients=[me], kind="system", title="一")
    notify(recipients=[me], kind="system", title="二")

    response = client_for(me).post("/notifications/read-all/", follow=True)

    assert "已将 2 条通知标为已读。" in response.content.decode()
    assert Notification.objects.filter(read_at=None).count() == 0


def test_preferences_form_saves() -> None:
    me = person(email="me@example.com")
    client = client_for(me)
    page = client.get("/notifications/preferences/").content.decode()
    assert 'value="daily" class="form-check-input" id="id_delivery_1" required checked' in page

    response = client.post("/notifications/preferences/", {"delivery": "weekly"}, follow=True)

    assert "通知偏好已保存。" in response.content.decode()
    assert NotificationPreference.objects.get(user=me).delivery == "weekly"


def test_preferences_form_with_a_bad_value_shows_a_chinese_error_and_changes_nothing() -> None:
    me = person("immediately")

    response = client_for(me).post("/notifications/preferences/", {"delivery": "hourly"})

    assert response.status_code == 422
    assert "请选择有效的邮件提醒方式。" in response.content.decode()
    assert NotificationPreference.objects.get(user=me).delivery == "immediately"


def test_mobile_only_people_are_told_they_get_in_app_only() -> None:
    me = person(email=None, mobile="13800000003")
    page = client_for(me).get("/notifications/preferences/").content.decode()
    assert "您的账号没有电子邮箱，只能收到站内通知。" in page


# ---------------------------------------------------------------- the bell


def bell_queries(user: Any) -> tuple[str, list[str]]:
    client = client_for(user)
    client.get("/")  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    sql = [q["sql"] for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    return response.content.decode(), sql


def test_bell_shows_the_unread_count_with_one_count_query() -> None:
    me = person()
    notify(recipients=[me], kind="system", title="一")
    notify(recipients=[me], kind="system", title="二")
    notify(recipients=[me], kind="system", title="三")
    Notification.objects.filter(title="三").update(read_at="2026-01-01T00:00:00Z")

    html, queries = bell_queries(me)

    assert '<span class="badge bg-red text-red-fg badge-notification badge-pill">2</span>' in html
    assert len(queries) == 1
    assert queries[0].startswith("SELECT COUNT(*)")


def test_bell_query_count_does_not_grow_with_notifications() -> None:
    me = person()
    _html, few = bell_queries(me)
    notify(recipients=[me], kind="system", title="一")
    for i in range(20):
        notify(recipients=[me], kind="system", title=f"通知{i}")
    html, many = bell_queries(me)
    assert len(few) == len(many) == 1
    assert ">21</span>" in html


def test_anonymous_pages_do_not_query_notifications() -> None:
    html, queries = bell_queries(None)
    assert queries == []
    assert "kc-bell-count" not in html
