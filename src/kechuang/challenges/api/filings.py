"""/api/v1/challenges/filings: filings (备案) aggregated over the viewer's subtree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kechuang.accounts.auth import token_user
from kechuang.api.schemas import OrgRef, Page, PageIn, paginate, problems
from kechuang.challenges.selectors import filing_list, filing_summary, national_duplicates
from kechuang.common.access_rules import access_rule

router = Router()


class FilingOut(Schema):
    id: int
    call_id: int
    organiser: OrgRef
    recipient: OrgRef
    kind: str
    summary: str
    params: dict[str, Any]
    at: datetime


class FilingPage(Page):
    items: list[FilingOut]
    calls: int = Field(..., description="辖区内备案的榜单数。")
    by_kind: dict[str, int] = Field(..., description="各类备案事项的条数。")
    applications: int = Field(..., description="辖区内榜单收到的揭榜申请总数。")


class DuplicatePairOut(Schema):
    kind: str = Field(..., description="problem（榜单题目）或 project（项目）。")
    first_id: int
    first_title: str
    first_region: str = Field(..., description="组织单位所在省级行政区代码前两位。")
    second_id: int
    second_title: str
    second_region: str
    similarity: float


@router.get(
    "/filings",
    response={200: FilingPage, **problems(401)},
    summary="本辖区备案（逐级汇总）",
    description="调用者管理的科协及其下级的全部备案；中国科协看到全国。",
)
@access_rule("filing")
def challenge_filing_list(request: HttpRequest, params: Query[PageIn], kind: str = "") -> Any:
    user = token_user(request)
    page = paginate(filing_list(user, kind=kind), params)
    summary = filing_summary(user)
    return {
        **page,
        "calls": summary.calls,
        "by_kind": summary.by_kind,
        "applications": summary.applications,
    }


@router.get(
    "/filings/duplicates",
    response={200: list[DuplicatePairOut], **problems(401, 403)},
    summary="跨地区疑似重复的题目和项目（全国）",
    description="文本相似度不低于 0.5 且组织单位在不同省份的题目对、项目对。"
    "只有中国科协的管理员、工作人员和平台管理员可以调用。",
)
@access_rule("filing")
def challenge_filing_duplicates(request: HttpRequest) -> Any:
    return national_duplicates(token_user(request))
