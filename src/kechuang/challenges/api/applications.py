"""/api/v1/challenges: applications (揭榜) and recommendations up the tree."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from kechuang.accounts.auth import token_user
from kechuang.api.schemas import InputSchema, PageIn, paginate, problems
from kechuang.catalog.uploads import check_upload
from kechuang.challenges.access import access_application_by_id, access_call_by_id
from kechuang.challenges.api.schemas import (
    ApplicationOut,
    ApplicationPage,
    ChallengeReasonIn,
    IndicatorIn,
    TeamMember,
)
from kechuang.challenges.choices import ApplicantKind, RecommendationDecision
from kechuang.challenges.models import ApplicationAttachment, CallProblem
from kechuang.challenges.selectors import (
    application_duplicates,
    applications_mine,
    call_applications,
    recommendation_queue,
)
from kechuang.challenges.services.applications import (
    application_attachment_add,
    application_create,
    application_submit,
    application_update,
    application_withdraw,
)
from kechuang.challenges.services.recommendations import recommendation_decide
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import NotFound
from kechuang.orgs.access import access_organization_by_id

router = Router()


class PartnerIn(InputSchema):
    organization: int
    role: str = ""


class ApplicationFieldsIn(InputSchema):
    title: str | None = None
    technical_route: str | None = None
    indicators: list[IndicatorIn] | None = None
    budget: Decimal | None = None
    schedule: str | None = None
    team: list[TeamMember] | None = None


class ApplicationCreateIn(ApplicationFieldsIn):
    call_problem: int = Field(..., description="榜单题目 id。")
    kind: ApplicantKind
    organization: int | None = Field(
        None, description="申报（牵头）单位 id；单位和联合体申报必填。"
    )
    partners: list[PartnerIn] = Field([], description="联合体成员单位，不超过榜单的上限。")
    title: str
    technical_route: str
    indicators: list[IndicatorIn]
    budget: Decimal
    schedule: str


class DuplicateOut(Schema):
    application_id: int
    call_id: int
    call_title: str
    title: str
    similarity: float = Field(..., description="方案文本相似度（字二元组 Jaccard，0–1）。")


class RecommendationIn(InputSchema):
    decision: RecommendationDecision
    reason: str = ""


class ApplicationAttachmentOut(Schema):
    id: int
    name: str = Field(..., alias="original_name")
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class RecommendationOut(Schema):
    id: int
    association_id: int
    level: str
    decision: str
    reason: str


@router.post(
    "/applications",
    response={201: ApplicationOut, **problems(401, 403, 404, 409, 422)},
    summary="揭榜（创建申请草稿）",
    description="截止后 409 `deadline_passed`；超过每个申报主体的申请上限 422 `limit_reached`；"
    "联合体成员超过上限 422 `too_many_partners`。",
)
@access_rule("call", "organization")
def challenge_application_create(request: HttpRequest, payload: ApplicationCreateIn) -> Any:
    user = token_user(request)
    call_problem = get_object_or_404(CallProblem, pk=payload.call_problem)
    access_call_by_id(user, call_problem.call_id)
    organization = (
        access_organization_by_id(user, payload.organization) if payload.organization else None
    )
    data = payload.model_dump(exclude={"call_problem", "kind", "organization", "partners"})
    item = application_create(
        actor=user,
        call_problem=call_problem,
        kind=payload.kind.value,
        organization=organization,
        partners=[p.model_dump() for p in payload.partners],
        **data,
    )
    return Status(201, item)


@router.get(
    "/applications/mine", response={200: ApplicationPage, **problems(401)}, summary="我的揭榜申请"
)
@access_rule("application")
def challenge_application_mine(request: HttpRequest, params: Query[PageIn]) -> Any:
    """调用者提交的、或其作为管理员的单位牵头的揭榜申请。"""
    return paginate(applications_mine(token_user(request)), params)


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, **problems(401, 404)},
    summary="揭榜申请详情",
)
@access_rule("application")
def challenge_application_detail(request: HttpRequest, application_id: int) -> Any:
    """申报方可看；提交后组织方和申报单位上级科协也可看。"""
    return access_application_by_id(token_user(request), application_id)


@router.patch(
    "/applications/{application_id}",
    response={200: ApplicationOut, **problems(401, 403, 404, 409, 422)},
    summary="修改揭榜申请（截止前）",
)
@access_rule("application")
def challenge_application_update(
    request: HttpRequest, application_id: int, payload: ApplicationFieldsIn
) -> Any:
    """部分更新；截止前、且尚未进入逐级推荐时可以修改。"""
    user = token_user(request)
    item = access_application_by_id(user, application_id, action="edit")
    return application_update(
        actor=user, application=item, **payload.model_dump(exclude_unset=True)
    )


@router.post(
    "/applications/{application_id}/submit",
    response={200: ApplicationOut, **problems(401, 403, 404, 409, 422)},
    summary="提交揭榜申请",
)
@access_rule("application")
def challenge_application_submit(request: HttpRequest, application_id: int) -> Any:
    """截止前提交；须逐级推荐时进入推荐，否则进入待评审。"""
    user = token_user(request)
    item = access_application_by_id(user, application_id, action="edit")
    return application_submit(actor=user, application=item)


@router.post(
    "/applications/{application_id}/withdraw",
    response={200: ApplicationOut, **problems(401, 403, 404, 409)},
    summary="撤回揭榜申请",
)
@access_rule("application")
def challenge_application_withdraw(
    request: HttpRequest, application_id: int, payload: ChallengeReasonIn
) -> Any:
    """申报方在评审开始前撤回，撤回后名额释放。"""
    user = token_user(request)
    item = access_application_by_id(user, application_id, action="edit")
    return application_withdraw(actor=user, application=item, reason=payload.reason)


@router.get(
    "/applications/{application_id}/duplicates",
    response={200: list[DuplicateOut], **problems(401, 403, 404)},
    summary="同一方案投向其他榜单（组织方查看）",
)
@access_rule("application")
def challenge_application_duplicates(request: HttpRequest, application_id: int) -> Any:
    """其他榜单中与本申请方案文本相似度不低于 0.5 的申请（只显示标题和相似度）。"""
    item = access_application_by_id(token_user(request), application_id, action="organise")
    return application_duplicates(item)


@router.get(
    "/calls/{call_id}/applications",
    response={200: ApplicationPage, **problems(401, 404)},
    summary="榜单的揭榜申请（组织方看全部，科协看本辖区）",
)
@access_rule("application", "call")
def challenge_call_applications(
    request: HttpRequest, call_id: int, params: Query[PageIn], status: str = ""
) -> Any:
    """组织方看全部已提交申请；科协看本辖区的；其他人只看自己的。"""
    user = token_user(request)
    return paginate(
        call_applications(user, access_call_by_id(user, call_id), status=status), params
    )


@router.get(
    "/recommendations/queue",
    response={200: list[ApplicationOut], **problems(401)},
    summary="等待本级科协推荐的申请",
)
@access_rule("application")
def challenge_recommendation_queue(request: HttpRequest) -> Any:
    """等待调用者本级科协给出推荐意见的申请。"""
    return recommendation_queue(token_user(request))


@router.post(
    "/applications/{application_id}/recommendations",
    response={201: RecommendationOut, **problems(401, 403, 404, 409, 422)},
    summary="给出本级推荐意见",
    description="只有当前层级科协的管理员或工作人员可以给出；名额用完 422 `quota_exceeded`。",
)
@access_rule("application")
def challenge_recommendation_decide(
    request: HttpRequest, application_id: int, payload: RecommendationIn
) -> Any:
    user = token_user(request)
    item = access_application_by_id(user, application_id, action="recommend")
    return Status(
        201,
        recommendation_decide(
            actor=user, application=item, decision=payload.decision.value, reason=payload.reason
        ),
    )


@router.get(
    "/applications/{application_id}/attachments",
    response={200: list[ApplicationAttachmentOut], **problems(401, 404)},
    summary="揭榜申请的附件",
)
@access_rule("application")
def challenge_application_attachments(request: HttpRequest, application_id: int) -> Any:
    """能看到申请的人（申报方；提交后组织方和上级科协）能看到其附件。"""
    item = access_application_by_id(token_user(request), application_id)
    return list(item.attachments.all())


@router.post(
    "/applications/{application_id}/attachments",
    response={201: ApplicationAttachmentOut, **problems(401, 403, 404, 409, 422)},
    summary="上传揭榜申请附件",
    description="multipart/form-data，字段名 `file`。只接受 PDF 与 PNG/JPEG/WebP/GIF 图片（按内容"
    "判断，扩展名须一致），单个文件不超过上限（默认 10 MB），每份申请最多 10 个附件；文件不合格"
    "时 422 `invalid_file`。截止后或进入推荐、评审后不能再上传（409）。",
)
@access_rule("application")
def challenge_application_attachment_add(
    request: HttpRequest, application_id: int, file: File[UploadedFile]
) -> Any:
    user = token_user(request)
    item = access_application_by_id(user, application_id, action="edit")
    upload = check_upload(file.name or "", file, file.size)
    return Status(201, application_attachment_add(actor=user, application=item, upload=upload))


@router.get(
    "/applications/{application_id}/attachments/{attachment_id}/file",
    response={200: None, **problems(401, 404)},
    summary="下载揭榜申请附件",
    description="返回文件内容，`Content-Disposition` 中带原文件名。",
)
@access_rule("application")
def challenge_application_attachment_file(
    request: HttpRequest, application_id: int, attachment_id: int
) -> Any:
    item = access_application_by_id(token_user(request), application_id)
    attachment = ApplicationAttachment.objects.filter(pk=attachment_id, application=item).first()
    if attachment is None:
        raise NotFound()
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
