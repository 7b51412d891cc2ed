"""/api/v1/experts: expert profiles (专家) and their works."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from kechuang.accounts.auth import optional_user, token_user
from kechuang.api.schemas import (
    PUBLIC,
    CodeName,
    InputSchema,
    OrgRef,
    Page,
    PageIn,
    paginate,
    problems,
    service_data,
)
from kechuang.catalog.access import access_expert_by_id
from kechuang.catalog.api.listings import publisher
from kechuang.catalog.choices import ExpertStatus, ProfessionalTitle, WorkKind
from kechuang.catalog.selectors import expert_list
from kechuang.catalog.services import (
    expert_create,
    expert_set_status,
    expert_update,
    expert_work_add,
    expert_work_remove,
)
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import NotFound

router = Router(tags=["experts"])


class ExpertFilterIn(PageIn):
    q: str = Field("", description="关键词，匹配姓名、专长、单位和简介。")
    region: str = Field("", description="行政区划代码；省、市代码包含其下各级。")
    discipline: str = Field("", description="学科代码（GB/T 13745）。")
    frontline: bool | None = Field(None, description="只看（true）或排除（false）一线科技人员。")


class ExpertListOut(Schema):
    id: int
    name: str
    title_level: ProfessionalTitle
    title_name: str
    affiliation: str
    organization: OrgRef | None
    region: CodeName
    disciplines: list[CodeName]
    keywords: list[str]
    is_frontline_engineer: bool
    status: ExpertStatus = Field(..., description="draft（未公开）、published 或 hidden。")

    @staticmethod
    def resolve_keywords(obj: Any) -> list[str]:
        return list(obj.keyword_list)


class ExpertPage(Page):
    items: list[ExpertListOut]


class WorkOut(Schema):
    id: int
    kind: WorkKind
    kind_label: str
    title: str
    year: int | None
    venue: str
    description: str

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())


class ExpertOut(ExpertListOut):
    title_level_label: str
    status_label: str
    industries: list[CodeName]
    biography: str
    is_government_staff: bool
    works: list[WorkOut]
    updated_at: datetime

    @staticmethod
    def resolve_title_level_label(obj: Any) -> str:
        return str(obj.get_title_level_display())

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class ExpertFieldsIn(InputSchema):
    name: str | None = Field(None, description="姓名。")
    title_level: ProfessionalTitle | None = Field(None, description="职称级别，默认 none。")
    title_name: str | None = Field(None, description="职称，如“教授”。")
    affiliation: str | None = Field(None, description="工作单位。")
    region: str | None = Field(None, description="所在地区代码（GB/T 2260）。")
    disciplines: list[str] | None = Field(None, description="学科代码，至少一个。")
    industries: list[str] | None = Field(None, description="服务行业代码（GB/T 4754）。")
    keywords: list[str] | None = Field(None, description="专长关键词，最多 10 个。")
    biography: str | None = Field(None, description="个人简介，最多 3000 字。")
    is_frontline_engineer: bool | None = Field(None, description="是否一线科技人员。")
    is_government_staff: bool | None = Field(None, description="是否党政机关工作人员。")


class ExpertCreateIn(ExpertFieldsIn):
    for_self: bool = Field(
        True,
        description="true：创建自己的专家档案（每人一份）；false：由 `organization` 的管理员"
        "或工作人员代为建档。",
    )
    organization: int | None = Field(
        None, description="所在单位 id：为自己建档时须是其成员，代为建档时必填。"
    )
    name: str = Field(..., description="姓名。")
    affiliation: str = Field(..., description="工作单位。")
    region: str = Field(..., description="所在地区代码（GB/T 2260）。")
    disciplines: list[str] = Field(..., description="学科代码，至少一个。")
    keywords: list[str] = Field(..., description="专长关键词，最多 10 个。")


class ExpertUpdateIn(ExpertFieldsIn):
    """Partial update: only the fields sent change."""


class ExpertStatusIn(InputSchema):
    status: Literal["published", "hidden"] = Field(..., description="published 公开；hidden 隐藏。")


class WorkIn(InputSchema):
    kind: WorkKind
    title: str = Field(..., description="题目，最多 200 字。")
    year: int | None = Field(None, description="年份，1950–2100。")
    venue: str = Field("", description="刊物、专利号或来源。")
    description: str = Field("", description="说明。")


def _expert(obj: Any) -> Any:
    """The profile with what the detail schema reads, in three queries."""
    return (
        type(obj)
        .objects.select_related("organization", "region")
        .prefetch_related("disciplines", "industries", "works")
        .get(pk=obj.pk)
    )


@router.get(
    "",
    response={200: ExpertPage, **problems(401, 422)},
    summary="专家列表",
    description=(
        "公开的专家档案，任何人可调用；登录用户还能看到自己的档案和所管理组织的档案。按姓名排序。"
    ),
    **PUBLIC,
)
@access_rule("expert")
def list_experts(request: HttpRequest, filters: Query[ExpertFilterIn]) -> Any:
    qs = expert_list(
        user=optional_user(request),
        q=filters.q.strip(),
        region=filters.region.strip(),
        discipline=filters.discipline.strip(),
        frontline=filters.frontline,
    )
    return paginate(qs, filters)


@router.get(
    "/{expert_id}",
    response={200: ExpertOut, **problems(401, 404)},
    summary="专家详情",
    description=(
        "公开的档案任何人可看；未公开或已隐藏的只有本人和所在单位的管理者可看，其他人得到 404。"
    ),
    **PUBLIC,
)
@access_rule("expert")
def get_expert(request: HttpRequest, expert_id: int) -> Any:
    return _expert(access_expert_by_id(optional_user(request), expert_id))


@router.post(
    "",
    response={201: ExpertOut, **problems(401, 403, 409, 422)},
    summary="创建专家档案",
    description="新档案为未公开状态（draft），用 `POST /experts/{id}/status` 公开。",
)
@access_rule("organization")
def create_expert(request: HttpRequest, payload: ExpertCreateIn) -> Any:
    user = token_user(request)
    organization = (
        publisher(user, payload.organization) if payload.organization is not None else None
    )
    data = service_data(payload, exclude={"organization", "for_self"})
    expert = expert_create(actor=user, organization=organization, for_self=payload.for_self, **data)
    return Status(201, _expert(expert))


@router.patch(
    "/{expert_id}",
    response={200: ExpertOut, **problems(401, 403, 404, 422)},
    summary="修改专家档案",
    description="部分更新：只修改请求体中出现的字段。本人或所在单位的管理者可以修改。",
)
@access_rule("expert")
def update_expert(request: HttpRequest, expert_id: int, payload: ExpertUpdateIn) -> Any:
    user = token_user(request)
    expert = access_expert_by_id(user, expert_id, action="edit")
    return _expert(expert_update(actor=user, expert=expert, **service_data(payload)))


@router.post(
    "/{expert_id}/status",
    response={200: ExpertOut, **problems(401, 403, 404, 422)},
    summary="公开或隐藏专家档案",
    description="本人或所在单位的管理者可以公开（published）或隐藏（hidden）档案。",
)
@access_rule("expert")
def set_expert_status(request: HttpRequest, expert_id: int, payload: ExpertStatusIn) -> Any:
    user = token_user(request)
    expert = access_expert_by_id(user, expert_id, action="edit")
    return _expert(expert_set_status(actor=user, expert=expert, status=payload.status))


@router.post(
    "/{expert_id}/works",
    response={201: WorkOut, **problems(401, 403, 404, 422)},
    summary="添加专家成果",
    description="添加一篇论文、一项专利、项目或奖励。",
)
@access_rule("expert")
def add_expert_work(request: HttpRequest, expert_id: int, payload: WorkIn) -> Any:
    user = token_user(request)
    expert = access_expert_by_id(user, expert_id, action="edit")
    data = payload.model_dump()
    data["kind"] = payload.kind.value
    return Status(201, expert_work_add(actor=user, expert=expert, **data))


@router.delete(
    "/{expert_id}/works/{work_id}",
    response={204: None, **problems(401, 403, 404)},
    summary="删除专家成果",
    description="删除档案中的一条成果。",
)
@access_rule("expert")
def remove_expert_work(request: HttpRequest, expert_id: int, work_id: int) -> Any:
    user = token_user(request)
    expert = access_expert_by_id(user, expert_id, action="edit")
    work = expert.works.filter(pk=work_id).first()
    if work is None:
        raise NotFound()
    expert_work_remove(actor=user, work=work)
    return Status(204, None)
