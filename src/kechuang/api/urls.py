"""The one NinjaAPI of the platform, mounted at /api/v1/."""

from __future__ import annotations

from ninja import NinjaAPI

from kechuang.api import errors

api = NinjaAPI(
    title="Kechuang API",
    version="1.0.0",
    description=(
        "科创平台开放接口。认证：在请求头中发送 `Authorization: Bearer <令牌>`。"
        "错误按 RFC 7807 返回 `application/problem+json`，其中 `code` 字段稳定可依赖。"
    ),
    urls_namespace="api",
)
errors.install(api)
