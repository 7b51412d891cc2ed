"""Meeting-scheduling benchmark: CP-SAT against greedy and participants' own picks.

    nice .venv/bin/python bench/meeting_schedule.py [--participants 300 --requests 2000
        --slots 12 --tables 40 --seed 0 --time-limit 30 --workers 2 --gap-limit 0.005] [--json OUT]

A seeded synthetic instance (no data is read; the distributions are made up to look like
a matchmaking event, and are documented here and in docs/benchmarks.md):

- availability: each participant is available in ``k`` of the slots, ``k`` uniform on
  ``ceil(slots/2) .. slots`` (half the day to all of it), the slots drawn at random;
- requests: the requester uniform over participants, the recipient drawn in proportion to
  a popularity ``(rank + 1) ** -0.7`` over a random ranking (a few participants are asked
  by many), no self-requests, at most one request per unordered pair; all are accepted;
- interest: each side's level 1, 2, 3 with probabilities 0.3, 0.4, 0.3; the mutual
  interest weight is the sum (2–6);
- engine score: Beta(2, 5) on [0, 1] (mean 0.29), standing in for the matching engine's
  score of the pair; the weight of a request is mutual interest + score.

Reports CP-SAT's objective, proven bound, gap, status and time (time limit and workers as
given, warm-started from greedy), the greedy objective and the participants'-own-picks
objective (requests in the order made, each taking the first slot where both are free and
a table is left), and the load average of the machine before and after.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from typing import Any

import numpy as np

from kechuang.outreach.scheduling import (
    MeetingProblem,
    Request,
    greedy,
    own_picks,
    solve,
    validate,
)


def generate(
    *, participants: int, requests: int, slots: int, tables: int, seed: int
) -> MeetingProblem:
    """The seeded synthetic instance described in the module docstring."""
    rng = np.random.default_rng(seed)
    low = math.ceil(slots / 2)
    availability = tuple(
        frozenset(rng.choice(slots, size=int(rng.integers(low, slots + 1)), replace=False).tolist())
        for _ in range(participants)
    )
    popularity = (rng.permutation(participants) + 1.0) ** -0.7
    popularity /= popularity.sum()
    levels = np.array([1, 2, 3])
    level_p = np.array([0.3, 0.4, 0.3])
    pairs: set[tuple[int, int]] = set()
    out: list[Request] = []
    if requests > participants * (participants - 1) // 2:
        raise SystemExit("more requests than pairs of participants")
    while len(out) < requests:
        a = int(rng.integers(participants))
        b = int(rng.choice(participants, p=popularity))
        key = (min(a, b), max(a, b))
        if a == b or key in pairs:
            continue
        pairs.add(key)
        mutual = int(rng.choice(levels, p=level_p)) + int(rng.choice(levels, p=level_p))
        score = float(rng.beta(2, 5))
        out.append(Request(a, b, round(mutual + score, 3)))
    return MeetingProblem(participants, slots, tables, availability, tuple(out))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--participants", type=int, default=300)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--slots", type=int, default=12)
    ap.add_argument("--tables", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=30)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--gap-limit", type=float, default=0.005, help="CP-SAT stops at this gap")
    ap.add_argument("--json", help="write the results here too")
    args = ap.parse_args(argv)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    problem = generate(
        participants=args.participants,
        requests=args.requests,
        slots=args.slots,
        tables=args.tables,
        seed=args.seed,
    )
    gen_s = time.perf_counter() - t0
    exact = solve(
        problem, time_limit_s=args.time_limit, workers=args.workers, gap_limit=args.gap_limit
    )
    fast = greedy(problem)
    picks = own_picks(problem)
    for name, sched in (("cp_sat", exact), ("greedy", fast), ("own_picks", picks)):
        broken = validate(problem, sched)
        if broken:
            raise SystemExit(f"{name} schedule breaks rules: {broken[:3]}")
    reasons: dict[str, int] = {}
    for code in exact.unscheduled.values():
        reasons[code] = reasons.get(code, 0) + 1
    result = {
        "instance": vars(args) | {"capacity": args.slots * args.tables},
        "generate_s": round(gen_s, 3),
        "cp_sat": {
            "objective": round(exact.objective, 3),
            "bound": round(exact.bound, 3),
            "gap_pct": round(100 * exact.gap, 4),
            "status": exact.status,
            "meetings": len(exact.placements),
            "seconds": round(exact.seconds, 2),
            "note": exact.note,
            "unscheduled": reasons,
        },
        "greedy": {
            "objective": round(fast.objective, 3),
            "meetings": len(fast.placements),
            "seconds": round(fast.seconds, 3),
            "vs_cp_sat_pct": round(100 * (fast.objective / exact.objective - 1), 2),
        },
        "own_picks": {
            "objective": round(picks.objective, 3),
            "meetings": len(picks.placements),
            "seconds": round(picks.seconds, 3),
            "vs_cp_sat_pct": round(100 * (picks.objective / exact.objective - 1), 2),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2, ensure_ascii=False)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
