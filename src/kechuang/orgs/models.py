"""Organisations, the association tree and memberships."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.orgs.choices import ASSOCIATION_KINDS, AssociationLevel, OrgKind, Role


class Organization(models.Model):
    """Any party on the platform: an association (科协) or another organisation.

    All organisations form one tree. An association's children are the associations
    below it and the organisations it serves (enterprises, universities …). ``path`` is a
    materialised path of ids (``/1/4/17/``) so a subtree is one indexed prefix query;
    only ``orgs.services`` writes ``parent``, ``path`` and ``depth``, under a lock.
    """

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    kind = models.CharField(_("类型"), max_length=30, choices=OrgKind.choices)
    level = models.CharField(
        _("科协层级"), max_length=10, choices=AssociationLevel.choices, blank=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级科协"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    region = models.ForeignKey("vocab.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT)
    industry = models.ForeignKey(
        "vocab.Industry",
        verbose_name=_("所属行业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True
    )
    description = models.TextField(_("简介"), max_length=2000, blank=True)
    website = models.URLField(_("网站"), blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="org_name_unique_under_parent",
                violation_error_message=_("同一上级下已有同名组织。"),
            ),
            models.CheckConstraint(
                condition=Q(kind=OrgKind.ASSOCIATION, level__gt="")
                | (~Q(kind=OrgKind.ASSOCIATION) & Q(level="")),
                name="org_level_only_for_associations",
                violation_error_message=_("只有科协需要填写层级。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_association(self) -> bool:
        return self.kind in ASSOCIATION_KINDS

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to and including this organisation."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class Membership(models.Model):
    """A user's role in an organisation: admin, staff or plain member."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                name="membership_unique",
                violation_error_message=_("该用户已是本组织成员。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"
