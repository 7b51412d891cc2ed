"""After a meeting: its outcome, and for follow-up, intention or signing, the engagement in
the docking ledger (``kechuang.engagements``) that carries it on.

The ledger's own services do every write there: ``engagement_start`` (origin 对接会),
``meeting_record`` and ``engagement_transition``, so the ledger's rules (who may start,
the one transition table, both sides' agreement to the introduction) hold for meetings
held at events too. The engagement is advanced only as far as that table lets the
recorder go: the other side's agreement is theirs to give (they give it by recording
their own outcome, or in the ledger). A signing at the event reaches 合作意向 with a note
that the contract is to be registered in the ledger; no contract is invented here.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.catalog.access import is_public
from kechuang.catalog.choices import ListingStatus
from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.common.errors import InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.engagements.choices import FORWARD, OPEN, Origin, Stage
from kechuang.engagements.models import Engagement
from kechuang.engagements.services import engagement_start, engagement_transition, meeting_record
from kechuang.engagements.services.transitions import moves_for
from kechuang.orgs.models import Organization
from kechuang.outreach.access import manages_event
from kechuang.outreach.choices import EventStatus, MeetingOutcome
from kechuang.outreach.models import Event, Meeting, Registration

# outcome -> the stage the engagement is taken towards (as far as the table allows)
LEDGER_TARGET: dict[str, str] = {
    MeetingOutcome.FOLLOW_UP: Stage.NEGOTIATING,
    MeetingOutcome.INTENTION: Stage.INTENTION,
    MeetingOutcome.SIGNED: Stage.INTENTION,
}
RECORDABLE = frozenset({EventStatus.SCHEDULED, EventStatus.FINISHED})


def _party(registration: Registration) -> ExpertProfile | Organization:
    return registration.expert if registration.expert_id else registration.organization  # type: ignore[return-value]


def subject_choices(meeting: Meeting) -> list[Need | Achievement]:
    """The published needs and achievements of the meeting's organisation parties: what
    an engagement about this meeting may be about."""
    orgs = [
        r.organization_id
        for r in (meeting.request.requester, meeting.request.recipient)
        if r.organization_id
    ]
    found: list[Need | Achievement] = []
    for model in (Need, Achievement):
        rows = model.objects.filter(organization_id__in=orgs, status=ListingStatus.PUBLISHED)
        found += [row for row in rows.order_by("id") if is_public(row)]
    return found


def parse_subject(value: str) -> Need | Achievement | None:
    """``"need:12"`` or ``"achievement:7"`` → that row; ``""`` → None."""
    value = (value or "").strip()
    if not value:
        return None
    kind, _sep, pk = value.partition(":")
    if kind not in {"need", "achievement"} or not pk.isdigit():
        raise ValidationFailed(fields={"subject": [_("请选择对接的需求或成果。")]})
    row: Need | Achievement | None = (
        Need.objects.filter(pk=int(pk)).first()
        if kind == "need"
        else Achievement.objects.filter(pk=int(pk)).first()
    )
    if row is None:
        raise ValidationFailed(fields={"subject": [_("请选择对接的需求或成果。")]})
    return row


def _subject_and_counterparty(
    meeting: Meeting, subject: Need | Achievement | None
) -> tuple[Need | Achievement, ExpertProfile | Organization]:
    choices = subject_choices(meeting)
    if not choices:
        raise ValidationFailed(
            _("双方均无已发布的需求或成果，无法记入对接台账；请先发布后再登记。"),
            code="no_subject",
        )
    if subject is None:
        raise ValidationFailed(fields={"subject": [_("请选择对接的需求或成果。")]})
    if not any(type(c) is type(subject) and c.pk == subject.pk for c in choices):
        raise ValidationFailed(fields={"subject": [_("只能选择洽谈双方已发布的需求或成果。")]})
    a, b = meeting.request.requester, meeting.request.recipient
    other = b if a.organization_id == subject.organization_id else a
    return subject, _party(other)


def _open_engagement(
    subject: Need | Achievement, counterparty: ExpertProfile | Organization
) -> Engagement | None:
    about = {"need": subject} if isinstance(subject, Need) else {"achievement": subject}
    target = (
        {"counterparty_expert": counterparty}
        if isinstance(counterparty, ExpertProfile)
        else {"counterparty_org": counterparty}
    )
    return Engagement.objects.filter(**about, **target, stage__in=OPEN).first()


def _advance(actor: Any, engagement: Engagement, target: str, text: str) -> Engagement:
    """Move along the forward path towards ``target`` while the table lets ``actor``."""
    goal = FORWARD.index(target)
    while engagement.stage in FORWARD and FORWARD.index(engagement.stage) < goal:
        nxt = FORWARD[FORWARD.index(engagement.stage) + 1]
        if nxt not in moves_for(actor, engagement):
            break
        before = engagement.stage
        engagement = engagement_transition(
            actor=actor,
            engagement=engagement,
            to=nxt,
            text=text if nxt == Stage.INTENTION else "",
        )
        if engagement.stage == before:  # an agreement recorded; the other side's turn
            break
    return engagement


def meeting_outcome_record(
    *,
    actor: Any,
    meeting: Meeting,
    outcome: str,
    note: str = "",
    subject: Need | Achievement | None = None,
) -> Meeting:
    """Either party's user, or the event's organiser, records what came of ``meeting``
    once its slot has started (or a party checked in). For follow-up, intention and
    signing the meeting joins the ledger: the open engagement of the pair about
    ``subject`` (one of the parties' published needs or achievements) or a new one, with
    the meeting recorded on it, advanced as far as the transition table lets the actor.
    """
    if outcome not in MeetingOutcome.values or outcome == MeetingOutcome.NONE:
        raise ValidationFailed(fields={"outcome": [_("请选择洽谈结果。")]})
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed(fields={"note": [_("结果说明不超过 500 字。")]})
    with transaction.atomic():
        event = (
            Event.objects.select_for_update().select_related("organizer").get(pk=meeting.event_id)
        )
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related(
                "slot",
                "table",
                "request__requester__organization",
                "request__requester__expert",
                "request__recipient__organization",
                "request__recipient__expert",
            )
            .get(pk=meeting.pk)
        )
        parties = (meeting.request.requester, meeting.request.recipient)
        is_party = any(r.user_id == getattr(actor, "pk", None) for r in parties)
        if not (is_party or manages_event(actor, event)):
            raise PermissionDenied(_("只有洽谈双方或主办方可以登记洽谈结果。"))
        if event.status not in RECORDABLE:
            raise InvalidTransition(_("活动排期后才能登记洽谈结果。"), code="not_scheduled")
        started = meeting.slot.starts_at <= timezone.now()
        if not started and not meeting.seats.filter(checked_in_at__isnull=False).exists():
            raise InvalidTransition(
                _("洽谈开始（或签到）后才能登记结果。"), code="meeting_not_started"
            )
        before = snapshot(meeting)
        engagement = None
        target = LEDGER_TARGET.get(outcome)
        if target is not None:
            engagement = _ledger(actor, meeting, event, outcome, note, subject, target)
        meeting.outcome, meeting.outcome_note = outcome, note
        fields = ["outcome", "outcome_note"]
        if engagement is not None and meeting.engagement_id != engagement.pk:
            meeting.engagement_id = engagement.pk
            fields.append("engagement_id")
        meeting.save(update_fields=fields)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=meeting,
            organization=event.organizer,
            before=before,
            after=snapshot(meeting),
            note=f"outcome {outcome}",
        )
    return meeting


def _ledger(
    actor: Any,
    meeting: Meeting,
    event: Event,
    outcome: str,
    note: str,
    subject: Need | Achievement | None,
    target: str,
) -> Engagement:
    engagement = None
    if meeting.engagement_id:
        engagement = Engagement.objects.filter(pk=meeting.engagement_id, stage__in=OPEN).first()
    started = False
    if engagement is None:
        subject, counterparty = _subject_and_counterparty(meeting, subject)
        engagement = _open_engagement(subject, counterparty)
        if engagement is None:
            engagement = engagement_start(
                actor=actor,
                subject=subject,
                counterparty=counterparty,
                origin=Origin.EVENT,
                note=_("来自对接会“%(event)s”的洽谈。") % {"event": event.title[:80]},
            )
            started = True
    label = MeetingOutcome(outcome).label
    notes = _("对接会“%(event)s”洽谈，结果：%(outcome)s。") % {
        "event": event.title[:80],
        "outcome": label,
    }
    if outcome == MeetingOutcome.SIGNED:
        notes += _("现场签约，技术合同待在对接记录中登记。")
    if note:
        notes += " " + note
    if started or meeting.engagement_id != engagement.pk or note:
        meeting_record(
            actor=actor,
            engagement=engagement,
            held_on=timezone.localtime(meeting.slot.starts_at).date().isoformat(),
            notes=notes,
            place=f"{event.place or _('线上')} · {_('洽谈桌')} {meeting.table.number}"[:100],
        )
    return _advance(actor, engagement, target, notes[:500])
