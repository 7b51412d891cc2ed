"""How the catalog asks whether a viewer has docked with a need (对接) without knowing
engagements: the engagements app (a layer above, docs/architecture.md) registers its
answer here at start-up, the way search sources register with ``matching``. Until one is
registered, nobody outside the owner's side has docked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_docked: list[Callable[[Any, Any], bool]] = []


def register_docked(answer: Callable[[Any, Any], bool]) -> None:
    """Called once, from ``EngagementsConfig.ready``."""
    _docked[:] = [answer]


def has_docked(user: Any, need: Any) -> bool:
    return bool(_docked) and _docked[0](user, need)
