"""Brokers of dockings: 科创联络员 (liaisons) and 技术经理人 (technology managers).

They live here, not in ``orgs``: what they are for is engagements — they propose
introductions, record meetings and see the engagements of the organisations they serve —
and ``outreach`` (service teams, stations), the only other app that will ask about them,
sits above this one. ``orgs`` stays the tree and its memberships.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.engagements.choices import BrokerRole


class TechnologyManager(models.Model):
    """A person certified as technology manager (技术经理人), registered by an association."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="technology_manager"
    )
    certificate_number = models.CharField(_("证书编号"), max_length=50, unique=True)
    association = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("登记科协"),
        on_delete=models.PROTECT,
        related_name="technology_managers",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("技术经理人")
        verbose_name_plural = _("技术经理人")

    def __str__(self) -> str:
        return self.certificate_number


class BrokerAssignment(models.Model):
    """An association assigns ``user`` to serve ``organization`` (an enterprise or
    another organisation in its subtree) as liaison or technology manager.

    The assignment is ended (``ended_at``), never deleted: who served whom stays on
    record. While active, the user sees the organisation's engagements and may propose
    introductions and record meetings for it. A technology-manager assignment needs the
    user's ``TechnologyManager`` row (checked by the service).
    """

    association = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("委派科协"),
        on_delete=models.PROTECT,
        related_name="broker_assignments_made",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("服务单位"),
        on_delete=models.PROTECT,
        related_name="broker_assignments",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="broker_assignments"
    )
    role = models.CharField(_("角色"), max_length=20, choices=BrokerRole.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("联络员委派")
        verbose_name_plural = _("联络员委派")
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"],
                condition=Q(ended_at__isnull=True),
                name="broker_assignment_active_unique",
                violation_error_message=_("该人员已在服务此单位。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.organization_id} ({self.role})"
