"""Health endpoints for load balancers and orchestrators.

- ``GET /healthz``: the process is up and answers (200 ``{"status": "ok"}``); touches no
  database, so a database outage does not make the balancer kill healthy web workers.
- ``GET /readyz``: whether this process can serve traffic now. 503 when the database is
  unreachable, migrations are not applied, (with ``KECHUANG_REQUIRE_WORKER=true``) the
  background worker has not beaten recently, or the search index is over a threshold of
  ``matching.health`` (queue lag over ``KECHUANG_INDEX_LAG_MAX_SECONDS``, a rebuild that
  died or runs too long); 200 otherwise. A search index that is
  missing, corrupted or rebuilding makes it ``degraded`` but still 200: search falls back
  to the database meanwhile. The body reports every check.

Both are public (they show no data), need no session or CSRF token, and are never cached.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from kechuang.common import heartbeat
from kechuang.common.access_rules import public

logger = logging.getLogger(__name__)

# Search states in which search still answers from its own index (others fall back to the
# database: the site works, degraded).
SEARCH_READY = frozenset({"ok", "disabled"})

# Once this process has seen every migration applied, it does not load the migration
# graph again on every probe (a deployment migrates before it starts new processes).
_migrated = False


@require_safe
@never_cache
@public("进程存活检查：只回答 ok，不含任何数据")
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
@public("就绪检查：只报告数据库、索引、后台任务的状态，不含任何数据")
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, Any]] = {}
    database = _database()
    checks["database"] = database
    if database["status"] == "ok":
        checks["migrations"] = _migrations()
        rebuild = _rebuild()  # before _search, whose index_health clears a stale marker
        checks["search"] = _search()
        checks["index_queue"] = _index_queue(rebuild)
    checks["worker"] = _worker()

    unavailable = (
        database["status"] != "ok"
        or checks["migrations"]["status"] != "ok"
        or (checks["worker"]["required"] and checks["worker"]["status"] != "ok")
        or checks["index_queue"]["status"] == "over_threshold"
    )
    if unavailable:
        status = "unavailable"
    elif checks["search"]["status"] not in SEARCH_READY or checks["index_queue"].get("error"):
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse({"status": status, "checks": checks}, status=503 if unavailable else 200)


def _database() -> dict[str, Any]:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("readiness: database unreachable: %s", exc)
        return {"status": "error", "error": exc.__class__.__name__}
    return {"status": "ok", "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def _migrations() -> dict[str, Any]:
    global _migrated
    if _migrated:
        return {"status": "ok"}
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        logger.warning("readiness: cannot read migrations: %s", exc)
        return {"status": "error", "error": exc.__class__.__name__}
    if plan:
        return {"status": "pending", "unapplied": len(plan)}
    _migrated = True
    return {"status": "ok"}


def _search() -> dict[str, Any]:
    from kechuang.matching.indexing import index_health

    try:
        report = index_health()
    except Exception as exc:  # the probe reports a broken index, it does not become one
        logger.warning("readiness: search health failed: %s", exc, exc_info=True)
        return {"status": "error", "ready": False, "error": exc.__class__.__name__}
    status = str(report.get("status", "error"))
    if report.get("rebuilding") and status != "disabled":
        status = "rebuilding"
    out: dict[str, Any] = {"status": status, "ready": status in SEARCH_READY}
    if "items" in report:
        out["items"] = report["items"]
    return out


def _rebuild() -> dict[str, Any]:
    from kechuang.matching.health import rebuild_state

    try:
        return rebuild_state()
    except OSError as exc:  # the index directory is unreadable: search reports it
        return {"state": "unknown", "error": exc.__class__.__name__}


def _index_queue(rebuild: dict[str, Any]) -> dict[str, Any]:
    from kechuang.matching.health import threshold_problems
    from kechuang.matching.indexing import queue_state

    try:
        length, oldest, lag = queue_state()
    except DatabaseError as exc:
        return {"status": "error", "error": exc.__class__.__name__}
    problems = threshold_problems(lag_seconds=lag, rebuild=rebuild)
    out: dict[str, Any] = {
        "status": "over_threshold" if problems else "ok",
        "length": length,
        "oldest_queued_at": oldest.isoformat() if oldest else None,
        "lag_seconds": round(lag, 1),
        "lag_limit_seconds": settings.KECHUANG_INDEX_LAG_MAX_SECONDS,
        "rebuild": rebuild["state"],
    }
    if problems:
        out["problems"] = problems
    return out


def _worker() -> dict[str, Any]:
    required = bool(getattr(settings, "KECHUANG_REQUIRE_WORKER", False))
    last = heartbeat.last_heartbeat()
    if last is None:
        return {"status": "absent", "required": required, "last_heartbeat": None}
    age = max(time.time() - last.timestamp(), 0.0)
    return {
        "status": "ok" if age < heartbeat.FRESH_FOR else "stale",
        "required": required,
        "last_heartbeat": last.isoformat(),
        "age_seconds": round(age, 1),
    }
