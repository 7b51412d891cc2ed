"""Fault: ``kill -9`` a ``kechuang reindex`` midway through its build, during writes.

The rebuild leaves its marker (``index.rebuilding``) and a half-built directory behind;
the marker counts only while a live process holds the rebuild lock, so the queue must
go on draining, ``search-health`` must not say "rebuilding", and the index must converge
to the database without anyone running anything.

    PYTHONPATH=src .venv/bin/python bench/faults/reindex_kill.py
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checks import report
from common import Traffic, deployment, drive

PROGRESS = re.compile(rb"(\d+)/(\d+)")


def run() -> dict[str, Any]:
    with deployment("reindex_kill") as dep:
        info: dict[str, Any] = {}

        async def strike(traffic: Traffic) -> None:
            await asyncio.sleep(8)
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "kechuang.cli", "reindex",
                env=dep.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )  # fmt: skip
            traffic.mark("reindex_started")
            assert proc.stdout is not None
            buffer = b""
            while True:  # its progress bar: kill it past 40 %
                chunk = await proc.stdout.read(256)
                if not chunk:
                    break
                buffer += chunk
                found = PROGRESS.findall(buffer)
                if found and int(found[-1][1]) and int(found[-1][0]) / int(found[-1][1]) >= 0.4:
                    os.kill(proc.pid, signal.SIGKILL)
                    info["killed_at"] = f"{found[-1][0].decode()}/{found[-1][1].decode()}"
                    break
            traffic.mark("fault")
            info["reindex_exit"] = await proc.wait()
            marker = dep.data_dir / "index.rebuilding"
            info["marker_left"] = marker.exists()

        traffic = asyncio.run(drive(dep, strike, seconds=20, after=20, writers=4, readers=2))
        result = report(
            "kill -9 a reindex midway", dep, traffic, info, since=traffic.marks["fault"]
        )
        result["marker_after"] = (dep.data_dir / "index.rebuilding").exists()
        builds = sorted(p.name for p in (dep.data_dir / "index.d").iterdir())
        result["builds_left"] = builds
        return result


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
