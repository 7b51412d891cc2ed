"""Conflicts of interest (detect, add, waive with a reason) and assignment (solve and
re-solve, the matrix with affinities and reasons, setting an item's reviewers by hand).
Runners only: everyone else gets the 404 of the gatekeeper."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, ValidationFailed
from kechuang.review.access import (
    access_conflict_by_id,
    access_item_by_id,
    access_process_by_id,
)
from kechuang.review.choices import SEATED, SETUP_STATUSES, ProcessStatus
from kechuang.review.forms import ConflictAddForm, ManualAssignForm, ReasonForm
from kechuang.review.models import PanelMember, ReviewItem, ReviewProcess
from kechuang.review.selectors import conflict_list, item_assignments, panel_list
from kechuang.review.selectors.pages import assignment_matrix
from kechuang.review.services import (
    assignment_set_manual,
    assignment_solve,
    conflict_add,
    conflict_waive,
    conflicts_detect,
)
from kechuang.review.services.conflicts import OPEN_STATUSES
from kechuang.review.views.base import flash_error, process_context, show_error
from kechuang.web.errors import page_errors
from kechuang.web.htmx import is_htmx


def _seated(process: ReviewProcess) -> list[PanelMember]:
    return list(
        PanelMember.objects.filter(panel__process=process, status__in=SEATED)
        .select_related("expert")
        .order_by("expert__name", "id")
    )


def _conflicts_page(
    request: HttpRequest,
    process: ReviewProcess,
    *,
    add_form: ConflictAddForm | None = None,
    status: int = 200,
) -> HttpResponse:
    items = list(process.items.order_by("id"))
    ctx = process_context(request, process, "conflicts")
    ctx.update(
        conflicts=list(
            conflict_list(request.user, process).select_related("waived_by", "created_by")
        ),
        add_form=add_form or ConflictAddForm(items=items, members=_seated(process)),
        waive_form=ReasonForm(),
        can_change=process.status in OPEN_STATUSES,
    )
    return render(request, "review/conflicts.html", ctx, status=status)


@login_required
@page_errors
@access_rule("review.process")
def conflicts(request: HttpRequest, pk: int) -> HttpResponse:
    process = access_process_by_id(request.user, pk, action="run")
    return _conflicts_page(request, process)


@login_required
@require_POST
@page_errors
@access_rule("review.process")
def conflicts_detect_page(request: HttpRequest, pk: int) -> HttpResponse:
    process = access_process_by_id(request.user, pk, action="run")
    try:
        created = conflicts_detect(actor=request.user, process=process)
    except KechuangError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("检测完成，新发现 %(n)d 项利益冲突。") % {"n": len(created)})
    return redirect("review:conflicts", process.pk)


@login_required
@require_POST
@page_errors
@access_rule("review.process")
def conflict_add_page(request: HttpRequest, pk: int) -> HttpResponse:
    process = access_process_by_id(request.user, pk, action="run")
    items = list(process.items.order_by("id"))
    members = _seated(process)
    form = ConflictAddForm(request.POST, items=items, members=members)
    if form.is_valid():
        d = form.cleaned_data
        item = next(i for i in items if i.pk == d["item"])
        expert = next(m.expert for m in members if m.expert_id == d["expert"])
        try:
            conflict_add(actor=request.user, item=item, expert=expert, reason=d["reason"])
        except KechuangError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("已添加利益冲突，相关分配已解除。"))
            return redirect("review:conflicts", process.pk)
    return _conflicts_page(request, process, add_form=form, status=422)


@login_required
@require_POST
@page_errors
@access_rule("review.conflict")
def conflict_waive_page(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = access_conflict_by_id(request.user, pk, action="waive")
    form = ReasonForm(request.POST)
    form.is_valid()
    error = None
    try:
        conflict = conflict_waive(
            actor=request.user, conflict=conflict, reason=form.cleaned_data.get("reason", "")
        )
    except KechuangError as exc:
        show_error(form, exc)
        error = exc
    if is_htmx(request):
        conflict.refresh_from_db()
        return render(
            request,
            "review/partials/conflict_row.html",
            {"c": conflict, "waive_form": form, "can_change": True},
            status=422 if error else 200,
        )
    if error is not None:
        flash_error(request, error)
    else:
        messages.success(request, _("已豁免该利益冲突。"))
    return redirect("review:conflicts", conflict.process_id)


def _assignment_page(
    request: HttpRequest, process: ReviewProcess, *, error: str = "", status: int = 200
) -> HttpResponse:
    ctx = process_context(request, process, "assignment")
    hidden = ctx["roles"].applicant_item_ids  # a party never sees who reviews its item
    ctx.update(
        matrices=[assignment_matrix(p, hidden=hidden) for p in panel_list(request.user, process)],
        can_solve=process.status == ProcessStatus.ASSIGNING,
        can_edit=process.status in SETUP_STATUSES,
        solve_error=error,
        view=request.GET.get("view", "matrix"),
    )
    return render(request, "review/assignment.html", ctx, status=status)


@login_required
@page_errors
@access_rule("review.panel", "review.process")
def assignment(request: HttpRequest, pk: int) -> HttpResponse:
    process = access_process_by_id(request.user, pk, action="run")
    return _assignment_page(request, process)


@login_required
@require_POST
@page_errors
@access_rule("review.panel", "review.process")
def assignment_solve_page(request: HttpRequest, pk: int) -> HttpResponse:
    process = access_process_by_id(request.user, pk, action="run")
    try:
        solved = assignment_solve(actor=request.user, process=process)
    except ValidationFailed as exc:
        # infeasible: the page says why, per item, and nothing was stored
        return _assignment_page(request, process, error=str(exc.message), status=422)
    except KechuangError as exc:
        flash_error(request, exc)
    else:
        seats = sum(len(s.assignments) for s in solved)
        exact = all(s.exact for s in solved)
        messages.success(
            request,
            (
                _("已求得最优分配，共 %(n)d 个评审席位。")
                if exact
                else _("已分配（贪心回退），共 %(n)d 个评审席位。")
            )
            % {"n": seats},
        )
    return redirect("review:assignment", process.pk)


def _manual_members(item: ReviewItem) -> list[PanelMember]:
    if item.panel_id is None:
        return []
    return list(
        PanelMember.objects.filter(panel_id=item.panel_id, status__in=SEATED)
        .select_related("expert")
        .order_by("id")
    )


@login_required
@page_errors
@access_rule("review.item", "review.process")
def item_assign(request: HttpRequest, pk: int) -> HttpResponse:
    item = access_item_by_id(request.user, pk, action="run")
    process = item.process
    members = _manual_members(item)
    current = [a.member_id for a in item_assignments(item) if a.status == "active"]
    data = request.POST if request.method == "POST" else None
    form = ManualAssignForm(data, members=members, initial={"member_ids": current})
    if data is not None and form.is_valid():
        try:
            assignment_set_manual(
                actor=request.user, item=item, member_ids=form.cleaned_data["member_ids"]
            )
        except KechuangError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("已按指定调整“%(t)s”的评审专家。") % {"t": item.title})
            return redirect(reverse("review:assignment", args=[process.pk]))
    conflicted: set[Any] = set(
        process.conflicts.filter(item=item, waived_at__isnull=True).values_list(
            "expert_id", flat=True
        )
    )
    ctx = process_context(request, process, "assignment")
    posted = request.POST.getlist("member_ids") if data is not None else []
    checked = {int(v) for v in posted if v.isdigit()} if data is not None else set(current)
    ctx.update(
        item=item,
        form=form,
        member_rows=[
            {"member": m, "checked": m.pk in checked, "conflict": m.expert_id in conflicted}
            for m in members
        ],
        can_edit=process.status in SETUP_STATUSES,
    )
    return render(request, "review/item_assign.html", ctx, status=422 if form.errors else 200)
