"""Reviewer assignment for review panels: the exact optimum under the panel rules.

Pure Python + numpy + OR-Tools; no Django. ``problem`` states the problem (rules,
matrices, what a result is) and prepares it for the solvers; ``flow`` solves the flow
rules exactly as a min-cost flow and explains infeasibility; ``cpsat`` solves the rules
that are not flow rules; ``solvers`` holds the entry points (``solve``, ``greedy``,
``validate``, re-solving after declines).
"""

from kechuang.review.assignment.problem import (
    SCALE,
    Assignment,
    AssignmentError,
    AssignmentProblem,
    InfeasibleAssignment,
    InvalidFixedPair,
    Pair,
    PanelRules,
    Seat,
    SlotKind,
    SolverName,
    TimeLimitReached,
    restrict_top_k,
)
from kechuang.review.assignment.solvers import greedy, resolve_with, solve, validate, with_declines

__all__ = [
    "SCALE",
    "Assignment",
    "AssignmentError",
    "AssignmentProblem",
    "InfeasibleAssignment",
    "InvalidFixedPair",
    "Pair",
    "PanelRules",
    "Seat",
    "SlotKind",
    "SolverName",
    "TimeLimitReached",
    "greedy",
    "resolve_with",
    "restrict_top_k",
    "solve",
    "validate",
    "with_declines",
]
