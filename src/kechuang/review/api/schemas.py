"""Input and output schemas of /api/v1/reviews (one pair per endpoint; parts here)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from kechuang.api.schemas import InputSchema, OrgRef, Page, PageIn
from kechuang.review.choices import (
    AssignmentSource,
    AssignmentStatus,
    CoauthorKind,
    ConflictKind,
    InvitationStatus,
    MemberRole,
    ObjectionStatus,
    PartyRole,
    ProcessAction,
    ProcessStatus,
    Purpose,
)


class ProcessFilterIn(PageIn):
    status: ProcessStatus | None = Field(None, description="只看某个状态的评审。")


class RulesIn(InputSchema):
    panel_size: int = Field(5, ge=1, le=50, description="每个评审对象的专家人数。")
    frontline_share: str = Field("1/3", description="一线科技人员的最低比例，如 1/3。")
    exclude_government: bool = Field(True, description="排除党政机关工作人员。")
    max_load: int = Field(10, ge=1, le=500, description="每位专家最多评审的对象数。")
    conflict_years: int = Field(3, ge=0, le=20, description="任职、合作回避的年限。")
    conflict_subtree: bool = Field(False, description="回避申报方所在科协辖区的专家。")


class CriterionSchemaIn(InputSchema):
    name: str = Field(..., max_length=50)
    weight: Decimal = Field(..., gt=0)
    max_value: Decimal
    min_value: Decimal = Decimal(0)
    description: str = Field("", max_length=500)


class ProcessCreateIn(InputSchema):
    organiser: int = Field(..., description="组织单位 id（须是其管理人员）。")
    evaluator: int | None = Field(None, description="第三方评价机构 id。")
    title: str = Field(..., max_length=100)
    purpose: Purpose
    rounds: int = Field(2, ge=1, le=2, description="1：仅网评；2：网评 + 会评。")
    rules: RulesIn | None = None
    rubric: list[CriterionSchemaIn] | None = Field(
        None, description="评分标准；不填用默认标准（技术价值 40、战略价值 20 …）。"
    )


class CriterionOut(Schema):
    id: int
    name: str
    description: str
    weight: Decimal
    min_value: Decimal
    max_value: Decimal


class RulesOut(Schema):
    panel_size: int
    frontline_share: str
    exclude_government: bool
    max_load: int
    conflict_years: int
    conflict_subtree: bool


class RolesOut(Schema):
    organiser: bool
    evaluator: bool
    panel_ids: list[int]
    chair_panel_ids: list[int]
    applicant_item_ids: list[int]


class ProcessListOut(Schema):
    id: int
    title: str
    purpose: Purpose
    rounds: int
    status: ProcessStatus
    status_label: str
    organiser: OrgRef
    evaluator: OrgRef | None
    round_1_deadline: datetime | None = Field(..., description="第一轮评分截止时间（未设则为空）。")
    round_2_deadline: datetime | None = Field(..., description="第二轮评分截止时间（未设则为空）。")
    notice_starts_at: datetime | None
    notice_ends_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class ProcessPage(Page):
    items: list[ProcessListOut]


class ProcessOut(ProcessListOut):
    rules: RulesOut
    rubric: list[CriterionOut]
    my_roles: RolesOut = Field(..., description="调用者在本评审中的角色。")

    @staticmethod
    def resolve_rules(obj: Any) -> dict[str, Any]:
        rules = obj.rules
        return {**rules.__dict__, "frontline_share": str(rules.frontline_share)}

    @staticmethod
    def resolve_rubric(obj: Any) -> list[Any]:
        return list(obj.rubric.criteria.order_by("position"))


class TransitionIn(InputSchema):
    action: ProcessAction
    advancing_item_ids: list[int] | None = Field(
        None, description="open_round_2：进入会评的对象；不填则全部进入。"
    )
    deadline: datetime | None = Field(
        None,
        description="open_round_1、open_round_2：本轮评分截止时间（须晚于现在；逾期提交的评分被拒绝）。",
    )
    days: int | None = Field(None, description="open_notice：公示天数（1–30，默认 7）。")
    reason: str | None = Field(None, description="cancel：取消理由。")


class RoundDeadlineIn(InputSchema):
    deadline: datetime | None = Field(
        ...,
        description=(
            "正在进行的一轮的新评分截止时间（须晚于现在，可延后或提前）；null 表示取消截止时间。"
        ),
    )
    reason: str = Field(
        ..., max_length=500, description="调整理由（必填），会告知尚未提交评分的专家。"
    )


class PartySchemaIn(InputSchema):
    name: str = Field("", max_length=100)
    role: PartyRole = PartyRole.LEAD
    organization: int | None = None
    expert: int | None = None


class ItemAddIn(InputSchema):
    subject_type: str | None = Field(
        None,
        max_length=50,
        description="如 challenges.application；“其他评审”不填（与 subject_id 一起省略），"
        "由评审自行编号。",
    )
    subject_id: int | None = Field(None, ge=0)
    title: str = Field(..., max_length=200)
    text: str = Field("", max_length=20000)
    parties: list[PartySchemaIn] = Field(default_factory=list)
    panel: int | None = None


class ItemOut(Schema):
    id: int
    subject_type: str
    subject_id: int
    title: str
    panel_id: int | None
    eliminated_after_round: int | None


class ItemPage(Page):
    items: list[ItemOut]


class PartyOut(Schema):
    name: str
    role: PartyRole
    organization_id: int | None


class AssignmentOut(Schema):
    id: int
    item_id: int
    member_id: int
    expert_name: str
    affinity: float
    reason: str
    not_chosen: str = Field(..., description="未选本组其他专家的原因（利益冲突、工作量等）。")
    source: AssignmentSource
    status: AssignmentStatus
    end_reason: str

    @staticmethod
    def resolve_expert_name(obj: Any) -> str:
        return str(obj.member.expert.name)


class ItemDetailOut(ItemOut):
    text: str
    parties: list[PartyOut]
    assignments: list[AssignmentOut] = Field(
        ..., description="只对组织方和评价机构列出；其他人为空列表。"
    )


class ReviewersIn(InputSchema):
    member_ids: list[int] = Field(..., description="该对象的全部评审专家（评审组成员 id）。")


class PanelIn(InputSchema):
    name: str = Field(..., max_length=50)


class PanelOut(Schema):
    id: int
    name: str


class PanelPage(Page):
    items: list[PanelOut]


class PanelMemberOut(Schema):
    id: int
    panel_id: int
    expert_id: int
    expert_name: str
    is_frontline_engineer: bool
    role: MemberRole
    status: InvitationStatus
    responded_at: datetime | None
    decline_reason: str

    @staticmethod
    def resolve_expert_name(obj: Any) -> str:
        return str(obj.expert.name)

    @staticmethod
    def resolve_is_frontline_engineer(obj: Any) -> bool:
        return bool(obj.expert.is_frontline_engineer)


class PanelDetailOut(PanelOut):
    members: list[PanelMemberOut]


class InviteIn(InputSchema):
    expert: int
    role: MemberRole = MemberRole.REVIEWER


class RespondIn(InputSchema):
    accept: bool
    reason: str = Field("", max_length=500)


class ReviewReasonIn(InputSchema):
    reason: str = Field(..., max_length=500)


class SolveOut(Schema):
    panel_id: int
    total_affinity: float
    exact: bool
    solver: str
    note: str
    assignments: list[AssignmentOut]


class MyAssignmentOut(Schema):
    id: int
    process_id: int
    process_title: str
    panel_id: int
    item_id: int
    item_title: str
    item_text: str
    reason: str

    @staticmethod
    def resolve_process_id(obj: Any) -> int:
        return int(obj.item.process_id)

    @staticmethod
    def resolve_process_title(obj: Any) -> str:
        return str(obj.item.process.title)

    @staticmethod
    def resolve_panel_id(obj: Any) -> int:
        return int(obj.member.panel_id)

    @staticmethod
    def resolve_item_title(obj: Any) -> str:
        return str(obj.item.title)

    @staticmethod
    def resolve_item_text(obj: Any) -> str:
        return str(obj.item.text)


class MyAssignmentPage(Page):
    items: list[MyAssignmentOut]


class ScoreIn(InputSchema):
    round: int = Field(..., ge=1, le=2)
    values: dict[str, Decimal] = Field(..., description="评分项名称（或 id）→ 分值。")
    comment_private: str = Field("", max_length=3000, description="仅评审组可见。")
    comment_shared: str = Field("", max_length=3000, description="匿名反馈给申报方。")


class ScoreOut(Schema):
    id: int
    round: int
    revision: int
    total: Decimal
    submitted_at: datetime


class ScoreViewOut(Schema):
    round: int
    revision: int
    total: Decimal
    reviewer: str | None = Field(..., description="申报方看到的是“专家 1”等匿名称呼。")
    comment_private: str | None
    comment_shared: str
    lines: dict[str, Decimal]


class RankedOut(Schema):
    rank: int
    item_id: int
    subject_type: str
    subject_id: int
    title: str
    total: float | None
    calibrated: float | None
    spread: float | None
    scores: int
    flags: list[str]


class ConflictOut(Schema):
    id: int
    item_id: int
    expert_id: int
    expert_name: str
    kind: ConflictKind
    source: str
    explanation: str
    waived_at: datetime | None
    waive_reason: str

    @staticmethod
    def resolve_expert_name(obj: Any) -> str:
        return str(obj.expert.name)


class ConflictPage(Page):
    items: list[ConflictOut]


class ConflictAddIn(InputSchema):
    expert: int
    reason: str = Field(..., max_length=500)


class DecisionIn(InputSchema):
    selected_item_ids: list[int]
    justification: str = Field(..., max_length=5000)


class DecisionOut(Schema):
    id: int
    justification: str
    decided_at: datetime
    selected: list[ItemOut]


class ObjectionIn(InputSchema):
    text: str = Field(..., max_length=5000)
    item: int | None = None


class ObjectionAnswerIn(InputSchema):
    upheld: bool
    answer: str = Field(..., max_length=5000)


class ObjectionOut(Schema):
    id: int
    item_id: int | None
    text: str
    filed_at: datetime
    status: ObjectionStatus
    answer: str
    handled_at: datetime | None


class ObjectionPage(Page):
    items: list[ObjectionOut]


class ScoreReviseIn(InputSchema):
    values: dict[str, Decimal] = Field(..., description="评分项名称（或 id）→ 更正后的分值。")
    reason: str = Field(..., max_length=500, description="更正理由（组长决定）。")


class PlaceIn(InputSchema):
    panel: int


class AffiliationIn(InputSchema):
    organization_name: str = Field("", max_length=100)
    organization: int | None = None
    start_year: int = Field(..., ge=1950, le=2100)
    end_year: int | None = Field(None, ge=1950, le=2100, description="空表示至今。")


class AffiliationOut(Schema):
    id: int
    organization_id: int | None
    organization_name: str
    start_year: int
    end_year: int | None


class CoauthorIn(InputSchema):
    coauthor_name: str = Field("", max_length=50)
    coauthor_expert: int | None = None
    kind: CoauthorKind
    year: int = Field(..., ge=1950, le=2100)
    title: str = Field("", max_length=200)


class CoauthorOut(Schema):
    id: int
    coauthor_name: str
    coauthor_expert_id: int | None
    kind: CoauthorKind
    year: int
    title: str
