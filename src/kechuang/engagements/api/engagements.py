"""/api/v1/engagements: the caller's engagements, one engagement, starting and moving one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from kechuang.accounts.auth import token_user
from kechuang.api.schemas import paginate, problems
from kechuang.catalog.access import access_achievement_by_id, access_expert_by_id, access_need_by_id
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import NotFound
from kechuang.engagements.access import access_engagement_by_id
from kechuang.engagements.api.schemas import (
    EngagementDetailOut,
    EngagementFilterIn,
    EngagementPage,
    EngagementStartIn,
    EngagementTransitionIn,
)
from kechuang.engagements.models import Engagement
from kechuang.engagements.selectors import contacts_for, engagement_list, match_reason
from kechuang.engagements.services import engagement_start, engagement_transition
from kechuang.engagements.services.transitions import moves_for
from kechuang.orgs.access import access_organization_by_id

router = Router(tags=["engagements"])


def detail(user: Any, engagement: Engagement) -> Engagement:
    """The engagement with what this caller may see of it: contacts (or None), next moves."""
    contacts = contacts_for(user, engagement)

    def rows(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
        return [{"label": k, "value": v} for k, v in pairs]

    engagement.subject_contacts = rows(contacts.subject) if contacts else None  # type: ignore[attr-defined]
    engagement.counterparty_contacts = rows(contacts.counterparty) if contacts else None  # type: ignore[attr-defined]
    engagement.next_stages = moves_for(user, engagement)  # type: ignore[attr-defined]
    return engagement


@router.get(
    "",
    response={200: EngagementPage, **problems(401, 422)},
    summary="我的对接",
    description="调用者作为一方、联络员、技术经理人或上级科协可见的对接，最近有活动的在前。",
)
@access_rule("engagement")
def engagement_list_endpoint(request: HttpRequest, filters: Query[EngagementFilterIn]) -> Any:
    user = token_user(request)
    stage = filters.stage.value if filters.stage else ""
    return paginate(engagement_list(user, stage=stage), filters)


@router.get(
    "/{engagement_id}",
    response={200: EngagementDetailOut, **problems(401, 404)},
    summary="对接详情",
    description="联系方式在双方同意引荐后（需要保密协议时在签署后）才返回。看不到的对接得到 404。",
)
@access_rule("engagement")
def engagement_get(request: HttpRequest, engagement_id: int) -> Any:
    user = token_user(request)
    return detail(user, access_engagement_by_id(user, engagement_id))


def _ref(user: Any, ref: str, kinds: dict[str, Any]) -> Any:
    kind, _sep, pk = ref.partition(":")
    if kind not in kinds or not pk.isdigit():
        raise NotFound()
    return kinds[kind](user, int(pk))


@router.post(
    "",
    response={201: EngagementDetailOut, **problems(401, 403, 404, 409, 422)},
    summary="发起对接",
    description=(
        "我能解决（专家或单位对需求）、我有兴趣（对成果）、邀请对接（需求方/成果方邀请专家或单位），"
        "或联络员、科协代双方发起。匹配理由由服务端按推荐结果记录。双方已有进行中的对接时 409。"
    ),
)
@access_rule("engagement", "need", "achievement", "expert", "organization")
def engagement_create(request: HttpRequest, payload: EngagementStartIn) -> Any:
    user = token_user(request)
    subject = _ref(
        user, payload.subject, {"need": access_need_by_id, "achievement": access_achievement_by_id}
    )
    counterparty = _ref(
        user,
        payload.counterparty,
        {"expert": access_expert_by_id, "organization": access_organization_by_id},
    )
    kind, target = payload.subject.split(":")[0], payload.counterparty.split(":")[0]
    engagement = engagement_start(
        actor=user,
        subject=subject,
        counterparty=counterparty,
        origin=payload.origin.value,
        note=payload.note,
        match_reason=match_reason(user, kind, subject, target, counterparty.pk),
    )
    return Status(201, detail(user, engagement))


@router.post(
    "/{engagement_id}/transition",
    response={200: EngagementDetailOut, **problems(401, 403, 404, 409, 422)},
    summary="推进对接阶段",
    description=(
        "按阶段转换表推进：另一方同意引荐（introduced）；任一方婉拒（declined，须给原因）；"
        "发起方撤回（withdrawn）；联络员或科协标记停滞（stalled）。签约与落地分别通过 "
        "/contract 与 /outcome。表中没有的转换得到 409 invalid_transition。"
    ),
)
@access_rule("engagement")
def engagement_move(
    request: HttpRequest, engagement_id: int, payload: EngagementTransitionIn
) -> Any:
    user = token_user(request)
    engagement = access_engagement_by_id(user, engagement_id, action="broker")
    engagement = engagement_transition(
        actor=user,
        engagement=engagement,
        to=payload.to.value,
        reason=payload.reason.value if payload.reason else "",
        text=payload.text,
    )
    return detail(user, access_engagement_by_id(user, engagement.pk))
