"""Published lists (榜单): a call and the problems it lists."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kechuang.challenges.choices import CallStatus, Confidentiality, FundingMode

DEFAULT_APPLICATION_LIMIT = 1
DEFAULT_MAX_PARTNERS = 4


class Call(models.Model):
    """An open call organised by ``organiser``; applications run from publication to deadline.

    ``application_limit``: how many active applications one applicant (the lead
    organisation, or the person for individual and team applications) may have in this
    call, over all its problems. The default is 1: one applicant, one bid per call, which
    is what the published rules of most 揭榜挂帅 programmes say.

    ``recommendation_quotas`` maps an association level (district, city, province) to how
    many applications each association of that level may recommend when
    ``requires_recommendation``; a level missing from the map has no quota.

    Review: ``review_rules`` holds the panel rules handed to the review process when the
    review starts (keys of ``review.rules.ReviewRules``; missing keys take its defaults);
    ``review_process`` is that process, created by the ``start_review`` move and the only
    source of the winners (``services/handoff.py``).
    """

    organiser = models.ForeignKey(
        "orgs.Organization", verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("榜单名称"), max_length=100)
    description = models.TextField(_("榜单说明"), max_length=5000)
    opens_at = models.DateTimeField(_("揭榜开始时间"))
    deadline = models.DateTimeField(_("揭榜截止时间"))
    application_limit = models.PositiveSmallIntegerField(
        _("每个申报主体的申请上限"),
        default=DEFAULT_APPLICATION_LIMIT,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    max_partners = models.PositiveSmallIntegerField(
        _("联合体成员上限（不含牵头单位）"),
        default=DEFAULT_MAX_PARTNERS,
        validators=[MaxValueValidator(20)],
    )
    requires_recommendation = models.BooleanField(_("须经各级科协逐级推荐"), default=False)
    recommendation_quotas = models.JSONField(_("各级推荐名额"), default=dict, blank=True)
    review_rounds = models.PositiveSmallIntegerField(
        _("评审轮次"), default=2, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    review_rules = models.JSONField(_("评审规则"), default=dict, blank=True)
    review_process = models.OneToOneField(
        "review.ReviewProcess",
        verbose_name=_("评审"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="challenge_call",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=CallStatus.choices, default=CallStatus.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("截止提醒时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("榜单")
        verbose_name_plural = _("榜单")
        ordering = ["-deadline", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=F("opens_at")),
                name="challenge_call_window_ordered",
                violation_error_message=_("截止时间须晚于开始时间。"),
            ),
            models.CheckConstraint(
                condition=Q(application_limit__gte=1),
                name="challenge_call_limit_positive",
                violation_error_message=_("申请上限至少为 1。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CallProblem(models.Model):
    """One problem on a call's list, with what a solution must achieve and how it is paid.

    ``indicators``: ``[{"name", "target", "unit"}]``, the required technical indicators.
    ``eligibility``: structured conditions from a fixed set of keys (``ELIGIBILITY_KEYS``
    in ``services/eligibility.py``); artificial thresholds are refused there.
    Funding: ``budget`` is the public money on offer (万元); for ``subsidy`` the award
    pays ``subsidy_ratio`` of the cost up to ``budget``; for ``market`` the enterprise
    pays and ``guidance_fund`` is an optional public guidance fund.
    """

    call = models.ForeignKey(
        Call, verbose_name=_("榜单"), on_delete=models.CASCADE, related_name="problems"
    )
    problem = models.ForeignKey(
        "challenges.Problem",
        verbose_name=_("来源难题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="call_problems",
    )
    title = models.CharField(_("题目"), max_length=100)
    description = models.TextField(_("需求描述"), max_length=5000)
    indicators = models.JSONField(_("技术指标"), default=list)
    expected_outcome = models.TextField(_("预期成果"), max_length=2000)
    funding_mode = models.CharField(_("资助方式"), max_length=10, choices=FundingMode.choices)
    budget = models.DecimalField(_("资助金额（万元）"), max_digits=12, decimal_places=2)
    subsidy_ratio = models.DecimalField(
        _("补助比例"), max_digits=4, decimal_places=3, null=True, blank=True
    )
    guidance_fund = models.DecimalField(
        _("引导基金（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    completion_deadline = models.DateField(_("完成期限"))
    eligibility_text = models.TextField(_("申报条件"), max_length=2000, blank=True)
    eligibility = models.JSONField(_("结构化申报条件"), default=dict, blank=True)
    confidentiality = models.CharField(
        _("保密等级"),
        max_length=10,
        choices=Confidentiality.choices,
        default=Confidentiality.PUBLIC,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("榜单题目")
        verbose_name_plural = _("榜单题目")
        ordering = ["call_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=Decimal(0)),
                name="challenge_problem_budget_not_negative",
                violation_error_message=_("资助金额不能为负数。"),
            ),
            models.CheckConstraint(
                condition=~Q(funding_mode=FundingMode.SUBSIDY)
                | Q(subsidy_ratio__gt=Decimal(0), subsidy_ratio__lte=Decimal(1)),
                name="challenge_subsidy_has_ratio",
                violation_error_message=_("按比例补助须填写 0–1 之间的补助比例。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title
