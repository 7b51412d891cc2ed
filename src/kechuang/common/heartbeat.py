"""The background worker's heartbeat: a file in the data directory with the time of its
last loop. Web processes read it to decide whether they may leave indexing to the worker
(``matching.services``), and the readiness check reports it."""

from __future__ import annotations

import datetime
import os
import threading
import time
from pathlib import Path

from django.conf import settings

FRESH_FOR = 30.0  # seconds: a worker that has not beaten for longer is taken as gone
_cache: tuple[float, bool] = (0.0, False)


def heartbeat_path() -> Path:
    return Path(settings.DATA_DIR) / "worker.heartbeat"


def beat() -> None:
    path = heartbeat_path()
    # a temporary file of this thread's own: the worker beats from two threads
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(f"{time.time():.3f}\n")
    os.replace(tmp, path)


def last_heartbeat() -> datetime.datetime | None:
    """When a worker last completed a loop (None: no worker has run here)."""
    try:
        stamp = float(heartbeat_path().read_text().strip())
    except (OSError, ValueError):
        return None
    return datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)


def worker_alive() -> bool:
    """Whether a worker has beaten within ``FRESH_FOR`` seconds (looked up once a second)."""
    global _cache
    now = time.monotonic()
    if now - _cache[0] < 1.0:
        return _cache[1]
    last = last_heartbeat()
    alive = last is not None and time.time() - last.timestamp() < FRESH_FOR
    _cache = (now, alive)
    return alive
