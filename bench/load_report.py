"""The report of ``bench/load.py``: per step and class, requests, req/s, p50 / p95 / p99,
errors; the machine's load and the CPU a request costs; the issue's targets."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from load import Sample, Step

WRITES = ["create", "attach", "submit", "publish"]


def pct(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def summarize(step: Step) -> dict[str, Any]:
    groups: dict[str, list[Sample]] = {}
    for s in step.samples:
        groups.setdefault(s.cls, []).append(s)
        if s.cls in {"page", "search", "api"}:
            groups.setdefault("reads", []).append(s)
    classes = {}
    for cls, samples in groups.items():
        ms = [s.ms for s in samples]
        classes[cls] = {
            "n": len(samples),
            "rps": round(len(samples) / step.seconds, 2),
            "p50": round(pct(ms, 50), 1),
            "p95": round(pct(ms, 95), 1),
            "p99": round(pct(ms, 99), 1),
            "errors": sum(not s.ok for s in samples),
            "error_statuses": dict(Counter(s.status for s in samples if not s.ok)),
        }
    found = sorted(x for x in step.searchable if x is not None)
    return {
        "users": step.users,
        "seconds": round(step.seconds, 1),
        "requests": step.sent,
        "classes": classes,
        "searchable_s": {
            "n": len(step.searchable),
            "not_found": sum(x is None for x in step.searchable),
            "p50": round(pct(found, 50), 2) if found else None,
            "p95": round(pct(found, 95), 2) if found else None,
            "max": round(found[-1], 2) if found else None,
        },
        "load1_mean": round(statistics.fmean(step.load), 2) if step.load else None,
        "load1_max": round(max(step.load), 2) if step.load else None,
        "heartbeat_age_max_s": round(max(step.heartbeat_age), 1) if step.heartbeat_age else None,
        "client_cpu_s": round(step.client_cpu, 1),
        # the web workers' and the task worker's CPU per request of the step (PostgreSQL's
        # is not counted): what a request costs, whatever else shares the machine
        "server_cpu_ms_per_request": round(1000 * step.server_cpu / len(step.samples), 1)
        if step.server_cpu is not None and step.samples
        else None,
    }


ORDER = ["page", "search", "api", "reads", "create", "attach", "submit", "publish", "poll"]


def markdown(results: list[dict[str, Any]], cpus: int) -> str:
    lines = [
        f"CPUs: {cpus}",
        "",
        "| users | class | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for cls in ORDER:
            c = r["classes"].get(cls)
            if c is None:
                continue
            errors = f"{c['errors']} {c['error_statuses']}" if c["errors"] else "0"
            lines.append(
                f"| {r['users']} | {cls} | {c['n']} | {c['rps']} | {c['p50']} | {c['p95']} "
                f"| {c['p99']} | {errors} |"
            )
    lines += [
        "",
        "| users | seconds | load avg (1 min) mean / max | client CPU s "
        "| server CPU ms / request | worker heartbeat age max s "
        "| publish → searchable p50 / p95 / max s (n, not found) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r["searchable_s"]
        lines.append(
            f"| {r['users']} | {r['seconds']} | {r['load1_mean']} / {r['load1_max']} "
            f"| {r['client_cpu_s']} | {r['server_cpu_ms_per_request']} "
            f"| {r['heartbeat_age_max_s']} "
            f"| {s['p50']} / {s['p95']} / {s['max']} "
            f"({s['n']}, {s['not_found']}) |"
        )
    return "\n".join(lines)


def targets(results: list[dict[str, Any]]) -> list[str]:
    """The issue's targets at 20 users: reads p95 < 300 ms, every write p95 < 500 ms."""
    out = []
    for r in results:
        if r["users"] != 20:
            continue
        for cls, limit in [("page", 300), ("search", 300), ("api", 300), ("reads", 300)] + [
            (w, 500) for w in WRITES
        ]:
            if cls in r["classes"]:
                p95 = r["classes"][cls]["p95"]
                verdict = "met" if p95 < limit else "NOT met"
                out.append(f"20 users, {cls}: p95 {p95} ms (target < {limit}): {verdict}")
    return out
