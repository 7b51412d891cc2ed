"""/api/v1/notifications: own rows only, unread filter, read, read-all, preferences."""

from __future__ import annotations

from typing import Any

import pytest

from kechuang.notifications.models import Notification, NotificationPreference
from kechuang.notifications.services import notify
from tests.api.conftest import Api, token_for
from tests.notifications.conftest import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def me() -> Any:
    return person(display_name="我")


@pytest.fixture
def api(me: Any) -> Api:
    return Api(token_for(me))


def test_list_shows_only_my_notifications_unread_first(me: Any, api: Api) -> None:
    other = person()
    notify(recipients=[me, other], kind="invitation", title="较早，已读")
    notify(recipients=[me], kind="decision", title="较晚，未读", url="/x/")
    Notification.objects.filter(recipient=me, title="较早，已读").update(
        read_at=Notification.objects.get(recipient=me, title="较早，已读").created_at
    )

    response = api.get("/notifications")

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert [(i["title"], i["is_read"]) for i in data["items"]] == [
        ("较晚，未读", False),
        ("较早，已读", True),
    ]
    assert data["items"][0]["kind"] == "decision"
    assert data["items"][0]["kind_label"] == "决定"
    assert data["items"][0]["url"] == "/x/"


def test_unread_filter(me: Any, api: Api) -> None:
    notify(recipients=[me], kind="system", title="一")
    notify(recipients=[me], kind="system", title="二")
    api.post(f"/notifications/{Notification.objects.get(title='一').pk}/read")

    unread = api.get("/notifications", {"unread": "true"}).json()
    read = api.get("/notifications", {"unread": "false"}).json()

    assert [i["title"] for i in unread["items"]] == ["二"]
    assert [i["title"] for i in read["items"]] == ["一"]


def test_anonymous_gets_401_everywhere() -> None:
    anonymous = Api()
    assert anonymous.get("/notifications").status_code == 401
    assert anonymous.post("/notifications/read-all").status_code == 401
    assert anonymous.get("/notifications/preferences").status_code == 401
    assert anonymous.post("/notifications/1/read").status_code == 401


def test_reading_someone_elses_notification_is_404_and_changes_nothing(api: Api) -> None:
    other = person()
    notify(recipients=[other], kind="system", title="别人的")
    pk = Notification.objects.get().pk

    response = api.post(f"/notifications/{pk}/read")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Notification.objects.get().read_at is None


def test_read_one_and_read_all(me: Any, api: Api) -> None:
    notify(recipients=[me], kind="system", title="一")
    notify(recipients=[me], kind="system", title="二")
    pk = Notification.objects.get(title="一").pk

    one = api.post(f"/notifications/{pk}/read")
    rest = api.post("/notifications/read-all")

    assert one.status_code == 200
    assert one.json()["is_read"] is True
    assert rest.json() == {"marked": 1}
    assert Notification.objects.filter(read_at=None).count() == 0


def test_read_all_of_one_kind(me: Any, api: Api) -> None:
    notify(recipients=[me], kind="deadline", title="截止")
    notify(recipients=[me], kind="system", title="系统")

    bad = api.post("/notifications/read-all?kind=spam")
    assert bad.status_code == 422
    assert Notification.objects.filter(read_at=None).count() == 2

    response = api.post("/notifications/read-all?kind=deadline")
    assert response.json() == {"marked": 1}
    assert list(Notification.objects.filter(read_at=None).values_list("title", flat=True)) == [
        "系统"
    ]


def test_preferences_default_then_put(me: Any, api: Api) -> None:
    assert api.get("/notifications/preferences").json() == {
        "delivery": "daily",
        "delivery_label": "每日汇总邮件",
    }
    response = api._send("put", "/notifications/preferences", {"delivery": "off"}, None)
    assert response.status_code == 200
    assert response.json() == {"delivery": "off", "delivery_label": "不发送邮件"}
    assert NotificationPreference.objects.get(user=me).delivery == "off"


def test_put_preferences_with_a_bad_value_is_422_and_changes_nothing(me: Any, api: Api) -> None:
    for body in ({"delivery": "hourly"}, {"delivery": "off", "extra": 1}, {}):
        response = api._send("put", "/notifications/preferences", body, None)
        assert response.status_code == 422, body
        assert response.json()["code"] == "validation_failed"
    assert not NotificationPreference.objects.filter(user=me).exists()
