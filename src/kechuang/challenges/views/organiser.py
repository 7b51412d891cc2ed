"""Organiser pages: create and edit a call and its problems, move it along its life,
list its applications per problem with duplicate-proposal hints, and award a winner.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kechuang.catalog.views.listings import first_message
from kechuang.challenges.access import (
    access_application_by_id,
    access_call_by_id,
    call_organisers,
    may_create_call,
    may_recommend,
    may_see_filings,
)
from kechuang.challenges.choices import CALL_TRANSITIONS, ApplicationStatus, CallStatus
from kechuang.challenges.forms import (
    INDICATOR_KEYS,
    AwardForm,
    CallForm,
    CallProblemForm,
    with_blank_rows,
)
from kechuang.challenges.selectors import application_duplicates, call_applications, call_list
from kechuang.challenges.selectors.pages import applications_for_problems
from kechuang.challenges.services.awards import award_make
from kechuang.challenges.services.calls import (
    call_create,
    call_problem_add,
    call_transition,
    call_update,
)
from kechuang.challenges.views.apply import render_application
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError
from kechuang.web.errors import apply_error_to_form, page_errors
from kechuang.web.htmx import redirect_for

DONE = {
    "publish": gettext_lazy("榜单已发布。"),
    "close": gettext_lazy("已截止揭榜。"),
    "start_review": gettext_lazy("已开始评审。"),
    "start_awarding": gettext_lazy("已进入确定揭榜方阶段。"),
    "finish": gettext_lazy("榜单已完成。"),
    "cancel": gettext_lazy("榜单已取消。"),
}


def call_url(call: Any) -> str:
    return reverse("challenges:call_detail", args=[call.pk])


@login_required
@page_errors
@access_rule("call")
def call_manage(request: HttpRequest) -> HttpResponse:
    """Calls the viewer runs, drafts included."""
    calls = list(call_list(request.user, mine=True)[:100])
    ctx = {
        "calls": calls,
        "may_create_call": may_create_call(request.user),
        "may_recommend": may_recommend(request.user),
        "may_see_filings": may_see_filings(request.user),
    }
    return render(request, "challenges/call_manage.html", ctx)


@login_required
@page_errors
@access_rule("organization")
def call_create_page(request: HttpRequest) -> HttpResponse:
    organisers = call_organisers(request.user)
    if not organisers:
        raise Http404()
    form = CallForm(request.POST or None, organisers=organisers)
    if request.method == "POST" and form.is_valid():
        organiser = next(o for o in organisers if o.pk == form.cleaned_data["organiser"])
        try:
            call = call_create(actor=request.user, organiser=organiser, **form.service_kwargs())
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("榜单草稿已保存，请添加题目后发布。"))
            return redirect(call_url(call))
    status = 422 if form.errors else 200
    return render(request, "challenges/call_form.html", {"form": form}, status=status)


@login_required
@page_errors
@access_rule("call")
def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    call = access_call_by_id(request.user, pk, action="manage")
    form = CallForm(request.POST or None, initial=CallForm.initial_from(call))
    if request.method == "POST" and form.is_valid():
        try:
            call_update(actor=request.user, call=call, **form.service_kwargs())
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("修改已保存。"))
            return redirect(call_url(call))
    status = 422 if form.errors else 200
    ctx = {"form": form, "call": call}
    return render(request, "challenges/call_form.html", ctx, status=status)


@login_required
@page_errors
@access_rule("call")
def call_problem_create(request: HttpRequest, pk: int) -> HttpResponse:
    call = access_call_by_id(request.user, pk, action="manage")
    if call.status != CallStatus.DRAFT:
        messages.error(request, _("只有草稿状态的榜单可以添加题目。"))
        return redirect(call_url(call))
    form = CallProblemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call_problem_add(actor=request.user, call=call, **form.service_kwargs())
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("题目已添加。"))
            return redirect(call_url(call))
    ctx = {
        "form": form,
        "call": call,
        "indicator_rows": with_blank_rows(form.indicator_rows, INDICATOR_KEYS),
    }
    return render(
        request, "challenges/call_problem_form.html", ctx, status=422 if form.errors else 200
    )


@login_required
@require_POST
@page_errors
@access_rule("call")
def call_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in CALL_TRANSITIONS:
        raise Http404()
    call = access_call_by_id(request.user, pk, action="manage")
    try:
        call_transition(
            actor=request.user, call=call, action=action, reason=request.POST.get("reason", "")
        )
    except KechuangError as exc:
        messages.error(request, first_message(exc))
    else:
        messages.success(request, str(DONE[action]))
    return redirect_for(request, call_url(call))


@login_required
@page_errors
@access_rule("application", "call")
def call_applications_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Per problem, the submitted bids (organiser: all; an association: its subtree's)."""
    call = access_call_by_id(request.user, pk)
    bids = call_applications(request.user, call).select_related("applicant")
    problems = list(applications_for_problems(call, bids))
    ctx = {"call": call, "problems": problems, "status_in_review": ApplicationStatus.IN_REVIEW}
    return render(request, "challenges/call_applications.html", ctx)


@login_required
@page_errors
@access_rule("application")
def application_duplicates_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The same proposal in other calls (htmx fragment on the organiser's list)."""
    application = access_application_by_id(request.user, pk, action="organise")
    ctx = {"hits": application_duplicates(application)}
    return render(request, "challenges/partials/duplicates.html", ctx)


@login_required
@require_POST
@page_errors
@access_rule("application", "review.item")
def application_award(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application_by_id(request.user, pk, action="organise")
    form = AwardForm(request.POST)
    if form.is_valid():
        try:
            award = award_make(actor=request.user, application=application, **form.cleaned_data)
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("已确定揭榜方并立项。"))
            return redirect("challenges:project_detail", award.project.pk)
    return render_application(request, application, award_form=form, status=422)
