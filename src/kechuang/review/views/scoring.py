"""The reviewer's side: my invitations and assignments (also as a workspace card), the
score form built from the rubric (read-only once submitted; round 2 shows round 1's
aggregates), declaring a conflict, and the item page — whose applicant view never
shows a reviewer's name or a private comment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError
from kechuang.review.access import (
    ItemView,
    access_assignment_by_id,
    access_item_by_id,
    item_view,
    roles_for,
)
from kechuang.review.choices import AssignmentStatus, InvitationStatus
from kechuang.review.forms import ReasonForm, RespondForm, ScoreForm
from kechuang.review.models import ReviewAssignment
from kechuang.review.selectors import item_assignments, item_scores, panel_ranking
from kechuang.review.selectors.pages import (
    current_round,
    last_round,
    my_invitations,
    my_tasks,
    own_score,
)
from kechuang.review.services import conflict_declare, score_submit
from kechuang.review.services.conflicts import OPEN_STATUSES
from kechuang.review.views.base import flash_error, process_context, show_error
from kechuang.web.errors import page_errors

CARD_ROWS = 5


def _tasks_context(request: HttpRequest) -> dict[str, Any]:
    invitations = list(my_invitations(request.user))
    tasks = my_tasks(request.user)
    return {
        "pending": [m for m in invitations if m.status == InvitationStatus.INVITED],
        "invitations": invitations,
        "tasks": tasks,
        "due": [t for t in tasks if t.due],
        "respond_form": RespondForm(),
    }


@login_required
@access_rule("review.assignment", "review.member")
def tasks_page(request: HttpRequest) -> HttpResponse:
    return render(request, "review/my_tasks.html", _tasks_context(request))


@login_required
@access_rule("review.assignment", "review.member")
def tasks_card(request: HttpRequest) -> HttpResponse:
    """The workspace's "my review tasks" card (loaded by ``hx-get``); empty for users
    with no seat on any panel."""
    ctx = _tasks_context(request)
    ctx["card_rows"] = CARD_ROWS
    return render(request, "review/partials/tasks_card.html", ctx)


def _can_score(assignment: ReviewAssignment, user: Any, round_no: int | None) -> bool:
    return (
        round_no is not None
        and assignment.member.expert.user_id == user.pk
        and assignment.status == AssignmentStatus.ACTIVE
        and assignment.member.status == InvitationStatus.ACCEPTED
        and assignment.item.in_round(round_no)
    )


@login_required
@page_errors
@access_rule("review.assignment", "review.item", "review.process")
def score_page(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = access_assignment_by_id(
        request.user, pk, action="score" if request.method == "POST" else "view"
    )
    item, process = assignment.item, assignment.item.process
    criteria = list(process.rubric.criteria.order_by("position"))
    round_no = current_round(process)
    shown_round = last_round(process)
    score = own_score(assignment, shown_round)
    data = request.POST if request.method == "POST" else None
    form = ScoreForm(data, criteria=criteria)
    if data is not None and form.is_valid():
        try:
            score_submit(
                actor=request.user,
                assignment=assignment,
                round=round_no or shown_round,
                values=form.values(),
                comment_private=form.cleaned_data["comment_private"],
                comment_shared=form.cleaned_data["comment_shared"],
            )
        except KechuangError as exc:
            show_error(form, exc, form.field_for)
        else:
            messages.success(request, _("评分已提交。提交后不能修改。"))
            return redirect("review:score", assignment.pk)
    roles = roles_for(request.user, process)
    lines = {line.criterion_id: line.value for line in score.lines.all()} if score else {}
    ctx = process_context(request, process, "overview", roles)
    ctx.update(
        assignment=assignment,
        item=item,
        criteria=criteria,
        round_no=round_no,
        shown_round=shown_round,
        score=score,
        score_rows=[(c, lines.get(c.pk)) for c in criteria],
        form=form,
        can_score=score is None and _can_score(assignment, request.user, round_no),
        deadline=process.round_deadline(round_no) if round_no else None,
        can_declare=assignment.member.expert.user_id == request.user.pk
        and process.status in OPEN_STATUSES
        and assignment.status == AssignmentStatus.ACTIVE,
        declare_form=ReasonForm(),
    )
    if shown_round == 2 and assignment.member.panel is not None:
        ctx["round1"] = next(
            (
                r
                for r in panel_ranking(request.user, assignment.member.panel, round=1)
                if r.item.pk == item.pk
            ),
            None,
        )
        ctx["round1_scores"] = item_scores(request.user, item, round=1)
    return render(request, "review/score.html", ctx, status=422 if form.errors else 200)


@login_required
@require_POST
@page_errors
@access_rule("review.item")
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    item = access_item_by_id(request.user, pk)
    try:
        conflict_declare(actor=request.user, item=item, reason=request.POST.get("reason", ""))
    except KechuangError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, _("已申报回避，您不再评审该对象。"))
        return redirect("review:my_tasks")
    back = request.POST.get("assignment", "")
    if back.isdigit():
        return redirect("review:score", int(back))
    return redirect("review:my_tasks")


def _letters(n: int) -> str:
    """专家 A, B, … Z, AA …: the applicant's anonymous labels."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@page_errors
@access_rule("review.item", "review.process")
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = access_item_by_id(request.user, pk)
    process = item.process
    roles = roles_for(request.user, process)
    view = item_view(roles, item)  # a party: the applicant's view, whatever else they are
    insider = view in {ItemView.RUNNER, ItemView.PANEL}
    runner = view == ItemView.RUNNER
    rounds = [r for r in range(1, process.rounds + 1) if r <= last_round(process)]
    ctx = process_context(request, process, "overview", roles)
    ctx.update(item=item, insider=insider, runner=runner)
    if insider:
        ctx["rounds"] = [(r, item_scores(request.user, item, round=r)) for r in rounds]
        if runner:
            ctx["parties"] = list(item.parties.all())
            ctx["assignments"] = list(item_assignments(item))
            ctx["conflicts"] = list(process.conflicts.filter(item=item).select_related("expert"))
    else:
        # the applicant: totals and shared comments only, relabelled 专家 A, B …
        feedback = [
            (
                r,
                [
                    {
                        "label": _("专家 %(x)s") % {"x": _letters(n)},
                        "total": s.total,
                        "comment": s.comment_shared,
                    }
                    for n, s in enumerate(item_scores(request.user, item, round=r))
                ],
            )
            for r in rounds
        ]
        ctx["feedback"] = [(r, rows) for r, rows in feedback if rows]
    return render(request, "review/item_detail.html", ctx)
