"""Input hardening at the edge: one middleware that refuses what no view can store.

Before any view runs it refuses, with a 4xx and without touching the database:
- NUL characters (PostgreSQL text cannot hold them) in the path, the query string, form
  fields and JSON strings or keys;
- lone UTF-16 surrogates in JSON (``"\\ud800"``: valid JSON, but no UTF-8 text);
- bodies over the size limits (``DATA_UPLOAD_MAX_MEMORY_SIZE`` for form and JSON bodies,
  plus ``KECHUANG_MAX_UPLOAD_BYTES`` for a multipart upload).

And after a view, it turns what the database refuses as out of range (an id or page past
64 bits: ``DataError``, SQLite's ``OverflowError``) into the same answer instead of a 500.

A media write that fails (a full disk: ENOSPC, a quota; any other ``OSError`` of the
storage) is a 507 ``storage_full`` (503 ``storage_unavailable`` for other errors), with
nothing of the file kept (``common.storage``) — never an HTML 500 to an API client.

A database that cannot be reached while answering (``OperationalError``/``InterfaceError``:
PostgreSQL restarting, a connection cut) is a 503 with ``Retry-After`` — code
``service_unavailable`` — never a 500: from a view through ``process_exception``, from a
middleware or a response through ``handler500`` (``server_error``), also when an API
schema meets it reading the answer's fields (pydantic then wraps it in its own error).
Both answer with ``database_unavailable``, the one place that says what the client gets.

API clients (``/api/``) get RFC 7807 ``application/problem+json`` with a code; people get
a Chinese error page.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from pydantic import ValidationError as PydanticValidationError

from kechuang.api.errors import problem_response
from kechuang.common.errors import StorageError, StorageFull
from kechuang.common.storage import FULL

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
JSON_TYPES = ("application/json",)
# Errors of a database that is not there right now (down, restarting, connection cut).
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def _bad_text(value: str) -> bool:
    """True for text that cannot be stored: a NUL, or a surrogate (never valid UTF-8)."""
    if "\x00" in value:
        return True
    return any("\ud800" <= ch <= "\udfff" for ch in value)


def _bad_json(value: Any, path: str = "") -> Iterator[str]:
    """The dotted paths of the strings (or keys) in ``value`` that cannot be stored."""
    if isinstance(value, str):
        if _bad_text(value):
            yield path or "__all__"
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if _bad_text(str(key)):
                yield path or "__all__"
            else:
                yield from _bad_json(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bad_json(item, f"{path}.{index}" if path else str(index))


def _body_limit(request: HttpRequest) -> int:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    if request.content_type == "multipart/form-data":
        limit += settings.KECHUANG_MAX_UPLOAD_BYTES
    return limit


class EdgeInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self._check(request)
        if refused is not None:
            return refused
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        # An integer past 64 bits reaches the database as a filter value or an offset.
        if isinstance(exc, DataError | OverflowError):
            logger.warning("refused out-of-range input on %s: %s", request.path, exc)
            return self._refuse(request, 422, "validation_failed", _("请求中的数值超出允许范围。"))
        if _database_gone(exc):
            return database_unavailable(request, exc)
        if isinstance(exc, StorageError):
            return storage_failed(request, exc)
        if isinstance(exc, OSError) and exc.errno in FULL:  # a write outside the storage
            return storage_failed(request, StorageFull())
        return None

    # ------------------------------------------------------------------ checks

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        invalid = _("请求中含有不允许的字符（NUL 或不成对的代理码位）。")
        if "\x00" in request.path_info:
            return self._refuse(request, 400, "bad_request", invalid)
        bad = [name for name, values in request.GET.lists() if _bad_values(name, values)]
        if bad:
            return self._refuse(request, 422, "validation_failed", invalid, fields=bad)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = _body_limit(request)
        if limit and length.isdigit() and int(length) > limit:
            return self._too_big(request, limit)
        try:
            bad = self._bad_body_fields(request)
        except (RequestDataTooBig, TooManyFieldsSent):
            return self._too_big(request, limit)
        if bad:
            return self._refuse(request, 422, "validation_failed", invalid, fields=bad)
        return None

    def _bad_body_fields(self, request: HttpRequest) -> list[str]:
        content_type = request.content_type or ""
        if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            return [name for name, values in request.POST.lists() if _bad_values(name, values)]
        if content_type in JSON_TYPES or content_type.endswith("+json"):
            body = request.body
            try:
                data = json.loads(body)
            except (ValueError, RecursionError):
                return []  # not JSON: the API's own parser answers that (422)
            return sorted(set(_bad_json(data)))
        return []

    # ---------------------------------------------------------------- answers

    def _too_big(self, request: HttpRequest, limit: int) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX) and (
            request.content_type == "multipart/form-data"
        ):  # a person who picked too big a file on a form
            size = settings.KECHUANG_MAX_UPLOAD_BYTES // (1024 * 1024)
            title = _("文件过大：最大 %(size)s MB。请返回上一页，换一个较小的文件。") % {
                "size": size
            }
        else:
            title = _("请求体过大（上限 %(size)s 字节）。") % {"size": limit}
        return self._refuse(request, 413, "request_too_large", title)

    def _refuse(
        self,
        request: HttpRequest,
        status: int,
        code: str,
        title: str,
        *,
        fields: list[str] | None = None,
    ) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            errors = {_safe(name): [title] for name in fields} if fields else None
            return problem_response(request, status=status, code=code, title=title, errors=errors)
        return render(request, "400.html", {"status": status, "message": title}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``: what Django refuses itself (a multipart body it cannot parse, too many
    fields, a disallowed host) answered like the edge does, not with a bare page."""
    message = _("请求的内容无法处理，请检查后重试。")
    if request.path_info.startswith(API_PREFIX):
        return problem_response(request, status=400, code="bad_request", title=message)
    return render(request, "400.html", {"status": 400, "message": message}, status=400)


def database_unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 with ``Retry-After``: problem+json ``service_unavailable`` under /api/, the
    Chinese 503 page elsewhere. Renders without the request's context processors, which
    would query the database that is gone."""
    logger.warning("database unavailable on %s %s: %r", request.method, request.path, exc)
    if request.path_info.startswith(API_PREFIX):
        response = problem_response(
            request,
            status=503,
            code="service_unavailable",
            title=_("服务暂时不可用（数据库连接中断），请稍后重试。"),
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def storage_failed(request: HttpRequest, exc: StorageError) -> HttpResponse:
    """507 ``storage_full`` / 503 ``storage_unavailable``: problem+json under /api/, a
    Chinese page elsewhere."""
    logger.error("media storage failed on %s %s: %r", request.method, request.path, exc.__cause__)
    if request.path_info.startswith(API_PREFIX):
        return problem_response(request, status=exc.status, code=exc.code, title=str(exc.message))
    context = {
        "status": exc.status,
        "title": _("存储空间已满") if isinstance(exc, StorageFull) else _("文件存储暂时不可用"),
        "message": str(exc.message),
    }
    return HttpResponse(loader.render_to_string("507.html", context), status=exc.status)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database error raised outside a view (a middleware, the session
    saved with the response) is a 503 too; anything else is Django's own 500 page."""
    exc = sys.exc_info()[1]
    if exc is not None and _database_gone(exc):
        return database_unavailable(request, exc)
    return defaults.server_error(request)


def _database_gone(exc: BaseException) -> bool:
    """A database error, or one met while an API schema read the answer's fields (a lazy
    relation queried after the view returned): pydantic reports that as a validation
    error naming the original error's class only."""
    if isinstance(exc, UNAVAILABLE_ERRORS):
        return True
    if isinstance(exc, PydanticValidationError):
        names = tuple(f"{cls.__name__}:" for cls in UNAVAILABLE_ERRORS)
        return any(
            error["type"] == "get_attribute_error"
            and str(error.get("ctx", {}).get("error", "")).startswith(names)
            for error in exc.errors()
        )
    return False


def _bad_values(name: str, values: list[str]) -> bool:
    return _bad_text(name) or any(_bad_text(v) for v in values)


def _safe(name: str) -> str:
    """A field name fit to echo back: its NUL and surrogates replaced."""
    return "".join("\ufffd" if ch == "\x00" or "\ud800" <= ch <= "\udfff" else ch for ch in name)
