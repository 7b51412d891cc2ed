"""/api/v1/challenges."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["challenges"])
