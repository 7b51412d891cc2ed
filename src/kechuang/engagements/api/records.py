"""/api/v1/engagements/{id}/…: messages, the contract, payments, milestones, outcome."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query

from kechuang.api.auth import token_user
from kechuang.api.schemas import PageIn, paginate, problems
from kechuang.common.access_rules import access_rule
from kechuang.engagements.access import access_engagement_by_id
from kechuang.engagements.api.engagements import router
from kechuang.engagements.api.schemas import (
    ContractIn,
    ContractOut,
    MessageIn,
    MessageOut,
    MessagePage,
    MilestoneIn,
    MilestoneOut,
    OutcomeIn,
    OutcomeOut,
    PaymentIn,
    PaymentOut,
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
    response={200: MessagePage, **problems(401, 404, 422)},
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
    response={201: MessageOut, **problems(401, 403, 404, 409, 422)},
    summary="发送留言",
    description="双方、联络员或科协在进行中的对接里留言（附件请用网页上传）；其他各方收到通知。",
)
@access_rule("engagement")
def engagement_message_create(request: HttpRequest, engagement_id: int, payload: MessageIn) -> Any:
    user = token_user(request)
    engagement = access_engagement_by_id(user, engagement_id, action="broker")
    reply_to = (
        Message.objects.filter(pk=payload.reply_to, engagement=engagement).first()
        if payload.reply_to
        else None
    )
    return 201, message_post(
        actor=user, engagement=engagement, body=payload.body, reply_to=reply_to
    )


@router.post(
    "/{engagement_id}/contract",
    response={201: ContractOut, **problems(401, 403, 404, 409, 422)},
    summary="登记技术合同并签约",
    description=(
        "达成合作意向后，任一方登记技术合同（技术合同认定登记的字段），对接进入 signed。"
        "金额非负、最多两位小数；签订日期不早于对接发起日期。"
    ),
)
@access_rule("engagement")
def engagement_contract_create(
    request: HttpRequest, engagement_id: int, payload: ContractIn
) -> Any:
    user = token_user(request)
    engagement = access_engagement_by_id(user, engagement_id, action="act")
    data = payload.model_dump()
    data["contract_type"] = payload.contract_type.value
    return 201, engagement_sign(actor=user, engagement=engagement, **data)


@router.post(
    "/{engagement_id}/payments",
    response={201: PaymentOut, **problems(401, 403, 404, 409, 422)},
    summary="登记到款",
)
@access_rule("engagement")
def engagement_payment_create(request: HttpRequest, engagement_id: int, payload: PaymentIn) -> Any:
    user = token_user(request)
    engagement = access_engagement_by_id(user, engagement_id, action="act")
    return 201, payment_record(actor=user, engagement=engagement, **payload.model_dump())


@router.post(
    "/{engagement_id}/milestones",
    response={201: MilestoneOut, **problems(401, 403, 404, 409, 422)},
    summary="添加实施里程碑",
)
@access_rule("engagement")
def engagement_milestone_create(
    request: HttpRequest, engagement_id: int, payload: MilestoneIn
) -> Any:
    user = token_user(request)
    engagement = access_engagement_by_id(user, engagement_id, action="act")
    return 201, milestone_add(actor=user, engagement=engagement, **payload.model_dump())


@router.post(
    "/{engagement_id}/outcome",
    response={201: OutcomeOut, **problems(401, 403, 404, 409, 422)},
    summary="登记落地成效",
    description="实施中的对接登记成效后进入 completed（落地）。",
)
@access_rule("engagement")
def engagement_outcome_create(request: HttpRequest, engagement_id: int, payload: OutcomeIn) -> Any:
    user = token_user(request)
    engagement = access_engagement_by_id(user, engagement_id, action="act")
    return 201, engagement_complete(actor=user, engagement=engagement, **payload.model_dump())
