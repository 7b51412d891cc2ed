"""Fault: ``kill -9`` the task worker (``kechuang worker``) in the middle of a batch.

Writers publish needs, so the index queue fills; the worker is killed once rows are
queued (it is then embedding or indexing a batch). It is **not** restarted: the web
processes see its heartbeat go stale (30 s) and index their own changes again, draining
what the dead worker left. The index must converge to the database by itself.

    PYTHONPATH=src .venv/bin/python bench/faults/task_worker_kill.py
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checks import report
from common import Traffic, deployment, drive


def run() -> dict[str, Any]:
    with deployment("task_worker_kill") as dep:
        info: dict[str, Any] = {}

        async def strike(traffic: Traffic) -> None:
            await asyncio.sleep(10)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:  # wait for queued rows: a batch under way
                with dep.db() as conn:
                    queued = conn.execute("SELECT count(*) FROM matching_indexqueue").fetchone()[0]
                if queued:
                    break
                await asyncio.sleep(0.1)
            info["queued_at_kill"] = queued
            os.kill(dep.procs["worker"].pid, signal.SIGKILL)
            traffic.mark("fault")
            dep.procs["worker"].wait()
            del dep.procs["worker"]

        traffic = asyncio.run(drive(dep, strike, seconds=20, after=50, writers=4, readers=2))
        return report(
            "kill -9 the task worker mid-batch (not restarted)",
            dep,
            traffic,
            info,
            since=traffic.marks["fault"],
        )


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
