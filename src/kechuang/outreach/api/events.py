"""/api/v1/events: matchmaking events (对接会) — the list and page, registering, meeting
requests and answers, the organiser's scheduler run, the caller's agenda (JSON or ICS)
and check-in. Errors are RFC 7807 problems with a code (``api.errors``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from kechuang.accounts.auth import optional_user, token_user
from kechuang.api.schemas import PUBLIC, InputSchema, Page, PageIn, paginate, problems
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import NotFound
from kechuang.orgs.access import access_organization_by_id
from kechuang.outreach.access import (
    access_event_by_id,
    access_meeting_by_id,
    access_meeting_request_by_id,
    access_registration_by_id,
)
from kechuang.outreach.api.outcomes import router as outcomes_router
from kechuang.outreach.calendar import agenda_ics
from kechuang.outreach.models import Event, Registration, ScheduleRun
from kechuang.outreach.selectors import (
    agenda_for,
    event_registrations,
    events_visible_to,
    my_requests,
)
from kechuang.outreach.services import (
    event_create,
    event_schedule,
    event_transition,
    meeting_check_in,
    meeting_request_answer,
    meeting_request_create,
    registration_create,
    registration_validate,
)

router = Router(tags=["events"])
router.add_router("", outcomes_router)  # what came of a meeting: api/outcomes.py


class EventOut(Schema):
    id: int
    title: str
    organizer_id: int
    organizer_name: str = Field(..., alias="organizer.name")
    industry_id: str | None
    region_id: str | None
    mode: str = Field(..., description="online、onsite 或 hybrid。")
    place: str
    stream_url: str
    starts_at: datetime
    ends_at: datetime
    registration_opens_at: datetime
    registration_closes_at: datetime
    requires_validation: bool
    status: str = Field(..., description="draft、open、closed、scheduled、finished 或 cancelled。")


class EventPage(Page):
    items: list[EventOut]


class EventIn(InputSchema):
    organizer_id: int = Field(..., description="主办的科协（调用者须为其管理人员）。")
    title: str
    description: str = ""
    industry_id: str | None = None
    region_id: str | None = None
    mode: str = Field(..., description="online、onsite 或 hybrid。")
    place: str = ""
    stream_url: str = ""
    starts_at: datetime
    ends_at: datetime
    registration_opens_at: datetime
    registration_closes_at: datetime
    requires_validation: bool = False
    n_slots: int = Field(..., description="洽谈时段数，从活动开始时间起连续排列。")
    slot_minutes: int = Field(..., description="每个时段的分钟数。")
    break_minutes: int = Field(0, description="时段之间的间隔（分钟）。")
    n_tables: int = Field(..., description="洽谈桌数。")


class StatusIn(InputSchema):
    to: str = Field(..., description="open、closed、finished 或 cancelled（排期由排期接口完成）。")


class ValidateIn(InputSchema):
    approve: bool


class RegistrationOut(Schema):
    id: int
    event_id: int
    organization_id: int | None
    expert_id: int | None
    name: str = Field(..., description="参会方：单位名称或专家姓名。")
    state: str = Field(..., description="pending、validated 或 rejected。")

    @staticmethod
    def resolve_name(obj: Registration) -> str:
        return str(obj)


class RegistrationPage(Page):
    items: list[RegistrationOut]


class RegisterIn(InputSchema):
    organization_id: int | None = Field(None, description="代表的单位（须为其成员）。")
    expert: bool = Field(False, description="以本人的专家身份参会（与 organization_id 二选一）。")
    slot_ids: list[int] = Field(..., description="可洽谈的时段。")
    note: str = ""


class RequestOut(Schema):
    id: int
    requester_id: int
    recipient_id: int
    reason: str
    requester_interest: int
    recipient_interest: int | None
    state: str = Field(..., description="requested、accepted 或 declined。")
    created_at: datetime


class RequestPage(Page):
    items: list[RequestOut]


class RequestIn(InputSchema):
    requester_id: int = Field(..., description="调用者本人的报名。")
    recipient_id: int = Field(..., description="对方的报名。")
    reason: str = Field(..., max_length=500)
    interest: int = Field(2, description="意愿：1 一般、2 较强、3 强烈。")


class AnswerIn(InputSchema):
    accept: bool
    interest: int | None = Field(None, description="接受时必填：1、2 或 3。")


class ScheduleIn(InputSchema):
    time_limit_s: float = Field(20, ge=1, le=60, description="求解时限（秒）。")


class ScheduleRunOut(Schema):
    id: int
    status: str = Field(..., description="optimal、feasible、greedy_fallback 或 empty。")
    solver: str
    objective: float
    bound: float
    gap: float
    seconds: float
    requests: int
    meetings: int
    note: str
    unscheduled: dict[str, str] = Field(
        ..., description="未安排的请求 id → 原因：no_common_slot、tables_full、party_busy。"
    )


class AgendaOut(Schema):
    meeting_id: int
    registration_id: int
    slot: int
    starts_at: datetime
    ends_at: datetime
    table: int
    with_name: str
    reason: str
    checked_in_at: datetime | None


class CheckInIn(InputSchema):
    registration_id: int


class CheckInOut(Schema):
    meeting_id: int
    registration_id: int
    checked_in_at: datetime


@router.get(
    "",
    response={200: EventPage, **problems(401, 422)},
    summary="对接会列表",
    description="除草稿外的全部对接会；主办单位的管理人员另见其草稿。",
    **PUBLIC,
)
@access_rule("event")
def event_list(request: HttpRequest, page: Query[PageIn]) -> Any:
    return paginate(events_visible_to(optional_user(request)).order_by("-starts_at", "id"), page)


@router.get(
    "/{event_id}",
    response={200: EventOut, **problems(401, 404)},
    summary="对接会详情",
    description="草稿只有主办单位的管理人员可见，对其他人为 404。",
    **PUBLIC,
)
@access_rule("event")
def event_detail(request: HttpRequest, event_id: int) -> Event:
    return access_event_by_id(optional_user(request), event_id)


@router.post(
    "",
    response={201: EventOut, **problems(401, 403, 404, 422)},
    summary="创建对接会",
    description="科协的管理人员创建对接会草稿，并按给定数量生成洽谈时段和洽谈桌。",
)
@access_rule("event", "organization")
def event_create_endpoint(request: HttpRequest, payload: EventIn) -> Status:
    user = token_user(request)
    organizer = access_organization_by_id(user, payload.organizer_id)
    data = payload.dict(
        exclude={"organizer_id", "n_slots", "slot_minutes", "break_minutes", "n_tables"}
    )
    event = event_create(
        actor=user,
        organizer=organizer,
        fields=data,
        n_slots=payload.n_slots,
        slot_minutes=payload.slot_minutes,
        break_minutes=payload.break_minutes,
        n_tables=payload.n_tables,
    )
    return Status(201, access_event_by_id(user, event.pk, action="manage"))


@router.post(
    "/{event_id}/status",
    response={200: EventOut, **problems(401, 403, 404, 409, 422)},
    summary="变更对接会状态",
    description="主办方开放报名、截止报名、结束或取消；不允许的变更 409（invalid_transition）。",
)
@access_rule("event")
def event_status_endpoint(request: HttpRequest, event_id: int, payload: StatusIn) -> Event:
    user = token_user(request)
    event = access_event_by_id(user, event_id, action="manage")
    return event_transition(actor=user, event=event, to=payload.to)


@router.post(
    "/registrations/{registration_id}/validate",
    response={200: RegistrationOut, **problems(401, 403, 404, 409, 422)},
    summary="审核报名",
    description="主办方确认或拒绝待审核的报名；已处理的报名 409。",
)
@access_rule("event.registration")
def registration_validate_endpoint(
    request: HttpRequest, registration_id: int, payload: ValidateIn
) -> Registration:
    user = token_user(request)
    reg = access_registration_by_id(user, registration_id, action="validate")
    return registration_validate(actor=user, registration=reg, approve=payload.approve)


@router.post(
    "/{event_id}/registrations",
    response={201: RegistrationOut, **problems(401, 403, 404, 409, 422)},
    summary="报名",
    description="代表所在单位或以本人专家身份报名；重复报名 409（already_registered）。",
)
@access_rule("event", "event.registration")
def registration_create_endpoint(
    request: HttpRequest, event_id: int, payload: RegisterIn
) -> Status:
    from kechuang.catalog.models import ExpertProfile
    from kechuang.orgs.models import Organization

    user = token_user(request)
    event = access_event_by_id(user, event_id)
    org = None
    if payload.organization_id is not None:
        org = Organization.objects.filter(pk=payload.organization_id).first()
        if org is None:
            raise NotFound()
    expert = ExpertProfile.objects.filter(user=user).first() if payload.expert else None
    reg = registration_create(
        actor=user,
        event=event,
        organization=org,
        expert=expert,
        slot_ids=payload.slot_ids,
        note=payload.note,
    )
    return Status(201, access_registration_by_id(user, reg.pk))


@router.get(
    "/{event_id}/registrations",
    response={200: RegistrationPage, **problems(401, 404, 422)},
    summary="参会方",
    description="主办方看到全部报名；已确认的参会方看到其他已确认的参会方；其他人为空。",
)
@access_rule("event", "event.registration")
def registration_list(request: HttpRequest, event_id: int, page: Query[PageIn]) -> Any:
    user = token_user(request)
    event = access_event_by_id(user, event_id)
    return paginate(event_registrations(user, event).order_by("pk"), page)


@router.get(
    "/{event_id}/requests",
    response={200: RequestPage, **problems(401, 404, 422)},
    summary="我的洽谈请求",
    description="调用者发出和收到的洽谈请求（主办方：全部）。",
)
@access_rule("event", "event.request")
def request_list(request: HttpRequest, event_id: int, page: Query[PageIn]) -> Any:
    user = token_user(request)
    event = access_event_by_id(user, event_id)
    return paginate(my_requests(user, event).order_by("created_at", "pk"), page)


@router.post(
    "/{event_id}/requests",
    response={201: RequestOut, **problems(401, 403, 404, 409, 422)},
    summary="发起洽谈请求",
    description=(
        "只能在已确认的参会方之间发起；不能向自己发起（self_request）；"
        "双方之间已有请求时 409（duplicate_request）。"
    ),
)
@access_rule("event", "event.registration")
def request_create_endpoint(request: HttpRequest, event_id: int, payload: RequestIn) -> Status:
    user = token_user(request)
    event = access_event_by_id(user, event_id)
    requester = access_registration_by_id(user, payload.requester_id)
    recipient = event_registrations(user, event).filter(pk=payload.recipient_id).first()
    if requester.event_id != event.pk or recipient is None:
        raise NotFound()
    req = meeting_request_create(
        actor=user,
        requester=requester,
        recipient=recipient,
        reason=payload.reason,
        interest=payload.interest,
    )
    return Status(201, req)


@router.post(
    "/requests/{request_id}/answer",
    response={200: RequestOut, **problems(401, 404, 409, 422)},
    summary="答复洽谈请求",
    description="接受方接受（须给出意愿 1–3）或婉拒；已答复的请求 409。",
)
@access_rule("event.request")
def request_answer_endpoint(request: HttpRequest, request_id: int, payload: AnswerIn) -> Any:
    user = token_user(request)
    req = access_meeting_request_by_id(user, request_id, action="answer")
    return meeting_request_answer(
        actor=user, request=req, accept=payload.accept, interest=payload.interest
    )


@router.post(
    "/{event_id}/schedule",
    response={200: ScheduleRunOut, **problems(401, 403, 404, 409, 422)},
    summary="运行排期",
    description=(
        "主办方对全部已接受的请求排期（时段 × 洽谈桌，双方可洽谈时段，每人每时段至多一场，"
        "最大化双方意愿与匹配度之和；CP-SAT，超时用贪心结果），原子地替换已有排期。"
    ),
)
@access_rule("event")
def schedule_endpoint(request: HttpRequest, event_id: int, payload: ScheduleIn) -> ScheduleRun:
    user = token_user(request)
    event = access_event_by_id(user, event_id, action="manage")
    return event_schedule(actor=user, event=event, time_limit_s=payload.time_limit_s)


def _agenda(request: HttpRequest, event_id: int) -> tuple[Event, list[Any]]:
    user = token_user(request)
    event = access_event_by_id(user, event_id)
    return event, agenda_for(user, event)


@router.get(
    "/{event_id}/agenda",
    response={200: list[AgendaOut], **problems(401, 404)},
    summary="我的日程",
    description="调用者（各报名身份）排定的洽谈，按时段排序：时间、桌号、对方、事由、签到时间。",
)
@access_rule("event", "event.meeting")
def agenda_endpoint(request: HttpRequest, event_id: int) -> list[dict[str, Any]]:
    _, items = _agenda(request, event_id)
    return [
        {
            "meeting_id": i.meeting.pk,
            "registration_id": i.mine.pk,
            "slot": i.meeting.slot.number,
            "starts_at": i.meeting.slot.starts_at,
            "ends_at": i.meeting.slot.ends_at,
            "table": i.meeting.table.number,
            "with_name": str(i.other),
            "reason": i.meeting.request.reason,
            "checked_in_at": i.checked_in_at,
        }
        for i in items
    ]


@router.get(
    "/{event_id}/agenda.ics",
    response={200: None, **problems(401, 404)},
    summary="我的日程（ICS 日历文件）",
    description="同一日程的 iCalendar 文件（text/calendar），每场洽谈一个事件，可导入手机日历。",
)
@access_rule("event", "event.meeting")
def agenda_ics_endpoint(request: HttpRequest, event_id: int) -> HttpResponse:
    event, items = _agenda(request, event_id)
    body = agenda_ics(event, items, domain=request.get_host().split(":")[0] or "kechuang")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-agenda.ics"'
    return response


@router.post(
    "/meetings/{meeting_id}/check-in",
    response={200: CheckInOut, **problems(401, 403, 404, 409, 422)},
    summary="签到",
    description="参会方本人或主办方为其签到；重复签到 409（already_checked_in）。",
)
@access_rule("event.meeting", "event.registration")
def check_in_endpoint(request: HttpRequest, meeting_id: int, payload: CheckInIn) -> Any:
    user = token_user(request)
    meeting = access_meeting_by_id(user, meeting_id, action="check_in")
    reg = access_registration_by_id(user, payload.registration_id)
    seat = meeting_check_in(actor=user, meeting=meeting, registration=reg)
    return {
        "meeting_id": meeting.pk,
        "registration_id": reg.pk,
        "checked_in_at": seat.checked_in_at,
    }
