"""Thresholds of the search index's health, asked by ``kechuang search-health`` and /readyz.

Two things fail them:

- **queue lag**: the oldest queued change has waited longer than
  ``KECHUANG_INDEX_LAG_MAX_SECONDS`` (default 300; 0 turns the check off) — no worker
  drains the queue, or it cannot keep up. While a live rebuild runs within its limit the
  queue keeps its rows on purpose (they are indexed after the swap), so lag is not held
  against it then;
- **rebuild**: a rebuild marker left by a process that died (``stale``: reported once,
  and removed as ``indexing.rebuilding`` does), or a live rebuild running longer than
  ``KECHUANG_REBUILD_MAX_SECONDS`` (default 3600; ``overdue``: hung, or far too slow).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from kechuang.common.filelocks import lock_held
from kechuang.matching import indexing


def rebuild_state() -> dict[str, Any]:
    """``idle``, ``running``, ``overdue`` (live but over the limit) or ``stale`` (its
    process died; the marker is removed here)."""
    marker = indexing._marker()
    try:
        started = datetime.datetime.fromtimestamp(marker.stat().st_mtime, tz=datetime.UTC)
    except FileNotFoundError:
        return {"state": "idle"}
    age = max((timezone.now() - started).total_seconds(), 0.0)
    limit = float(settings.KECHUANG_REBUILD_MAX_SECONDS)
    if not lock_held(indexing.rebuild_lock_path()):
        indexing.rebuilding()  # removes the stale marker, with a warning in the log
        return {"state": "stale", "age_seconds": round(age, 1)}
    state = "overdue" if limit and age > limit else "running"
    return {"state": state, "age_seconds": round(age, 1), "limit_seconds": limit}


def threshold_problems(*, lag_seconds: float, rebuild: dict[str, Any]) -> list[str]:
    """What is over its threshold, in words for an operator (empty: all within)."""
    problems = []
    limit = float(settings.KECHUANG_INDEX_LAG_MAX_SECONDS)
    rebuild_excuses_lag = rebuild["state"] == "running"
    if limit and lag_seconds > limit and not rebuild_excuses_lag:
        problems.append(
            f"索引队列积压：最早的变更已等待 {lag_seconds:.0f} 秒，超过上限 {limit:.0f} 秒"
            "（后台 worker 是否在运行？）"
        )
    if rebuild["state"] == "stale":
        problems.append(
            "发现中断的索引重建（其进程已不在）：标记已清除，请确认索引完整或重新 reindex"
        )
    elif rebuild["state"] == "overdue":
        problems.append(
            f"索引重建已运行 {rebuild['age_seconds']:.0f} 秒，超过上限 "
            f"{rebuild['limit_seconds']:.0f} 秒"
        )
    return problems
