"""The engagement pages every role shares: my engagements, and one engagement's detail
(stage timeline, the next steps this user may take, contacts, messages, records)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kechuang.common.access_rules import access_rule
from kechuang.engagements.access import (
    access_engagement_by_id,
    brokered_org_ids,
    details_visible,
    roles_in,
)
from kechuang.engagements.choices import (
    CLOSED,
    FORWARD,
    DeclineReason,
    Side,
    Stage,
    Who,
)
from kechuang.engagements.forms import (
    AgreementForm,
    DeclineForm,
    MeetingForm,
    MessageForm,
    MilestoneForm,
    OutcomeForm,
    PaymentForm,
)
from kechuang.engagements.models import ConfidentialityAcceptance, Engagement
from kechuang.engagements.selectors import (
    contacts_for,
    engagement_list,
    engagement_messages,
    engagement_timeline,
)
from kechuang.engagements.services import messages_mark_read
from kechuang.engagements.services.transitions import moves_for
from kechuang.web.errors import page_errors

PER_PAGE = 20

# the forward moves a page offers as buttons (signing and completion have their forms)
BUTTONS: dict[str, str] = {
    Stage.INTRODUCED: "accept",
    Stage.NEGOTIATING: "negotiate",
    Stage.INTENTION: "intention",
    Stage.IMPLEMENTING: "implement",
}


@login_required
@access_rule("engagement")
def engagement_list_page(request: HttpRequest) -> HttpResponse:
    stage = request.GET.get("stage", "")
    qs = engagement_list(request.user, stage=stage, subject_kind=request.GET.get("kind", ""))
    page_obj = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    served = set(brokered_org_ids(request.user))
    rows = [(e, roles_in(request.user, e, served)) for e in page_obj.object_list]
    ctx = {"page_obj": page_obj, "rows": rows, "stage": stage, "stages": Stage.choices}
    return render(request, "engagements/list.html", ctx)


def detail_context(request: HttpRequest, engagement: Engagement, **forms: Any) -> dict[str, Any]:
    user = request.user
    roles = roles_in(user, engagement)
    moves = moves_for(user, engagement)
    agreement = getattr(engagement, "agreement", None)
    accepted = (
        agreement is not None
        and ConfidentialityAcceptance.objects.filter(
            agreement=agreement, user_id=user.pk or 0
        ).exists()
    )
    reached = set()
    for stage in FORWARD:
        field = "started_at" if stage == Stage.INTEREST else f"{stage}_at"
        if getattr(engagement, field, None):
            reached.add(stage)
    contract = getattr(engagement, "contract", None)
    return {
        "e": engagement,
        "roles": roles,
        "moves": moves,
        "buttons": [(BUTTONS[m], m, Stage(m).label) for m in moves if m in BUTTONS],
        "may_decline": Stage.DECLINED in moves,
        "may_withdraw": Stage.WITHDRAWN in moves,
        "may_stall": Stage.STALLED in moves,
        "may_resume": engagement.stage == Stage.STALLED and bool(moves),
        "may_sign": roles.party and engagement.stage == Stage.INTENTION,
        "may_complete": roles.party and engagement.stage == Stage.IMPLEMENTING,
        "may_record": roles.party and engagement.stage in {Stage.SIGNED, Stage.IMPLEMENTING},
        "may_write": (roles.party or roles.broker) and engagement.stage not in CLOSED,
        "waiting_for_other": engagement.stage == Stage.INTEREST
        and Stage.INTRODUCED not in moves
        and roles.party,
        "forward": [(s, Stage(s).label, s in reached) for s in FORWARD],
        "timeline": engagement_timeline(engagement),
        "messages_list": engagement_messages(user, engagement),
        "contacts": contacts_for(user, engagement),
        "details_visible": details_visible(user, engagement),
        "agreement": agreement,
        "agreement_accepted": accepted,
        "contract": contract,
        "payments": list(contract.payments.all()) if contract else [],
        "milestones": list(engagement.milestones.all()),
        "meetings": list(engagement.meetings.all()),
        "outcome": getattr(engagement, "outcome", None),
        "decline_reasons": DeclineReason.choices,
        "sides": Side,
        "who": Who,
        "message_form": forms.get("message_form") or MessageForm(),
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "payment_form": forms.get("payment_form") or PaymentForm(),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(),
        "outcome_form": forms.get("outcome_form") or OutcomeForm(),
        "meeting_form": forms.get("meeting_form") or MeetingForm(),
        "agreement_form": forms.get("agreement_form") or AgreementForm(),
    }


def render_detail(
    request: HttpRequest, engagement: Engagement, *, status: int = 200, **forms: Any
) -> HttpResponse:
    ctx = detail_context(request, engagement, **forms)
    return render(request, "engagements/detail.html", ctx, status=status)


@login_required
@page_errors
@access_rule("engagement")
def engagement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = access_engagement_by_id(request.user, pk)
    response = render_detail(request, engagement)
    messages_mark_read(actor=request.user, engagement=engagement)  # after showing "new"
    return response
