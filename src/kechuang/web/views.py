"""Public pages (home, organisation directory) and the signed-in workspace."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kechuang.catalog.models import Achievement, Need
from kechuang.catalog.selectors import (
    ListingFilters,
    achievement_list,
    need_list,
    organization_listings,
    public_counts,
    review_queue,
)
from kechuang.common.access_rules import access_rule
from kechuang.orgs.access import access_organization_by_id, viewer_for
from kechuang.orgs.forms import OrganizationFilterForm
from kechuang.orgs.selectors import memberships_of, organization_ancestors, organization_list
from kechuang.web.errors import page_errors
from kechuang.web.htmx import render_page_or_fragment

WORKSPACE_LIST_SIZE = 20


@access_rule("achievement", "need")
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/home.html",
        {
            "counts": public_counts(),
            "needs": need_list()[:6],
            "achievements": achievement_list()[:6],
        },
    )


def _workspace_context(request: HttpRequest) -> dict[str, object]:
    user = request.user
    viewer = viewer_for(user)
    try:
        expert = user.expert_profile  # type: ignore[union-attr]
    except ObjectDoesNotExist:
        expert = None
    reviews_needs = review_queue(Need, user=user)
    reviews_achievements = review_queue(Achievement, user=user)
    return {
        "memberships": memberships_of(user),
        "needs": organization_listings(Need, user=user)[:WORKSPACE_LIST_SIZE],
        "achievements": organization_listings(Achievement, user=user)[:WORKSPACE_LIST_SIZE],
        "expert": expert,
        # Only association staff review; everyone else does not see the widget at all.
        "is_reviewer": bool(viewer.managed_paths) or viewer.is_platform_admin,
        "review_needs": reviews_needs[:WORKSPACE_LIST_SIZE],
        "review_achievements": reviews_achievements[:WORKSPACE_LIST_SIZE],
        "review_total": reviews_needs.count() + reviews_achievements.count(),
    }


WIDGETS = {
    "listings": "web/workspace/listings.html",
    "reviews": "web/workspace/reviews.html",
}


@login_required
@access_rule("achievement", "need", "organization")
def workspace(request: HttpRequest) -> HttpResponse:
    return render(request, "web/workspace/page.html", _workspace_context(request))


@login_required
@access_rule("achievement", "need", "organization")
def workspace_widget(request: HttpRequest, name: str) -> HttpResponse:
    """One dashboard widget, for ``hx-get`` refreshes."""
    template = WIDGETS.get(name)
    if template is None:
        raise Http404()
    return render(request, template, _workspace_context(request))


@access_rule("organization")
def organization_list_view(request: HttpRequest) -> HttpResponse:
    form = OrganizationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = organization_list(
        user=request.user,
        kind=filters.get("kind") or None,
        region=filters.get("region") or None,
        q=(filters.get("q") or "").strip() or None,
    )
    page = Paginator(qs, 24).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render_page_or_fragment(
        request,
        "web/organizations/list.html",
        "web/organizations/results.html",
        {"form": form, "page_obj": page, "query_prefix": f"{query.urlencode()}&" if query else ""},
    )


@page_errors
@access_rule("achievement", "need", "organization")
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = access_organization_by_id(request.user, pk)
    ancestors = organization_ancestors(org)
    by_org = ListingFilters(organization_id=org.pk)
    needs = need_list(filters=by_org)
    achievements = achievement_list(filters=by_org)
    return render(
        request,
        "web/organizations/detail.html",
        {
            "org": org,
            "ancestors": ancestors,
            "children": organization_list(user=request.user, parent_id=org.pk),
            "need_count": needs.count(),
            "achievement_count": achievements.count(),
            "needs": needs[:5],
            "achievements": achievements[:5],
            "manages": viewer_for(request.user).manages(org),
        },
    )
