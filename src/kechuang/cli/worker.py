"""``kechuang worker`` (tasks, the index queue, the periodic jobs) and ``kechuang scheduler``."""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import time
from typing import Any

from kechuang.cli.common import _require_migrated
from kechuang.cli.output import _err

log = logging.getLogger("kechuang.worker")


def _queues(args: argparse.Namespace) -> list[str] | None:
    from django.conf import settings

    if not args.queues:
        return None
    names = [name.strip() for name in args.queues.split(",") if name.strip()]
    unknown = sorted(set(names) - set(settings.KECHUANG_TASK_QUEUES))
    if unknown or not names:
        known = "、".join(settings.KECHUANG_TASK_QUEUES)
        _err(f"✗ 未知的任务队列：{'、'.join(unknown) or '（空）'}；可用的队列：{known}")
        return []
    return names


def cmd_worker(args: argparse.Namespace) -> int:
    from kechuang.worker import Worker, default_jobs

    if not _require_migrated("启动"):
        return 1
    queues = _queues(args)
    if queues == []:
        return 2
    if args.concurrency < 1:
        _err("✗ --concurrency 至少为 1")
        return 2
    if args.concurrency > 1:
        return _supervise(args)
    worker = Worker(
        interval=args.interval,
        batch=args.batch,
        jobs=[] if args.no_scheduler else default_jobs(),
        queues=queues,
    )
    worker.run(once=args.once)
    return 0


def _child_command(args: argparse.Namespace) -> list[str]:
    command = [sys.executable, "-m", "kechuang.cli", "worker", "--concurrency", "1"]
    command += ["--interval", str(args.interval), "--batch", str(args.batch)]
    if args.queues:
        command += ["--queues", args.queues]
    if args.no_scheduler:
        command.append("--no-scheduler")
    return command


def _supervise(args: argparse.Namespace) -> int:
    """N worker processes, started fresh (not forked: each loads its own model), restarted
    when one dies; SIGTERM stops them all, each after the task at hand."""
    from kechuang.matching import forksafety

    forksafety.assert_may_fork("worker processes")  # never true here: this process only waits
    command = _child_command(args)
    stopping = False

    def _stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    children = [subprocess.Popen(command) for _ in range(args.concurrency)]
    log.info("started %d worker processes", len(children))
    while not stopping:
        time.sleep(0.5)
        for i, child in enumerate(children):
            if child.poll() is not None and not stopping:
                log.warning(
                    "worker process %s exited (%s); starting another", child.pid, child.returncode
                )
                time.sleep(1.0)  # a worker that cannot start must not spin
                children[i] = subprocess.Popen(command)
    for child in children:
        child.terminate()
    for child in children:
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    from kechuang.worker import default_jobs, run_scheduler

    if not _require_migrated("启动"):
        return 1
    run_scheduler(default_jobs(), interval=args.interval, once=args.once)
    return 0
