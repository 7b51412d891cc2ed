"""Liaisons (科创联络员) and technology managers (技术经理人): registering and assigning."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.common.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from kechuang.engagements.choices import BrokerRole
from kechuang.engagements.models import BrokerAssignment, TechnologyManager
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization


def _require_association_staff(actor: Any, association: Organization) -> None:
    if not association.is_association or not viewer_for(actor).manages(association):
        raise PermissionDenied(_("只有科协的管理员或工作人员可以委派。"))


@transaction.atomic
def technology_manager_register(
    *, actor: Any, association: Organization, user: Any, certificate_number: str
) -> TechnologyManager:
    _require_association_staff(actor, association)
    number = (certificate_number or "").strip()
    if not number or len(number) > 50:
        raise ValidationFailed(fields={"certificate_number": [_("请填写证书编号（50 字以内）。")]})
    if TechnologyManager.objects.filter(user=user).exists():
        raise Conflict(_("该用户已登记为技术经理人。"))
    if TechnologyManager.objects.filter(certificate_number=number).exists():
        raise ValidationFailed(fields={"certificate_number": [_("证书编号已被登记。")]})
    manager = TechnologyManager.objects.create(
        user=user, certificate_number=number, association=association, registered_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=manager,
        organization=association,
        after=snapshot(manager),
    )
    return manager


@transaction.atomic
def broker_assign(
    *, actor: Any, association: Organization, organization: Organization, user: Any, role: str
) -> BrokerAssignment:
    """``association`` assigns ``user`` to serve ``organization`` (in its subtree)."""
    _require_association_staff(actor, association)
    if role not in BrokerRole.values:
        raise ValidationFailed(fields={"role": [_("请选择角色。")]})
    if not organization.path.startswith(association.path) or organization.pk == association.pk:
        raise ValidationFailed(fields={"organization": [_("只能委派服务本科协下属的单位。")]})
    if (
        role == BrokerRole.TECHNOLOGY_MANAGER
        and not TechnologyManager.objects.filter(user=user).exists()
    ):
        raise ValidationFailed(fields={"user": [_("该用户尚未登记为技术经理人。")]})
    if BrokerAssignment.objects.filter(
        user=user, organization=organization, role=role, ended_at__isnull=True
    ).exists():
        raise Conflict(_("该人员已在服务此单位。"))
    assignment = BrokerAssignment.objects.create(
        association=association, organization=organization, user=user, role=role, assigned_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assignment,
        organization=organization,
        after=snapshot(assignment),
    )
    return assignment


@transaction.atomic
def broker_assignment_end(*, actor: Any, assignment: BrokerAssignment) -> BrokerAssignment:
    assignment = BrokerAssignment.objects.select_for_update().get(pk=assignment.pk)
    _require_association_staff(actor, assignment.association)
    if assignment.ended_at is not None:
        raise InvalidTransition(_("该委派已结束。"))
    before = snapshot(assignment)
    assignment.ended_at = timezone.now()
    assignment.save(update_fields=["ended_at"])
    audit_record(
        actor=actor,
        action=AuditAction.STATUS,
        obj=assignment,
        organization=assignment.organization,
        before=before,
        after=snapshot(assignment),
    )
    return assignment
