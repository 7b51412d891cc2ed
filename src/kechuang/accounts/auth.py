"""Token authentication (``Authorization: Bearer kc_…``), with the session as fallback: what
every app's API asks for its user (the tokens themselves are ``services.py``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from kechuang.accounts.services import api_token_authenticate
from kechuang.common.errors import NotAuthenticated


class TokenAuth(HttpBearer):
    openapi_description = "个人 API 令牌，在“个人中心 → API 令牌”中创建。"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


def optional_user(request: HttpRequest) -> Any:
    """The token's user when a valid token is sent, else the session user (maybe anonymous).

    Used by endpoints that anonymous visitors may call too (public lists and details).
    """
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = api_token_authenticate(header[7:].strip())
        if user is not None:
            request.user = user
            return user
        raise NotAuthenticated(_("API 令牌无效或已撤销。"))
    return request.user


def token_user(request: HttpRequest) -> Any:
    """The user of an endpoint that requires a token (``TokenAuth`` put it on the request)."""
    return request.auth  # type: ignore[attr-defined]
