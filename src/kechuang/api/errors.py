"""RFC 7807 problem details: the one mapping from errors to API responses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kechuang.common.errors import KechuangError

PROBLEM_BASE = "https://kechuang.invalid/problems/"


def problem(
    api: NinjaAPI, request: HttpRequest, *, status: int, code: str, title: str,
    detail: str = "", errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "code": code,
        "detail": detail or title,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


def install(api: NinjaAPI) -> None:
    @api.exception_handler(KechuangError)
    def domain_error(request: HttpRequest, exc: KechuangError) -> HttpResponse:
        return problem(api, request, status=exc.status, code=exc.code, title=str(exc.message),
                       errors=exc.fields or None)

    @api.exception_handler(NinjaValidationError)
    def schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = [str(part) for part in err.get("loc", []) if part not in ("body", "payload", "query", "path")]
            fields.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "")))
        return problem(api, request, status=422, code="validation_failed",
                       title="请求内容不符合接口定义。", errors=fields)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(api, request, status=401, code="not_authenticated",
                       title="需要有效的 API 令牌。")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(api, request, status=exc.status_code, code="http_error", title=str(exc))
