"""Review pages: the list of processes, process setup (rules and rubric), the overview
of one process per role, its lifecycle moves, panels and placing items.

Thin views: parse → gatekeeper (``review.access``) → service or selector → render. Every
rule is in ``review.services``; its errors come back on the form fields in Chinese.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError
from kechuang.orgs.choices import OrgKind
from kechuang.orgs.models import Organization
from kechuang.orgs.selectors import managed_organizations
from kechuang.review.access import access_item_by_id, access_process_by_id, roles_for
from kechuang.review.choices import (
    SETUP_STATUSES,
    TRANSITIONS,
    ProcessAction,
    ProcessStatus,
    Purpose,
)
from kechuang.review.forms import (
    DEFAULT_CRITERIA,
    AdvanceForm,
    CriterionFormSet,
    ItemForm,
    NoticeForm,
    PanelForm,
    ProcessForm,
    ReasonForm,
    RoundDeadlineForm,
    RoundOpenForm,
)
from kechuang.review.models import Panel
from kechuang.review.selectors import item_list, panel_list, process_list
from kechuang.review.selectors.pages import current_round, invitation_counts, my_tasks
from kechuang.review.services import (
    PartyIn,
    item_create,
    item_place,
    panel_create,
    process_create,
    process_transition,
    round_deadline_set,
)
from kechuang.review.views.base import flash_error, process_context, show_error
from kechuang.web.errors import page_errors
from kechuang.web.htmx import redirect_for

PER_PAGE = 20
EVENTS_SHOWN = 12

ACTION_ORDER = (
    ProcessAction.START_ASSIGNMENT,
    ProcessAction.OPEN_ROUND_1,
    ProcessAction.OPEN_ROUND_2,
    ProcessAction.CLOSE_ROUNDS,
    ProcessAction.OPEN_NOTICE,
    ProcessAction.FINALISE,
    ProcessAction.CANCEL,
)
# Lazy: a module-level gettext would freeze the messages in the language at import time.
DONE = {
    ProcessAction.START_ASSIGNMENT: gettext_lazy("已进入专家分配阶段。"),
    ProcessAction.OPEN_ROUND_1: gettext_lazy("第一轮评审已开始，已通知评审专家。"),
    ProcessAction.OPEN_ROUND_2: gettext_lazy("第一轮已结束，会评已开始。"),
    ProcessAction.CLOSE_ROUNDS: gettext_lazy("评审已结束，请记录评审决定。"),
    ProcessAction.OPEN_NOTICE: gettext_lazy("已开始公示。"),
    ProcessAction.FINALISE: gettext_lazy("公示结束，评审已完成。"),
    ProcessAction.CANCEL: gettext_lazy("评审已取消。"),
}


@access_rule("organization", "review.process")
def process_list_page(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ProcessStatus.values:
        status = ""
    page_obj = Paginator(process_list(request.user, status=status), PER_PAGE).get_page(
        request.GET.get("page")
    )
    can_create = request.user.is_authenticated and managed_organizations(request.user).exists()
    return render(
        request,
        "review/process_list.html",
        {
            "page_obj": page_obj,
            "status": status,
            "statuses": ProcessStatus.choices,
            "can_create": can_create,
            "query_prefix": f"status={status}&" if status else "",
        },
    )


def _evaluators() -> Any:
    return Organization.objects.filter(kind=OrgKind.SERVICE_AGENCY).order_by("name")


@login_required
@page_errors
@access_rule("organization")
def process_create_page(request: HttpRequest) -> HttpResponse:
    organisers = list(managed_organizations(request.user))
    if not organisers:
        raise Http404()
    data = request.POST if request.method == "POST" else None
    form = ProcessForm(data, organisers=organisers, evaluators=_evaluators())
    rubric = CriterionFormSet(data, prefix="c", initial=None if data else DEFAULT_CRITERIA)
    if data is not None and form.is_valid() and rubric.is_valid():
        d = form.cleaned_data
        criteria = [c for c in (f.criterion() for f in rubric.forms) if c is not None]
        try:
            process = process_create(
                actor=request.user,
                organiser=next(o for o in organisers if o.pk == d["organiser"]),
                title=d["title"],
                purpose=d["purpose"],
                rounds=d["rounds"],
                rules=form.rules(),
                rubric=criteria,
                evaluator=_evaluators().filter(pk=d["evaluator"]).first()
                if d["evaluator"]
                else None,
            )
        except KechuangError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("评审已创建。请新建评审组并邀请专家。"))
            return redirect("review:process_detail", process.pk)
    status = 422 if data is not None else 200
    return render(
        request, "review/process_form.html", {"form": form, "rubric": rubric}, status=status
    )


def _actions(process: Any, roles: Any) -> list[dict[str, Any]]:
    out = []
    for action in ACTION_ORDER:
        sources, _target, who = TRANSITIONS[action]
        allowed = roles.organiser if who == "organiser" else roles.runner
        if process.status not in sources or not allowed:
            continue
        if action == ProcessAction.OPEN_ROUND_2 and process.rounds != 2:
            continue
        if action == ProcessAction.CLOSE_ROUNDS and (
            (process.status == ProcessStatus.ROUND_1) != (process.rounds == 1)
        ):
            continue
        out.append(
            {
                "action": action,
                "label": ProcessAction(action).label,
                "url": reverse("review:process_action", args=[process.pk, action]),
            }
        )
    return out


def _item_form(process: Any, data: Any = None) -> ItemForm:
    return ItemForm(
        data,
        organizations=Organization.objects.filter(is_active=True).order_by("depth", "name"),
        panels=process.panels.order_by("id"),
    )


def _detail(
    request: HttpRequest,
    process: Any,
    *,
    deadline_form: RoundDeadlineForm | None = None,
    item_form: ItemForm | None = None,
) -> HttpResponse:
    roles = roles_for(request.user, process)
    ctx: dict[str, Any] = process_context(request, process, "overview", roles)
    ctx["criteria"] = list(process.rubric.criteria.order_by("position"))
    if roles.runner:
        items = list(item_list(request.user, process))
        open_round = current_round(process)
        ctx.update(
            panels=list(panel_list(request.user, process).prefetch_related("members", "items")),
            items=items,
            can_setup=process.status in SETUP_STATUSES,
            actions=_actions(process, roles),
            advance_form=AdvanceForm(
                items=items, initial={"advancing_item_ids": [i.pk for i in items]}
            ),
            notice_form=NoticeForm(),
            round_form=RoundOpenForm(),
            cancel_form=ReasonForm(),
            panel_form=PanelForm(),
            counts=invitation_counts(process),
            events=list(
                process.events.select_related("actor").order_by("-at", "-id")[:EVENTS_SHOWN]
            ),
            open_round=open_round,
            round_deadline=process.round_deadline(open_round) if open_round else None,
            deadline_form=deadline_form or RoundDeadlineForm(),
            # only an "other" review gets its items here; the rest are handed over
            item_form=item_form or _item_form(process)
            if process.purpose == Purpose.OTHER and process.status in SETUP_STATUSES
            else None,
        )
    if roles.seats:
        ctx["my_tasks"] = [
            t for t in my_tasks(request.user) if t.assignment.item.process_id == process.pk
        ]
    if roles.applicant_item_ids:
        ctx["my_items"] = [
            i for i in item_list(request.user, process) if i.pk in roles.applicant_item_ids
        ]
    status = 422 if deadline_form is not None or item_form is not None else 200
    return render(request, "review/process_detail.html", ctx, status=status)


@page_errors
@access_rule("review.assignment", "review.item", "review.panel", "review.process")
def process_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access_process_by_id(request.user, pk))


@login_required
@require_POST
@page_errors
@access_rule("review.assignment", "review.item", "review.panel", "review.process")
def round_deadline_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the open round's deadline; errors come back on the form's fields."""
    process = access_process_by_id(request.user, pk, action="run")
    form = RoundDeadlineForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            round_deadline_set(
                actor=request.user,
                process=process,
                deadline=None if d["clear"] else d["deadline"],
                reason=d["reason"],
            )
        except KechuangError as exc:
            if not exc.fields:  # e.g. the round closed meanwhile: the form is gone
                flash_error(request, exc)
                return redirect_for(request, reverse("review:process_detail", args=[process.pk]))
            show_error(form, exc)
        else:
            messages.success(request, _("评分截止时间已调整，已通知尚未提交评分的专家。"))
            return redirect_for(request, reverse("review:process_detail", args=[process.pk]))
    return _detail(request, process, deadline_form=form)


@login_required
@require_POST
@page_errors
@access_rule("review.process")
def process_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    process = access_process_by_id(request.user, pk)
    if action not in TRANSITIONS:
        raise Http404()
    params: dict[str, Any] = {}
    if action in {ProcessAction.OPEN_ROUND_1, ProcessAction.OPEN_ROUND_2}:
        form: Any = (
            AdvanceForm(request.POST, items=process.items.all())
            if action == ProcessAction.OPEN_ROUND_2
            else RoundOpenForm(request.POST)
        )
        if "deadline" in form.errors:  # never open the round without the deadline asked for
            messages.error(request, _("请输入有效的评分截止时间。"))
            return redirect_for(request, reverse("review:process_detail", args=[process.pk]))
        if form.is_valid():
            if form.cleaned_data["deadline"] is not None:
                params["deadline"] = form.cleaned_data["deadline"]
            if action == ProcessAction.OPEN_ROUND_2:
                params["advancing_item_ids"] = form.cleaned_data["advancing_item_ids"]
    elif action == ProcessAction.OPEN_NOTICE:
        form = NoticeForm(request.POST)
        params["days"] = form.cleaned_data["days"] if form.is_valid() else 0
    elif action == ProcessAction.CANCEL:
        params["reason"] = request.POST.get("reason", "")
    try:
        process_transition(actor=request.user, process=process, action=action, **params)
    except KechuangError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, str(DONE[ProcessAction(action)]))
    return redirect_for(request, reverse("review:process_detail", args=[process.pk]))


@login_required
@require_POST
@page_errors
@access_rule("review.process")
def panel_create_page(request: HttpRequest, pk: int) -> HttpResponse:
    process = access_process_by_id(request.user, pk, action="run")
    try:
        panel_create(actor=request.user, process=process, name=request.POST.get("name", ""))
    except KechuangError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("评审组已创建。"))
    return redirect("review:process_detail", process.pk)


@login_required
@require_POST
@page_errors
@access_rule("review.process")
def item_create_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an item to an "other" review; errors come back on the form's fields."""
    process = access_process_by_id(request.user, pk, action="run")
    form = _item_form(process, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        organization = (
            Organization.objects.filter(pk=d["organization"], is_active=True).first()
            if d["organization"]
            else None
        )
        name = d["applicant"] or (organization.name if organization else "")
        try:
            item_create(
                actor=request.user,
                process=process,
                title=d["title"],
                text=d["text"],
                parties=[PartyIn(name=name, organization=organization)] if name else [],
                panel=process.panels.filter(pk=d["panel"]).first() if d["panel"] else None,
            )
        except KechuangError as exc:
            if not set(exc.fields) <= set(form.fields):
                # not about what was typed (the first round opened meanwhile, or the
                # process takes no items from here): said above the page
                flash_error(request, exc)
                return redirect_for(request, reverse("review:process_detail", args=[process.pk]))
            show_error(form, exc)
        else:
            messages.success(request, _("评审对象已添加。"))
            return redirect_for(request, reverse("review:process_detail", args=[process.pk]))
    return _detail(request, process, item_form=form)


@login_required
@require_POST
@page_errors
@access_rule("review.item")
def item_place_page(request: HttpRequest, pk: int) -> HttpResponse:
    item = access_item_by_id(request.user, pk, action="run")
    panel = Panel.objects.filter(pk=request.POST.get("panel") or 0, process=item.process).first()
    if panel is None:
        messages.error(request, _("请选择本次评审的评审组。"))
    else:
        try:
            item_place(actor=request.user, item=item, panel=panel)
        except KechuangError as exc:
            flash_error(request, exc)
        else:
            messages.success(request, _("已调整分组。"))
    return redirect("review:process_detail", item.process_id)
