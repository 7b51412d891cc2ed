"""/api/v1/challenges: collection rounds, problems and calls."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from kechuang.accounts.auth import optional_user, token_user
from kechuang.api.schemas import PUBLIC, InputSchema, OrgRef, Page, PageIn, paginate, problems
from kechuang.challenges.access import (
    access_call_by_id,
    access_problem_by_id,
    access_round_by_id,
)
from kechuang.challenges.api.schemas import (
    CallDetailOut,
    CallOut,
    CallPage,
    CallProblemOut,
    ChallengeActionIn,
    IndicatorIn,
)
from kechuang.challenges.models import Call, CallProblem
from kechuang.challenges.selectors import (
    call_list,
    call_problems,
    problem_details_visible,
    problem_list,
    round_list,
)
from kechuang.challenges.services.calls import (
    call_create,
    call_problem_add,
    call_transition,
    call_update,
)
from kechuang.challenges.services.collection import (
    problem_classify,
    problem_submit,
    problem_transition,
    round_open,
)
from kechuang.common.access_rules import access_rule
from kechuang.orgs.access import access_organization_by_id

router = Router()


# ---------------------------------------------------------------- rounds and problems


class RoundIn(InputSchema):
    owner: int = Field(..., description="征集单位（科协）id，调用者须是其管理员或工作人员。")
    title: str
    description: str = ""
    opens_on: date
    closes_on: date


class RoundOut(Schema):
    id: int
    owner: OrgRef
    title: str
    description: str
    opens_on: date
    closes_on: date
    status: str


class RoundPage(Page):
    items: list[RoundOut]


class ProblemIn(InputSchema):
    organization: int = Field(
        ..., description="提出单位 id：须是调用者所在单位，且在征集单位之下。"
    )
    title: str
    description: str
    keywords: list[str] = []


class ProblemOut(Schema):
    id: int
    round_id: int
    organization: OrgRef
    title: str
    description: str
    industry_id: str | None
    discipline_id: str | None
    keywords: str
    status: str
    screening_reason: str
    taken_by_id: int | None


class ProblemPage(Page):
    items: list[ProblemOut]


class ClassifyIn(InputSchema):
    industry: str | None = None
    discipline: str | None = None
    keywords: list[str] | None = None


class ProblemActionIn(ChallengeActionIn):
    action: str = Field(
        ..., description="accept、reject（须理由）、offer_internal、take、publish。"
    )
    taken_by: int | None = Field(None, description="take 时的承接单位 id。")


@router.post("/rounds", response={201: RoundOut, **problems(401, 403, 422)}, summary="开启难题征集")
@access_rule("organization")
def challenge_round_open(request: HttpRequest, payload: RoundIn) -> Any:
    """科协（含企业科协）的管理员或工作人员开启一轮难题征集。"""
    user = token_user(request)
    owner = access_organization_by_id(user, payload.owner)
    data = payload.model_dump(exclude={"owner"})
    return Status(201, round_open(actor=user, owner=owner, **data))


@router.get("/rounds", response={200: RoundPage, **problems(401)}, summary="我可参与或管理的征集")
@access_rule("round")
def challenge_round_list(request: HttpRequest, params: Query[PageIn]) -> Any:
    """调用者所在单位上级开启的、或调用者管理的征集轮次。"""
    return paginate(round_list(token_user(request)), params)


@router.post(
    "/rounds/{round_id}/problems",
    response={201: ProblemOut, **problems(401, 403, 404, 409, 422)},
    summary="提交难题",
)
@access_rule("organization", "round")
def challenge_problem_submit(request: HttpRequest, round_id: int, payload: ProblemIn) -> Any:
    """征集单位下属单位的成员以本单位名义提交难题；征集截止后 409。"""
    user = token_user(request)
    round = access_round_by_id(user, round_id)
    organization = access_organization_by_id(user, payload.organization)
    item = problem_submit(
        actor=user,
        round=round,
        organization=organization,
        title=payload.title,
        description=payload.description,
        keywords="，".join(payload.keywords),
    )
    return Status(201, item)


@router.get("/problems", response={200: ProblemPage, **problems(401)}, summary="难题列表", **PUBLIC)
@access_rule("problem")
def challenge_problem_list(request: HttpRequest, params: Query[PageIn], status: str = "") -> Any:
    """已对外发布的难题任何人可看；内部揭榜中的难题只有征集单位辖区内的成员可看；其余只有提出单位和征集单位可看。"""
    return paginate(problem_list(optional_user(request), status=status), params)


@router.post(
    "/problems/{problem_id}/classify",
    response={200: ProblemOut, **problems(401, 403, 404, 422)},
    summary="难题分类",
)
@access_rule("problem")
def challenge_problem_classify(request: HttpRequest, problem_id: int, payload: ClassifyIn) -> Any:
    """征集单位的管理员或工作人员设置行业（GB/T 4754）、学科（GB/T 13745）和关键词。"""
    user = token_user(request)
    problem = access_problem_by_id(user, problem_id, action="manage")
    keywords = None if payload.keywords is None else "，".join(payload.keywords)
    return problem_classify(
        actor=user,
        problem=problem,
        industry=payload.industry,
        discipline=payload.discipline,
        keywords=keywords,
    )


@router.post(
    "/problems/{problem_id}/transition",
    response={200: ProblemOut, **problems(401, 403, 404, 409, 422)},
    summary="筛选、内部揭榜、内部承接或对外发布难题",
)
@access_rule("organization", "problem")
def challenge_problem_transition(
    request: HttpRequest, problem_id: int, payload: ProblemActionIn
) -> Any:
    """按状态流转表：accept、reject（须理由）、offer_internal（先内部揭榜）、take（辖区内单位承接）、publish（对外发布）。"""
    user = token_user(request)
    problem = access_problem_by_id(user, problem_id)
    taken_by = access_organization_by_id(user, payload.taken_by) if payload.taken_by else None
    return problem_transition(
        actor=user,
        problem=problem,
        action=payload.action,
        reason=payload.reason,
        taken_by=taken_by,
    )


# ---------------------------------------------------------------- calls


class CallFieldsIn(InputSchema):
    title: str | None = None
    description: str | None = None
    opens_at: datetime | None = None
    deadline: datetime | None = None
    application_limit: int | None = Field(None, description="每个申报主体的申请上限，默认 1。")
    max_partners: int | None = Field(None, description="联合体成员上限，默认 4。")
    requires_recommendation: bool | None = None
    recommendation_quotas: dict[str, int] | None = Field(
        None, description="各级推荐名额：district、city、province → 名额。"
    )
    review_rounds: int | None = Field(None, description="评审轮次：1（网评）或 2（网评 + 会评）。")
    review_rules: dict[str, Any] | None = Field(
        None,
        description='评审规则：panel_size、frontline_share（如 "1/3"）、exclude_government、'
        "max_load、conflict_years、conflict_subtree；未写的用默认值。",
    )


class CallActionIn(ChallengeActionIn):
    evaluator: int | None = Field(
        None, description="start_review 时可指定的第三方评价机构 id（代组织方组织评审）。"
    )


class CallCreateIn(CallFieldsIn):
    organiser: int = Field(..., description="组织单位 id，调用者须是其管理员或工作人员。")
    title: str
    description: str
    opens_at: datetime
    deadline: datetime


class CallProblemIn(InputSchema):
    problem: int | None = Field(None, description="来源难题 id（可选）。")
    title: str | None = None
    description: str | None = None
    indicators: list[IndicatorIn]
    expected_outcome: str
    funding_mode: str = Field(..., description="public、subsidy 或 market。")
    budget: Decimal = Field(..., description="资助金额（万元）；subsidy 时为补助上限。")
    subsidy_ratio: Decimal | None = None
    guidance_fund: Decimal | None = None
    completion_deadline: date
    eligibility_text: str = Field("", description="申报条件；不得设置年龄、规模、营收等门槛。")
    eligibility: dict[str, Any] | None = Field(
        None, description="结构化条件：applicant_kinds、qualifications、capabilities。"
    )
    confidentiality: str = "public"


def _problem_out(user: Any, item: CallProblem) -> dict[str, Any]:
    visible = problem_details_visible(user, item)
    out: dict[str, Any] = {
        "id": item.pk,
        "title": item.title,
        "funding_mode": item.funding_mode,
        "budget": item.budget,
        "subsidy_ratio": item.subsidy_ratio,
        "guidance_fund": item.guidance_fund,
        "completion_deadline": item.completion_deadline,
        "confidentiality": item.confidentiality,
        "details_visible": visible,
    }
    for name in (
        "description",
        "indicators",
        "expected_outcome",
        "eligibility_text",
        "eligibility",
    ):
        out[name] = getattr(item, name) if visible else None
    return out


def _call_detail(user: Any, call: Call) -> dict[str, Any]:
    data = CallOut.model_validate(call).model_dump()
    data["problems"] = [_problem_out(user, p) for p in call_problems(call)]
    return data


@router.get("/calls", response={200: CallPage, **problems(401)}, summary="榜单列表", **PUBLIC)
@access_rule("call")
def challenge_call_list(
    request: HttpRequest, params: Query[PageIn], status: str = "", mine: bool = False
) -> Any:
    """已发布的榜单任何人可看；草稿只有组织单位一方可看。`mine=true` 只列出调用者管理的榜单。"""
    return paginate(call_list(optional_user(request), status=status, mine=mine), params)


@router.get(
    "/calls/{call_id}",
    response={200: CallDetailOut, **problems(401, 404)},
    summary="榜单详情",
    **PUBLIC,
)
@access_rule("call")
def challenge_call_detail(request: HttpRequest, call_id: int) -> Any:
    """榜单及其题目；题目详情按保密等级对调用者可见或隐藏。"""
    user = optional_user(request)
    return _call_detail(user, access_call_by_id(user, call_id))


@router.post("/calls", response={201: CallDetailOut, **problems(401, 403, 422)}, summary="创建榜单")
@access_rule("call", "organization")
def challenge_call_create(request: HttpRequest, payload: CallCreateIn) -> Any:
    """以草稿状态创建榜单。每个申报主体的申请上限默认 1，联合体成员上限默认 4。"""
    user = token_user(request)
    organiser = access_organization_by_id(user, payload.organiser)
    data = payload.model_dump(exclude={"organiser"}, exclude_none=True)
    return Status(201, _call_detail(user, call_create(actor=user, organiser=organiser, **data)))


@router.patch(
    "/calls/{call_id}",
    response={200: CallDetailOut, **problems(401, 403, 404, 409, 422)},
    summary="修改草稿榜单",
)
@access_rule("call")
def challenge_call_update(request: HttpRequest, call_id: int, payload: CallFieldsIn) -> Any:
    """部分更新，只有草稿可以修改（否则 409）。"""
    user = token_user(request)
    call = access_call_by_id(user, call_id, action="manage")
    call = call_update(actor=user, call=call, **payload.model_dump(exclude_unset=True))
    return _call_detail(user, call)


@router.post(
    "/calls/{call_id}/problems",
    response={201: CallProblemOut, **problems(401, 403, 404, 409, 422)},
    summary="添加榜单题目",
    description="申报条件不能设置年龄、研发投入占比、企业规模、营业收入、注册资本、成立年限、"
    "员工人数等门槛：结构化条件和文字条件都会检查，违反时返回 422 并说明原因。",
)
@access_rule("call", "problem")
def challenge_call_problem_add(request: HttpRequest, call_id: int, payload: CallProblemIn) -> Any:
    user = token_user(request)
    call = access_call_by_id(user, call_id, action="manage")
    data = payload.model_dump(exclude_none=True, exclude={"problem"})
    source = access_problem_by_id(user, payload.problem) if payload.problem else None
    item = call_problem_add(actor=user, call=call, problem=source, **data)
    return Status(201, _problem_out(user, item))


@router.post(
    "/calls/{call_id}/transition",
    response={200: CallDetailOut, **problems(401, 403, 404, 409, 422)},
    summary="发布、截止、开始评审、确定揭榜方、完成或取消榜单",
    description="action：publish、close（截止时间后）、start_review、start_awarding、finish、"
    "cancel（须理由）。start_review 为全部待评审申请创建评审（见 `review_process_id`，"
    "之后在 /api/v1/reviews 中进行），可带 `evaluator`；没有待评审申请时 422 "
    "`no_applications`。",
)
@access_rule("call", "organization")
def challenge_call_transition(request: HttpRequest, call_id: int, payload: CallActionIn) -> Any:
    user = token_user(request)
    call = access_call_by_id(user, call_id, action="manage")
    evaluator = access_organization_by_id(user, payload.evaluator) if payload.evaluator else None
    call = call_transition(
        actor=user, call=call, action=payload.action, reason=payload.reason, evaluator=evaluator
    )
    return _call_detail(user, call)
