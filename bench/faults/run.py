"""Run the fault scripts one after the other and print the summary table
(docs/operations.md, "Faults"). Each fault gets a fresh deployment on this benchmark's
own PostgreSQL cluster (``/tmp/kc-faults/pg``, port 5499), which is stopped at the end.

    PYTHONPATH=src .venv/bin/python bench/faults/run.py --json /tmp/kc-faults.json
    PYTHONPATH=src .venv/bin/python bench/faults/run.py pg_restart   # only some

(≈ 3 minutes per fault on an idle machine.)
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PgCluster

FAULTS = ["web_worker_kill", "task_worker_kill", "pg_restart", "reindex_kill", "media_full"]


def row(r: dict[str, Any]) -> str:
    if "skipped" in r or "crashed" in r:
        return f"| {r['fault']} | not run: {r.get('skipped') or r.get('crashed')} | | | | |"
    e, w, idx, rec = r["errors"], r["writes"], r["index"], r["recovery"]
    window = "none"
    if e["failed"]:
        spans = " + ".join(f"{w} s" for w in e.get("windows_s", [e["window_s"]]))
        window = f"{spans} ({e['failed']} failed answers)"
    statuses = ", ".join(
        f"{'no answer' if k in (0, '0') else k}: {v}" for k, v in e["statuses"].items()
    )
    extra = []
    if e.get("500s"):
        extra.append(f"**{e['500s']} × 500**")
    if e.get("503_without_retry_after"):
        extra.append(f"{e['503_without_retry_after']} × 503 without Retry-After")
    if e.get("non_json_errors_to_api"):
        extra.append(f"{e['non_json_errors_to_api']} non-JSON API errors")
    acked = w["acknowledged"]
    lost = (
        f"{w['lost']} of {acked['creates']} creates, {acked['attachments']} attachments, "
        f"{acked['publishes']} publishes"
    )
    unacked = w["committed_but_not_acknowledged"]
    if isinstance(unacked, int):
        unacked = {"create": unacked}
    if any(unacked.values()):
        said = ", ".join(f"{n} {what}" for what, n in unacked.items() if n)
        lost += f"; committed although the client got no 2xx: {said}"
    converged = f"yes ({idx['converged_s']} s)" if idx["converged_s"] is not None else "**no**"
    return (
        f"| {r['fault']} | {window} | {lost} | {converged} | "
        f"{'yes' if rec['recovered'] else '**no**'} | {statuses}{'; ' if extra else ''}"
        f"{'; '.join(extra)} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("faults", nargs="*", help=f"some of {', '.join(FAULTS)} (default: all)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep-cluster", action="store_true")
    args = parser.parse_args()
    if unknown := set(args.faults) - set(FAULTS):
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    results = []
    try:
        for name in args.faults or FAULTS:
            print(f"--- {name}", flush=True)
            try:
                result = importlib.import_module(name).run()
            except Exception as exc:  # noqa: BLE001 (one broken fault must not hide the others)
                traceback.print_exc()
                result = {"fault": name, "crashed": repr(exc)[:200]}
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)
            if args.json:
                args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    finally:
        if not args.keep_cluster:
            PgCluster().stop()
    print()
    print(
        "| fault | error window | lost acknowledged writes | index converged (after the "
        "traffic) | recovered without restart | status codes seen from the fault on |"
    )
    print("|---|---|---|---|---|---|")
    for r in results:
        print(row(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
