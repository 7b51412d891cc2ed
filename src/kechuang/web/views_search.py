"""Search (one box across kinds), recommendations, "not relevant", duplicate hints.

Thin views over ``matching.selectors`` and ``matching.services``: the selectors re-check
every result against the database, and fall back to database search (``degraded``) when
the index is unavailable; the pages then show a small notice instead of failing.
Recommendation and duplicate panels are htmx fragments loaded after the page, so a slow
or broken index never delays or breaks a detail page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kechuang.catalog.access import (
    access_achievement_by_id,
    access_expert_by_id,
    access_need_by_id,
)
from kechuang.catalog.models import split_keywords
from kechuang.catalog.selectors import organization_listings
from kechuang.common.access_rules import access_rule, signed_in
from kechuang.common.errors import KechuangError, ValidationFailed
from kechuang.matching import indexing, selectors
from kechuang.matching.selectors import RECOMMENDS
from kechuang.matching.services import dismissal_create
from kechuang.matching.types import Document
from kechuang.web.catalog_forms import (
    ChoicesForm,
    CodeField,
    _with_blank,
    cooperation_mode_choices,
    discipline_choices,
    industry_choices,
    region_filter_choices,
)
from kechuang.web.errors import apply_error_to_form, page_errors
from kechuang.web.htmx import is_htmx, render_page_or_fragment
from kechuang.web.redirects import safe_next

PER_PAGE = 10
KIND_LABELS = {
    "need": gettext_lazy("技术需求"),
    "achievement": gettext_lazy("科技成果"),
    "expert": gettext_lazy("专家"),
    "organization": gettext_lazy("组织"),
    "challenge": gettext_lazy("揭榜题目"),
}
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


class SearchForm(ChoicesForm):
    q = forms.CharField(label=gettext_lazy("搜索"), required=False)
    kind = forms.CharField(required=False)
    region = CodeField(label=gettext_lazy("地区"), required=False)
    industry = CodeField(label=gettext_lazy("行业"), required=False)
    discipline = CodeField(label=gettext_lazy("学科"), required=False)
    mode = CodeField(label=gettext_lazy("合作方式"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("region", region_filter_choices())
        self.set_choices("industry", _with_blank(industry_choices(), _("全部行业")))
        self.set_choices("discipline", [("", _("全部学科")), *discipline_choices()])
        self.set_choices("mode", [("", _("全部方式")), *cooperation_mode_choices()])


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        return 1


@require_GET
@access_rule("match")
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    ctx: dict[str, Any] = {"form": form, "searched": False, "kind_labels": KIND_LABELS}
    q = (request.GET.get("q") or "").strip()
    kind = (data.get("kind") or "").strip()
    if q or "q" in request.GET:
        try:
            params = selectors.clean_params(
                q=q,
                kinds=(kind,) if kind else (),
                region=data.get("region") or "",
                industry=data.get("industry") or "",
                discipline=data.get("discipline") or "",
                cooperation_mode=data.get("mode") or "",
                page=_page_number(request.GET.get("page")),
                page_size=PER_PAGE,
            )
        except ValidationFailed as exc:
            apply_error_to_form(form, _rename(exc))
        else:
            page = selectors.search(params)
            query = request.GET.copy()
            query.pop("page", None)
            facet_query = request.GET.copy()
            for name in ("page", "kind"):
                facet_query.pop(name, None)
            ctx.update(
                searched=True,
                page=page,
                kind=kind,
                page_obj=Paginator(range(page.count), PER_PAGE).get_page(params.page),
                query_prefix=f"{query.urlencode()}&",
                facet_prefix=f"{facet_query.urlencode()}&",
                facets=[
                    {"kind": k, "label": KIND_LABELS[k], "count": n} for k, n in page.facets.items()
                ],
                total=sum(page.facets.values()),
                hx_target="#search-results",
            )
    return render_page_or_fragment(request, "search/page.html", "search/partials/results.html", ctx)


def _rename(exc: ValidationFailed) -> ValidationFailed:
    """The selectors' field names → this form's (``kinds`` → ``kind`` …)."""
    names = {"kinds": "kind", "cooperation_mode": "mode"}
    return ValidationFailed(fields={names.get(k, k): v for k, v in exc.fields.items()})


# ---------------------------------------------------------------- recommendations


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
        "search/partials/recommendations.html",
        {
            "source": indexing.doc_id(kind, obj.pk),
            "target": target,
            "title": TARGET_TITLES[target],
            "found": found,
            "kind_labels": KIND_LABELS,
        },
    )


@require_POST
@login_required
@page_errors
@signed_in("本人的“不相关”标记")
def dismiss(request: HttpRequest) -> HttpResponse:
    """Mark a recommendation "not relevant"; htmx removes the card (empty response)."""
    try:
        dismissal_create(
            actor=request.user,
            source=request.POST.get("source", ""),
            target=request.POST.get("target", ""),
        )
    except ValidationFailed as exc:
        return HttpResponse(_first(exc), status=422)
    if is_htmx(request):
        return HttpResponse("")
    return redirect(safe_next(request, reverse("web:workspace")))


def _first(exc: KechuangError) -> str:
    for messages in exc.fields.values():
        return str(messages[0])
    return str(exc.message)


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
        "search/partials/workspace_matches.html",
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
        "search/partials/duplicates.html",
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
        "search/partials/duplicates.html",
        {"results": results, "kind_labels": KIND_LABELS, "checked": True, "reviewing": True},
    )
