"""htmx helpers: one view, two renderings (full page or fragment), and HX-Redirect.

Modelled on NetBox's ``utilities/htmx.py``: a view builds one context and lets the request
decide whether the whole page or only the fragment that htmx swaps in is rendered.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def is_htmx(request: HttpRequest) -> bool:
    """True for requests sent by htmx, except history restores (they need the full page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_fragment(
    request: HttpRequest,
    full: str,
    fragment: str,
    ctx: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """Render ``fragment`` for htmx requests and ``full`` (which includes it) otherwise."""
    template = fragment if is_htmx(request) else full
    return render(request, template, ctx or {}, status=status)


def hx_redirect(url: str) -> HttpResponse:
    """A response that makes htmx navigate the whole page to ``url``."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response


def redirect_for(request: HttpRequest, url: str) -> HttpResponse:
    """``hx_redirect`` for htmx requests, an ordinary 302 otherwise."""
    if is_htmx(request):
        return hx_redirect(url)
    return redirect(url)
