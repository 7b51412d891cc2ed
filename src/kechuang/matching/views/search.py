"""Search (one box across kinds) and "not relevant".

Thin views over ``matching.selectors`` and ``matching.services``: the selectors re-check
every result against the database, and fall back to database search (``degraded``) when
the index is unavailable; the pages then show a small notice instead of failing.
The recommendation and duplicate panels of one record are its app's pages
(``catalog/views/matches.py``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kechuang.common.access_rules import access_rule, signed_in
from kechuang.common.errors import KechuangError, ValidationFailed
from kechuang.matching import selectors
from kechuang.matching.services import dismissal_create
from kechuang.web.errors import apply_error_to_form, page_errors
from kechuang.web.forms import (
    ChoicesForm,
    CodeField,
    _with_blank,
    cooperation_mode_choices,
    discipline_choices,
    industry_choices,
    region_filter_choices,
)
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
    return render_page_or_fragment(
        request, "matching/search/page.html", "matching/partials/results.html", ctx
    )


def _rename(exc: ValidationFailed) -> ValidationFailed:
    """The selectors' field names → this form's (``kinds`` → ``kind`` …)."""
    names = {"kinds": "kind", "cooperation_mode": "mode"}
    return ValidationFailed(fields={names.get(k, k): v for k, v in exc.fields.items()})


# ---------------------------------------------------------------- recommendations


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
