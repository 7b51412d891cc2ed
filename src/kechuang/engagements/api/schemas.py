"""Input and output schemas of /api/v1/engagements (one pair per endpoint)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from kechuang.api.schemas import InputSchema, OrgRef, Page, PageIn, UserRef
from kechuang.engagements.choices import ContractType, DeclineReason, Origin, Side, Stage
from kechuang.engagements.models import Engagement, Message


class EngagementSubjectRef(Schema):
    kind: str = Field(..., description="need 或 achievement。")
    id: int
    title: str


class EngagementCounterpartyRef(Schema):
    kind: str = Field(..., description="expert 或 organization。")
    id: int
    name: str


class EngagementOut(Schema):
    id: int
    subject: EngagementSubjectRef
    subject_org: OrgRef
    counterparty: EngagementCounterpartyRef
    started_side: Side
    origin: Origin
    stage: Stage = Field(
        ...,
        description="interest、introduced、negotiating、intention、signed、implementing、"
        "completed、declined、withdrawn 或 stalled。",
    )
    stage_label: str
    match_reason: dict[str, Any]
    decline_reason: str = Field(..., description="婉拒原因代码（未婉拒时为空）。")
    decline_text: str
    intention_summary: str
    started_at: datetime
    introduced_at: datetime | None
    signed_at: datetime | None
    completed_at: datetime | None
    last_activity_at: datetime

    @staticmethod
    def resolve_subject(obj: Engagement) -> dict[str, Any]:
        return {"kind": obj.subject_kind, "id": obj.subject.pk, "title": str(obj.subject)}

    @staticmethod
    def resolve_counterparty(obj: Engagement) -> dict[str, Any]:
        return {
            "kind": obj.counterparty_kind,
            "id": obj.counterparty.pk,
            "name": str(obj.counterparty),
        }

    @staticmethod
    def resolve_stage_label(obj: Engagement) -> str:
        return str(obj.get_stage_display())


class EngagementPage(Page):
    items: list[EngagementOut]


class EngagementFilterIn(PageIn):
    stage: Stage | None = Field(None, description="按阶段筛选。")


class EngagementContactOut(Schema):
    label: str
    value: str


class EngagementDetailOut(EngagementOut):
    subject_contacts: list[EngagementContactOut] | None = Field(
        ..., description="需求方/成果方的联系方式；引荐前（或未签保密协议时）为 null。"
    )
    counterparty_contacts: list[EngagementContactOut] | None
    next_stages: list[Stage] = Field(..., description="调用者现在可以把对接推进到的阶段。")


class EngagementStartIn(InputSchema):
    subject: str = Field(..., description="need:<id> 或 achievement:<id>。")
    counterparty: str = Field(..., description="expert:<id> 或 organization:<id>。")
    origin: Origin = Origin.INVITE
    note: str = Field("", max_length=2000)


class EngagementTransitionIn(InputSchema):
    to: Stage
    reason: DeclineReason | None = Field(None, description="婉拒时必填。")
    text: str = Field("", description="婉拒/撤回说明，或合作意向摘要。", max_length=3000)


class EngagementMessageOut(Schema):
    id: int
    reply_to_id: int | None
    author: UserRef | None
    body: str
    created_at: datetime
    files: list[str] = Field(..., description="附件的下载地址。")

    @staticmethod
    def resolve_files(obj: Message) -> list[str]:
        from django.urls import reverse

        return [reverse("engagements:file", args=[f.pk]) for f in obj.attachments.all()]


class EngagementMessagePage(Page):
    items: list[EngagementMessageOut]


class EngagementMessageIn(InputSchema):
    body: str = Field(..., max_length=5000)
    reply_to: int | None = None


class EngagementContractIn(InputSchema):
    contract_type: ContractType
    title: str = Field(..., max_length=200)
    amount: Decimal = Field(..., description="合同金额（万元），非负，最多两位小数。")
    technology_amount: Decimal | None = Field(
        None, description="技术交易额（万元），默认等于合同金额。"
    )
    party_a: str = Field(..., max_length=100)
    party_b: str = Field(..., max_length=100)
    signed_on: date = Field(..., description="不早于对接发起日期，不晚于今天。")
    term_start: date | None = None
    term_end: date | None = None
    registered: bool = False
    registration_number: str = Field("", max_length=50)


class EngagementContractOut(Schema):
    id: int
    contract_type: ContractType
    title: str
    amount: Decimal
    technology_amount: Decimal
    party_a: str
    party_b: str
    signed_on: date
    term_start: date | None
    term_end: date | None
    registered: bool
    registration_number: str


class EngagementPaymentIn(InputSchema):
    amount: Decimal
    received_on: date
    note: str = Field("", max_length=200)


class EngagementPaymentOut(Schema):
    id: int
    amount: Decimal
    received_on: date
    note: str


class EngagementMilestoneIn(InputSchema):
    title: str = Field(..., max_length=200)
    due_on: date | None = None


class EngagementMilestoneOut(Schema):
    id: int
    title: str
    due_on: date | None
    done_on: date | None


class EngagementOutcomeIn(InputSchema):
    products: int = Field(0, ge=0)
    patents: int = Field(0, ge=0)
    revenue: Decimal = Field(Decimal("0"), description="新增产值（万元）。")
    jobs: int = Field(0, ge=0)
    summary: str = Field("", max_length=3000)


class EngagementOutcomeOut(Schema):
    products: int
    patents: int
    revenue: Decimal
    jobs: int
    summary: str
