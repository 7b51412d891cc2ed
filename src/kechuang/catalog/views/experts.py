"""Pages of expert profiles (专家库): list, detail, create/edit, publish/hide, works."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.catalog import services
from kechuang.catalog.access import access_expert_by_id, can_edit_expert
from kechuang.catalog.choices import ExpertStatus, WorkKind
from kechuang.catalog.forms import (
    KEEPER_SELF,
    ExpertFilterForm,
    ExpertForm,
    ExpertStatusForm,
    ExpertWorkForm,
)
from kechuang.catalog.models import ExpertProfile
from kechuang.catalog.public_lists import anonymous_results
from kechuang.catalog.selectors import expert_list as select_experts
from kechuang.catalog.views.listings import PER_PAGE, first_message, query_context
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError
from kechuang.matching.selectors import awaiting_index
from kechuang.orgs.access import viewer_for
from kechuang.orgs.selectors import managed_organizations
from kechuang.web.errors import apply_error_to_form, page_errors
from kechuang.web.htmx import is_htmx


def _is_manager(request: HttpRequest) -> bool:
    viewer = viewer_for(request.user)
    return viewer.is_platform_admin or bool(viewer.managed_paths)


@page_errors
@access_rule("expert")
def expert_list(request: HttpRequest) -> HttpResponse:
    form = ExpertFilterForm(request.GET or None)
    values = form.values()
    # The frontline flag is shown to managers only, so only they may filter by it.
    show_frontline = _is_manager(request)
    if not show_frontline:
        del form.fields["frontline"]
        values["frontline"] = None

    def results() -> str:
        page_obj = Paginator(select_experts(user=request.user, **values), PER_PAGE).get_page(
            request.GET.get("page")
        )
        ctx = {
            "page_obj": page_obj,
            "items": list(page_obj.object_list),
            "filtered": any(v for v in values.values()),
            **query_context(request),
        }
        return render_to_string("catalog/partials/expert_results.html", ctx, request)

    # our own template's output (escaped there), maybe from the cache
    html = mark_safe(anonymous_results(request, "expert", results))
    if is_htmx(request):
        return HttpResponse(html)
    ctx = {"form": form, "own_profile": _own_profile(request), "results": html}
    return render(request, "catalog/expert_list.html", ctx)


def _own_profile(request: HttpRequest) -> ExpertProfile | None:
    if not request.user.is_authenticated:
        return None
    return ExpertProfile.objects.filter(user=request.user).first()


@page_errors
@access_rule("expert")
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expert = access_expert_by_id(request.user, pk)
    return _render_detail(request, expert)


def _render_detail(
    request: HttpRequest,
    expert: ExpertProfile,
    *,
    work_form: ExpertWorkForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_edit = can_edit_expert(request.user, expert)
    works = list(expert.works.all())
    groups = [
        {"kind": kind, "label": label, "works": [w for w in works if w.kind == kind]}
        for kind, label in WorkKind.choices
    ]
    ctx = {
        "expert": expert,
        "disciplines": list(expert.disciplines.all()),
        "industries": list(expert.industries.all()),
        "region_name": expert.region.full_name,
        "work_groups": [g for g in groups if g["works"]],
        "work_count": len(works),
        "can_edit": can_edit,
        "show_flags": can_edit,
        "awaiting_index": can_edit and awaiting_index(expert),
        "work_form": work_form or ExpertWorkForm(),
        "next_status": (
            ExpertStatus.HIDDEN
            if expert.status == ExpertStatus.PUBLISHED
            else ExpertStatus.PUBLISHED
        ),
    }
    return render(request, "catalog/expert_detail.html", ctx, status=status)


@login_required
@page_errors
@access_rule("organization")
def expert_create(request: HttpRequest) -> HttpResponse:
    organizations = list(managed_organizations(request.user))
    own = _own_profile(request)
    keepers: list[tuple[str, str]] = []
    if own is None:
        keepers.append((KEEPER_SELF, _("我本人的专家档案")))
    keepers += [(str(org.pk), _("由“%(org)s”代管") % {"org": org.name}) for org in organizations]
    if not keepers:
        messages.info(request, _("您已有专家档案，可以在这里修改。"))
        return redirect("web:expert_edit", pk=own.pk)  # type: ignore[union-attr]
    form = ExpertForm(
        request.POST or None,
        keepers=keepers,
        initial={"keeper": keepers[0][0], "name": _default_name(request, own)},
    )
    if request.method == "POST" and form.is_valid():
        keeper = form.cleaned_data["keeper"]
        organization = next((o for o in organizations if str(o.pk) == keeper), None)
        try:
            expert = services.expert_create(
                actor=request.user,
                organization=organization,
                for_self=keeper == KEEPER_SELF,
                **form.service_kwargs(),
            )
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("专家档案已保存，公开后将出现在专家库中。"))
            return redirect("web:expert_detail", pk=expert.pk)
    return render(request, "catalog/expert_form.html", {"form": form})


def _default_name(request: HttpRequest, own: ExpertProfile | None) -> str:
    return "" if own is not None else getattr(request.user, "display_name", "")


@login_required
@page_errors
@access_rule("expert")
def expert_edit(request: HttpRequest, pk: int) -> HttpResponse:
    expert = access_expert_by_id(request.user, pk, action="edit")
    heading = expert.name
    form = ExpertForm(
        request.POST or None, initial=ExpertForm.initial_from(expert), region_code=expert.region_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.expert_update(actor=request.user, expert=expert, **form.service_kwargs())
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("专家档案已保存。"))
            return redirect("web:expert_detail", pk=expert.pk)
    return render(
        request, "catalog/expert_form.html", {"form": form, "expert": expert, "heading": heading}
    )


@login_required
@require_POST
@page_errors
@access_rule("expert")
def expert_status(request: HttpRequest, pk: int) -> HttpResponse:
    expert = access_expert_by_id(request.user, pk, action="edit")
    form = ExpertStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未知的状态。"))
    else:
        try:
            services.expert_set_status(
                actor=request.user, expert=expert, status=form.cleaned_data["status"]
            )
        except KechuangError as exc:
            messages.error(request, first_message(exc))
        else:
            if form.cleaned_data["status"] == ExpertStatus.PUBLISHED:
                messages.success(request, _("专家档案已公开。"))
            else:
                messages.success(request, _("专家档案已隐藏，只有您和管理单位可见。"))
    return redirect("web:expert_detail", pk=expert.pk)


@login_required
@require_POST
@page_errors
@access_rule("expert")
def expert_work_add(request: HttpRequest, pk: int) -> HttpResponse:
    expert = access_expert_by_id(request.user, pk, action="edit")
    form = ExpertWorkForm(request.POST)
    if form.is_valid():
        try:
            services.expert_work_add(actor=request.user, expert=expert, **form.cleaned_data)
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, _("已添加。"))
            return redirect(reverse("web:expert_detail", args=[expert.pk]) + "#works")
    return _render_detail(request, expert, work_form=form, status=422)


@login_required
@require_POST
@page_errors
@access_rule("expert")
def expert_work_remove(request: HttpRequest, pk: int, work_id: int) -> HttpResponse:
    expert = access_expert_by_id(request.user, pk, action="edit")
    work = expert.works.filter(pk=work_id).first()
    if work is None:
        raise Http404()
    try:
        services.expert_work_remove(actor=request.user, work=work)
    except KechuangError as exc:
        messages.error(request, first_message(exc))
    else:
        messages.success(request, _("已删除。"))
    return redirect(reverse("web:expert_detail", args=[expert.pk]) + "#works")


__all__: list[Any] = [
    "expert_create",
    "expert_detail",
    "expert_edit",
    "expert_list",
    "expert_status",
    "expert_work_add",
    "expert_work_remove",
]
