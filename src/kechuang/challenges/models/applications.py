"""Applications (揭榜), consortium partners, attachments and recommendations up the tree."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.challenges.choices import ApplicantKind, ApplicationStatus, RecommendationDecision


class Application(models.Model):
    """A bid on one problem of a call by a person, a team, an organisation or a consortium.

    ``applicant`` is the person who files it; ``organization`` the applying (or lead)
    organisation, required for organisation and consortium bids and optional otherwise.
    The per-call limit counts by ``applicant_key`` (``org:<id>`` or ``user:<id>``).
    ``indicators`` are the promised ones: ``[{"name", "target", "unit"}]``; ``team``:
    ``[{"name", "role", "affiliation"}]``.
    """

    call = models.ForeignKey(
        "challenges.Call", on_delete=models.PROTECT, related_name="applications"
    )
    call_problem = models.ForeignKey(
        "challenges.CallProblem", on_delete=models.PROTECT, related_name="applications"
    )
    kind = models.CharField(_("申报主体类型"), max_length=12, choices=ApplicantKind.choices)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("申报（牵头）单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant_key = models.CharField(max_length=30, editable=False)
    title = models.CharField(_("方案名称"), max_length=100)
    technical_route = models.TextField(_("技术路线"), max_length=10000)
    indicators = models.JSONField(_("承诺指标"), default=list)
    budget = models.DecimalField(_("经费预算（万元）"), max_digits=12, decimal_places=2)
    schedule = models.TextField(_("进度安排"), max_length=3000)
    team = models.JSONField(_("团队成员"), default=list, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("揭榜申请")
        verbose_name_plural = _("揭榜申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=Decimal(0)),
                name="challenge_application_budget_not_negative",
                violation_error_message=_("经费预算不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[ApplicantKind.PERSON, ApplicantKind.TEAM])
                | Q(organization__isnull=False),
                name="challenge_application_org_for_org_bids",
                violation_error_message=_("单位或联合体申报须填写申报单位。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ApplicationPartner(models.Model):
    """A partner organisation of a consortium bid (the lead is ``Application.organization``)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="partners")
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("分工"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("联合体成员")
        verbose_name_plural = _("联合体成员")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "organization"],
                name="challenge_partner_unique",
                violation_error_message=_("同一单位不能重复加入联合体。"),
            )
        ]

    def __str__(self) -> str:
        return str(self.organization)


def application_attachment_path(instance: ApplicationAttachment, filename: str) -> str:
    return f"challenges/{instance.application_id}/{filename}"


class ApplicationAttachment(models.Model):
    """A checked PDF or image attached to an application (``catalog.uploads.check_upload``)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=application_attachment_path, max_length=255)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申请附件")
        verbose_name_plural = _("申请附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class Recommendation(models.Model):
    """One association's decision on passing an application up (逐级推荐); never edited."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="recommendations"
    )
    association = models.ForeignKey(
        "orgs.Organization", verbose_name=_("推荐单位"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("层级"), max_length=10)
    decision = models.CharField(_("意见"), max_length=16, choices=RecommendationDecision.choices)
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("推荐意见")
        verbose_name_plural = _("推荐意见")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "association"],
                name="challenge_recommendation_once_per_level",
                violation_error_message=_("该单位已对此申请给出推荐意见。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.association} → {self.application}: {self.decision}"
