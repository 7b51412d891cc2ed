"""Fault: restart PostgreSQL during writes — once ``-m fast`` (connections closed), once
``-m immediate`` (as after a crash: recovery on start), 15 s apart.

The cluster is this benchmark's own (``/tmp/kc-faults/pg``, port 5499), never the
machine's shared server. Every client-facing error in the window must be a 503 with
``Retry-After`` (problem+json under /api/), not a 500; the app must answer again without
restarting its web workers or its task worker.

    PYTHONPATH=src .venv/bin/python bench/faults/pg_restart.py
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checks import report
from common import PgCluster, Traffic, deployment, drive


def run() -> dict[str, Any]:
    cluster = PgCluster()
    with deployment("pg_restart") as dep:
        took: dict[str, float] = {}

        async def strike(traffic: Traffic) -> None:
            await asyncio.sleep(10)
            traffic.mark("fault")
            took["fast_restart_s"] = round(await asyncio.to_thread(cluster.restart), 2)
            traffic.mark("fast_restarted")
            await asyncio.sleep(15)
            traffic.mark("immediate")
            took["immediate_restart_s"] = round(
                await asyncio.to_thread(cluster.restart, mode="immediate"), 2
            )
            traffic.mark("fault_end")

        traffic = asyncio.run(drive(dep, strike, seconds=20, after=20, writers=4, readers=2))
        worker_alive = dep.procs["worker"].poll() is None
        return report(
            "restart PostgreSQL during writes (fast, then immediate)",
            dep,
            traffic,
            {**took, "task_worker_alive": worker_alive},
            since=traffic.marks["fault"],
        )


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
