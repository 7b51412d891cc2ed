"""/api/v1/achievements: research achievements (科技成果)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from kechuang.accounts.auth import optional_user, token_user
from kechuang.api.schemas import PUBLIC, InputSchema, Page, paginate, problems, service_data
from kechuang.catalog.access import access_achievement_by_id
from kechuang.catalog.api.listings import (
    ListingDetailBase,
    ListingFilterIn,
    ListingOutBase,
    add_listing_subresources,
    publisher,
)
from kechuang.catalog.choices import IPStatus, IPType
from kechuang.catalog.selectors import achievement_list
from kechuang.catalog.services import achievement_create, achievement_update
from kechuang.common.access_rules import access_rule

router = Router(tags=["achievements"])


class AchievementFilterIn(ListingFilterIn):
    trl_min: int | None = Field(None, ge=1, le=9, description="技术就绪度不低于此级（1–9）。")


class AchievementListOut(ListingOutBase):
    trl: int = Field(..., description="技术就绪度 1–9（GB/T 22900-2022）。")
    ip_type: IPType
    asking_price: Decimal | None = Field(..., description="参考价格（万元）。")


class AchievementPage(Page):
    items: list[AchievementListOut]


class AchievementOut(ListingDetailBase):
    summary: str
    team: str
    trl: int
    trl_label: str
    ip_type: IPType
    ip_number: str
    ip_status: IPStatus
    terms: str
    asking_price: Decimal | None

    @staticmethod
    def resolve_trl_label(obj: Any) -> str:
        return str(obj.get_trl_display())


class AchievementFieldsIn(InputSchema):
    """Fields a client may set on an achievement. On create the required ones must be present."""

    title: str | None = Field(None, description="标题，4–100 字。")
    summary: str | None = Field(None, description="成果简介，20–5000 字。")
    region: str | None = Field(None, description="所在地区代码（GB/T 2260，6 位）。")
    industry: str | None = Field(None, description="所属行业代码（GB/T 4754，如 C40）。")
    disciplines: list[str] | None = Field(None, description="学科代码（GB/T 13745）。")
    cooperation_modes: list[str] | None = Field(None, description="合作方式代码，至少一个。")
    keywords: list[str] | None = Field(None, description="关键词，最多 10 个，每个不超过 20 字。")
    team: str | None = Field(None, description="团队成员，每行一人。")
    trl: int | None = Field(None, description="技术就绪度 1–9。")
    ip_type: IPType | None = Field(None, description="知识产权类型，默认 none。")
    ip_number: str | None = Field(None, description="知识产权编号。")
    ip_status: IPStatus | None = Field(None, description="知识产权状态，默认 none。")
    terms: str | None = Field(None, description="合作条件。")
    asking_price: Decimal | None = Field(None, description="参考价格（万元）。")


class AchievementCreateIn(AchievementFieldsIn):
    organization: int = Field(
        ...,
        description="发布单位 id：调用者须是其管理员或工作人员，或其上级科协的管理员或工作人员。",
    )
    title: str = Field(..., description="标题，4–100 字。")
    summary: str = Field(..., description="成果简介，20–5000 字。")
    region: str = Field(..., description="所在地区代码（GB/T 2260，6 位）。")
    industry: str = Field(..., description="所属行业代码（GB/T 4754，如 C40）。")
    cooperation_modes: list[str] = Field(..., description="合作方式代码，至少一个。")
    trl: int = Field(..., description="技术就绪度 1–9。")


class AchievementUpdateIn(AchievementFieldsIn):
    """Partial update: only the fields sent change."""


@router.get(
    "",
    response={200: AchievementPage, **problems(401, 422)},
    summary="成果列表",
    description=(
        "默认列出已发布且在有效期内的成果，任何人可调用。`status` 为其他状态时，只列出调用者"
        "所在组织及其管理范围内的成果（匿名调用得到空列表）。按发布时间倒序。"
    ),
    **PUBLIC,
)
@access_rule("achievement")
def list_achievements(request: HttpRequest, filters: Query[AchievementFilterIn]) -> Any:
    user = optional_user(request)
    qs = achievement_list(user=user, filters=filters.to_filters(trl_min=filters.trl_min))
    return paginate(qs, filters)


@router.get(
    "/{achievement_id}",
    response={200: AchievementOut, **problems(401, 404)},
    summary="成果详情",
    description="已发布的成果任何人可看；未发布的只有本单位成员及其上级科协可看，其他人得到 404。",
    **PUBLIC,
)
@access_rule("achievement")
def get_achievement(request: HttpRequest, achievement_id: int) -> Any:
    return access_achievement_by_id(optional_user(request), achievement_id)


@router.post(
    "",
    response={201: AchievementOut, **problems(401, 403, 422)},
    summary="创建成果",
    description="以草稿状态创建一条成果。所有字段一次校验，任何一项不合格都不保存。",
)
@access_rule("achievement", "organization")
def create_achievement(request: HttpRequest, payload: AchievementCreateIn) -> Any:
    user = token_user(request)
    organization = publisher(user, payload.organization)
    data = service_data(payload, exclude={"organization"})
    item = achievement_create(actor=user, organization=organization, **data)
    return Status(201, access_achievement_by_id(user, item.pk))


@router.patch(
    "/{achievement_id}",
    response={200: AchievementOut, **problems(401, 403, 404, 409, 422)},
    summary="修改成果",
    description="部分更新：只修改请求体中出现的字段。只有草稿或被退回的成果可以修改（否则 409）。",
)
@access_rule("achievement")
def update_achievement(
    request: HttpRequest, achievement_id: int, payload: AchievementUpdateIn
) -> Any:
    user = token_user(request)
    achievement = access_achievement_by_id(user, achievement_id, action="edit")
    achievement_update(actor=user, achievement=achievement, **service_data(payload))
    return access_achievement_by_id(user, achievement.pk)


add_listing_subresources(
    router,
    noun="achievement",
    label="成果",
    access=access_achievement_by_id,
    detail_schema=AchievementOut,
)
