"""``kechuang worker``: the background process (indexing queue, periodic jobs)."""

from __future__ import annotations

import argparse

from kechuang.cli.common import _require_migrated


def cmd_worker(args: argparse.Namespace) -> int:
    from kechuang.worker import Worker, default_jobs

    if not _require_migrated("启动"):
        return 1
    worker = Worker(
        interval=args.interval,
        batch=args.batch,
        jobs=[] if args.no_scheduler else default_jobs(),
    )
    worker.run(once=args.once)
    return 0
