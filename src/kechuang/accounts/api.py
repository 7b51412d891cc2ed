"""/api/v1/tokens: the caller's API tokens (/api/v1/me, with memberships, is orgs's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from kechuang.accounts.auth import token_user
from kechuang.accounts.models import ApiToken
from kechuang.accounts.services import api_token_create, api_token_revoke
from kechuang.api.schemas import InputSchema, problems
from kechuang.common.access_rules import signed_in

tokens_router = Router(tags=["tokens"])


# ---------------------------------------------------------------- /tokens


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(..., description="令牌的公开前缀，用于辨认；令牌本身不再显示。")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="完整令牌，只在创建时返回这一次，请妥善保存。")


class TokenCreateIn(InputSchema):
    name: str = Field(..., description="令牌名称（1–80 字），如“数据同步脚本”。")


@tokens_router.get(
    "",
    response={200: list[TokenOut], **problems(401)},
    summary="我的 API 令牌",
    description="当前用户的全部令牌（含已撤销的），新的在前。令牌本身不会再次显示。",
)
@signed_in("本人的 API 令牌")
def list_tokens(request: HttpRequest) -> Any:
    return ApiToken.objects.filter(user=token_user(request)).order_by("-created_at", "-id")


@tokens_router.post(
    "",
    response={201: TokenCreatedOut, **problems(401, 422)},
    summary="创建 API 令牌",
    description="为当前用户创建一个令牌。响应中的 `token` 只出现这一次。",
)
@signed_in("本人的 API 令牌")
def create_token(request: HttpRequest, payload: TokenCreateIn) -> Any:
    issued = api_token_create(user=token_user(request), name=payload.name)
    token = issued.token
    return Status(
        201,
        {
            "id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "created_at": token.created_at,
            "last_used_at": token.last_used_at,
            "revoked_at": token.revoked_at,
            "is_active": token.is_active,
            "token": issued.plaintext,
        },
    )


@tokens_router.delete(
    "/{token_id}",
    response={204: None, **problems(401, 404)},
    summary="撤销 API 令牌",
    description="撤销当前用户的一个令牌，之后用它的请求得到 401。撤销是幂等的。",
)
@signed_in("本人的 API 令牌（服务按本人查找）")
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    api_token_revoke(user=token_user(request), token_id=token_id)
    return Status(204, None)
