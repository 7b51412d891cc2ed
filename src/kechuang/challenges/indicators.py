"""Which way an indicator's target reads, and whether an achieved value meets it.

A problem states each required indicator with its direction (``≤0.3`` ℃ measuring error:
a maximum; ``≥30`` days on one charge: a minimum). An application promises a value for
the same indicator, usually a bare number (``45`` days); the promise keeps the problem's
direction, so 45 promised days on one charge is a minimum and 41 achieved days miss it.
Where the direction or a number cannot be read (free text), nothing is computed and the
organiser's judgement stands.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

AT_LEAST = "≥"
AT_MOST = "≤"
_PREFIXES = (
    (">=", AT_LEAST),
    ("≥", AT_LEAST),
    ("不低于", AT_LEAST),
    ("不少于", AT_LEAST),
    ("<=", AT_MOST),
    ("≤", AT_MOST),
    ("不高于", AT_MOST),
    ("不超过", AT_MOST),
)
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def split_target(text: str) -> tuple[str, str]:
    """``("≥", "30")`` for ``"≥30"``; ``("", text)`` when the text states no direction."""
    text = (text or "").strip()
    for prefix, rule in _PREFIXES:
        if text.startswith(prefix):
            return rule, text[len(prefix) :].strip()
    return "", text


def number(text: str) -> Decimal | None:
    text = (text or "").strip().replace(",", "")
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def rule_for(promised: str, required: str) -> str:
    """The direction of a promise: its own, else that of the problem's requirement."""
    own, _ = split_target(promised)
    return own or split_target(required)[0]


def meets(rule: str, promised: str, achieved: str) -> bool | None:
    """Whether ``achieved`` meets ``promised`` read in direction ``rule``; None when either
    value is not a plain number or the direction is unknown."""
    target = number(split_target(promised)[1])
    value = number(achieved)
    if not rule or target is None or value is None:
        return None
    return value >= target if rule == AT_LEAST else value <= target
