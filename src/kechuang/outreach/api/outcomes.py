"""/api/v1/events/meetings/{id}/outcome: what came of a meeting, and the needs or
achievements an engagement about it may be about (mounted by ``outreach.api.events``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from kechuang.accounts.auth import token_user
from kechuang.api.schemas import InputSchema, problems
from kechuang.common.access_rules import access_rule
from kechuang.outreach.access import access_meeting_by_id
from kechuang.outreach.services import meeting_outcome_record
from kechuang.outreach.services.outcomes import parse_subject, subject_choices

router = Router(tags=["events"])


class OutcomeIn(InputSchema):
    outcome: str = Field(..., description="no_interest、follow_up、intention、signed。")
    note: str = Field("", max_length=500)
    subject: str = Field(
        "",
        description="对接的需求或成果（need:<id> 或 achievement:<id>），须为洽谈双方已发布的；"
        "继续跟进、达成意向、现场签约时必填（可选项见 GET 同一路径）。",
    )


class OutcomeOut(Schema):
    meeting_id: int
    outcome: str
    outcome_note: str
    engagement_id: int | None = Field(..., description="对接台账中的对接记录。")


class SubjectOut(Schema):
    value: str
    title: str


@router.get(
    "/meetings/{meeting_id}/outcome",
    response={200: list[SubjectOut], **problems(401, 404)},
    summary="可选的对接标的",
    description="登记洽谈结果时可选的需求或成果：洽谈双方已发布的。",
)
@access_rule("event.meeting")
def outcome_subjects_endpoint(request: HttpRequest, meeting_id: int) -> list[dict[str, str]]:
    user = token_user(request)
    meeting = access_meeting_by_id(user, meeting_id, action="outcome")
    return [
        {"value": f"{type(s).__name__.lower()}:{s.pk}", "title": str(s)}
        for s in subject_choices(meeting)
    ]


@router.post(
    "/meetings/{meeting_id}/outcome",
    response={200: OutcomeOut, **problems(401, 403, 404, 409, 422)},
    summary="登记洽谈结果",
    description="洽谈双方或主办方在洽谈开始（或签到）后登记结果；继续跟进、达成意向、现场签约"
    "记入对接台账（新建或沿用双方进行中的对接，按阶段表推进）。双方均无已发布的需求或成果时"
    " 422（no_subject）。",
)
@access_rule("event.meeting")
def outcome_endpoint(request: HttpRequest, meeting_id: int, payload: OutcomeIn) -> Any:
    user = token_user(request)
    meeting = access_meeting_by_id(user, meeting_id, action="outcome")
    meeting = meeting_outcome_record(
        actor=user,
        meeting=meeting,
        outcome=payload.outcome,
        note=payload.note,
        subject=parse_subject(payload.subject),
    )
    return {
        "meeting_id": meeting.pk,
        "outcome": meeting.outcome,
        "outcome_note": meeting.outcome_note,
        "engagement_id": meeting.engagement_id,
    }
