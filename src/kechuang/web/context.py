"""Template context shared by every page."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
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


def site(request: HttpRequest) -> dict[str, Any]:
    """Who runs this site, for the footer (each field only when the deployment sets it)."""
    return {
        "site_operator": settings.KECHUANG_OPERATOR_NAME,
        "site_icp_number": settings.KECHUANG_ICP_NUMBER,
        "site_public_security_number": settings.KECHUANG_PUBLIC_SECURITY_NUMBER,
        "site_contact_email": settings.KECHUANG_CONTACT_EMAIL,
        "site_contact_phone": settings.KECHUANG_CONTACT_PHONE,
    }
