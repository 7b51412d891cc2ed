"""/api/v1/engagements/{id}/…: messages, the contract, payments, milestones, outcome."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from kechuang.accounts.auth import token_user
from kechuang.api.schemas import PageIn, paginate, problems
from kechuang.common.access_rules import access_rule
from kechuang.engagements.access import access_engagement_by_id
from kechuang.engagements.api.engagements import router
from kechuang.engagements.api.schemas import (
    EngagementContractIn,
    EngagementContractOut,
    EngagementMessageIn,
    EngagementMessageOut,
    EngagementMessagePage,
    EngagementMilestoneIn,
    EngagementMilestoneOut,
    EngagementOutcomeIn,
    EngagementOutcomeOut,
    EngagementPaymentIn,
    EngagementPaymentOut,
)
from kechuang.engagements.models import Message
from kechuang.engagements.services import (
    engagement_complete,
    engagement_sign,
    message_post,
    messages_mark_read,
    milestone_add,
    payment_record,
)


@router.get(
    "/{engagement_id}/messages",
    response={200: EngagementMessagePage, **problems(401, 404, 422)},
    summary="对接留言",
    description="按时间顺序；读取即标为已读。婉拒或撤回后留言仍保留。",
)
@access_rule("engagement")
def engagement_message_list(request: HttpRequest, engagement_id: int, params: Query[PageIn]) -> Any:
    user = token_user(request)
    engagement = access_engagement_by_id(user, engagement_id)
    qs = (
        Message.objects.filter(engagement=engagement)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    page = paginate(qs, params)
    messages_mark_read(actor=user, engagement=engagement)
    return page


@router.post(
    "/{engagement_id}/messages",
    response={201: EngagementMessageOut, **problems(401, 403, 404, 409, 422)},
    summary="发送留言",
    description="双方、联络员或科协在进行中的对接里留言（附件请用网页上传）；其他各方收到通知。",
)
@access_rule("engagement")
def engagement_message_create(
    request: HttpRequest, engagement_id: int, payload: EngagementMessageIn
) -> Any:
    user = token_user(request)
    engagement = access_engagement_by_id(user, engagement_id, action="broker")
    reply_to = (
        Message.objects.filter(pk=payload.reply_to, engagement=engagement).first()
        if payload.reply_to
        else None
    )
    message = message_post(actor=user, engagement=engagement, body=payload.body, reply_to=reply_to)
    return Status(201, message)


@router.post(
    "/{engagement_id}/contract",
    response={201: EngagementContractOut, **problems(401, 403, 404, 409, 422)},
    summary="登记技术合同并签约",
    description=(
        "达成合作意向后，任一方登记技术合同（技术合同认定登记的字段），对接进入 signed。"
        "金额非负、最多两位小数；签订日期不早于对接发起日期。"
    ),
)
@access_rule("engagement")
def engagement_contract_create(
    request: HttpRequest, engagement_id: int, payload: EngagementContractIn
) -> Any:
    user = token_user(request)
    engagement = access_engagement_by_id(user, engagement_id, action="act")
    data = payload.model_dump()
    data["contract_type"] = payload.contract_type.value
    return Status(201, engagement_sign(actor=user, engagement=engagement, **data))


@router.post(
    "/{engagement_id}/payments",
    response={201: EngagementPaymentOut, **problems(401, 403, 404, 409, 422)},
    summary="登记到款",
    description="签约后，任一方登记收到的合同款（万元，非负，最多两位小数；日期不晚于今天）。",
)
@access_rule("engagement")
def engagement_payment_create(
    request: HttpRequest, engagement_id: int, payload: EngagementPaymentIn
) -> Any:
    user = token_user(request)
    engagement = access_engagement_by_id(user, engagement_id, action="act")
    return Status(201, payment_record(actor=user, engagement=engagement, **payload.model_dump()))


@router.post(
    "/{engagement_id}/milestones",
    response={201: EngagementMilestoneOut, **problems(401, 403, 404, 409, 422)},
    summary="添加实施里程碑",
    description="签约后、落地前，任一方添加实施里程碑（名称与计划日期）。",
)
@access_rule("engagement")
def engagement_milestone_create(
    request: HttpRequest, engagement_id: int, payload: EngagementMilestoneIn
) -> Any:
    user = token_user(request)
    engagement = access_engagement_by_id(user, engagement_id, action="act")
    return Status(201, milestone_add(actor=user, engagement=engagement, **payload.model_dump()))


@router.post(
    "/{engagement_id}/outcome",
    response={201: EngagementOutcomeOut, **problems(401, 403, 404, 409, 422)},
    summary="登记落地成效",
    description="实施中的对接登记成效后进入 completed（落地）。",
)
@access_rule("engagement")
def engagement_outcome_create(
    request: HttpRequest, engagement_id: int, payload: EngagementOutcomeIn
) -> Any:
    user = token_user(request)
    engagement = access_engagement_by_id(user, engagement_id, action="act")
    return Status(
        201, engagement_complete(actor=user, engagement=engagement, **payload.model_dump())
    )
