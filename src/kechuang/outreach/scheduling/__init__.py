"""Central scheduling of 1:1 meetings at a matchmaking event.

Pure Python + OR-Tools; no Django (the services turn the event into a ``MeetingProblem``
and persist the ``Schedule``). ``problem`` states the problem and what a schedule is;
``model`` builds the CP-SAT model; ``greedy`` holds the greedy fallback and the
participants'-own-picks baseline; ``cpsat`` the entry points (``solve``, ``greedy``,
``own_picks``, ``validate``); ``explain`` says why a request was left out.
"""

from kechuang.outreach.scheduling.cpsat import greedy, own_picks, solve, validate
from kechuang.outreach.scheduling.explain import REASONS, details, explain
from kechuang.outreach.scheduling.problem import (
    SCALE,
    MeetingProblem,
    Placement,
    Request,
    Schedule,
    SchedulingError,
)

__all__ = [
    "REASONS",
    "SCALE",
    "MeetingProblem",
    "Placement",
    "Request",
    "Schedule",
    "SchedulingError",
    "details",
    "explain",
    "greedy",
    "own_picks",
    "solve",
    "validate",
]
