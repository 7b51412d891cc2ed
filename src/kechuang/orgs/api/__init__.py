"""The API of organisations: /api/v1/organizations and /api/v1/me."""

from kechuang.orgs.api.me import me_router
from kechuang.orgs.api.organizations import router

__all__ = ["me_router", "router"]
