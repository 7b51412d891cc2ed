"""``Idempotency-Key`` on the API's writes: a retry gets the first answer, not a second write.

Applied once to every operation of the API (``api.add_decorator(idempotent, mode="view")``
in ``api/urls.py``) and active for ``POST`` requests that carry the header:

1. The key is claimed for its caller (the token's user, else the session's) in a short
   transaction of its own: a row with no answer yet. A second request with the same key
   while the first runs gets 409 ``idempotency_key_in_progress``.
2. The operation runs inside one transaction together with the write of its answer, so a
   committed write always has its stored answer and an answer is never stored for a write
   that rolled back. A 5xx answer (database or storage unavailable, a crash) is not kept:
   nothing committed, the key is released, and a retry runs the request again.
3. A retry with the same key, method, path and body gets the stored status and body with
   ``Idempotent-Replayed: true``; the same key with anything else is 422
   ``idempotency_key_reused``. Keys belong to their caller: another user's key of the same
   text is another key.

Answers are kept for 24 hours (``idempotency_purge`` deletes older ones; the worker runs it
hourly). A claim whose request died without an answer (a killed process) is taken over by
a retry after ``KECHUANG_IDEMPOTENCY_STALE_SECONDS``: nothing of that request committed,
because its writes and its answer share one transaction.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.auth import optional_user
from kechuang.api.errors import problem_response
from kechuang.api.models import IdempotencyKey
from kechuang.common.errors import NotAuthenticated

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
METHODS = frozenset({"POST"})
KEEP_FOR = datetime.timedelta(hours=24)
MAX_KEY_LENGTH = 255
# Answers a retry must not replay: they say nothing about the request (the caller was not
# recognised, or was asked to slow down).
NOT_KEPT = frozenset({401, 429})

DESCRIPTION = (
    "可选。任意不超过 255 个可见 ASCII 字符的唯一字符串（建议 UUID）。带同一个键重试同一请求时，"
    "返回第一次的状态码和响应体（响应头 `Idempotent-Replayed: true`），不会重复创建；"
    "同一个键用于不同的请求返回 422 `idempotency_key_reused`；第一次请求仍在处理时返回 409 "
    "`idempotency_key_in_progress`。键按用户区分，保存 24 小时。"
)


def idempotent(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The view-level wrapper of one API operation (see the module's docstring)."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        key = request.headers.get(HEADER)
        if key is None or request.method not in METHODS:
            return run(request, *args, **kwargs)
        if not _valid_key(key):
            message = _("Idempotency-Key 须为 1–255 个可见 ASCII 字符。")
            return problem_response(
                request,
                status=422,
                code="validation_failed",
                title=message,
                errors={HEADER: [message]},
            )
        identity = _identity(request)
        if identity is None:  # the operation answers an unknown caller itself (401)
            return run(request, *args, **kwargs)
        claimed = _claim(request, identity, key, _request_hash(request))
        if isinstance(claimed, HttpResponseBase):
            return claimed
        return _run_and_keep(claimed, run, request, *args, **kwargs)

    return wrapper


def idempotency_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the keys older than 24 hours; returns how many. Safe to run at any time."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        log.info("purged %d expired idempotency keys", deleted)
    return deleted


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare the optional ``Idempotency-Key`` header on every POST of the OpenAPI document."""
    for operations in schema.get("paths", {}).values():
        operation = operations.get("post")
        if operation is None:
            continue
        operation.setdefault("parameters", []).append(
            {
                "name": HEADER,
                "in": "header",
                "required": False,
                "description": DESCRIPTION,
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_KEY_LENGTH,
                    "pattern": "^[\\x20-\\x7E]+$",
                },
            }
        )
    return schema


# ---------------------------------------------------------------- the steps


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= ch <= "~" for ch in key)


def _identity(request: HttpRequest) -> str | None:
    try:
        user = optional_user(request)
    except NotAuthenticated:
        return None
    if user is None or not user.is_authenticated:
        return None
    return f"user:{user.pk}"


def _request_hash(request: HttpRequest) -> str:
    """What makes two requests the same request: the body (for a multipart upload its
    fields and files, since each send picks a new boundary)."""
    digest = hashlib.sha256()
    if request.content_type == "multipart/form-data":
        fields = sorted((name, values) for name, values in request.POST.lists())
        digest.update(json.dumps(fields, ensure_ascii=False).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(f"\0{name}\0{upload.name}\0".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(settings.KECHUANG_IDEMPOTENCY_STALE_SECONDS))


def _claim(
    request: HttpRequest, identity: str, key: str, request_hash: str, *, again: bool = True
) -> IdempotencyKey | HttpResponseBase:
    """The claimed key row, or the answer that replaces running the request."""
    now = timezone.now()
    path = request.get_full_path()[:2000]
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                identity=identity,
                key=key,
                method=request.method or "",
                path=path,
                request_hash=request_hash,
                created_at=now,
            )
    except IntegrityError:
        pass
    row = IdempotencyKey.objects.filter(identity=identity, key=key).first()
    if row is None or row.created_at < now - KEEP_FOR:
        if row is not None:  # expired, not purged yet: the key is free again
            IdempotencyKey.objects.filter(pk=row.pk, created_at=row.created_at).delete()
        if again:
            return _claim(request, identity, key, request_hash, again=False)
        return _in_progress(request)
    if (row.method, row.path, row.request_hash) != (request.method, path, request_hash):
        return problem_response(
            request,
            status=422,
            code="idempotency_key_reused",
            title=_("该 Idempotency-Key 已用于另一个请求，请为新请求换一个键。"),
        )
    if row.status is None:
        # A claim this old belongs to a request that died: none of its writes committed
        # (they share one transaction with the answer), so this retry may run it.
        if row.created_at < now - _stale_after():
            taken = IdempotencyKey.objects.filter(
                pk=row.pk, status__isnull=True, created_at=row.created_at
            ).update(created_at=now)
            if taken:
                row.created_at = now
                return row
        return _in_progress(request)
    return _replay(row)


def _in_progress(request: HttpRequest) -> HttpResponse:
    response = problem_response(
        request,
        status=409,
        code="idempotency_key_in_progress",
        title=_("带同一 Idempotency-Key 的请求仍在处理中，请稍后重试。"),
    )
    response["Retry-After"] = "1"
    return response


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        bytes(row.response_body), status=row.status or 200, content_type=row.content_type
    )
    response[REPLAYED] = "true"
    return response


def _keeps(response: HttpResponseBase) -> bool:
    return (
        isinstance(response, HttpResponse)
        and response.status_code < 500
        and response.status_code not in NOT_KEPT
    )


def _run_and_keep(
    row: IdempotencyKey,
    run: Callable[..., HttpResponseBase],
    request: HttpRequest,
    *args: Any,
    **kwargs: Any,
) -> HttpResponseBase:
    kept = False
    try:
        with transaction.atomic():
            response = run(request, *args, **kwargs)
            keep = _keeps(response)
            if keep:
                assert isinstance(response, HttpResponse)
                IdempotencyKey.objects.filter(pk=row.pk).update(
                    status=response.status_code,
                    content_type=response.get("Content-Type", ""),
                    response_body=response.content,
                )
            else:  # a 5xx: whatever it wrote goes too, so that a retry may run again
                transaction.set_rollback(True)
        kept = keep  # only once committed
    finally:
        if not kept:
            _release(row)
    return response


def _release(row: IdempotencyKey) -> None:
    try:
        IdempotencyKey.objects.filter(pk=row.pk, status__isnull=True).delete()
    except DatabaseError as exc:  # the database went away: the claim goes stale instead
        log.warning("could not release idempotency key %s: %s", row.pk, exc)
