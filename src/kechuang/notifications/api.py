"""/api/v1/notifications: the caller's own notifications and e-mail preference."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kechuang.accounts.auth import token_user
from kechuang.api.schemas import InputSchema, Page, PageIn, paginate, problems
from kechuang.common.access_rules import access_rule, signed_in
from kechuang.notifications.access import access_notification_by_id
from kechuang.notifications.choices import Delivery, NotificationKind
from kechuang.notifications.models import Notification, NotificationPreference
from kechuang.notifications.selectors import notification_list
from kechuang.notifications.services import (
    notification_mark_read,
    notification_preference_update,
    notifications_mark_all_read,
    preference_for,
)

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: NotificationKind = Field(
        ...,
        description=(
            "deadline、invitation、decision、objection、award、milestone、recommendation "
            "或 system。"
        ),
    )
    kind_label: str
    title: str
    body: str
    url: str = Field(..., description="相关页面的站内路径，可能为空。")
    subject_type: str = Field(..., description="关联对象的类型（app.model），可能为空。")
    subject_id: str
    created_at: datetime
    read_at: datetime | None
    is_read: bool

    @staticmethod
    def resolve_kind_label(obj: Notification) -> str:
        return str(obj.get_kind_display())


class NotificationPage(Page):
    items: list[NotificationOut]


class NotificationFilterIn(PageIn):
    unread: bool | None = Field(
        None, description="true 只列未读，false 只列已读；不传则全部（未读在前）。"
    )


class ReadAllIn(Schema):
    kind: NotificationKind | None = Field(None, description="只把这一类通知标为已读。")


class ReadAllOut(Schema):
    marked: int = Field(..., description="这次标为已读的条数。")


class PreferenceOut(Schema):
    delivery: Delivery = Field(
        ...,
        description=(
            "immediately（立即发邮件）、daily（每日汇总，默认）、weekly（每周汇总）或 off"
            "（不发邮件；站内通知照常）。"
        ),
    )
    delivery_label: str

    @staticmethod
    def resolve_delivery_label(obj: NotificationPreference) -> str:
        return str(obj.get_delivery_display())


class PreferenceIn(InputSchema):
    delivery: Delivery = Field(..., description="immediately、daily、weekly 或 off。")


@router.get(
    "",
    response={200: NotificationPage, **problems(401, 422)},
    summary="我的通知",
    description="调用者自己的通知，未读在前，各自按时间倒序。",
)
@access_rule("notification")
def notification_list_mine(request: HttpRequest, filters: Query[NotificationFilterIn]) -> Any:
    qs = notification_list(user=token_user(request), unread=filters.unread)
    return paginate(qs, filters)


@router.post(
    "/read-all",
    response={200: ReadAllOut, **problems(401, 422)},
    summary="全部标为已读",
    description="把调用者的未读通知（可只限一类）全部标为已读，返回标记的条数。",
)
@signed_in("本人的通知，全部标为已读")
def notification_read_all(request: HttpRequest, filters: Query[ReadAllIn]) -> Any:
    kind = NotificationKind(filters.kind).value if filters.kind else None
    return {"marked": notifications_mark_all_read(actor=token_user(request), kind=kind)}


@router.get(
    "/preferences",
    response={200: PreferenceOut, **problems(401)},
    summary="我的通知偏好",
    description="通知是否以及何时发送邮件。没有邮箱的账号只收站内通知。",
)
@signed_in("本人的通知设置")
def notification_preferences_get(request: HttpRequest) -> Any:
    return preference_for(token_user(request))


@router.put(
    "/preferences",
    response={200: PreferenceOut, **problems(401, 422)},
    summary="修改通知偏好",
    description="设置通知邮件的发送方式；从 off 改为发送时，关闭期间的通知不再补发邮件。",
)
@signed_in("本人的通知设置")
def notification_preferences_put(request: HttpRequest, payload: PreferenceIn) -> Any:
    return notification_preference_update(
        actor=token_user(request), delivery=Delivery(payload.delivery).value
    )


@router.post(
    "/{notification_id}/read",
    response={200: NotificationOut, **problems(401, 404)},
    summary="标为已读",
    description="只能标记自己的通知；别人的通知编号得到 404。再次标记不改变已读时间。",
)
@access_rule("notification")
def notification_read(request: HttpRequest, notification_id: int) -> Any:
    user = token_user(request)
    notification = access_notification_by_id(user, notification_id, action="read")
    return notification_mark_read(actor=user, notification=notification)
