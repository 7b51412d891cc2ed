"""The dictionary page: platform administrators extend the Chinese analyser of search."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kechuang.common.access_rules import signed_in
from kechuang.common.errors import KechuangError, NotFound
from kechuang.matching.access import is_platform_admin
from kechuang.matching.dictionary import shipped_dictionary
from kechuang.matching.indexing import rebuilding
from kechuang.matching.models import Term
from kechuang.matching.services_dictionary import term_add, term_remove
from kechuang.web.errors import apply_error_to_form


class TermForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("术语"), max_length=30)
    synonyms = forms.CharField(
        label=gettext_lazy("同义词"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("用逗号或顿号分隔，可留空；检索时同义词与术语视为同一个词。"),
    )


def _require_platform_admin(request: HttpRequest) -> None:
    if not is_platform_admin(request.user):
        raise Http404()


@login_required
@signed_in("平台管理员的分词词典（视图要求平台管理员）")
def dictionary(request: HttpRequest) -> HttpResponse:
    _require_platform_admin(request)
    form = TermForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                term = term_add(actor=request.user, **form.cleaned_data)
            except KechuangError as exc:
                apply_error_to_form(form, exc)
            else:
                messages.success(
                    request, _("已添加“%(term)s”，搜索索引正在后台重建。") % {"term": term.text}
                )
                return redirect("web:dictionary")
        status = 422
    shipped = shipped_dictionary()
    return render(
        request,
        "matching/dictionary.html",
        {
            "form": form,
            "terms": Term.objects.select_related("created_by"),
            "shipped_words": len(shipped.words),
            "shipped_groups": len(shipped.groups),
            "rebuilding": rebuilding(),
        },
        status=status,
    )


@login_required
@require_POST
@signed_in("平台管理员的分词词典（视图要求平台管理员）")
def dictionary_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _require_platform_admin(request)
    try:
        term_remove(actor=request.user, term_id=pk)
    except NotFound as exc:
        raise Http404() from exc
    messages.success(request, _("已删除该术语，搜索索引正在后台重建。"))
    return redirect("web:dictionary")
