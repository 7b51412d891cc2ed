"""The association staff's engagement funnel page and its xlsx export (issue 13, item 8).

Thin: parse the association and the period, let the user at the association
(``funnel.access_funnel_association``: not theirs looks like not there), compute the
funnel through the one engagement access rule, render or export the same numbers.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kechuang.common.access_rules import access_rule
from kechuang.common.errors import NotFound, ValidationFailed
from kechuang.engagements.exports import funnel_filename, funnel_workbook
from kechuang.engagements.funnel import (
    Funnel,
    Period,
    access_funnel_association,
    funnel_associations,
    funnel_for,
    parse_period,
)
from kechuang.orgs.models import Organization
from kechuang.web.errors import page_errors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _association(request: HttpRequest) -> tuple[Organization, list[Organization]]:
    choices = funnel_associations(request.user)
    if not choices:
        raise NotFound()
    chosen = request.GET.get("association") or choices[0].pk
    return access_funnel_association(request.user, chosen), choices


def chart_data(funnel: Funnel) -> dict[str, Any]:
    """What the charts draw: the numbers of the page's tables, nothing else."""
    return {
        "names": {"stages": _("数量"), "gaps": _("用时中位数（天）"), "declines": _("数量")},
        "stages": [[s.label, s.count] for s in funnel.stages],
        "gaps": [[g.label, g.median_days] for g in funnel.gaps],
        "declines": [[d.label, d.count] for d in funnel.declines],
    }


@require_GET
@login_required
@page_errors
@access_rule("engagement", "organization")
def funnel_page(request: HttpRequest) -> HttpResponse:
    association, choices = _association(request)
    start, end = request.GET.get("start", ""), request.GET.get("end", "")
    ctx: dict[str, Any] = {
        "association": association,
        "choices": choices,
        "start": start,
        "end": end,
        "errors": {},
    }
    try:
        period: Period = parse_period(start, end)
    except ValidationFailed as exc:
        ctx["errors"] = {k: [str(m) for m in v] for k, v in exc.fields.items()}
        return render(request, "engagements/funnel.html", ctx, status=422)
    funnel = funnel_for(request.user, association, period)
    query = {
        "association": str(association.pk),
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }
    ctx.update(
        funnel=funnel,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        charts=chart_data(funnel),
        export_url=reverse("engagements:funnel_export") + "?" + urlencode(query),
    )
    return render(request, "engagements/funnel.html", ctx)


@require_GET
@login_required
@page_errors
@access_rule("engagement", "organization")
def funnel_export(request: HttpRequest) -> HttpResponse:
    association, _choices = _association(request)
    try:
        period = parse_period(request.GET.get("start", ""), request.GET.get("end", ""))
    except ValidationFailed as exc:
        messages = [str(m) for v in exc.fields.values() for m in v]
        return HttpResponse(
            "\n".join(messages), status=422, content_type="text/plain; charset=utf-8"
        )
    funnel = funnel_for(request.user, association, period)
    response = HttpResponse(funnel_workbook(funnel), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{funnel_filename(funnel)}"'
    return response
