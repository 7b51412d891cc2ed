"""Who may see the matching engine's raw numbers.

People see a calibrated relevance (``calibration.py``); the engine's components (fused
score, BM25, cosine, ranks) are for the staff who run the platform and tune it: platform
administrators and the staff of an association (科协, 学会). They see them behind a
"详情" toggle. Integrators read them from the API.
"""

from __future__ import annotations

from typing import Any

from kechuang.orgs.access import viewer_for
from kechuang.orgs.choices import ASSOCIATION_KINDS, MANAGING_ROLES
from kechuang.orgs.models import Membership


def sees_engine_details(user: Any) -> bool:
    """Platform admin, or admin/staff of an association; computed once per user object."""
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return False
    if viewer.is_platform_admin:
        return True
    if not viewer.managed_paths:
        return False
    cached: bool | None = getattr(user, "_kechuang_engine_details", None)
    if cached is None:
        cached = Membership.objects.filter(
            user=user,
            role__in=MANAGING_ROLES,
            organization__kind__in=ASSOCIATION_KINDS,
            organization__is_active=True,
        ).exists()
        user._kechuang_engine_details = cached
    return cached
