"""Starting an engagement and moving it: 我能解决 / 我有兴趣 / 邀请对接, accept, decline,
withdraw, the other stage moves, the confidentiality agreement and meetings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.catalog.access import (
    access_achievement_by_id,
    access_expert_by_id,
    access_need_by_id,
    is_public,
)
from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import KechuangError, NotFound
from kechuang.engagements.access import access_engagement_by_id
from kechuang.engagements.choices import Origin, Stage
from kechuang.engagements.forms import AgreementForm, MeetingForm, StartForm
from kechuang.engagements.selectors import match_reason
from kechuang.engagements.services import (
    agreement_accept,
    agreement_require,
    engagement_start,
    engagement_transition,
    meeting_record,
)
from kechuang.orgs.access import access_organization_by_id, viewer_for
from kechuang.orgs.models import Organization
from kechuang.web.errors import page_errors
from kechuang.web.htmx import redirect_for


def first_message(exc: KechuangError) -> str:
    for field_messages in exc.fields.values():
        if field_messages:
            return str(field_messages[0])
    return str(exc.message)


def _subject(user: Any, ref: str) -> Need | Achievement:
    kind, _sep, pk = (ref or "").partition(":")
    if kind == "need":
        return access_need_by_id(user, pk)
    if kind == "achievement":
        return access_achievement_by_id(user, pk)
    raise NotFound()


def _counterparty(user: Any, ref: str) -> ExpertProfile | Organization:
    kind, _sep, pk = (ref or "").partition(":")
    if kind == "expert":
        return access_expert_by_id(user, pk)
    if kind == "organization":
        return access_organization_by_id(user, int(pk) if pk.isdigit() else 0)
    raise NotFound()


def _own_counterparties(user: Any, subject: Need | Achievement | None) -> list[tuple[str, str]]:
    """What the user may dock as: their expert profile, their organisations."""
    out: list[tuple[str, str]] = []
    expert = ExpertProfile.objects.filter(user=user).first()
    if expert is not None:
        out.append((f"expert:{expert.pk}", _("专家本人：%(name)s") % {"name": expert.name}))
    viewer = viewer_for(user)
    orgs = Organization.objects.filter(pk__in=viewer.member_org_ids, is_active=True)
    for org in orgs.order_by("name"):
        if not org.is_association and (subject is None or org.pk != subject.organization_id):
            out.append((f"organization:{org.pk}", _("单位：%(name)s") % {"name": org.name}))
    return out


def _own_subjects(user: Any) -> list[tuple[str, str]]:
    """The published needs and achievements of the user's organisations."""
    viewer = viewer_for(user)
    out: list[tuple[str, str]] = []
    for model, kind, label in ((Need, "need", _("需求")), (Achievement, "achievement", _("成果"))):
        rows = model.objects.filter(organization_id__in=viewer.member_org_ids)
        for item in rows.order_by("-published_at")[:50]:
            if is_public(item):
                out.append((f"{kind}:{item.pk}", f"{label}：{item.title}"))
    return out


@login_required
@page_errors
@access_rule("need", "achievement", "expert", "organization", "match")
def engagement_start_page(request: HttpRequest) -> HttpResponse:
    """Confirm a start (GET) and start it (POST). ``subject`` (need:12 / achievement:3) and
    ``counterparty`` (expert:7 / organization:5) come from the button; a missing one is
    chosen here among the user's own."""
    data = request.POST if request.method == "POST" else request.GET
    subject_ref, counterparty_ref = data.get("subject", ""), data.get("counterparty", "")
    origin = data.get("origin", Origin.INVITE)
    origin = origin if origin in Origin.values else Origin.INVITE
    subject = _subject(request.user, subject_ref) if subject_ref else None
    counterparty = _counterparty(request.user, counterparty_ref) if counterparty_ref else None
    form = StartForm(request.POST or None)
    ready = subject is not None and counterparty is not None
    if request.method == "POST" and ready and form.is_valid():
        assert subject is not None and counterparty is not None
        target_kind = "expert" if isinstance(counterparty, ExpertProfile) else "organization"
        kind = "need" if isinstance(subject, Need) else "achievement"
        reason = match_reason(request.user, kind, subject, target_kind, counterparty.pk)
        try:
            engagement = engagement_start(
                actor=request.user,
                subject=subject,
                counterparty=counterparty,
                origin=origin,
                note=form.cleaned_data["note"],
                match_reason=reason,
            )
        except KechuangError as exc:
            messages.error(request, first_message(exc))
        else:
            messages.success(request, _("已发起对接，等待对方确认。"))
            return redirect_for(request, engagement_url(engagement.pk))
    ctx = {
        "form": form,
        "subject": subject,
        "counterparty": counterparty,
        "subject_ref": subject_ref,
        "counterparty_ref": counterparty_ref,
        "origin": origin,
        "origin_label": Origin(origin).label,
        "subject_choices": [] if subject is not None else _own_subjects(request.user),
        "counterparty_choices": []
        if counterparty is not None
        else _own_counterparties(request.user, subject),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "engagements/start.html", ctx, status=status)


def engagement_url(pk: int) -> str:
    return reverse("engagements:detail", args=[pk])


@login_required
@require_POST
@page_errors
@access_rule("engagement")
def engagement_move(request: HttpRequest, pk: int) -> HttpResponse:
    """One stage move: ``to`` plus, for a decline, ``reason`` and ``text``."""
    engagement = access_engagement_by_id(request.user, pk, action="broker")
    to = request.POST.get("to", "")
    try:
        engagement_transition(
            actor=request.user,
            engagement=engagement,
            to=to,
            reason=request.POST.get("reason", ""),
            text=request.POST.get("text", ""),
        )
    except KechuangError as exc:
        messages.error(request, first_message(exc))
    else:
        done = {
            Stage.INTRODUCED: _("已同意对接。"),
            Stage.DECLINED: _("已婉拒，原因已告知对方。"),
            Stage.WITHDRAWN: _("已撤回对接。"),
        }
        messages.success(request, done.get(to, _("阶段已更新。")))  # type: ignore[call-overload]
    return redirect_for(request, engagement_url(engagement.pk))


@login_required
@require_POST
@page_errors
@access_rule("engagement")
def agreement_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Require (the subject's side, with ``text``) or accept (the counterparty) the
    confidentiality agreement."""
    engagement = access_engagement_by_id(request.user, pk, action="act")
    try:
        if request.POST.get("accept"):
            agreement_accept(actor=request.user, engagement=engagement)
            messages.success(request, _("已签署保密协议。"))
        else:
            form = AgreementForm(request.POST)
            text = form.data.get("text", "")
            agreement_require(actor=request.user, engagement=engagement, text=str(text))
            messages.success(request, _("已要求对方签署保密协议。"))
    except KechuangError as exc:
        messages.error(request, first_message(exc))
    return redirect_for(request, engagement_url(engagement.pk))


@login_required
@require_POST
@page_errors
@access_rule("engagement")
def meeting_page(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = access_engagement_by_id(request.user, pk, action="broker")
    form = MeetingForm(request.POST)
    try:
        meeting_record(
            actor=request.user,
            engagement=engagement,
            held_on=form.data.get("held_on"),
            notes=str(form.data.get("notes", "")),
            place=str(form.data.get("place", "")),
            attendees=str(form.data.get("attendees", "")),
        )
    except KechuangError as exc:
        messages.error(request, first_message(exc))
    else:
        messages.success(request, _("会谈已记录。"))
    return redirect_for(request, engagement_url(engagement.pk))
