"""The docking panel on a need's or an achievement's page (loaded by htmx: the catalog's
templates know the URL, not this app): 我能解决 / 我有兴趣, experts' answers to a need,
and turning an answer into an engagement."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.catalog.access import access_achievement_by_id, access_need_by_id, is_public
from kechuang.catalog.models import ExpertProfile
from kechuang.catalog.uploads import check_upload
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError
from kechuang.engagements.access import access_answer_by_id, engagements_visible
from kechuang.engagements.choices import OPEN, Origin
from kechuang.engagements.forms import AnswerForm
from kechuang.engagements.selectors import need_answers
from kechuang.engagements.services import answer_to_engagement, need_answer_create
from kechuang.engagements.views.actions import engagement_url, first_message
from kechuang.orgs.access import viewer_for
from kechuang.web.errors import apply_error_to_form, page_errors
from kechuang.web.htmx import redirect_for


def _panel(request: HttpRequest, kind: str, item: Any, **extra: Any) -> dict[str, Any]:
    user = request.user
    viewer = viewer_for(user)
    own = item.organization_id in viewer.member_org_ids
    mine = (
        engagements_visible(user).filter(**{kind: item}).order_by("-started_at")
        if viewer.is_authenticated
        else []
    )
    expert = (
        ExpertProfile.objects.filter(user_id=user.pk or 0).first()
        if viewer.is_authenticated
        else None
    )
    return {
        "kind": kind,
        "item": item,
        "own": own,
        "public": is_public(item),
        "mine": list(mine)[:10],
        "open_stages": OPEN,
        "expert": expert,
        "origin": Origin.SOLVE if kind == "need" else Origin.INTEREST,
        "label": _("我能解决") if kind == "need" else _("我有兴趣"),
        **extra,
    }


@page_errors
@access_rule("need", "engagement")
def need_panel(request: HttpRequest, pk: int, *, form: AnswerForm | None = None) -> HttpResponse:
    need = access_need_by_id(request.user, pk)
    ctx = _panel(
        request,
        "need",
        need,
        answers=list(need_answers(request.user, need)),
        answer_form=form or AnswerForm(),
    )
    return render(request, "engagements/partials/panel.html", ctx, status=422 if form else 200)


@page_errors
@access_rule("achievement", "engagement")
def achievement_panel(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = access_achievement_by_id(request.user, pk)
    return render(
        request, "engagements/partials/panel.html", _panel(request, "achievement", achievement)
    )


@login_required
@require_POST
@page_errors
@access_rule("need")
def answer_create(request: HttpRequest, pk: int) -> HttpResponse:
    need = access_need_by_id(request.user, pk)
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            uploads = [check_upload(f.name, f, f.size) for f in form.cleaned_data["attachments"]]
            need_answer_create(
                actor=request.user,
                need=need,
                body=form.cleaned_data["body"],
                is_public=form.cleaned_data["is_public"],
                files=uploads,
            )
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("解答已提交，需求方会收到通知。"))
            return redirect_for(request, reverse("web:need_detail", args=[need.pk]) + "#answers")
    messages.error(request, _("解答未提交，请检查内容。"))
    return redirect_for(request, reverse("web:need_detail", args=[need.pk]) + "#answers")


@login_required
@require_POST
@page_errors
@access_rule("engagement")
def answer_convert(request: HttpRequest, pk: int) -> HttpResponse:
    answer = access_answer_by_id(request.user, pk, action="own")
    try:
        engagement = answer_to_engagement(actor=request.user, answer=answer)
    except KechuangError as exc:
        messages.error(request, first_message(exc))
        return redirect_for(request, reverse("web:need_detail", args=[answer.need_id]) + "#answers")
    messages.success(request, _("已把解答转为对接，等待专家确认。"))
    return redirect_for(request, engagement_url(engagement.pk))
