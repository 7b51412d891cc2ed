"""Template context shared by every page."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from kechuang.notifications.selectors import unread_count
from kechuang.orgs.access import viewer_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    viewer = viewer_for(user)
    return {
        "viewer": viewer,
        "is_manager": bool(viewer.managed_paths) or viewer.is_platform_admin,
        # Called by the template only where the bell is drawn, at most one COUNT a page.
        "unread_notifications": cache(lambda: unread_count(user)),
    }
