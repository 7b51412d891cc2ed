"""The hand-off from challenges to expert review (issue 4 §5) and back for the award.

``start_review`` of a call creates a review process of purpose ``challenge_application``
run by the call's organiser (optionally with a third-party evaluator the organiser
names), with the call's rounds and panel rules, one panel, and one item per eligible
application with every party the conflict checks need: the lead organisation, the
consortium partners (who accepted: ``ApplicationPartner`` rows exist only then), the
person who filed it and the team members whose expert account accepted to be on the team
(``team[].expert`` plus ``services.consent``); a name alone is no party. From then on
the review runs in the review app; the award reads its outcome through ``selected_subjects``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kechuang.catalog.models import ExpertProfile
from kechuang.challenges.choices import ApplicationStatus
from kechuang.challenges.models import Application, Call
from kechuang.challenges.services.consent import accepted_team_expert_ids
from kechuang.common.errors import InvalidTransition, ValidationFailed
from kechuang.common.validation import refuse
from kechuang.orgs.models import Organization
from kechuang.review.choices import PartyRole, ProcessAction, ProcessStatus, Purpose
from kechuang.review.models import ReviewProcess
from kechuang.review.services import (
    PartyIn,
    item_add,
    panel_create,
    process_create,
    process_transition,
    selected_subjects,
)

APPLICATION_SUBJECT = "challenges.application"


def application_parties(application: Application) -> list[PartyIn]:
    """Who stands behind ``application``, as the review app's conflict checks read it."""
    parties: list[PartyIn] = []
    applicant = application.applicant
    applicant_expert = ExpertProfile.objects.filter(user=applicant).first()
    person = PartyIn(
        name=str(applicant),
        role=PartyRole.MEMBER,
        user=applicant,
        expert=applicant_expert,
    )
    if application.organization is not None:
        parties.append(
            PartyIn(name=application.organization.name, organization=application.organization)
        )
        parties.append(person)
    else:
        # a person or team bid: the applicant leads it
        parties.append(PartyIn(name=person.name, user=applicant, expert=applicant_expert))
    for partner in application.partners.select_related("organization"):
        parties.append(
            PartyIn(
                name=partner.organization.name,
                role=PartyRole.PARTNER,
                organization=partner.organization,
            )
        )
    # Only team members who accepted stand behind the bid: naming someone is no veto.
    team_experts = ExpertProfile.objects.select_related("user").in_bulk(
        accepted_team_expert_ids(application)
    )
    for row in application.team:
        expert = team_experts.get(row.get("expert") or 0)
        if expert is None or expert.pk == getattr(applicant_expert, "pk", None):
            continue  # not agreed (or not linked to an account), or the applicant
        parties.append(
            PartyIn(name=row["name"], role=PartyRole.MEMBER, user=expert.user, expert=expert)
        )
    return parties


def review_text(application: Application) -> str:
    """What the experts score: the technical route and the promised indicators.

    The title travels as the item's own field, so it is not repeated here.
    """
    lines = [application.technical_route]
    if application.indicators:
        lines.append(_("承诺指标："))
        lines.extend(
            f"· {row['name']}：{row['target']}{(' ' + row['unit']) if row.get('unit') else ''}"
            for row in application.indicators
        )
    return "\n".join(lines)


def review_open(*, actor: Any, call: Call, evaluator: Organization | None) -> ReviewProcess:
    """The review process of ``call`` (locked, status ``closed``), with its items.

    Eligible applications are those submitted and, where the call requires it,
    recommended all the way up (status ``eligible``). A call with none cannot be reviewed.
    """
    eligible = list(
        call.applications.filter(status=ApplicationStatus.ELIGIBLE)
        .select_related("applicant", "organization")
        .order_by("id")
    )
    if not eligible:
        raise refuse(
            "applications", _("没有可评审的揭榜申请，不能开始评审。"), code="no_applications"
        )
    if evaluator is not None and evaluator.pk == call.organiser_id:
        raise refuse("evaluator", _("第三方评价机构不能是组织单位本身。"))
    process = process_create(
        actor=actor,
        organiser=call.organiser,
        title=_("%(t)s评审") % {"t": call.title[:96]},
        purpose=Purpose.CHALLENGE_APPLICATION,
        rounds=call.review_rounds,
        rules=call.review_rules or None,
        evaluator=evaluator,
    )
    # The review API has no endpoint to place an item in a panel, so the hand-off opens
    # the first panel and places every application in it; the runner may add panels.
    panel = panel_create(actor=actor, process=process, name=_("第一评审组"))
    for application in eligible:
        item_add(
            actor=actor,
            process=process,
            subject_type=APPLICATION_SUBJECT,
            subject_id=application.pk,
            title=application.title,
            text=review_text(application),
            parties=application_parties(application),
            panel=panel,
        )
    return process


def review_cancel(*, actor: Any, call: Call, reason: str) -> None:
    """Cancel the call's review with the call, unless the review is already decided."""
    process = call.review_process
    if process is None:
        return
    cancellable = {
        ProcessStatus.SETUP,
        ProcessStatus.ASSIGNING,
        ProcessStatus.ROUND_1,
        ProcessStatus.ROUND_2,
        ProcessStatus.DECIDING,
    }
    if process.status in cancellable:
        process_transition(actor=actor, process=process, action=ProcessAction.CANCEL, reason=reason)


def review_final(call: Call) -> bool:
    """Whether the call's review is decided, published and final (read from the stored row)."""
    process_id = call.review_process_id
    return (
        process_id is not None
        and ReviewProcess.objects.filter(pk=process_id, status=ProcessStatus.FINAL).exists()
    )


def require_review_final(call: Call) -> None:
    if not review_final(call):
        raise InvalidTransition(
            _("评审尚未完成（须经决定、公示并完成），不能确定揭榜方。"), code="review_not_final"
        )


def review_selected(call: Call, application: Application) -> bool | None:
    """Whether the call's final review selected ``application``; None before it is final."""
    if not review_final(call):
        return None
    assert call.review_process is not None  # review_final saw it
    return (APPLICATION_SUBJECT, application.pk) in selected_subjects(call.review_process)


def require_selected(call: Call, application: Application) -> None:
    """Refuse an award the call's review did not decide: review final, winner selected."""
    require_review_final(call)
    process = call.review_process
    assert process is not None  # require_review_final saw it
    if (APPLICATION_SUBJECT, application.pk) not in selected_subjects(process):
        raise ValidationFailed(
            _("该申请不在评审决定的入选名单中，不能确定为揭榜方。"),
            fields={"application": [_("该申请未被评审决定选中。")]},
            code="not_selected",
        )
