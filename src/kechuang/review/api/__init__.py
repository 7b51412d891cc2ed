"""/api/v1/reviews: processes, items, panels, invitations, assignment, scores, ranking,
conflicts, decision and objections — one module per resource (``processes``, ``panels``),
the schemas beside them (``schemas``)."""

from __future__ import annotations

from ninja import Router

from kechuang.review.api.panels import router as panels_router
from kechuang.review.api.processes import router as processes_router

router = Router(tags=["reviews"])
router.add_router("", processes_router)
router.add_router("", panels_router)
