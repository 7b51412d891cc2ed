"""Who may see the matching engine's raw numbers, and who edits the site dictionary.

People see a calibrated relevance (``calibration.py``); the engine's components (fused
score, BM25, cosine, ranks) are for the staff who run the platform and tune it: platform
administrators and the staff of an association (科协, 学会). They see them behind a
"详情" toggle. Integrators read them from the API. Only platform administrators edit the
site dictionary.

Who the viewer is belongs to ``orgs`` (its ``Viewer``), above this app: ``orgs`` registers
the answers here from its ``AppConfig.ready()`` (``orgs/apps.py``), as it registers its
search sources, so ``matching`` imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class ViewerRules:
    """The questions ``matching`` asks about a user, answered by ``orgs``."""

    is_platform_admin: Callable[[Any], bool]
    # platform admin, or admin/staff of an association
    sees_engine_details: Callable[[Any], bool]


_rules: ViewerRules | None = None


def register_viewer_rules(rules: ViewerRules) -> None:
    """Called from ``OrgsConfig.ready()``."""
    global _rules
    _rules = rules


def _registered() -> ViewerRules:
    if _rules is None:
        raise ImproperlyConfigured("kechuang.orgs registers who the viewer is (OrgsConfig)")
    return _rules


def is_platform_admin(user: Any) -> bool:
    return _registered().is_platform_admin(user)


def sees_engine_details(user: Any) -> bool:
    """Platform admin, or admin/staff of an association; computed once per user object."""
    return _registered().sees_engine_details(user)
