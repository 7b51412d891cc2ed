"""Panels and invitations: a panel's page (members, items, scores and flags for the
chair), the chair's score correction, the candidate pool with affinities and the invite
button, answering an invitation, and withdrawing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.catalog.models import ExpertProfile
from kechuang.catalog.selectors import expert_list
from kechuang.catalog.views.listings import first_message
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, NotFound
from kechuang.review.access import (
    access_member_by_id,
    access_panel_by_id,
    access_process_by_id,
    roles_for,
)
from kechuang.review.choices import SETUP_STATUSES, MemberRole
from kechuang.review.forms import (
    InviteForm,
    ReasonForm,
    RespondForm,
    ScoreReviseForm,
    criterion_field,
    plain,
)
from kechuang.review.models import Score
from kechuang.review.selectors import item_scores, member_list, panel_list, panel_ranking
from kechuang.review.selectors.pages import (
    candidate_pool,
    candidates_of,
    current_round,
    last_round,
)
from kechuang.review.services import (
    invitation_respond,
    member_invite,
    member_withdraw,
    score_revise,
)
from kechuang.review.views.base import flash_error, process_context, show_error
from kechuang.web.errors import page_errors
from kechuang.web.htmx import is_htmx, redirect_for


@page_errors
@access_rule("review.item", "review.panel", "review.process")
def panel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    panel = access_panel_by_id(request.user, pk)
    process = panel.process
    roles = roles_for(request.user, process)
    round_no = last_round(process)
    ranked = {r.item.pk: r for r in panel_ranking(request.user, panel, round=round_no)}
    rows = [
        {
            "item": item,
            "ranked": ranked.get(item.pk),
            "scores": item_scores(request.user, item, round=round_no),
        }
        for item in panel.items.order_by("id")
    ]
    ctx = process_context(request, process, "overview", roles)
    ctx.update(
        panel=panel,
        members=list(member_list(panel)),
        rows=rows,
        round_no=round_no,
        round_open=current_round(process) is not None,
        is_chair=panel.pk in roles.chair_panel_ids,
        can_withdraw=roles.runner and process.status in SETUP_STATUSES,
        withdraw_form=ReasonForm(),
    )
    return render(request, "review/panel_detail.html", ctx)


@login_required
@page_errors
@access_rule("expert", "review.panel", "review.process")
def candidates(request: HttpRequest, pk: int) -> HttpResponse:
    process = access_process_by_id(request.user, pk, action="run")
    q = request.GET.get("q", "").strip()[:100]
    ctx = process_context(request, process, "experts")
    panels = list(panel_list(request.user, process))
    ctx.update(
        q=q,
        candidates=candidate_pool(request.user, process, q=q),
        panels=panels,
        can_invite=process.status in SETUP_STATUSES and bool(panels),
        roles_choices=MemberRole.choices,
    )
    return render(request, "review/candidates.html", ctx)


@login_required
@require_POST
@page_errors
@access_rule("expert", "review.panel", "review.process")
def invite(request: HttpRequest, pk: int, expert_id: int) -> HttpResponse:
    process = access_process_by_id(request.user, pk, action="run")
    # the expert must be one the inviter may see in the catalog (drafts of others are not)
    expert: ExpertProfile | None = expert_list(user=request.user).filter(pk=expert_id).first()
    if expert is None:
        raise NotFound()
    panels = list(panel_list(request.user, process))
    form = InviteForm(request.POST, panels=panels)
    error = ""
    if form.is_valid():
        panel = next(p for p in panels if p.pk == form.cleaned_data["panel"])
        try:
            member_invite(
                actor=request.user, panel=panel, expert=expert, role=form.cleaned_data["role"]
            )
        except KechuangError as exc:
            error = first_message(exc)
    else:
        error = _("请选择评审组和角色。")
    if is_htmx(request):
        ctx = process_context(request, process, "experts")
        ctx.update(
            c=candidates_of(process, [expert])[0],
            panels=panels,
            can_invite=True,
            roles_choices=MemberRole.choices,
            error=error,
            expert=expert,
        )
        return render(
            request, "review/partials/candidate_row.html", ctx, status=422 if error else 200
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("已邀请 %(n)s。") % {"n": expert.name})
    return redirect(reverse("review:candidates", args=[process.pk]))


@login_required
@require_POST
@page_errors
@access_rule("review.member")
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    member = access_member_by_id(request.user, pk, action="respond")
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择接受或谢绝。"))
    else:
        try:
            invitation_respond(
                actor=request.user,
                member=member,
                accept=form.cleaned_data["accept"],
                reason=form.cleaned_data["reason"],
            )
        except KechuangError as exc:
            flash_error(request, exc)
        else:
            messages.success(
                request,
                _("已接受邀请。") if form.cleaned_data["accept"] else _("已谢绝邀请。"),
            )
    return redirect_for(request, reverse("review:my_tasks"))


@login_required
@require_POST
@page_errors
@access_rule("review.member")
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    member = access_member_by_id(request.user, pk, action="run")
    try:
        member_withdraw(actor=request.user, member=member, reason=request.POST.get("reason", ""))
    except KechuangError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已撤回对 %(n)s 的邀请。") % {"n": member.expert.name})
    return redirect("review:panel_detail", member.panel_id)


@login_required
@page_errors
@access_rule("review.panel", "review.process")
def score_revise_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair's correction of a score: every revision of it side by side (the earlier
    values stay visible), and a form with the new values and the required reason."""
    found = (
        Score.objects.select_related("assignment__member__expert", "assignment__item")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    panel = access_panel_by_id(request.user, found.assignment.member.panel_id, action="chair")
    process = panel.process
    criteria = list(process.rubric.criteria.order_by("position"))
    revisions = list(
        Score.objects.filter(assignment=found.assignment, round=found.round)
        .select_related("submitted_by")
        .prefetch_related("lines")
        .order_by("revision")
    )
    latest = revisions[-1]
    values = {line.criterion_id: line.value for line in latest.lines.all()}
    data = request.POST if request.method == "POST" else None
    form = ScoreReviseForm(
        data,
        criteria=criteria,
        initial={criterion_field(c): plain(values[c.pk]) for c in criteria if c.pk in values},
    )
    if data is not None and form.is_valid():
        try:
            score_revise(
                actor=request.user,
                score=found,
                values=form.values(),
                reason=form.cleaned_data["reason"],
            )
        except KechuangError as exc:
            show_error(form, exc, form.field_for)
        else:
            messages.success(request, _("评分已更正，原评分保留在记录中。"))
            return redirect("review:score_revise", found.pk)
    rows = [
        (r, [{ln.criterion_id: ln.value for ln in r.lines.all()}.get(c.pk) for c in criteria])
        for r in revisions
    ]
    ctx = process_context(request, process, "overview")
    ctx.update(
        panel=panel,
        score=found,
        latest=latest,
        criteria=criteria,
        revisions=rows,
        form=form,
        can_revise=found.pk == latest.pk and current_round(process) == found.round,
    )
    return render(request, "review/score_revise.html", ctx, status=422 if form.errors else 200)
