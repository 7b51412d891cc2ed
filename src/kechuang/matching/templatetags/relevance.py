"""``{% relevance_badge r %}``: a calibrated relevance as people see it (高 / 中 / 低 and
how often a result this similar was relevant); ``user|sees_engine_details`` for the staff
toggle with the engine's raw numbers."""

from __future__ import annotations

from typing import Any

from django import template

from kechuang.matching import access
from kechuang.matching.calibration import HIGH, MEDIUM, Relevance

register = template.Library()

COLOURS = {HIGH: "green", MEDIUM: "yellow"}


@register.inclusion_tag("matching/partials/relevance.html")
def relevance_badge(relevance: Relevance | None, short: bool = False) -> dict[str, Any]:
    return {
        "relevance": relevance,
        "short": short,
        "colour": COLOURS.get(relevance.label, "secondary") if relevance else "",
        "high": relevance is not None and relevance.label == HIGH,
        "medium": relevance is not None and relevance.label == MEDIUM,
    }


@register.filter
def sees_engine_details(user: Any) -> bool:
    return access.sees_engine_details(user)
