"""Fault: ``kill -9`` a gunicorn web worker while it writes, five times, 3 s apart.

Six writers and two readers keep all three workers busy, mostly with writes (create,
attach, submit, publish), so each killed worker is in the middle of a request. The
request it was serving gets no answer (the connection is cut); gunicorn's master starts
a new worker. Acknowledged writes must all be in the database; a write that committed
just before the kill is reported as "committed but not acknowledged".

    PYTHONPATH=src .venv/bin/python bench/faults/web_worker_kill.py
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checks import report
from common import Traffic, deployment, drive

KILLS = 5


def run() -> dict[str, Any]:
    with deployment("web_worker_kill") as dep:
        killed: list[dict[str, Any]] = []

        async def strike(traffic: Traffic) -> None:
            await asyncio.sleep(10)
            traffic.mark("fault")
            for _ in range(KILLS):
                busy: list[int] = []
                for _try in range(200):  # a worker serving a request (writes: 6 of 8 loops)
                    busy = dep.busy_web_workers()
                    if busy:
                        break
                    await asyncio.sleep(0.01)
                pid = random.choice(busy or dep.web_worker_pids())
                os.kill(pid, signal.SIGKILL)
                killed.append({"pid": pid, "busy": bool(busy), "t": round(traffic.now(), 2)})
                await asyncio.sleep(3)
            traffic.mark("fault_end")

        traffic = asyncio.run(drive(dep, strike, seconds=20, after=15, writers=6, readers=2))
        alive = dep.web_worker_pids()
        return report(
            "kill -9 a web worker mid-write (×5)",
            dep,
            traffic,
            {"killed": killed, "workers_after": len(alive)},
            since=traffic.marks["fault"],
        )


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
