"""Ranking (raw and calibrated totals, flags), the organiser's decision with its written
justification, the public notice (公示) with objections, and handling an objection."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, NotFound
from kechuang.review.access import (
    PUBLIC_STATUSES,
    access_objection_by_id,
    access_process_by_id,
    roles_for,
)
from kechuang.review.choices import ProcessStatus
from kechuang.review.forms import DecisionForm, ObjectionForm, ObjectionHandleForm
from kechuang.review.models import Panel, PanelMember, ReviewItem, ReviewProcess
from kechuang.review.ranking import RankedItem
from kechuang.review.selectors import (
    objection_list,
    panel_list,
    panel_ranking,
    process_selected_ids,
    ranking_for,
)
from kechuang.review.selectors.pages import last_round
from kechuang.review.services import decision_record, objection_file, objection_handle
from kechuang.review.views.base import (
    flash_error,
    process_context,
    require_member_or_runner,
    show_error,
)
from kechuang.web.errors import page_errors

# Lazy: a module-level gettext would freeze the labels in the language at import time.
FLAG_LABELS = {
    "outlier": gettext_lazy("离群评分"),
    "disagreement": gettext_lazy("分歧较大"),
    "unscored": gettext_lazy("未评分"),
}


def _rows(ranked: list[RankedItem], names: dict[int, str] | None) -> list[dict[str, Any]]:
    return [
        {
            "r": r,
            "flags": [(f, FLAG_LABELS.get(f, f)) for f in r.flags],
            "outliers": [names.get(e, "") for e in r.outlier_reviewers] if names else [],
        }
        for r in ranked
    ]


def _expert_names(process: ReviewProcess) -> dict[int, str]:
    return dict(
        PanelMember.objects.filter(panel__process=process).values_list("expert_id", "expert__name")
    )


@login_required
@page_errors
@access_rule("review.item", "review.panel", "review.process")
def ranking_page(request: HttpRequest, pk: int) -> HttpResponse:
    process = access_process_by_id(request.user, pk)
    roles = roles_for(request.user, process)
    require_member_or_runner(roles)
    rounds = list(range(1, last_round(process) + 1))
    try:
        round_no = int(request.GET.get("round", rounds[-1]))
    except ValueError:
        round_no = rounds[-1]
    if round_no not in rounds:
        round_no = rounds[-1]
    sections: list[tuple[Panel | None, list[dict[str, Any]]]]
    if roles.runner:
        rows = ranking_for(request.user, process, round=round_no)
        sections = [(None, _rows(rows, _expert_names(process)))]
    else:
        sections = [
            (p, _rows(panel_ranking(request.user, p, round=round_no), None))
            for p in panel_list(request.user, process)
        ]
    ctx = process_context(request, process, "ranking", roles)
    ctx.update(rounds=rounds, round_no=round_no, sections=sections)
    return render(request, "review/ranking.html", ctx)


def _selected(process: ReviewProcess) -> list[ReviewItem]:
    ids = process_selected_ids(process)
    items = ReviewItem.objects.in_bulk(ids)
    return [items[i] for i in ids if i in items]


@login_required
@page_errors
@access_rule("review.item", "review.process")
def decision_page(request: HttpRequest, pk: int) -> HttpResponse:
    process = access_process_by_id(request.user, pk, action="decide")
    decision = getattr(process, "decision", None)
    round_no = last_round(process)
    # a party to an item never sees its rank (the applicant's view), so cannot select it
    ranked = (
        ranking_for(request.user, process, round=round_no)
        if process.status != ProcessStatus.SETUP
        else []
    )
    items = [r.item for r in ranked]
    data = request.POST if request.method == "POST" else None
    form = DecisionForm(data, items=items)
    if data is not None and form.is_valid():
        # keep the ranking's order for the selection (the decision lists them in order)
        order = {r.item.pk: r.rank for r in ranked}
        chosen = sorted(form.cleaned_data["selected_item_ids"], key=lambda i: order.get(i, 0))
        try:
            decision_record(
                actor=request.user,
                process=process,
                selected_item_ids=chosen,
                justification=form.cleaned_data["justification"],
            )
        except KechuangError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("评审决定已记录。可以开始公示。"))
            return redirect("review:decision", process.pk)
    ctx = process_context(request, process, "decision")
    ctx.update(
        decision=decision,
        selected=_selected(process) if decision else [],
        rows=_rows(ranked, None),
        round_no=round_no,
        form=form,
        can_decide=decision is None and process.status == ProcessStatus.DECIDING,
    )
    return render(request, "review/decision.html", ctx, status=422 if form.errors else 200)


def _notice_open(process: ReviewProcess) -> bool:
    return process.status == ProcessStatus.NOTICE and (
        process.notice_ends_at is None or timezone.now() < process.notice_ends_at
    )


@page_errors
@access_rule("review.objection", "review.process")
def notice_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Public during notice and after; before that only the runners preview it."""
    process = access_process_by_id(request.user, pk)
    roles = roles_for(request.user, process)
    if process.status not in PUBLIC_STATUSES and not roles.runner:
        raise NotFound()
    selected = _selected(process)
    data = request.POST if request.method == "POST" else None
    form = ObjectionForm(data, items=selected)
    if data is not None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form.is_valid():
            item = next((i for i in selected if i.pk == form.cleaned_data["item"]), None)
            try:
                objection_file(
                    actor=request.user, process=process, text=form.cleaned_data["text"], item=item
                )
            except KechuangError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("异议已提交，组织单位将书面答复。"))
                return redirect("review:notice", process.pk)
    ctx = process_context(request, process, "notice", roles)
    ctx.update(
        decision=getattr(process, "decision", None),
        selected=selected,
        form=form,
        can_object=_notice_open(process),
        objections=list(objection_list(request.user, process)),
        handle_form=ObjectionHandleForm(),
    )
    return render(request, "review/notice.html", ctx, status=422 if form.errors else 200)


@login_required
@require_POST
@page_errors
@access_rule("review.objection")
def objection_handle_page(request: HttpRequest, pk: int) -> HttpResponse:
    objection = access_objection_by_id(request.user, pk, action="handle")
    form = ObjectionHandleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择处理结论。"))
    else:
        try:
            objection_handle(
                actor=request.user,
                objection=objection,
                upheld=form.cleaned_data["upheld"],
                answer=form.cleaned_data["answer"],
            )
        except KechuangError as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("异议已处理。"))
    return redirect("review:notice", objection.process_id)
