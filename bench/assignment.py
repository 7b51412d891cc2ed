"""Reviewer-assignment benchmark: exact (min-cost flow) against greedy, and a large case.

    nice .venv/bin/python bench/assignment.py [--data ../shared/data/assignment_matrices]
        [--skip-large] [--large-apps 2000 --large-experts 10000 --top-k 100] [--json OUT]

1. Every ``<name>_similarity_matrix.tsv`` / ``<name>_mask_matrix.tsv`` pair in the data
   folder. Format (checked here): a ``# shape=(R, P) (rows=reviewers, cols=papers)`` line,
   a ``row col value`` header, then the non-zero entries only (absent = 0); mask value 1 =
   conflict, not allowed. Panel size 3, no government staff, and two load limits:
   ``L0 = ceil(3P/R)`` (tightest possible) and ``L0 + 1``. Variant ``plain``: no
   front-line rule (the data has no flags); variant ``frontline``: a random 40 % of the
   reviewers (numpy seed 0) flagged front-line and the one-third rule on (1 of 3 seats).
   Exact and greedy run under the same rules and limits; CP-SAT re-solves each instance as
   an independent check of the optimum (``--cpsat-limit``, default 60 s).
2. A generated case: 2,000 applications × 10,000 experts, panel 5 (at least 2 front-line,
   40 % of experts front-line), 5 % government staff, 1 % conflicts, max load 3,
   affinities from a seeded low-rank model (rank 16, logistic link, plus noise). Each
   application's candidates are cut to its top-K (default 100) eligible experts by
   affinity before the network is built (``restrict_top_k``): the optimum is exact for
   that restricted instance.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import re
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from kechuang.review.assignment import (
    AssignmentProblem,
    InfeasibleAssignment,
    PanelRules,
    greedy,
    restrict_top_k,
    solve,
    validate,
)

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "assignment_matrices"
SHAPE = re.compile(r"shape=\((\d+),\s*(\d+)\)")


def read_sparse(path: Path) -> np.ndarray:
    """A ``# shape=(R, C)`` + ``row col value`` TSV of non-zero entries → dense matrix."""
    with path.open(encoding="utf-8") as f:
        first = f.readline()
        match = SHAPE.search(first)
        if not match or "rows=reviewers" not in first:
            raise ValueError(f"{path}: unexpected first line {first!r}")
        out = np.zeros((int(match[1]), int(match[2])))
        header = f.readline().split()
        if header != ["row", "col", "value"]:
            raise ValueError(f"{path}: unexpected header {header}")
        for line in f:
            if line.strip():
                r, c, v = line.split("\t")
                out[int(r), int(c)] = float(v)
    return out


@dataclass
class Row:
    instance: str
    variant: str
    reviewers: int
    papers: int
    load: int
    conflicts: int
    exact_total: float
    exact_seconds: float
    greedy_total: float
    greedy_seconds: float
    greedy_missing: int
    cpsat_total: float | None
    cpsat_seconds: float | None
    cpsat_proven: bool | None

    @property
    def gap(self) -> str:
        if self.greedy_missing:
            return "n/a (greedy incomplete)"
        return f"{100 * (self.exact_total - self.greedy_total) / self.exact_total:.2f} %"


def run_one(
    name: str, w: np.ndarray, mask: np.ndarray, variant: str, load: int, cpsat_limit: float
) -> Row:
    n_r, n_p = w.shape
    frontline = None
    share = Fraction(0)
    if variant == "frontline":
        frontline = np.random.default_rng(0).random(n_r) < 0.4
        share = Fraction(1, 3)
    rules = PanelRules(panel_size=3, max_load=load, frontline_share=share)
    problem = AssignmentProblem.build(w, rules=rules, conflicts=mask, frontline=frontline)
    exact = solve(problem, time_limit_s=600)
    assert exact.exact and validate(problem, exact) == [], validate(problem, exact)[:3]
    base = greedy(problem)
    cp = solve(problem, solver="cp_sat", time_limit_s=cpsat_limit)
    return Row(
        name,
        variant,
        n_r,
        n_p,
        load,
        int(mask.sum()),
        exact.total_affinity,
        exact.solve_seconds,
        base.total_affinity,
        base.solve_seconds,
        sum(base.unstaffed.values()),
        cp.total_affinity,
        cp.solve_seconds,
        cp.exact,
    )


def datasets(folder: Path, cpsat_limit: float) -> list[Row]:
    rows = []
    for sim in sorted(folder.glob("*_similarity_matrix.tsv")):
        name = sim.name.removesuffix("_similarity_matrix.tsv")
        w = read_sparse(sim)
        mask = read_sparse(folder / f"{name}_mask_matrix.tsv").astype(bool)
        if mask.shape != w.shape:
            raise ValueError(f"{name}: mask {mask.shape} vs similarity {w.shape}")
        base_load = math.ceil(3 * w.shape[1] / w.shape[0])
        for variant in ("plain", "frontline"):
            for load in (base_load, base_load + 1):
                try:
                    row = run_one(name, w, mask, variant, load, cpsat_limit)
                except InfeasibleAssignment as err:
                    print(f"{name} {variant} load {load}: infeasible: {err}", file=sys.stderr)
                    continue
                rows.append(row)
                print(row_line(row), flush=True)
    return rows


def row_line(r: Row) -> str:
    cp = "—" if r.cpsat_total is None else f"{r.cpsat_total:.2f}"
    if r.cpsat_proven is False:
        cp += " (not proven)"
    return (
        f"| {r.instance} | {r.variant} | {r.reviewers}×{r.papers} | {r.load} | {r.conflicts} | "
        f"{r.exact_total:.2f} | {r.greedy_total:.2f} | {r.gap} | {r.greedy_missing} | "
        f"{r.exact_seconds:.3f} | {r.greedy_seconds:.3f} | {cp} | {r.cpsat_seconds:.2f} |"
    )


def large(n_apps: int, n_experts: int, top_k: int, seed: int = 0) -> dict[str, Any]:
    """The generated case; returns timings and totals."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    rank = 16
    u = rng.normal(size=(n_experts, rank))
    v = rng.normal(size=(n_apps, rank))
    logits = (u @ v.T) / math.sqrt(rank) + rng.normal(scale=0.5, size=(n_experts, n_apps))
    affinity = 1 / (1 + np.exp(-logits))
    conflicts = rng.random((n_experts, n_apps)) < 0.01
    frontline = rng.random(n_experts) < 0.4
    government = rng.random(n_experts) < 0.05
    rules = PanelRules(panel_size=5, max_load=3)
    problem = AssignmentProblem.build(
        affinity, rules=rules, conflicts=conflicts, frontline=frontline, government=government
    )
    t_generate = time.perf_counter() - t0
    t1 = time.perf_counter()
    restricted = restrict_top_k(problem, top_k)
    t_topk = time.perf_counter() - t1
    exact = solve(restricted, time_limit_s=600)
    problems = validate(problem, exact)  # against the full instance's rules
    base = greedy(restricted)
    out = {
        "applications": n_apps,
        "experts": n_experts,
        "top_k": top_k,
        "candidate_pairs": int((restricted.candidates & restricted.eligible).sum()),
        "generate_s": t_generate,
        "top_k_s": t_topk,
        "exact_build_s": exact.build_seconds,
        "exact_total_s": exact.solve_seconds,
        "exact_solve_only_s": exact.solve_seconds - exact.build_seconds,
        "exact_total_affinity": exact.total_affinity,
        "exact_valid": problems == [],
        "greedy_s": base.solve_seconds,
        "greedy_total_affinity": base.total_affinity,
        "greedy_missing_seats": sum(base.unstaffed.values()),
        "solver": exact.solver,
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--skip-datasets", action="store_true")
    parser.add_argument("--cpsat-limit", type=float, default=60, help="seconds per check")
    parser.add_argument("--large-apps", type=int, default=2000)
    parser.add_argument("--large-experts", type=int, default=10000)
    parser.add_argument("--top-k", type=int, default=100)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()}, {platform.machine()}")
    print(
        "| instance | variant | R×P | load | conflicts | exact total | greedy total | gap | "
        "greedy missing seats | exact s | greedy s | CP-SAT total | CP-SAT s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = [] if args.skip_datasets else datasets(args.data, args.cpsat_limit)
    result: dict[str, Any] = {"datasets": [r.__dict__ for r in rows]}
    if not args.skip_large:
        big = large(args.large_apps, args.large_experts, args.top_k)
        result["large"] = big
        print(json.dumps(big, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
