"""/api/v1/challenges: the open-challenge life cycle, one sub-router per stage."""

from __future__ import annotations

from ninja import Router

from kechuang.challenges.api.applications import router as applications_router
from kechuang.challenges.api.calls import router as calls_router
from kechuang.challenges.api.filings import router as filings_router
from kechuang.challenges.api.projects import router as projects_router

router = Router(tags=["challenges"])
router.add_router("", calls_router)
router.add_router("", applications_router)
router.add_router("", projects_router)
router.add_router("", filings_router)
