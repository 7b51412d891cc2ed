"""Invitations: the consent of the named side before a relation takes effect."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.invitations.choices import ConsentStatus, InvitationKind


class Invitation(models.Model):
    """One side names another (a person or an organisation) in a relation; the relation
    exists only once the named side accepts.

    Until then nothing else reads the invitation: a membership, a consortium partner or a
    third-party evaluator is created by the acceptance, so every existing query keeps
    meaning "agreed to". A team member is the one relation kept in the application's
    ``team`` rows; there the accepted invitation is what makes the row count as a party.
    ``target_id`` is the object of ``kind`` (see ``InvitationKind``); ``params`` holds
    what the relation needs (``role``, ``expert``). An organisation answers through its
    own admins and staff.
    """

    kind = models.CharField(_("类型"), max_length=20, choices=InvitationKind.choices)
    target_id = models.PositiveBigIntegerField(_("对象"))
    invitee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受邀用户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    invitee_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("受邀单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("邀请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ConsentStatus.choices,
        default=ConsentStatus.PENDING,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("邀请")
        verbose_name_plural = _("邀请")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "target_id"], name="invitation_target"),
            models.Index(fields=["status", "expires_at"], name="invitation_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(invitee_user__isnull=False, invitee_org__isnull=True)
                | Q(invitee_user__isnull=True, invitee_org__isnull=False),
                name="invitation_one_invitee",
                violation_error_message=_("邀请须指定一位用户或一个单位。"),
            ),
            models.UniqueConstraint(
                fields=["kind", "target_id", "invitee_user"],
                condition=Q(status=ConsentStatus.PENDING, invitee_user__isnull=False),
                name="invitation_one_pending_per_user",
                violation_error_message=_("已有待答复的邀请。"),
            ),
            models.UniqueConstraint(
                fields=["kind", "target_id", "invitee_org"],
                condition=Q(status=ConsentStatus.PENDING, invitee_org__isnull=False),
                name="invitation_one_pending_per_org",
                violation_error_message=_("已有待答复的邀请。"),
            ),
        ]

    def __str__(self) -> str:
        who = self.invitee_org or self.invitee_user
        return f"{self.get_kind_display()} {self.target_id} → {who} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == ConsentStatus.PENDING
