"""What a signed engagement records: the technology contract, payments, milestones, outcome.

Amounts are in 万元 (as the catalog's budgets and prices), non-negative with two
decimals, checked by the database as well as by the services.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kechuang.engagements.choices import ContractType
from kechuang.engagements.models.engagements import Engagement

ZERO = Decimal("0")


def money(label: Any, **kwargs: Any) -> Any:
    """A non-negative amount in 万元 with two decimals."""
    return models.DecimalField(
        label,
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
        **kwargs,
    )


class Contract(models.Model):
    """The technology contract (技术合同) signed at the end of an engagement, with the
    fields of its registration (技术合同认定登记): type, amount, the technology transaction
    amount (技术交易额, the part of the amount that is technology, never above it), the
    parties, the signing date (never before the engagement started — checked by the
    service, the database cannot compare across tables), the term, and whether and
    under which number it was registered.
    """

    engagement = models.OneToOneField(Engagement, on_delete=models.PROTECT, related_name="contract")
    contract_type = models.CharField(_("合同类型"), max_length=15, choices=ContractType.choices)
    title = models.CharField(_("合同名称"), max_length=200)
    amount = money(_("合同金额（万元）"))
    technology_amount = money(_("技术交易额（万元）"))
    party_a = models.CharField(_("甲方（委托方/受让方）"), max_length=100)
    party_b = models.CharField(_("乙方（受托方/让与方）"), max_length=100)
    signed_on = models.DateField(_("签订日期"))
    term_start = models.DateField(_("履行期限起"), null=True, blank=True)
    term_end = models.DateField(_("履行期限止"), null=True, blank=True)
    registered = models.BooleanField(_("已认定登记"), default=False)
    registration_number = models.CharField(_("登记编号"), max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("技术合同")
        verbose_name_plural = _("技术合同")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="contract_amount_not_negative",
                violation_error_message=_("合同金额不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(technology_amount__gte=0) & Q(technology_amount__lte=F("amount")),
                name="contract_technology_amount_within_amount",
                violation_error_message=_("技术交易额须在 0 与合同金额之间。"),
            ),
            models.CheckConstraint(
                condition=Q(term_start__isnull=True)
                | Q(term_end__isnull=True)
                | Q(term_start__lte=F("term_end")),
                name="contract_term_ordered",
                violation_error_message=_("履行期限的结束日期不能早于开始日期。"),
            ),
            models.CheckConstraint(
                condition=Q(registered=False) | ~Q(registration_number=""),
                name="contract_registered_has_number",
                violation_error_message=_("已认定登记的合同须填写登记编号。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Payment(models.Model):
    """Money received under the contract during implementation (到款)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments")
    amount = money(_("到款金额（万元）"))
    received_on = models.DateField(_("到款日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("到款")
        verbose_name_plural = _("到款")
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="payment_amount_not_negative",
                violation_error_message=_("到款金额不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount}"


class Milestone(models.Model):
    """A step of the implementation: planned (``due_on``) and done (``done_on``)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(_("里程碑"), max_length=200)
    due_on = models.DateField(_("计划日期"), null=True, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class Outcome(models.Model):
    """What the engagement produced, recorded at completion (落地成效): counts plus text."""

    engagement = models.OneToOneField(Engagement, on_delete=models.PROTECT, related_name="outcome")
    products = models.PositiveIntegerField(_("新产品（项）"), default=0)
    patents = models.PositiveIntegerField(_("专利（件）"), default=0)
    revenue = money(_("新增产值（万元）"), default=ZERO)
    jobs = models.PositiveIntegerField(_("新增就业（人）"), default=0)
    summary = models.TextField(_("成效说明"), max_length=3000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("落地成效")
        verbose_name_plural = _("落地成效")
        constraints = [
            models.CheckConstraint(
                condition=Q(revenue__gte=0),
                name="outcome_revenue_not_negative",
                violation_error_message=_("新增产值不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"outcome #{self.engagement_id}"
