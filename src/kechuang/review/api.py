"""/api/v1/reviews."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["reviews"])
