"""The need page's "转入难题征集" panel: association staff put a published need on a
collection round of theirs (``services/promotion.py``). An htmx fragment loaded by the
need's page, empty for everyone who may not promote it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kechuang.catalog.access import access_need_by_id
from kechuang.catalog.views.listings import first_message
from kechuang.challenges.access import access_round_by_id
from kechuang.challenges.services.promotion import need_promote, promotion_rounds
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, NotFound
from kechuang.web.errors import page_errors
from kechuang.web.htmx import redirect_for


@require_http_methods(["GET", "POST"])
@page_errors
@access_rule("need", "round")
def need_promote_panel(request: HttpRequest, need_id: int) -> HttpResponse:
    need = access_need_by_id(request.user, need_id)
    error = ""
    if request.method == "POST":
        try:
            round = access_round_by_id(request.user, request.POST.get("round"), action="manage")
            problem = need_promote(actor=request.user, need=need, round=round)
        except NotFound:
            error = _("请选择一个可转入的征集轮次。")
        except KechuangError as exc:
            error = first_message(exc)
        else:
            messages.success(request, _("需求已转入难题征集，等待筛选。"))
            return redirect_for(request, reverse("challenges:problem_detail", args=[problem.pk]))
    rounds = promotion_rounds(request.user, need)
    ctx = {"need": need, "rounds": rounds, "error": error}
    return render(
        request, "challenges/partials/need_promote.html", ctx, status=422 if error else 200
    )
