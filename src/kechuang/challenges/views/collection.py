"""Problem collection (征集) pages: rounds, submitting problems, classifying and
screening them, offering them internally first and publishing them externally."""

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
from kechuang.challenges.access import access_problem_by_id, access_round_by_id
from kechuang.challenges.choices import PROBLEM_TRANSITIONS, ROUND_TRANSITIONS, ProblemStatus
from kechuang.challenges.forms import ClassifyForm, ProblemSubmitForm, ReasonForm, RoundForm
from kechuang.challenges.models import CollectionRound, Problem
from kechuang.challenges.selectors import problem_list, round_list
from kechuang.challenges.services.collection import (
    in_subtree,
    problem_classify,
    problem_submit,
    problem_transition,
    round_open,
    round_transition,
)
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError
from kechuang.orgs.access import viewer_for
from kechuang.orgs.selectors import managed_organizations, memberships_of
from kechuang.web.errors import apply_error_to_form, page_errors
from kechuang.web.htmx import redirect_for

PROBLEM_DONE = {
    "accept": gettext_lazy("难题已入选。"),
    "reject": gettext_lazy("难题未入选。"),
    "offer_internal": gettext_lazy("已在内部发布揭榜。"),
    "take": gettext_lazy("已由本单位承接。"),
    "publish": gettext_lazy("已对外发布，可列入榜单。"),
}
PROBLEM_ACTIONS = (
    ("accept", gettext_lazy("入选"), "btn-success"),
    ("offer_internal", gettext_lazy("内部揭榜"), "btn-outline-primary"),
    ("publish", gettext_lazy("对外发布"), "btn-primary"),
)


def _owners(user: Any) -> list[Any]:
    return [o for o in managed_organizations(user) if o.is_association]


@login_required
@page_errors
@access_rule("organization", "round")
def round_list_page(request: HttpRequest) -> HttpResponse:
    owners = _owners(request.user)
    form = RoundForm(request.POST or None, owners=owners)
    if request.method == "POST":
        if not owners:
            raise Http404()
        if form.is_valid():
            owner = next(o for o in owners if o.pk == form.cleaned_data["owner"])
            data = {k: v for k, v in form.cleaned_data.items() if k != "owner"}
            data["opens_on"] = data["opens_on"] or ""
            data["closes_on"] = data["closes_on"] or ""
            try:
                item = round_open(actor=request.user, owner=owner, **data)
            except KechuangError as exc:
                apply_error_to_form(form, exc)
            else:
                messages.success(request, _("征集已开启。"))
                return redirect("challenges:round_detail", item.pk)
    ctx = {"rounds": list(round_list(request.user)[:100]), "form": form if owners else None}
    return render(request, "challenges/round_list.html", ctx, status=422 if form.errors else 200)


def _round_context(request: HttpRequest, item: CollectionRound, **extra: Any) -> dict[str, Any]:
    manages = viewer_for(request.user).manages(item.owner)
    orgs = [m.organization for m in memberships_of(request.user)]
    orgs = [o for o in orgs if in_subtree(o, item.owner)]
    ctx = {
        "round": item,
        "manages": manages,
        "problems": list(problem_list(request.user, round=item)),
        "submit_form": ProblemSubmitForm(organizations=orgs) if orgs else None,
        "round_actions": [a for a in ROUND_TRANSITIONS if item.status in ROUND_TRANSITIONS[a][0]]
        if manages
        else [],
    }
    ctx.update(extra)
    return ctx


@login_required
@page_errors
@access_rule("organization", "problem", "round")
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = access_round_by_id(request.user, pk)
    return render(request, "challenges/round_detail.html", _round_context(request, item))


@login_required
@require_POST
@page_errors
@access_rule("round")
def round_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ROUND_TRANSITIONS:
        raise Http404()
    item = access_round_by_id(request.user, pk, action="manage")
    try:
        round_transition(actor=request.user, round=item, action=action)
    except KechuangError as exc:
        messages.error(request, first_message(exc))
    else:
        messages.success(request, _("征集已截止。") if action == "close" else _("征集已重新开启。"))
    return redirect("challenges:round_detail", item.pk)


@login_required
@require_POST
@page_errors
@access_rule("organization", "problem", "round")
def problem_submit_page(request: HttpRequest, pk: int) -> HttpResponse:
    item = access_round_by_id(request.user, pk)
    orgs = [m.organization for m in memberships_of(request.user)]
    form = ProblemSubmitForm(request.POST, organizations=orgs)
    if form.is_valid():
        data = dict(form.cleaned_data)
        organization = next(o for o in orgs if o.pk == data.pop("organization"))
        try:
            problem = problem_submit(
                actor=request.user, round=item, organization=organization, **data
            )
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("难题已提交，等待征集单位筛选。"))
            return redirect("challenges:problem_detail", problem.pk)
    ctx = _round_context(request, item, submit_form=form)
    return render(request, "challenges/round_detail.html", ctx, status=422)


def render_problem(
    request: HttpRequest,
    problem: Problem,
    *,
    classify_form: ClassifyForm | None = None,
    reason_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = viewer_for(request.user)
    manages = viewer.manages(problem.round.owner)
    takers = [o for o in managed_organizations(request.user) if in_subtree(o, problem.round.owner)]
    ctx = {
        "problem": problem,
        "manages": manages,
        "actions": [
            (a, label, style)
            for a, label, style in PROBLEM_ACTIONS
            if manages and problem.status in PROBLEM_TRANSITIONS[a][0]
        ],
        "can_reject": manages and problem.status in PROBLEM_TRANSITIONS["reject"][0],
        "takers": takers if problem.status == ProblemStatus.INTERNAL else [],
        "classify_form": classify_form
        or ClassifyForm(
            initial={
                "industry": problem.industry_id,
                "discipline": problem.discipline_id,
                "keywords": problem.keywords,
            }
        ),
        "reason_form": reason_form or ReasonForm(),
    }
    return render(request, "challenges/problem_detail.html", ctx, status=status)


@page_errors
@access_rule("organization", "problem")
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_problem(request, access_problem_by_id(request.user, pk))


@login_required
@require_POST
@page_errors
@access_rule("organization", "problem")
def problem_classify_page(request: HttpRequest, pk: int) -> HttpResponse:
    problem = access_problem_by_id(request.user, pk, action="manage")
    form = ClassifyForm(request.POST)
    if form.is_valid():
        try:
            problem_classify(actor=request.user, problem=problem, **form.cleaned_data)
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("分类已保存。"))
            return redirect("challenges:problem_detail", problem.pk)
    return render_problem(request, problem, classify_form=form, status=422)


@login_required
@require_POST
@page_errors
@access_rule("organization", "problem")
def problem_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in PROBLEM_TRANSITIONS:
        raise Http404()
    problem = access_problem_by_id(
        request.user, pk, action="view" if action == "take" else "manage"
    )
    taken_by = None
    if action == "take":
        taker_id = request.POST.get("taken_by", "")
        taken_by = next(
            (o for o in managed_organizations(request.user) if str(o.pk) == taker_id), None
        )
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        problem_transition(
            actor=request.user,
            problem=problem,
            action=action,
            reason=form.cleaned_data.get("reason", ""),
            taken_by=taken_by,
        )
    except KechuangError as exc:
        if action == "reject":
            apply_error_to_form(form, exc)
            return render_problem(request, problem, reason_form=form, status=422)
        messages.error(request, first_message(exc))
    else:
        messages.success(request, str(PROBLEM_DONE[action]))
    return redirect_for(request, reverse("challenges:problem_detail", args=[problem.pk]))
