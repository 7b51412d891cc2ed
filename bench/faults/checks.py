"""The checks after a fault: the error window the client saw, acknowledged writes
looked up in the database and on disk, the index compared with the database, and
whether the app works again without a restart."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from common import Traffic
from deployment import Deployment, http_get

# --- the checks afterwards --------------------------------------------------------------


def error_window(traffic: Traffic, since: float = 0.0) -> dict[str, Any]:
    """Failed answers (no answer, 5xx, or 507) after ``since``: first and last, statuses,
    500s, and 503s without Retry-After."""
    bad = [a for a in traffic.answers if a.t >= since and (a.status == 0 or a.status >= 500)]
    statuses = Counter(a.status for a in traffic.answers if a.t >= since)
    if not bad:
        return {"failed": 0, "window_s": 0.0, "statuses": dict(statuses)}
    windows: list[list[float]] = []  # failures less than 2 s apart form one window
    for a in bad:
        if windows and a.t - windows[-1][1] < 2:
            windows[-1][1] = a.t
        else:
            windows.append([a.t, a.t])
    return {
        "failed": len(bad),
        "windows_s": [round(end - begin, 2) for begin, end in windows],
        "first_s": round(bad[0].t, 2),
        "last_s": round(bad[-1].t, 2),
        "window_s": round(bad[-1].t - bad[0].t, 2),
        "statuses": dict(sorted(statuses.items())),
        "failed_by_request": dict(Counter(f"{a.what} {a.status}" for a in bad)),
        "500s": sum(a.status == 500 for a in bad),
        "503_without_retry_after": sum(a.status == 503 and not a.retry_after for a in bad),
        "non_json_errors_to_api": sum(
            a.status != 0 and a.path.startswith("/api/") and "json" not in a.content_type
            for a in bad
        ),
    }


def lost_writes(dep: Deployment, traffic: Traffic) -> dict[str, Any]:
    """Each acknowledged write, looked up in the database (and the media directory)."""
    media = dep.media_root or dep.data_dir / "media"
    with dep.db() as conn:
        needs = dict(
            conn.execute(
                "SELECT id, title FROM catalog_need WHERE id = ANY(%s)", (list(traffic.created),)
            ).fetchall()
        )
        statuses = dict(
            conn.execute(
                "SELECT id, status FROM catalog_need WHERE id = ANY(%s)",
                (list(traffic.published),),
            ).fetchall()
        )
        files = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT id, need_id, sha256, file, size FROM catalog_attachment WHERE id = ANY(%s)",
                (list(traffic.attached),),
            ).fetchall()
        }
        tagged = conn.execute(
            "SELECT count(*) FROM catalog_need WHERE title LIKE %s", (f"故障测试{traffic.tag}%",)
        ).fetchone()[0]
        done = {
            "attach": set(
                conn.execute(
                    "SELECT need_id FROM catalog_attachment WHERE need_id = ANY(%s)",
                    ([i for w, i in traffic.unanswered if w == "attach"],),
                ).fetchall()
            ),
            "submit": set(
                conn.execute(
                    "SELECT id FROM catalog_need WHERE id = ANY(%s) AND status <> 'draft'",
                    ([i for w, i in traffic.unanswered if w == "submit"],),
                ).fetchall()
            ),
            "publish": set(
                conn.execute(
                    "SELECT id FROM catalog_need WHERE id = ANY(%s) AND status = 'published'",
                    ([i for w, i in traffic.unanswered if w == "publish"],),
                ).fetchall()
            ),
        }
        empty_files = conn.execute(
            "SELECT count(*) FROM catalog_attachment WHERE size = 0"
        ).fetchone()[0]
    lost_needs = [i for i, title in traffic.created.items() if needs.get(i) != title]
    lost_publishes = [i for i in traffic.published if statuses.get(i) != "published"]
    lost_files = []
    for att_id, (need_id, sha) in traffic.attached.items():
        row = files.get(att_id)
        path = media / row[2] if row else None
        if (
            row is None
            or row[0] != need_id
            or row[1] != sha
            or path is None
            or not path.exists()
            or hashlib.sha256(path.read_bytes()).hexdigest() != sha
        ):
            lost_files.append(att_id)
    zero_byte = [p.name for p in media.rglob("*") if p.is_file() and p.stat().st_size == 0]
    return {
        "acknowledged": {
            "creates": len(traffic.created),
            "attachments": len(traffic.attached),
            "publishes": len(traffic.published),
        },
        "lost": len(lost_needs) + len(lost_publishes) + len(lost_files),
        "lost_creates": lost_needs,
        "lost_publishes": lost_publishes,
        "lost_attachments": lost_files,
        # writes that took effect although the client got an error or no answer
        "committed_but_not_acknowledged": {
            "create": tagged - len(traffic.created),
            **{what: len(rows) for what, rows in done.items()},
        },
        "zero_byte_files": zero_byte,
        "zero_size_rows": empty_files,
    }


def index_converged(dep: Deployment, traffic: Traffic, *, deadline: float = 180) -> dict[str, Any]:
    """Poll until the index matches the database: nothing queued, as many documents of each
    kind as public rows, and every need of this run found by search exactly when the
    database says it is published. ``converged_s``: seconds from the end of the traffic
    to the start of the first check that passed (an upper bound), or None."""
    start = time.monotonic()
    last: dict[str, Any] = {}
    checks = 0
    while time.monotonic() - start < deadline:
        checked = time.monotonic()
        checks += 1
        try:
            health = dep.search_health()
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            last = {"error": str(exc)[:300]}
            time.sleep(2)
            continue
        expected, found = health.get("expected"), health.get("by_kind")
        last = {"pending": health.get("pending"), "expected": expected, "by_kind": found,
                "status": health.get("status"), "rebuilding": health.get("rebuilding")}  # fmt: skip
        if health.get("status") == "ok" and not health.get("pending") and expected == found:
            missing = search_mismatches(dep, traffic)
            last["search_mismatches"] = missing
            if not missing:
                # the state seen by this check: converged at the latest when it began
                return {"converged_s": round(checked - start, 1), "checks": checks, **last}
        time.sleep(2)
    return {"converged_s": None, "checks": checks, **last}


def search_mismatches(dep: Deployment, traffic: Traffic) -> list[int]:
    """Needs of this run whose presence in search disagrees with the database."""
    with dep.db() as conn:
        rows = conn.execute(
            "SELECT id, title, status FROM catalog_need WHERE title LIKE %s",
            (f"故障测试{traffic.tag}%",),
        ).fetchall()

    def disagrees(row: tuple[int, str, str]) -> bool:
        need_id, title, status = row
        query = {"q": title, "kinds": "need", "page_size": 10}
        code, raw = http_get(f"{dep.url}/api/v1/search?{urllib.parse.urlencode(query)}", timeout=60)
        if code != 200:
            return True
        found = any(hit["object_id"] == need_id for hit in json.loads(raw)["items"])
        return found != (status == "published")

    with ThreadPoolExecutor(3) as pool:  # as many as the web workers
        return [row[0] for row, bad in zip(rows, pool.map(disagrees, rows), strict=True) if bad]


def recovered(dep: Deployment, traffic: Traffic, *, last: int = 10) -> dict[str, Any]:
    """Whether the app works again with no process restarted by hand: after the traffic,
    one need went through create, attach, submit and publish, and ``/readyz`` and a list
    of needs answer 200. Also: how many of the traffic's last ``last`` answers failed."""
    tail = [a for a in traffic.answers if a.t <= traffic.marks["traffic_end"]][-last:]
    ready, _ = http_get(f"{dep.url}/readyz", timeout=30)
    listed, _ = http_get(f"{dep.url}/api/v1/needs", timeout=30)
    return {
        "recovered": traffic.probe_ok and ready == 200 and listed == 200,
        "probe_write_ok": traffic.probe_ok,
        "last_answers_failed": sum(a.status == 0 or a.status >= 500 for a in tail),
        "readyz": ready,
        "needs_list": listed,
    }


def report(name: str, dep: Deployment, traffic: Traffic, extra: dict[str, Any] | None = None,
           *, since: float = 0.0, deadline: float = 180) -> dict[str, Any]:  # fmt: skip
    result = {
        "fault": name,
        "marks": traffic.marks,
        "errors": error_window(traffic, since),
        "writes": lost_writes(dep, traffic),
        "recovery": recovered(dep, traffic),
        "index": index_converged(dep, traffic, deadline=deadline),
        **(extra or {}),
    }
    return result
