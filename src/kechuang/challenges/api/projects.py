"""/api/v1/challenges: award, projects, milestones, tranches, reports, changes, acceptance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from kechuang.accounts.auth import token_user
from kechuang.api.schemas import InputSchema, Page, PageIn, paginate, problems
from kechuang.challenges.access import access_application_by_id, access_project_by_id
from kechuang.challenges.api.schemas import ChallengeActionIn, ChallengeReasonIn
from kechuang.challenges.choices import AcceptanceVerdict
from kechuang.challenges.models import ChangeRequest, Milestone, ProgressReport, Project
from kechuang.challenges.selectors import project_list
from kechuang.challenges.services.acceptance import acceptance_publish, acceptance_record
from kechuang.challenges.services.awards import award_make
from kechuang.challenges.services.milestone_review import (
    milestone_review_conclude,
    milestone_review_open,
)
from kechuang.challenges.services.projects import (
    change_decide,
    change_request,
    milestone_add,
    milestone_review,
    project_transition,
    released_total,
    report_file,
    tranche_release,
)
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import NotFound
from kechuang.orgs.access import access_organization_by_id

router = Router()


class AwardIn(InputSchema):
    justification: str = Field(..., description="决定理由（书面）。")
    agreement_text: str = ""
    agreement_signed_on: date | None = None


class MilestoneOut(Schema):
    id: int
    title: str
    deliverables: str
    due_on: date
    tranche_amount: Decimal
    status: str
    verdict_reason: str
    review_process_id: int | None = Field(..., description="专家评审的 id（如有）。")
    released: Decimal | None = Field(..., description="已拨付金额（万元），未拨付为 null。")

    @staticmethod
    def resolve_released(obj: Milestone) -> Decimal | None:
        payment = getattr(obj, "payment", None)
        return payment.amount if payment else None


class AcceptanceOut(Schema):
    id: int
    verdict: str
    results: list[dict[str, Any]]
    conditions: str
    summary: str
    published_at: datetime | None


class ProjectOut(Schema):
    id: int
    title: str
    status: str
    call_id: int
    application_id: int
    funding_mode: str
    funding_cap: Decimal
    released_total: Decimal
    milestones: list[MilestoneOut]
    acceptance: AcceptanceOut | None

    @staticmethod
    def resolve_call_id(obj: Project) -> int:
        return obj.award.application.call_id

    @staticmethod
    def resolve_application_id(obj: Project) -> int:
        return obj.award.application_id

    @staticmethod
    def resolve_funding_mode(obj: Project) -> str:
        return obj.award.call_problem.funding_mode

    @staticmethod
    def resolve_funding_cap(obj: Project) -> Decimal:
        return obj.award.funding_cap

    @staticmethod
    def resolve_released_total(obj: Project) -> Decimal:
        return released_total(obj)

    @staticmethod
    def resolve_milestones(obj: Project) -> list[Milestone]:
        return list(obj.milestones.select_related("payment"))

    @staticmethod
    def resolve_acceptance(obj: Project) -> Any:
        return getattr(obj, "acceptance", None)


class ProjectPage(Page):
    items: list[ProjectOut]


class MilestoneIn(InputSchema):
    title: str
    deliverables: str
    due_on: date
    tranche_amount: Decimal = Decimal(0)


class VerdictIn(InputSchema):
    verdict: str = Field(..., description="pass 或 fail。")
    reason: str


class MilestoneReviewIn(InputSchema):
    report: int = Field(..., description="针对该里程碑的进展报告 id，即评审对象。")
    evaluator: int | None = Field(None, description="第三方评价机构 id（可选）。")
    rounds: int = Field(1, ge=1, le=2, description="评审轮次，默认 1（网评）。")
    rules: dict[str, Any] | None = Field(
        None, description="评审规则（panel_size、max_load …），未写的用默认值。"
    )


class TrancheIn(InputSchema):
    amount: Decimal | None = Field(None, description="默认为里程碑计划的拨付金额。")


class TrancheOut(Schema):
    id: int
    milestone_id: int
    amount: Decimal
    released_at: datetime


class ReportIn(InputSchema):
    text: str
    milestone: int | None = None


class ReportOut(Schema):
    id: int
    text: str
    milestone_id: int | None
    created_at: datetime


class ChangeIn(InputSchema):
    description: str
    milestone: int | None = None
    new_due_on: date | None = None


class ChangeOut(Schema):
    id: int
    description: str
    milestone_id: int | None
    new_due_on: date | None
    status: str
    decision_reason: str


class ResultIn(InputSchema):
    name: str
    achieved: str
    met: bool


class AcceptanceIn(InputSchema):
    results: list[ResultIn]
    verdict: AcceptanceVerdict
    summary: str
    conditions: str = ""


def _project(user: Any, project_id: int, action: str) -> Project:
    return access_project_by_id(user, project_id, action=action)


def _milestone(user: Any, milestone_id: int, action: str) -> Milestone:
    milestone = Milestone.objects.filter(pk=milestone_id).first()
    if milestone is None:
        raise NotFound()
    _project(user, milestone.project_id, action)
    return milestone


@router.post(
    "/applications/{application_id}/award",
    response={201: ProjectOut, **problems(401, 403, 404, 409, 422)},
    summary="确定揭榜方并立项",
    description="每个题目只能确定一个揭榜方：重复确定返回 409 `already_awarded`。",
)
@access_rule("application", "project")
def challenge_award_make(request: HttpRequest, application_id: int, payload: AwardIn) -> Any:
    user = token_user(request)
    application = access_application_by_id(user, application_id, action="organise")
    award = award_make(actor=user, application=application, **payload.model_dump())
    return Status(201, _project(user, award.project.pk, "view"))


@router.get("/projects", response={200: ProjectPage, **problems(401)}, summary="揭榜项目列表")
@access_rule("project")
def challenge_project_list(request: HttpRequest, params: Query[PageIn]) -> Any:
    """组织方、揭榜方及其上级科协可见的项目。"""
    return paginate(project_list(token_user(request)), params)


@router.get(
    "/projects/{project_id}", response={200: ProjectOut, **problems(401, 404)}, summary="项目详情"
)
@access_rule("project")
def challenge_project_detail(request: HttpRequest, project_id: int) -> Any:
    """项目、里程碑、拨付和验收情况。"""
    return _project(token_user(request), project_id, "view")


@router.post(
    "/projects/{project_id}/milestones",
    response={201: MilestoneOut, **problems(401, 403, 404, 409, 422)},
    summary="设置里程碑",
    description="各里程碑拨付金额合计不能超过财政资金上限（422 `over_cap`）。",
)
@access_rule("project")
def challenge_milestone_add(request: HttpRequest, project_id: int, payload: MilestoneIn) -> Any:
    user = token_user(request)
    project = _project(user, project_id, "organise")
    return Status(201, milestone_add(actor=user, project=project, **payload.model_dump()))


@router.post(
    "/milestones/{milestone_id}/review",
    response={200: MilestoneOut, **problems(401, 403, 404, 409, 422)},
    summary="里程碑评审结论（一人核查）",
)
@access_rule("project")
def challenge_milestone_review(request: HttpRequest, milestone_id: int, payload: VerdictIn) -> Any:
    """组织方记录里程碑评审结论（pass 或 fail）、评审人和意见。"""
    user = token_user(request)
    milestone = _milestone(user, milestone_id, "organise")
    return milestone_review(actor=user, milestone=milestone, **payload.model_dump())


@router.post(
    "/milestones/{milestone_id}/review-process",
    response={201: MilestoneOut, **problems(401, 403, 404, 409, 422)},
    summary="发起里程碑专家评审",
    description="以该里程碑的进展报告为评审对象，创建用途为 milestone 的评审（之后在 "
    "/api/v1/reviews 中进行）；评审完成后调用 conclude 得出结论。已有评审 409 `review_exists`。",
)
@access_rule("organization", "project")
def challenge_milestone_review_open(
    request: HttpRequest, milestone_id: int, payload: MilestoneReviewIn
) -> Any:
    user = token_user(request)
    milestone = _milestone(user, milestone_id, "organise")
    report = ProgressReport.objects.filter(pk=payload.report, project=milestone.project_id).first()
    if report is None:
        raise NotFound()
    evaluator = access_organization_by_id(user, payload.evaluator) if payload.evaluator else None
    milestone = milestone_review_open(
        actor=user,
        milestone=milestone,
        report=report,
        evaluator=evaluator,
        rounds=payload.rounds,
        rules=payload.rules,
    )
    return Status(201, milestone)


@router.post(
    "/milestones/{milestone_id}/review-process/conclude",
    response={200: MilestoneOut, **problems(401, 403, 404, 409)},
    summary="按专家评审得出里程碑结论",
    description="评审完成且进展报告入选则通过，否则不通过；评审未完成 409 `review_not_final`。",
)
@access_rule("project")
def challenge_milestone_review_conclude(request: HttpRequest, milestone_id: int) -> Any:
    user = token_user(request)
    milestone = _milestone(user, milestone_id, "organise")
    return milestone_review_conclude(actor=user, milestone=milestone)


@router.post(
    "/milestones/{milestone_id}/tranche",
    response={201: TrancheOut, **problems(401, 403, 404, 409, 422)},
    summary="拨付里程碑资金",
    description="里程碑未评审通过返回 409 `milestone_not_passed`；累计超过上限 422 `over_cap`。",
)
@access_rule("project")
def challenge_tranche_release(request: HttpRequest, milestone_id: int, payload: TrancheIn) -> Any:
    user = token_user(request)
    milestone = _milestone(user, milestone_id, "organise")
    return Status(201, tranche_release(actor=user, milestone=milestone, amount=payload.amount))


@router.post(
    "/projects/{project_id}/reports",
    response={201: ReportOut, **problems(401, 403, 404, 409, 422)},
    summary="提交进展报告（揭榜方）",
)
@access_rule("project")
def challenge_report_file(request: HttpRequest, project_id: int, payload: ReportIn) -> Any:
    """揭榜方提交进展报告，可指明里程碑。"""
    user = token_user(request)
    project = _project(user, project_id, "execute")
    milestone = _milestone(user, payload.milestone, "execute") if payload.milestone else None
    return Status(
        201, report_file(actor=user, project=project, text=payload.text, milestone=milestone)
    )


@router.post(
    "/projects/{project_id}/changes",
    response={201: ChangeOut, **problems(401, 403, 404, 409, 422)},
    summary="申请变更（揭榜方）",
)
@access_rule("project")
def challenge_change_request(request: HttpRequest, project_id: int, payload: ChangeIn) -> Any:
    """揭榜方申请变更；可申请调整某个里程碑的完成日期。"""
    user = token_user(request)
    project = _project(user, project_id, "execute")
    milestone = _milestone(user, payload.milestone, "execute") if payload.milestone else None
    item = change_request(
        actor=user,
        project=project,
        description=payload.description,
        milestone=milestone,
        new_due_on=payload.new_due_on,
    )
    return Status(201, item)


@router.post(
    "/changes/{change_id}/decision",
    response={200: ChangeOut, **problems(401, 403, 404, 409, 422)},
    summary="审批变更（组织方）",
    description="action：approve 或 reject（须理由）。",
)
@access_rule("project")
def challenge_change_decide(
    request: HttpRequest, change_id: int, payload: ChallengeActionIn
) -> Any:
    user = token_user(request)
    change = ChangeRequest.objects.filter(pk=change_id).first()
    if change is None:
        raise NotFound()
    _project(user, change.project_id, "organise")
    return change_decide(actor=user, change=change, action=payload.action, reason=payload.reason)


@router.post(
    "/projects/{project_id}/transition",
    response={200: ProjectOut, **problems(401, 403, 404, 409, 422)},
    summary="申请验收（揭榜方）或终止项目（组织方）",
    description="action：request_acceptance 或 terminate（须理由）。",
)
@access_rule("project")
def challenge_project_transition(
    request: HttpRequest, project_id: int, payload: ChallengeActionIn
) -> Any:
    user = token_user(request)
    project = _project(user, project_id, "view")
    project_transition(actor=user, project=project, action=payload.action, reason=payload.reason)
    return _project(user, project_id, "view")


@router.post(
    "/projects/{project_id}/acceptance",
    response={201: ProjectOut, **problems(401, 403, 404, 409, 422)},
    summary="验收：逐项指标、结论",
)
@access_rule("project")
def challenge_acceptance_record(
    request: HttpRequest, project_id: int, payload: AcceptanceIn
) -> Any:
    """逐项对照承诺指标给出完成值和是否达到；有指标未达到时不能判定为通过。"""
    user = token_user(request)
    project = _project(user, project_id, "organise")
    acceptance_record(
        actor=user,
        project=project,
        results=[r.model_dump() for r in payload.results],
        verdict=payload.verdict.value,
        summary=payload.summary,
        conditions=payload.conditions,
    )
    return Status(201, _project(user, project_id, "view"))


@router.post(
    "/projects/{project_id}/acceptance/publish",
    response={200: ProjectOut, **problems(401, 403, 404, 409, 422)},
    summary="公布验收结果",
)
@access_rule("project")
def challenge_acceptance_publish(
    request: HttpRequest, project_id: int, payload: ChallengeReasonIn
) -> Any:
    """公布验收结果。"""
    user = token_user(request)
    project = _project(user, project_id, "organise")
    acceptance = getattr(project, "acceptance", None)
    if acceptance is None:
        raise NotFound()
    acceptance_publish(actor=user, acceptance=acceptance)
    return _project(user, project_id, "view")
