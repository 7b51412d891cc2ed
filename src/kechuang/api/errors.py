"""RFC 7807 problem details: the one mapping from errors to API responses.

Domain errors (``KechuangError``) carry their own status and code. Errors raised by the
framework before a view runs are mapped here too, so a client sees one shape and one set
of codes whatever went wrong: a body that is not JSON, a field of the wrong type or an
unknown field is ``validation_failed`` (422) with the field named in ``errors``.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kechuang.common.errors import KechuangError

PROBLEM_BASE = "https://kechuang.invalid/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

# Where a parameter came from, and the name of the schema argument that wraps a body or a
# query, are not part of the field's name for the client.
_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}
_WRAPPERS = {"payload", "filters", "params"}


def problem(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    title: str,
    detail: str = "",
    errors: dict[str, list[str]] | None = None,
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
    response["Content-Type"] = PROBLEM_CONTENT_TYPE
    return response


def problem_response(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    title: str,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    """The same problem document, for answers given before the API runs (the edge
    middleware, kechuang.web.edge), where there is no NinjaAPI to render it."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "code": code,
        "detail": title,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _message(err: dict[str, Any]) -> str:
    """A Chinese message for the common pydantic error types, else pydantic's own."""
    kind = err.get("type", "")
    known = {
        "missing": _("必填。"),
        "extra_forbidden": _("不允许的字段。"),
        "json_invalid": _("请求体不是有效的 JSON。"),
        "model_attributes_type": _("应为 JSON 对象。"),
        "dict_type": _("应为 JSON 对象。"),
        "string_type": _("应为字符串。"),
        "int_type": _("应为整数。"),
        "int_parsing": _("应为整数。"),
        "bool_type": _("应为布尔值。"),
        "bool_parsing": _("应为布尔值。"),
        "list_type": _("应为数组。"),
        "decimal_parsing": _("应为数字。"),
        "decimal_type": _("应为数字。"),
        "date_from_datetime_parsing": _("应为日期，格式为 YYYY-MM-DD。"),
        "date_parsing": _("应为日期，格式为 YYYY-MM-DD。"),
        "date_type": _("应为日期，格式为 YYYY-MM-DD。"),
        "enum": _("不是允许的取值：%(expected)s。")
        % {"expected": (err.get("ctx") or {}).get("expected", "")},
        "literal_error": _("不是允许的取值：%(expected)s。")
        % {"expected": (err.get("ctx") or {}).get("expected", "")},
        "greater_than_equal": _("不能小于 %(limit)s。")
        % {"limit": (err.get("ctx") or {}).get("ge", "")},
        "less_than_equal": _("不能大于 %(limit)s。")
        % {"limit": (err.get("ctx") or {}).get("le", "")},
    }
    return str(known.get(kind) or err.get("msg", ""))


def field_errors(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(part) for part in err.get("loc", [])]
        # ("body", "payload", "title") → "title"; ("query", "page_size") → "page_size"
        if loc and loc[0] in _SOURCES:
            loc = loc[1:]
        if len(loc) > 1 and loc[0] in _WRAPPERS:
            loc = loc[1:]
        fields.setdefault(".".join(loc) or "__all__", []).append(_message(err))
    return fields


def install(api: NinjaAPI) -> None:
    @api.exception_handler(KechuangError)
    def domain_error(request: HttpRequest, exc: KechuangError) -> HttpResponse:
        return problem(
            api,
            request,
            status=exc.status,
            code=exc.code,
            title=str(exc.message),
            errors=exc.fields or None,
        )

    @api.exception_handler(NinjaValidationError)
    def schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return problem(
            api,
            request,
            status=422,
            code="validation_failed",
            title=_("请求内容不符合接口定义。"),
            errors=field_errors(exc.errors),
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(
            api,
            request,
            status=401,
            code="not_authenticated",
            title=_("需要有效的 API 令牌。"),
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(
            api, request, status=404, code="not_found", title=_("未找到该对象，或您无权查看。")
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja wraps a body it cannot parse in HttpError(400); the cause tells which.
        if isinstance(exc.__cause__, json.JSONDecodeError | UnicodeDecodeError):
            return problem(
                api,
                request,
                status=422,
                code="validation_failed",
                title=_("请求内容不符合接口定义。"),
                errors={"__all__": [_("请求体不是有效的 JSON。")]},
            )
        code = "bad_request" if exc.status_code == 400 else "http_error"
        return problem(api, request, status=exc.status_code, code=code, title=str(exc))

    @api.exception_handler(RawPostDataException)
    def form_instead_of_json(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
        # A multipart form sent where the operation reads a JSON body: the edge middleware
        # has already parsed the form (to check its fields), so the raw body is gone — and
        # it was not JSON anyway. The same answer as any other body that is not JSON.
        return problem(
            api,
            request,
            status=422,
            code="validation_failed",
            title=_("请求内容不符合接口定义。"),
            errors={"__all__": [_("请求体不是有效的 JSON。")]},
        )


def problem_content_types(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare error responses as ``application/problem+json`` in the OpenAPI document."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    response["content"] = {PROBLEM_CONTENT_TYPE: content["application/json"]}
    return schema
