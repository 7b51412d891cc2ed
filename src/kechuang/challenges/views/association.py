"""Association staff pages: the recommendation queue with the quota left, the filing
dashboard of their subtree, the national view of near-duplicates; and the workspace
card "my challenges" every signed-in user gets."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.challenges.access import may_recommend, may_see_filings
from kechuang.challenges.choices import FilingKind
from kechuang.challenges.forms import RecommendationForm
from kechuang.challenges.selectors import (
    applications_mine,
    call_list,
    filing_list,
    filing_summary,
    national_duplicates,
    project_list,
    recommendation_queue,
)
from kechuang.challenges.selectors.pages import quota_left, subtree_stats
from kechuang.challenges.services.recommendations import pending_level, recommendation_decide
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, PermissionDenied
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization
from kechuang.web.errors import apply_error_to_form, page_errors
from kechuang.web.htmx import is_htmx, redirect_for

WORKSPACE_ROWS = 5


def _queue_rows(user: Any) -> list[dict[str, Any]]:
    rows = []
    for application in recommendation_queue(user):
        level = pending_level(application)
        rows.append(
            {
                "application": application,
                "level": level,
                "quota_left": quota_left(application.call, level) if level else None,
                "form": RecommendationForm(prefix=f"a{application.pk}"),
            }
        )
    return rows


@login_required
@page_errors
@access_rule("application")
def recommendation_queue_page(request: HttpRequest) -> HttpResponse:
    if not may_recommend(request.user):
        raise Http404()
    return render(request, "challenges/recommendations.html", {"rows": _queue_rows(request.user)})


@login_required
@require_POST
@page_errors
@access_rule("application")
def recommendation_decide_page(request: HttpRequest, pk: int) -> HttpResponse:
    # The queue is the gatekeeper here: only bids waiting for the viewer's level are in it.
    application = next((a for a in recommendation_queue(request.user) if a.pk == int(pk)), None)
    if application is None:
        raise Http404()
    form = RecommendationForm(request.POST, prefix=f"a{application.pk}")
    if form.is_valid():
        try:
            recommendation_decide(actor=request.user, application=application, **form.cleaned_data)
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("推荐意见已记录。"))
            return redirect_for(request, reverse("challenges:recommendations"))
    level = pending_level(application)
    row = {
        "application": application,
        "level": level,
        "quota_left": quota_left(application.call, level) if level else None,
        "form": form,
    }
    if is_htmx(request):
        return render(
            request, "challenges/partials/recommendation_row.html", {"row": row}, status=422
        )
    rows = [row if r["application"].pk == application.pk else r for r in _queue_rows(request.user)]
    return render(request, "challenges/recommendations.html", {"rows": rows}, status=422)


@login_required
@page_errors
@access_rule("filing")
def filing_dashboard(request: HttpRequest) -> HttpResponse:
    if not may_see_filings(request.user):
        raise Http404()
    viewer = viewer_for(request.user)
    kind = request.GET.get("kind", "")
    if kind not in FilingKind.values:
        kind = ""
    roots = Organization.objects.filter(path__in=viewer.managed_paths, kind="association")
    page_obj = Paginator(filing_list(request.user, kind=kind), 30).get_page(request.GET.get("page"))
    ctx = {
        "summary": filing_summary(request.user),
        "subtrees": [subtree_stats(org) for org in roots.order_by("depth", "name")],
        "page_obj": page_obj,
        "filings": list(page_obj.object_list),
        "kinds": FilingKind.choices,
        "kind": kind,
        "query_prefix": f"kind={kind}&" if kind else "",
        "is_national": roots.filter(parent__isnull=True).exists() or viewer.is_platform_admin,
    }
    return render(request, "challenges/filings.html", ctx)


@login_required
@page_errors
@access_rule("filing")
def duplicates_page(request: HttpRequest) -> HttpResponse:
    try:
        pairs = national_duplicates(request.user)
    except PermissionDenied:  # not the national level: as if the page were not there
        raise Http404() from None
    return render(request, "challenges/duplicates.html", {"pairs": pairs})


@login_required
@access_rule("application", "call", "project")
def workspace_card(request: HttpRequest) -> HttpResponse:
    """My applications, the calls I run, my projects and the recommendations waiting."""
    viewer = viewer_for(request.user)
    ctx = {
        "my_applications": list(applications_mine(request.user)[:WORKSPACE_ROWS]),
        "my_calls": list(call_list(request.user, mine=True)[:WORKSPACE_ROWS])
        if viewer.managed_paths
        else [],
        "my_projects": list(project_list(request.user)[:WORKSPACE_ROWS]),
        "queue_count": len(recommendation_queue(request.user)) if viewer.managed_paths else 0,
    }
    return render(request, "challenges/partials/workspace_card.html", ctx)
