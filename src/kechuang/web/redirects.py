"""Where a ``next`` parameter may send the browser: only back into this site."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` of the form (or query), if it is a URL on this host; else ``default``.

    Every view that redirects to a client-supplied target asks this, so an outside link
    cannot turn a platform URL into a redirect to another site.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
