"""Project pages (挂帅 → 验收): milestones with deliverables and tranches, progress reports,
milestone verdicts, tranche release (refused before the milestone passed, with the
reason shown), change requests, termination and the acceptance form against the
promised indicators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.catalog.views.listings import first_message
from kechuang.challenges.access import access_project_by_id, organises_project
from kechuang.challenges.choices import ChangeStatus, MilestoneStatus, ProjectStatus
from kechuang.challenges.forms import (
    AcceptanceForm,
    ChangeForm,
    MilestoneForm,
    MilestoneReviewForm,
    ReasonForm,
    ReportForm,
)
from kechuang.challenges.models import Acceptance, Project
from kechuang.challenges.selectors import project_list
from kechuang.challenges.services.acceptance import acceptance_publish, acceptance_record
from kechuang.challenges.services.applications import is_applicant_side
from kechuang.challenges.services.projects import (
    change_decide,
    change_request,
    milestone_add,
    milestone_review,
    planned_total,
    project_transition,
    released_total,
    report_file,
    tranche_release,
)
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, NotFound
from kechuang.web.errors import apply_error_to_form, page_errors


def project_url(project: Project) -> str:
    return reverse("challenges:project_detail", args=[project.pk])


@login_required
@access_rule("project")
def project_list_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "challenges/project_list.html",
        {"projects": list(project_list(request.user)[:200])},
    )


def render_project(
    request: HttpRequest,
    project: Project,
    *,
    status: int = 200,
    error_milestone: dict[int, str] | None = None,
    bound: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    """The project page; ``bound`` holds a posted form with errors, by its context name."""
    forms_ = bound or {}
    application = project.award.application
    organiser = organises_project(request.user, application)  # never a party to the bid
    own = is_applicant_side(request.user, application)
    milestones = list(project.milestones.select_related("payment").order_by("due_on", "id"))
    active = project.status == ProjectStatus.ACTIVE
    acceptance = Acceptance.objects.filter(project=project).first()
    ctx = {
        "project": project,
        "award": project.award,
        "application": application,
        "organiser": organiser,
        "own": own,
        "active": active,
        "milestones": milestones,
        "passed": MilestoneStatus.PASSED,
        "pending": MilestoneStatus.PENDING,
        "released": released_total(project),
        "planned": planned_total(project),
        "reports": list(project.reports.select_related("milestone", "author")),
        "changes": list(project.changes.select_related("milestone")),
        "requested": ChangeStatus.REQUESTED,
        "acceptance": acceptance,
        "can_accept": organiser and project.status == ProjectStatus.ACCEPTANCE,
        "milestone_form": forms_.get("milestone_form") or MilestoneForm(),
        "review_form": forms_.get("review_form") or MilestoneReviewForm(),
        "report_form": forms_.get("report_form") or ReportForm(milestones=milestones),
        "change_form": forms_.get("change_form") or ChangeForm(milestones=milestones),
        "terminate_form": forms_.get("terminate_form") or ReasonForm(),
        "acceptance_form": forms_.get("acceptance_form")
        or AcceptanceForm(promised=application.indicators),
        "error_milestone": error_milestone or {},
    }
    return render(request, "challenges/project_detail.html", ctx, status=status)


@login_required
@page_errors
@access_rule("project")
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_project(request, access_project_by_id(request.user, pk))


def _submit(
    request: HttpRequest,
    project: Project,
    form: forms.Form,
    name: str,
    call: Callable[[], Any],
    done: str,
) -> HttpResponse:
    """Validate ``form``, call the service; errors go back on the form, on the page."""
    if form.is_valid():
        try:
            call()
        except KechuangError as exc:
            apply_error_to_form(form, exc)
        else:
            messages.success(request, done)
            return redirect(project_url(project))
    return render_project(request, project, status=422, bound={name: form})


@login_required
@require_POST
@page_errors
@access_rule("project")
def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = access_project_by_id(request.user, pk, action="organise")
    form = MilestoneForm(request.POST)
    return _submit(
        request,
        project,
        form,
        "milestone_form",
        lambda: milestone_add(actor=request.user, project=project, **form.service_kwargs()),
        _("里程碑已添加。"),
    )


def _milestone(project: Project, milestone_id: int) -> Any:
    milestone = project.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise NotFound()
    return milestone


@login_required
@require_POST
@page_errors
@access_rule("project")
def milestone_verdict(request: HttpRequest, pk: int, milestone_id: int) -> HttpResponse:
    project = access_project_by_id(request.user, pk, action="organise")
    milestone = _milestone(project, milestone_id)
    form = MilestoneReviewForm(request.POST)
    return _submit(
        request,
        project,
        form,
        "review_form",
        lambda: milestone_review(
            actor=request.user,
            milestone=milestone,
            verdict=form.cleaned_data["verdict"],
            reason=form.cleaned_data["reason"],
        ),
        _("里程碑评审结论已记录。"),
    )


@login_required
@require_POST
@page_errors
@access_rule("project")
def tranche_release_page(request: HttpRequest, pk: int, milestone_id: int) -> HttpResponse:
    project = access_project_by_id(request.user, pk, action="organise")
    milestone = _milestone(project, milestone_id)
    try:
        tranche_release(actor=request.user, milestone=milestone)
    except KechuangError as exc:
        # Shown next to the milestone, so the reason stands where the button was.
        return render_project(
            request, project, status=422, error_milestone={milestone.pk: first_message(exc)}
        )
    messages.success(request, _("资金已拨付。"))
    return redirect(project_url(project))


@login_required
@require_POST
@page_errors
@access_rule("project")
def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = access_project_by_id(request.user, pk, action="execute")
    milestones = list(project.milestones.all())
    form = ReportForm(request.POST, milestones=milestones)

    def call() -> Any:
        data = form.cleaned_data
        milestone = _milestone(project, data["milestone"]) if data["milestone"] else None
        return report_file(
            actor=request.user, project=project, text=data["text"], milestone=milestone
        )

    return _submit(request, project, form, "report_form", call, _("进展报告已提交。"))


@login_required
@require_POST
@page_errors
@access_rule("project")
def change_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = access_project_by_id(request.user, pk, action="execute")
    form = ChangeForm(request.POST, milestones=list(project.milestones.all()))

    def call() -> Any:
        data = form.cleaned_data
        milestone = _milestone(project, data["milestone"]) if data["milestone"] else None
        return change_request(
            actor=request.user,
            project=project,
            description=data["description"],
            milestone=milestone,
            new_due_on=data["new_due_on"],
        )

    return _submit(request, project, form, "change_form", call, _("变更申请已提交。"))


@login_required
@require_POST
@page_errors
@access_rule("project")
def change_decide_page(request: HttpRequest, pk: int, change_id: int, action: str) -> HttpResponse:
    if action not in {"approve", "reject"}:
        raise Http404()
    project = access_project_by_id(request.user, pk, action="organise")
    change = project.changes.filter(pk=change_id).first()
    if change is None:
        raise NotFound()
    try:
        change_decide(
            actor=request.user, change=change, action=action, reason=request.POST.get("reason", "")
        )
    except KechuangError as exc:
        messages.error(request, first_message(exc))
    else:
        messages.success(request, _("变更已批准。") if action == "approve" else _("变更已驳回。"))
    return redirect(project_url(project))


@login_required
@require_POST
@page_errors
@access_rule("project")
def project_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """``terminate`` (organiser, with a reason) or ``request_acceptance`` (the winner)."""
    if action not in {"terminate", "request_acceptance"}:
        raise Http404()
    side = "organise" if action == "terminate" else "execute"
    project = access_project_by_id(request.user, pk, action=side)
    form = ReasonForm(request.POST)
    done = _("项目已终止。") if action == "terminate" else _("已申请验收。")
    return _submit(
        request,
        project,
        form,
        "terminate_form",
        lambda: project_transition(
            actor=request.user, project=project, action=action, reason=form.cleaned_data["reason"]
        ),
        done,
    )


@login_required
@require_POST
@page_errors
@access_rule("project")
def acceptance_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = access_project_by_id(request.user, pk, action="organise")
    form = AcceptanceForm(request.POST, promised=project.award.application.indicators)
    return _submit(
        request,
        project,
        form,
        "acceptance_form",
        lambda: acceptance_record(
            actor=request.user, project=project, results=form.results(), **form.cleaned_data
        ),
        _("验收结论已记录。"),
    )


@login_required
@require_POST
@page_errors
@access_rule("project")
def acceptance_publish_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = access_project_by_id(request.user, pk, action="organise")
    acceptance = Acceptance.objects.filter(project=project).first()
    if acceptance is None:
        raise NotFound()
    try:
        acceptance_publish(actor=request.user, acceptance=acceptance)
    except KechuangError as exc:
        messages.error(request, first_message(exc))
    else:
        messages.success(request, _("验收结果已公布。"))
    return redirect(project_url(project))
