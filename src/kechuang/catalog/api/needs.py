"""/api/v1/needs: technical needs (技术需求)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from kechuang.accounts.auth import optional_user, token_user
from kechuang.api.schemas import PUBLIC, InputSchema, Page, paginate, problems, service_data
from kechuang.catalog.access import access_need_by_id, need_contact_visible
from kechuang.catalog.api.listings import (
    ListingDetailBase,
    ListingFilterIn,
    ListingOutBase,
    add_listing_subresources,
    publisher,
)
from kechuang.catalog.choices import ContactVisibility
from kechuang.catalog.models import Need
from kechuang.catalog.selectors import need_list
from kechuang.catalog.services import need_create, need_update
from kechuang.common.access_rules import access_rule

router = Router(tags=["needs"])


class NeedListOut(ListingOutBase):
    budget_min: Decimal | None = Field(..., description="预算下限（万元），字符串形式的小数。")
    budget_max: Decimal | None = Field(..., description="预算上限（万元）。")
    deadline: date | None


class NeedPage(Page):
    items: list[NeedListOut]


class ContactOut(Schema):
    name: str
    phone: str
    email: str


class NeedOut(ListingDetailBase):
    description: str
    budget_min: Decimal | None
    budget_max: Decimal | None
    deadline: date | None
    contact_visibility: ContactVisibility = Field(
        ..., description="public（公开）、members（登录用户可见）或 after_docking（对接后可见）。"
    )
    contact: ContactOut | None = Field(
        ..., description="联系方式；调用者按 `contact_visibility` 无权查看时为 null。"
    )

    @staticmethod
    def resolve_contact(obj: Need, context: dict[str, Any]) -> dict[str, str] | None:
        if not need_contact_visible(context["request"].user, obj):
            return None
        return {"name": obj.contact_name, "phone": obj.contact_phone, "email": obj.contact_email}


class NeedFieldsIn(InputSchema):
    """Fields a client may set on a need. On create the required ones must be present."""

    title: str | None = Field(None, description="标题，4–100 字。")
    description: str | None = Field(None, description="需求描述，20–5000 字。")
    region: str | None = Field(None, description="所在地区代码（GB/T 2260，6 位）。")
    industry: str | None = Field(None, description="所属行业代码（GB/T 4754，如 C38）。")
    disciplines: list[str] | None = Field(None, description="学科代码（GB/T 13745）。")
    cooperation_modes: list[str] | None = Field(None, description="合作方式代码，至少一个。")
    keywords: list[str] | None = Field(None, description="关键词，最多 10 个，每个不超过 20 字。")
    budget_min: Decimal | None = Field(None, description="预算下限（万元）。")
    budget_max: Decimal | None = Field(None, description="预算上限（万元），不低于下限。")
    deadline: date | None = Field(
        None, description="截止日期，不早于今天，不晚于发布有效期（今天起 180 天）。"
    )
    contact_name: str | None = Field(None, description="联系人。")
    contact_phone: str | None = Field(None, description="联系电话。")
    contact_email: str | None = Field(None, description="联系邮箱。")
    contact_visibility: ContactVisibility | None = Field(
        None, description="联系方式可见范围，默认 members。"
    )


class NeedCreateIn(NeedFieldsIn):
    organization: int = Field(
        ...,
        description="发布单位 id：调用者须是其管理员或工作人员，或其上级科协的管理员或工作人员。",
    )
    title: str = Field(..., description="标题，4–100 字。")
    description: str = Field(..., description="需求描述，20–5000 字。")
    region: str = Field(..., description="所在地区代码（GB/T 2260，6 位）。")
    industry: str = Field(..., description="所属行业代码（GB/T 4754，如 C38）。")
    cooperation_modes: list[str] = Field(..., description="合作方式代码，至少一个。")
    contact_name: str = Field(..., description="联系人。")


class NeedUpdateIn(NeedFieldsIn):
    """Partial update: only the fields sent change."""


@router.get(
    "",
    response={200: NeedPage, **problems(401, 422)},
    summary="需求列表",
    description=(
        "默认列出已发布且在有效期内的需求，任何人可调用。`status` 为其他状态时，只列出调用者"
        "所在组织及其管理范围内的需求（匿名调用得到空列表）。按发布时间倒序。"
    ),
    **PUBLIC,
)
@access_rule("need")
def list_needs(request: HttpRequest, filters: Query[ListingFilterIn]) -> Any:
    user = optional_user(request)
    return paginate(need_list(user=user, filters=filters.to_filters()), filters)


@router.get(
    "/{need_id}",
    response={200: NeedOut, **problems(401, 404)},
    summary="需求详情",
    description=(
        "已发布的需求任何人可看；未发布的只有本单位成员及其上级科协可看，其他人得到 404。"
        "联系方式按 `contact_visibility` 决定是否返回。"
    ),
    **PUBLIC,
)
@access_rule("need")
def get_need(request: HttpRequest, need_id: int) -> Any:
    return access_need_by_id(optional_user(request), need_id)


@router.post(
    "",
    response={201: NeedOut, **problems(401, 403, 422)},
    summary="创建需求",
    description="以草稿状态创建一条需求。所有字段一次校验，任何一项不合格都不保存；"
    "截止日期晚于发布有效期时返回 422 `deadline_after_expiry`。",
)
@access_rule("need", "organization")
def create_need(request: HttpRequest, payload: NeedCreateIn) -> Any:
    user = token_user(request)
    organization = publisher(user, payload.organization)
    data = service_data(payload, exclude={"organization"})
    item = need_create(actor=user, organization=organization, **data)
    return Status(201, access_need_by_id(user, item.pk))


@router.patch(
    "/{need_id}",
    response={200: NeedOut, **problems(401, 403, 404, 409, 422)},
    summary="修改需求",
    description="部分更新：只修改请求体中出现的字段。只有草稿或被退回的需求可以修改（否则 409）。",
)
@access_rule("need")
def update_need(request: HttpRequest, need_id: int, payload: NeedUpdateIn) -> Any:
    user = token_user(request)
    need = access_need_by_id(user, need_id, action="edit")
    need_update(actor=user, need=need, **service_data(payload))
    return access_need_by_id(user, need.pk)


add_listing_subresources(
    router, noun="need", label="需求", access=access_need_by_id, detail_schema=NeedOut
)
