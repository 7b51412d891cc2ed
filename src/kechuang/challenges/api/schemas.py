"""Schemas shared by the challenge routers (input and output kept apart)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from kechuang.api.schemas import InputSchema, OrgRef, Page


class IndicatorIn(InputSchema):
    name: str = Field(..., description="指标名称。")
    target: str = Field(..., description="目标值。")
    unit: str = Field("", description="单位。")


class Indicator(Schema):
    name: str
    target: str
    unit: str


class ChallengeReasonIn(InputSchema):
    reason: str = Field("", description="理由，最多 500 字；部分操作必填。")


class ChallengeActionIn(ChallengeReasonIn):
    action: str = Field(..., description="操作名，见状态流转表。")


class CallOut(Schema):
    id: int
    title: str
    description: str
    organiser: OrgRef
    opens_at: datetime
    deadline: datetime
    status: str
    application_limit: int = Field(..., description="每个申报主体在本榜单的申请上限，默认 1。")
    max_partners: int = Field(..., description="联合体成员上限（不含牵头单位），默认 4。")
    requires_recommendation: bool
    recommendation_quotas: dict[str, int]
    review_rounds: int
    review_rules: dict[str, Any] = Field(..., description="评审规则；未写的用默认值。")
    review_process_id: int | None = Field(..., description="开始评审后，对应的评审 id。")
    published_at: datetime | None


class CallPage(Page):
    items: list[CallOut]


class CallProblemOut(Schema):
    id: int
    title: str
    funding_mode: str
    budget: Decimal
    subsidy_ratio: Decimal | None
    guidance_fund: Decimal | None
    completion_deadline: date
    confidentiality: str
    details_visible: bool = Field(..., description="为 false 时以下详情按保密等级隐藏。")
    description: str | None
    indicators: list[Indicator] | None
    expected_outcome: str | None
    eligibility_text: str | None
    eligibility: dict[str, list[str]] | None


class CallDetailOut(CallOut):
    problems: list[CallProblemOut]


class PartnerOut(Schema):
    organization: OrgRef
    role: str


class TeamMember(Schema):
    name: str
    role: str = ""
    affiliation: str = ""
    expert: int | None = Field(None, description="成员的专家档案 id（可选，用于利益冲突回避）。")


class ApplicationOut(Schema):
    id: int
    call_id: int
    call_problem_id: int
    kind: str
    organization: OrgRef | None
    title: str
    technical_route: str
    indicators: list[Indicator]
    budget: Decimal
    schedule: str
    team: list[TeamMember]
    status: str
    submitted_at: datetime | None
    partners: list[PartnerOut]

    @staticmethod
    def resolve_partners(obj: Any) -> list[Any]:
        return list(obj.partners.select_related("organization"))


class ApplicationPage(Page):
    items: list[ApplicationOut]
