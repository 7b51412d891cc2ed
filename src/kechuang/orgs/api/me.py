"""/api/v1/me: the caller, whether they are a platform admin, and their memberships."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from kechuang.accounts.auth import token_user
from kechuang.api.schemas import OrgRef, problems
from kechuang.common.access_rules import access_rule
from kechuang.orgs.selectors import memberships_of

me_router = Router(tags=["me"])


class MembershipOut(Schema):
    id: int
    organization: OrgRef
    role: str = Field(..., description="admin、staff 或 member。")
    role_label: str

    @staticmethod
    def resolve_role_label(obj: Any) -> str:
        return str(obj.get_role_display())


class MeOut(Schema):
    id: int
    display_name: str
    email: str | None
    mobile: str | None
    is_platform_admin: bool
    memberships: list[MembershipOut]


@me_router.get(
    "",
    response={200: MeOut, **problems(401)},
    summary="当前用户",
    description="令牌所属的用户、是否平台管理员，以及其在各组织中的角色。",
)
@access_rule("organization")
def get_me(request: HttpRequest) -> dict[str, Any]:
    user = token_user(request)
    return {
        "id": user.pk,
        "display_name": user.display_name,
        "email": user.email,
        "mobile": user.mobile,
        "is_platform_admin": user.is_superuser,
        "memberships": list(memberships_of(user)),
    }
