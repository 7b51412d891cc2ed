"""The matches of one need, achievement or expert: the "推荐" panels of its page, the
workspace widget of the user's organisations' published items, and the duplicate hints
while one is written or reviewed.

Thin views over ``matching.selectors``; the panels are htmx fragments loaded after the
page, so a slow or broken index never delays or breaks a detail page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kechuang.catalog.access import (
    access_achievement_by_id,
    access_expert_by_id,
    access_need_by_id,
)
from kechuang.catalog.models import split_keywords
from kechuang.catalog.selectors import organization_listings
from kechuang.common.access_rules import access_rule
from kechuang.matching import indexing, selectors
from kechuang.matching.selectors import RECOMMENDS
from kechuang.matching.types import Document
from kechuang.matching.views.search import KIND_LABELS
from kechuang.web.errors import page_errors

TARGET_TITLES = {
    "expert": gettext_lazy("推荐专家"),
    "achievement": gettext_lazy("相关成果"),
    "need": gettext_lazy("相关需求"),
    "organization": gettext_lazy("可能感兴趣的企业"),
    "challenge": gettext_lazy("可揭榜的题目"),
}
GATEKEEPERS = {
    "need": access_need_by_id,
    "achievement": access_achievement_by_id,
    "expert": access_expert_by_id,
}


@require_GET
@page_errors
@access_rule("achievement", "expert", "match", "need")
def recommendations_panel(request: HttpRequest, kind: str, pk: int, target: str) -> HttpResponse:
    """The "推荐" panel of a detail page (an htmx fragment)."""
    if target not in RECOMMENDS.get(kind, ()):
        raise Http404()
    # the catalog's own gatekeepers, or the kind's registered one (a challenge problem)
    if kind in GATEKEEPERS:
        obj = GATEKEEPERS[kind](request.user, pk)
    else:
        obj = selectors.access_source(request.user, indexing.doc_id(kind, pk))
    found = selectors.recommendations(request.user, kind, obj, target, limit=5)
    return render(
        request,
        "catalog/partials/recommendations.html",
        {
            "source": indexing.doc_id(kind, obj.pk),
            "target": target,
            "title": TARGET_TITLES[target],
            "found": found,
            "kind_labels": KIND_LABELS,
        },
    )


@login_required
@access_rule("achievement", "match", "need")
def workspace_matches(request: HttpRequest) -> HttpResponse:
    """Workspace widget: recommendations for the user's organisations' published items."""
    from kechuang.catalog.choices import ListingStatus
    from kechuang.catalog.models import Achievement, Need

    blocks = []
    mine: list[tuple[str, Any]] = [
        *(
            ("need", n)
            for n in organization_listings(Need, user=request.user).filter(
                status=ListingStatus.PUBLISHED
            )[:3]
        ),
        *(
            ("achievement", a)
            for a in organization_listings(Achievement, user=request.user).filter(
                status=ListingStatus.PUBLISHED
            )[:3]
        ),
    ]
    for kind, item in mine:
        for target in RECOMMENDS[kind][:1]:
            found = selectors.recommendations(request.user, kind, item, target, limit=3)
            blocks.append(
                {
                    "item": item,
                    "kind": kind,
                    "source": indexing.doc_id(kind, item.pk),
                    "target": target,
                    "title": TARGET_TITLES[target],
                    "found": found,
                }
            )
    return render(
        request,
        "catalog/partials/workspace_matches.html",
        {"blocks": blocks, "kind_labels": KIND_LABELS},
    )


# ---------------------------------------------------------------- duplicates


DUPLICATE_TEXT_FIELDS = {"need": "description", "achievement": "summary"}


@require_POST
@login_required
@access_rule("match")
def duplicates_check(request: HttpRequest, kind: str) -> HttpResponse:
    """While a need or achievement is written: the most similar published items."""
    if kind not in DUPLICATE_TEXT_FIELDS:
        raise Http404()
    title = (request.POST.get("title") or "").strip()[:100]
    body = (request.POST.get(DUPLICATE_TEXT_FIELDS[kind]) or "").strip()[:5000]
    keywords = " ".join(split_keywords(request.POST.get("keywords") or ""))[:200]
    results: list[selectors.Result] = []
    if len(title) + len(body) >= 4:
        exclude: frozenset[str] = frozenset()
        item_id = request.POST.get("item_id") or ""
        if item_id.isdigit():
            exclude = frozenset({indexing.doc_id(kind, int(item_id))})
        document = Document(
            id=f"{kind}:draft", kind=kind, title=title, keywords=keywords, body=body
        )
        results = selectors.similar_hits(document, kinds=(kind,), limit=5, exclude_ids=exclude)
    return render(
        request,
        "catalog/partials/duplicates.html",
        {"results": results, "kind_labels": KIND_LABELS, "checked": bool(title or body)},
    )


@require_GET
@page_errors
@access_rule("achievement", "expert", "match", "need")
def duplicates_panel(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Near-duplicates of a submitted item, for its reviewers (and its owners)."""
    if kind not in DUPLICATE_TEXT_FIELDS:
        raise Http404()
    from kechuang.orgs.access import viewer_for

    obj: Any = GATEKEEPERS[kind](request.user, pk)

    if not viewer_for(request.user).sees_private_of(obj.organization):
        raise Http404()
    document = selectors.source_document(kind, obj)
    results = selectors.similar_hits(document, kinds=(kind,), limit=5)
    return render(
        request,
        "catalog/partials/duplicates.html",
        {"results": results, "kind_labels": KIND_LABELS, "checked": True, "reviewing": True},
    )
