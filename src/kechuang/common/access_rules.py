"""Declared access rules: which visibility rule each page and API operation goes through.

Every view and every API operation carries one declaration, next to its code:

- ``@access_rule("application", ...)``: it reads or writes objects of these kinds, and
  does so through their rule — a function of the kind's ``access.py`` (or a selector
  built on it) marked ``@gatekeeper("application")``;
- ``@public("reason")``: it shows nothing that is not public (the reason says why);
- ``@signed_in("reason")``: it serves the signed-in user's own data only (their
  account, tokens, workspace), with no object of another owner to scope.

``tests/test_access_rules.py`` walks every URL pattern and every API operation and fails
when one carries no declaration, or when one declares a kind but never reaches a
gatekeeper of that kind (following the module's own helpers). So adding an endpoint
that skips the rule fails the suite. The object kinds are the rows of the rules table
in docs/security.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

KINDS = frozenset(
    {
        "organization",
        "need",
        "achievement",
        "expert",
        "call",
        "problem",
        "round",
        "application",
        "project",
        "filing",
        "review.process",
        "review.panel",
        "review.member",
        "review.item",
        "review.assignment",
        "review.conflict",
        "review.objection",
        "notification",
        "invitation",
        "match",
        "event",
        "event.registration",
        "event.request",
        "event.meeting",
        "engagement",
    }
)

ATTRIBUTE = "__access_rule__"
GATEKEEPER = "__gatekeeper_of__"


@dataclass(frozen=True)
class Rule:
    """What a view declares: the kinds it goes through, or why it needs none."""

    kinds: tuple[str, ...] = ()
    public: bool = False
    signed_in: bool = False
    reason: str = ""


def _mark(rule: Rule) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        setattr(view, ATTRIBUTE, rule)
        return view

    return decorate


def access_rule(*kinds: str) -> Callable[[F], F]:
    unknown = set(kinds) - KINDS
    if not kinds or unknown:
        raise ValueError(f"unknown object kinds {sorted(unknown)!r}")
    return _mark(Rule(kinds=tuple(kinds)))


def public(reason: str) -> Callable[[F], F]:
    if not reason.strip():
        raise ValueError("say why the view is public")
    return _mark(Rule(public=True, reason=reason))


def signed_in(reason: str) -> Callable[[F], F]:
    if not reason.strip():
        raise ValueError("say why the view needs no object rule")
    return _mark(Rule(signed_in=True, reason=reason))


def gatekeeper(*kinds: str) -> Callable[[F], F]:
    """Marks a function that applies the visibility rule of ``kinds`` (a gatekeeper in an
    ``access.py``, or a selector that scopes a list by it)."""
    unknown = set(kinds) - KINDS
    if not kinds or unknown:
        raise ValueError(f"unknown object kinds {sorted(unknown)!r}")

    def decorate(fn: F) -> F:
        setattr(fn, GATEKEEPER, frozenset(kinds) | getattr(fn, GATEKEEPER, frozenset()))
        return fn

    return decorate


def rule_of(view: Any) -> Rule | None:
    """The declaration of ``view``, looking through decorators that keep ``__wrapped__``."""
    seen = 0
    while view is not None and seen < 10:
        rule = getattr(view, ATTRIBUTE, None)
        if rule is not None:
            return rule
        view = getattr(view, "__wrapped__", None)
        seen += 1
    return None
