"""/api/v1/invitations: invitations addressed to the caller (or to an organisation they
answer for), and the answers: accept, decline; withdraw for the inviting side."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kechuang.accounts.auth import token_user
from kechuang.api.schemas import OrgRef, Page, PageIn, UserRef, paginate, problems
from kechuang.common.access_rules import access_rule
from kechuang.invitations.access import access_invitation_by_id
from kechuang.invitations.choices import ConsentStatus, InvitationKind
from kechuang.invitations.kinds import handler_for
from kechuang.invitations.models import Invitation
from kechuang.invitations.selectors import invitations_for
from kechuang.invitations.services import (
    invitation_accept,
    invitation_decline,
    invitation_withdraw,
)

router = Router(tags=["invitations"])


class InvitationOut(Schema):
    id: int
    kind: InvitationKind = Field(..., description="membership、partner、team_member 或 evaluator。")
    kind_label: str
    target_id: int = Field(
        ...,
        description=(
            "邀请的对象：组织（membership）、揭榜申请（partner、team_member）"
            "或评审（evaluator）的 id。"
        ),
    )
    summary: str = Field(..., description="邀请的内容，一句话。")
    invitee_user: UserRef | None = Field(..., description="受邀用户；邀请单位时为空。")
    invitee_org: OrgRef | None = Field(..., description="受邀单位（由其管理员或工作人员答复）。")
    inviter: UserRef | None
    status: ConsentStatus = Field(
        ..., description="pending、accepted、declined、expired 或 withdrawn。"
    )
    status_label: str
    created_at: datetime
    expires_at: datetime
    responded_at: datetime | None

    @staticmethod
    def resolve_kind_label(obj: Invitation) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: Invitation) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_summary(obj: Invitation) -> str:
        return handler_for(obj.kind).describe(obj)


class InvitationPage(Page):
    items: list[InvitationOut]


class InvitationFilterIn(PageIn):
    status: ConsentStatus | None = Field(
        ConsentStatus.PENDING, description="按状态筛选，默认只列待答复（未过期）的邀请。"
    )


@router.get(
    "/mine",
    response={200: InvitationPage, **problems(401, 422)},
    summary="我的邀请",
    description="发给调用者本人，或发给其担任管理员、工作人员的单位的邀请，最新的在前。",
)
@access_rule("invitation")
def invitation_list_mine(request: HttpRequest, filters: Query[InvitationFilterIn]) -> Any:
    user = token_user(request)
    status = filters.status.value if filters.status else None
    return paginate(invitations_for(user, status=status), filters)


@router.post(
    "/{invitation_id}/accept",
    response={200: InvitationOut, **problems(401, 404, 409, 422)},
    summary="接受邀请",
    description=(
        "受邀本人（或受邀单位的管理员、工作人员）接受后，关系才生效：成为组织成员、联合体成员单位、"
        "团队成员或第三方评价机构。别人的邀请得到 404；已答复、已撤回或已过期的邀请得到 409。"
    ),
)
@access_rule("invitation")
def invitation_accept_endpoint(request: HttpRequest, invitation_id: int) -> Any:
    user = token_user(request)
    invitation = access_invitation_by_id(user, invitation_id, action="answer")
    return invitation_accept(actor=user, invitation=invitation)


@router.post(
    "/{invitation_id}/decline",
    response={200: InvitationOut, **problems(401, 404, 409)},
    summary="谢绝邀请",
    description="谢绝后该邀请不再产生任何效果。",
)
@access_rule("invitation")
def invitation_decline_endpoint(request: HttpRequest, invitation_id: int) -> Any:
    user = token_user(request)
    invitation = access_invitation_by_id(user, invitation_id, action="answer")
    return invitation_decline(actor=user, invitation=invitation)


@router.post(
    "/{invitation_id}/withdraw",
    response={200: InvitationOut, **problems(401, 404, 409)},
    summary="撤回邀请",
    description="邀请人（或邀请方的管理者）撤回尚未答复的邀请。",
)
@access_rule("invitation")
def invitation_withdraw_endpoint(request: HttpRequest, invitation_id: int) -> Any:
    user = token_user(request)
    invitation = access_invitation_by_id(user, invitation_id, action="withdraw")
    return invitation_withdraw(actor=user, invitation=invitation)
