"""/api/v1/challenges: the open-challenge life cycle, one sub-router per stage."""

from __future__ import annotations

from ninja import Router

from kechuang.challenges.api_applications import router as applications_router
from kechuang.challenges.api_calls import router as calls_router
from kechuang.challenges.api_filings import router as filings_router
from kechuang.challenges.api_projects import router as projects_router

router = Router(tags=["challenges"])
router.add_router("", calls_router)
router.add_router("", applications_router)
router.add_router("", projects_router)
router.add_router("", filings_router)
