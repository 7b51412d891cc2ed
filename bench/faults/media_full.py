"""Fault: the media disk fills up during uploads, then space is freed.

The media directory (``MEDIA_ROOT``) is a 4 MiB tmpfs mounted for this run (needs root).
After 8 s of traffic a filler file takes every free byte; 15 s later it is deleted (an
operator freeing space). While full, an upload must fail cleanly — an API client gets
problem+json (507 or 503), no row without its file, no 0-byte file — and uploads must
work again once space is back, without a restart.

    PYTHONPATH=src .venv/bin/python bench/faults/media_full.py
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checks import report
from common import ROOT, Traffic, deployment, drive

SIZE = "4m"


def fill(path: Path) -> int:
    """Write until the disk is full; the bytes written."""
    written = 0
    block = b"\0" * 65536
    with path.open("wb", buffering=0) as handle:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    written += handle.write(block[:size])
            except OSError:
                continue
    return written


def run() -> dict[str, Any]:
    mount = ROOT / "media_full_mnt"
    mount.mkdir(parents=True, exist_ok=True)
    subprocess.run(["umount", str(mount)], capture_output=True, check=False)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode:
        return {"fault": "media disk full", "skipped": mounted.stderr.decode().strip()}
    try:
        with deployment("media_full", media_root=mount) as dep:
            info: dict[str, Any] = {"tmpfs": SIZE}
            filler = mount / "filler.bin"

            async def strike(traffic: Traffic) -> None:
                await asyncio.sleep(8)
                traffic.mark("fault")
                info["filler_bytes"] = await asyncio.to_thread(fill, filler)
                await asyncio.sleep(15)
                filler.unlink()
                traffic.mark("fault_end")

            traffic = asyncio.run(drive(dep, strike, seconds=20, after=15, writers=4, readers=2))
            ends = [a.t for a in traffic.answers if a.what == "attach" and a.status == 201]
            info["uploads_ok_after_freeing"] = sum(t > traffic.marks["fault_end"] for t in ends)
            return report("media disk full", dep, traffic, info, since=traffic.marks["fault"])
    finally:
        with contextlib.suppress(OSError):
            (mount / "filler.bin").unlink()
        subprocess.run(["umount", str(mount)], capture_output=True, check=False)


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
