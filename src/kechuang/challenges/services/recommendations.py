"""Recommendation up the tree: each association level decides, within its quota."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.challenges.choices import (
    ApplicationStatus,
    CallStatus,
    EventType,
    RecommendationDecision,
)
from kechuang.challenges.models import Application, Call, Recommendation
from kechuang.challenges.services.applications import application_move
from kechuang.challenges.services.steps import event_record
from kechuang.challenges.tree import recommendation_chain
from kechuang.common.errors import InvalidTransition, PermissionDenied
from kechuang.common.locks import locked
from kechuang.common.validation import refuse
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization


def pending_level(application: Application) -> Organization | None:
    """The association that decides next, or None when the chain is complete."""
    decided = set(application.recommendations.values_list("association_id", flat=True))
    for association in recommendation_chain(application):
        if association.pk not in decided:
            return association
    return None


def decides_for(user: Any, association: Organization) -> bool:
    """Only that association's own admins and staff decide at its level: the province does
    not decide for a district below it (platform administrators may)."""
    viewer = viewer_for(user)
    return viewer.is_platform_admin or association.path in viewer.managed_paths


@transaction.atomic
def recommendation_decide(
    *, actor: Any, application: Application, decision: str, reason: str = ""
) -> Recommendation:
    """Record the pending level's decision; the last ``recommended`` sends it to review.

    The call is locked so the quota count and the insert cannot race.
    """
    call = locked(Call.objects.select_related("organiser"), pk=application.call_id)
    application = locked(Application.objects.select_related("organization"), pk=application.pk)
    application.call = call
    if application.status != ApplicationStatus.RECOMMENDING:
        raise InvalidTransition(_("此申请不在逐级推荐中。"))
    if call.status not in {CallStatus.PUBLISHED, CallStatus.CLOSED}:
        raise InvalidTransition(_("榜单已进入评审，不能再推荐。"))
    level = pending_level(application)
    if level is None or not decides_for(actor, level):
        raise PermissionDenied(_("只有当前推荐层级科协的管理员或工作人员可以给出推荐意见。"))
    if decision not in RecommendationDecision.values:
        raise refuse("decision", _("推荐意见只能是 recommended 或 not_recommended。"))
    reason = (reason or "").strip()
    if decision == RecommendationDecision.NOT_RECOMMENDED and not reason:
        raise refuse("reason", _("不推荐须写明理由。"))
    quota = call.recommendation_quotas.get(level.level)
    if decision == RecommendationDecision.RECOMMENDED and quota is not None:
        used = Recommendation.objects.filter(
            application__call=call, association=level, decision=RecommendationDecision.RECOMMENDED
        ).count()
        if used >= quota:
            raise refuse(
                "decision",
                _("%(org)s在本榜单的推荐名额（%(n)d 个）已用完。")
                % {"org": level.name, "n": quota},
                code="quota_exceeded",
            )
    item = Recommendation.objects.create(
        application=application,
        association=level,
        level=level.level,
        decision=decision,
        reason=reason[:500],
        decided_by=actor,
    )
    event_record(
        call=call,
        type=EventType.RECOMMENDATION,
        obj=application,
        actor=actor,
        association=level.pk,
        level=level.level,
        decision=decision,
        reason=reason,
    )
    audit_record(
        actor=actor, action=AuditAction.CREATE, obj=item, organization=level, after=snapshot(item)
    )
    if decision == RecommendationDecision.NOT_RECOMMENDED:
        application_move(application, action="decline", actor=actor, association=level.pk)
    elif pending_level(application) is None:
        application_move(application, action="qualify", actor=actor)
    return item
