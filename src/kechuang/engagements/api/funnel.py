"""/api/v1/engagements/funnel: the funnel of an association's subtree over a period —
the same numbers as the staff page and its xlsx export (``engagements/funnel.py``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kechuang.accounts.auth import token_user
from kechuang.api.schemas import problems
from kechuang.common.access_rules import access_rule
from kechuang.engagements.funnel import access_funnel_association, funnel_for, parse_period

router = Router(tags=["engagements"])


class FunnelIn(Schema):
    association: int = Field(
        ..., description="科协（组织）编号；须是调用者任管理员或工作人员的科协或其下级。"
    )
    start: str = Field(
        "", description="开始日期 YYYY-MM-DD（含）；默认 364 天前（即最近 365 天）。"
    )
    end: str = Field("", description="结束日期 YYYY-MM-DD（含）；默认今天。最长十年。")


class FunnelStageOut(Schema):
    key: str = Field(..., description="started、introduced、intention、signed、completed。")
    label: str
    count: int = Field(..., description="区间内首次到达该阶段的对接数（含 challenge_projects）。")
    challenge_projects: int = Field(..., description="其中通过验收的揭榜挂帅项目（签约、落地）。")


class FunnelGapOut(Schema):
    key: str = Field(..., description="两个相邻阶段，如 started-introduced。")
    label: str
    median_days: float | None = Field(
        ..., description="用时中位数（天，一位小数）；无样本时为 null。"
    )
    n: int = Field(..., description="区间内完成这一步的对接数。")


class FunnelDeclineOut(Schema):
    reason: str
    label: str
    count: int


class FunnelOut(Schema):
    association_id: int
    association: str
    start: date
    end: date
    stages: list[FunnelStageOut]
    contracts: int = Field(..., description="区间内签约对接的合同份数。")
    contract_value: Decimal = Field(..., description="这些合同的金额合计（万元）。")
    technology_amount: Decimal = Field(..., description="这些合同的技术交易额合计（万元）。")
    gaps: list[FunnelGapOut]
    declines: list[FunnelDeclineOut]


@router.get(
    "",
    response={200: FunnelOut, **problems(401, 404, 422)},
    summary="对接漏斗（科协及其下级）",
    description=(
        "按需求或成果发布单位所在的科协下级范围统计：区间内发起、引荐、达成意向、签约、落地的"
        "对接数，签约合同金额与技术交易额合计，相邻阶段用时中位数，婉拒原因分布；通过验收的"
        "揭榜挂帅项目计入签约与落地。口径见 docs/engagements.md。日期格式错误、结束早于开始或"
        "超过十年返回 422；调用者不管理的科协返回 404。"
    ),
)
@access_rule("engagement", "organization")
def engagement_funnel(request: HttpRequest, params: Query[FunnelIn]) -> Any:
    user = token_user(request)
    association = access_funnel_association(user, params.association)
    period = parse_period(params.start, params.end)
    funnel = funnel_for(user, association, period)
    return {
        "association_id": association.pk,
        "association": association.name,
        "start": period.start,
        "end": period.end,
        "stages": [
            {"key": s.key, "label": s.label, "count": s.count, "challenge_projects": s.other}
            for s in funnel.stages
        ],
        "contracts": funnel.contracts,
        "contract_value": funnel.contract_value,
        "technology_amount": funnel.technology_amount,
        "gaps": [
            {"key": g.key, "label": g.label, "median_days": g.median_days, "n": g.n}
            for g in funnel.gaps
        ],
        "declines": [
            {"reason": d.reason, "label": d.label, "count": d.count} for d in funnel.declines
        ],
    }
