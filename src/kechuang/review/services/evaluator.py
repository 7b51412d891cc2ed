"""The third-party evaluator by invitation: the organiser names an organisation, whose
own admins or staff accept; only then does it run the process with the organiser."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.common.errors import InvalidTransition, ValidationFailed
from kechuang.common.locks import locked
from kechuang.invitations.choices import InvitationKind
from kechuang.invitations.kinds import KindHandler
from kechuang.invitations.models import Invitation
from kechuang.invitations.services import invitation_create
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization
from kechuang.review.choices import EventType, ProcessStatus
from kechuang.review.events import event_record
from kechuang.review.models import ReviewProcess

# An evaluator may join while the process still runs.
JOINABLE = frozenset(
    {
        ProcessStatus.SETUP,
        ProcessStatus.ASSIGNING,
        ProcessStatus.ROUND_1,
        ProcessStatus.ROUND_2,
    }
)


def evaluator_invite(*, actor: Any, process: ReviewProcess, evaluator: Organization) -> Invitation:
    """Ask ``evaluator`` to run ``process``; the caller checked that ``actor`` runs the
    organiser's side. The process has no evaluator until the organisation accepts."""
    if evaluator.pk == process.organiser_id:
        raise ValidationFailed(fields={"evaluator": [_("第三方评价机构不能是组织单位本身。")]})
    return invitation_create(
        inviter=actor,
        kind=InvitationKind.EVALUATOR,
        target_id=process.pk,
        invitee_org=evaluator,
    )


def _describe(invitation: Invitation) -> str:
    title = ReviewProcess.objects.filter(pk=invitation.target_id).values_list("title", flat=True)
    return _("担任评审“%(t)s”的第三方评价机构") % {"t": title.first() or ""}


def _accept(invitation: Invitation, actor: Any) -> None:
    process = locked(ReviewProcess, pk=invitation.target_id)
    if process.status not in JOINABLE:
        raise InvalidTransition(_("该评审已结束或进入决定阶段，不能再加入第三方评价机构。"))
    if process.evaluator_id is not None and process.evaluator_id != invitation.invitee_org_id:
        raise InvalidTransition(_("该评审已有第三方评价机构。"))
    process.evaluator = invitation.invitee_org
    process.save(update_fields=["evaluator"])
    event_record(
        process=process,
        type=EventType.EVALUATOR_JOINED,
        actor=actor,
        evaluator=invitation.invitee_org_id,
    )


def _manages(user: Any, invitation: Invitation) -> bool:
    process = (
        ReviewProcess.objects.select_related("organiser").filter(pk=invitation.target_id).first()
    )
    return process is not None and viewer_for(user).manages(process.organiser)


def _url(invitation: Invitation) -> str:
    return reverse("review:process_detail", args=[invitation.target_id])


EVALUATOR = KindHandler(describe=_describe, accept=_accept, manages=_manages, url=_url)
