"""The list pages anonymous visitors see (needs, achievements, experts), cached.

What is cached is the rendered result list of one URL (filters and page included) in one
language, for ``KECHUANG_ANONYMOUS_LIST_CACHE_SECONDS`` (0: off) — never for a signed-in
visitor, whose list may hold more than the public one. The page around it (CSRF token,
navigation, the filter form) is rendered per request as before.

Every key carries the catalog's *generation*: the services that change what a public list
shows (publish, return, withdraw, close, expire, renew, an expert's status, profile or
works) call ``lists_changed``, which moves the generation on at once and again after the
commit. So a published need is on the anonymous list with the next request, and an
unpublished one is gone from it; other edits (an organisation renamed) show after the
timeout at the latest.

A cache that fails (Redis down) serves the lists uncached, with a warning in the log.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils import translation

log = logging.getLogger(__name__)

GENERATION_KEY = "catalog:lists:generation"

try:  # the Redis client is there only when REDIS_URL may be used
    from redis.exceptions import RedisError

    CACHE_ERRORS: tuple[type[Exception], ...] = (DatabaseError, OSError, RedisError)
except ImportError:  # pragma: no cover
    CACHE_ERRORS = (DatabaseError, OSError)


def lists_changed() -> None:
    """Inside the transaction of a change to what a public list shows: every cached
    anonymous list is stale from now on, and again once the change is committed (a list
    cached between the two would otherwise show the state before the commit)."""
    _bump()
    transaction.on_commit(_bump, robust=True)


def _bump() -> str:
    generation = str(time.time_ns())
    try:
        # a savepoint: the database cache writes on the caller's connection, and a failed
        # statement must not abort the caller's transaction (PostgreSQL would)
        with transaction.atomic():
            cache.set(GENERATION_KEY, generation, None)
    except CACHE_ERRORS as exc:
        log.warning("could not move the catalog list generation on: %s", exc)
    return generation


def anonymous_results(request: HttpRequest, name: str, render: Callable[[], str]) -> str:
    """``render()``'s result list, from the cache for anonymous visitors."""
    timeout = int(settings.KECHUANG_ANONYMOUS_LIST_CACHE_SECONDS)
    if timeout <= 0 or request.user.is_authenticated:
        return render()
    try:
        generation = cache.get(GENERATION_KEY) or _bump()
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"catalog:lists:{name}:{generation}:{translation.get_language()}:{path}"
        html = cache.get(key)
    except CACHE_ERRORS as exc:
        log.warning("list cache unavailable, serving %s uncached: %s", name, exc)
        return render()
    if html is not None:
        return str(html)
    html = render()
    try:
        cache.set(key, html, timeout)
    except CACHE_ERRORS as exc:
        log.warning("could not cache the %s list: %s", name, exc)
    return html
