"""Award (挂帅): one winner per problem, and the project it sets up."""

from __future__ import annotations

import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kechuang.challenges.choices import (
    ApplicationStatus,
    CallStatus,
    EventType,
    FilingKind,
    FundingMode,
)
from kechuang.challenges.models import Application, Award, Call, CallProblem, Project
from kechuang.challenges.services.applications import application_move
from kechuang.challenges.services.handoff import require_selected
from kechuang.challenges.services.steps import created, filing_record
from kechuang.common.errors import Conflict, InvalidTransition, PermissionDenied
from kechuang.common.locks import locked
from kechuang.common.validation import Errors, full_clean, to_date
from kechuang.notifications.choices import NotificationKind
from kechuang.notifications.services import notify
from kechuang.orgs.access import viewer_for

CENT = Decimal("0.01")


def funding_cap(call_problem: CallProblem, application: Application) -> Decimal:
    """The most public money the winner may receive (万元).

    (a) fully public: the problem's budget; (b) subsidy: the ratio of the winner's cost,
    never above the budget (rounded down to the 分-of-万元, so the cap is never exceeded);
    (c) enterprise or market funded: only the guidance fund, if any.
    """
    if call_problem.funding_mode == FundingMode.PUBLIC:
        return call_problem.budget
    if call_problem.funding_mode == FundingMode.SUBSIDY:
        share = (application.budget * (call_problem.subsidy_ratio or 0)).quantize(
            CENT, rounding=ROUND_DOWN
        )
        return min(call_problem.budget, share)
    return call_problem.guidance_fund or Decimal(0)


@transaction.atomic
def award_make(
    *,
    actor: Any,
    application: Application,
    justification: str,
    agreement_text: str = "",
    agreement_signed_on: datetime.date | str | None = None,
) -> Award:
    """Name ``application`` the winner of its problem and set up the project.

    Only what the call's review decided: the review process final (decided, noticed,
    finalised) and ``application`` among its selected subjects.
    """
    call = locked(Call.objects.select_related("organiser__parent"), pk=application.call_id)
    if not viewer_for(actor).manages(call.organiser):
        raise PermissionDenied(_("只有组织单位的管理员或工作人员可以确定揭榜方。"))
    if call.status != CallStatus.AWARDING:
        raise InvalidTransition(_("榜单尚未进入“确定揭榜方”阶段。"))
    application = locked(
        Application.objects.select_related("call_problem", "organization", "applicant"),
        pk=application.pk,
    )
    application.call = call
    problem = application.call_problem
    if Award.objects.filter(call_problem=problem).exists():
        raise Conflict(_("该题目已确定揭榜方，不能重复确定。"), code="already_awarded")
    if application.status != ApplicationStatus.IN_REVIEW:
        raise InvalidTransition(_("只有参加评审的申请可以被确定为揭榜方。"))
    require_selected(call, application)
    errors = Errors()
    award = Award(
        call_problem=problem,
        application=application,
        funding_cap=funding_cap(problem, application),
        justification=(justification or "").strip(),
        agreement_text=(agreement_text or "").strip(),
        agreement_signed_on=(
            to_date(errors, "agreement_signed_on", agreement_signed_on)
            if agreement_signed_on
            else None
        ),
        decided_by=actor,
    )
    full_clean(award, exclude=["call_problem", "application", "decided_by"], errors=errors)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            award.save()
    except IntegrityError:  # a concurrent award for the same problem won the race
        raise Conflict(_("该题目已确定揭榜方，不能重复确定。"), code="already_awarded") from None
    application_move(application, action="award", actor=actor, award=award.pk)
    created(
        award,
        actor=actor,
        call=call,
        type=EventType.AWARD_MADE,
        organization=call.organiser,
        application=application.pk,
        funding_cap=str(award.funding_cap),
    )
    project = Project(award=award, title=problem.title)
    project.full_clean(exclude=["award"])
    project.save()
    winner = (
        application.organization.name if application.organization else str(application.applicant)
    )
    filing_record(
        call=call,
        kind=FilingKind.WINNER,
        summary=_("《%(p)s》揭榜方：%(w)s") % {"p": problem.title, "w": winner},
        call_problem=problem.pk,
        application=application.pk,
        winner=winner,
    )
    filing_record(
        call=call,
        kind=FilingKind.PROJECT,
        summary=_("立项：%(t)s，财政资金上限 %(c)s 万元")
        % {"t": project.title, "c": award.funding_cap},
        project=project.pk,
        funding_mode=problem.funding_mode,
        funding_cap=str(award.funding_cap),
    )
    notify(
        recipients=[application.applicant],
        kind=NotificationKind.AWARD,
        title=_("您的揭榜申请《%(t)s》已确定为揭榜方") % {"t": application.title},
        subject=award,
    )
    return award
