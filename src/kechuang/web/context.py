"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kechuang.orgs.access import viewer_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    viewer = viewer_for(getattr(request, "user", None))
    return {"viewer": viewer, "is_manager": bool(viewer.managed_paths) or viewer.is_platform_admin}
