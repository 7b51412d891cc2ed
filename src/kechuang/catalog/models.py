"""Needs (需求), achievements (成果), expert profiles (专家) and their attachments."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kechuang.catalog.choices import (
    ContactVisibility,
    ExpertStatus,
    IPStatus,
    IPType,
    ListingStatus,
    ProfessionalTitle,
    WorkKind,
)
from kechuang.vocab.choices import TRL


class Listing(models.Model):
    """What needs and achievements share: owner, classification and the review lifecycle."""

    title = models.CharField(_("标题"), max_length=100, validators=[MinLengthValidator(4)])
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("发布单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "vocab.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+"
    )
    industry = models.ForeignKey(
        "vocab.Industry", verbose_name=_("所属行业"), on_delete=models.PROTECT, related_name="+"
    )
    disciplines = models.ManyToManyField(
        "vocab.Discipline", verbose_name=_("学科"), blank=True, related_name="+"
    )
    keywords = models.CharField(
        _("关键词"),
        max_length=200,
        blank=True,
        help_text=_("用逗号或顿号分隔，最多 10 个。"),
    )
    cooperation_modes = models.ManyToManyField(
        "vocab.CooperationMode", verbose_name=_("合作方式"), related_name="+"
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ListingStatus.choices,
        default=ListingStatus.DRAFT,
        db_index=True,
    )
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    @property
    def keyword_list(self) -> list[str]:
        return split_keywords(self.keywords)

    @property
    def is_public(self) -> bool:
        return self.status == ListingStatus.PUBLISHED


def split_keywords(text: str) -> list[str]:
    for sep in "，、;；|\n":
        text = text.replace(sep, ",")
    return [k.strip() for k in text.split(",") if k.strip()]


class Need(Listing):
    """A technical need (需求): a problem an organisation wants solved, and on what terms."""

    description = models.TextField(
        _("需求描述"), max_length=5000, validators=[MinLengthValidator(20)]
    )
    budget_min = models.DecimalField(
        _("预算下限（万元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    budget_max = models.DecimalField(
        _("预算上限（万元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    contact_visibility = models.CharField(
        _("联系方式可见范围"),
        max_length=15,
        choices=ContactVisibility.choices,
        default=ContactVisibility.MEMBERS,
    )

    class Meta:
        verbose_name = _("技术需求")
        verbose_name_plural = _("技术需求")
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_min__isnull=True)
                | Q(budget_max__isnull=True)
                | Q(budget_min__lte=F("budget_max")),
                name="need_budget_min_le_max",
                violation_error_message=_("预算下限不能高于预算上限。"),
            ),
        ]


class Achievement(Listing):
    """A research achievement (成果) offered for transfer, licensing or cooperation."""

    summary = models.TextField(_("成果简介"), max_length=5000, validators=[MinLengthValidator(20)])
    team = models.TextField(
        _("团队成员"), max_length=1000, blank=True, help_text=_("每行一人：姓名、职称或分工。")
    )
    trl = models.PositiveSmallIntegerField(
        _("技术就绪度"),
        choices=TRL.choices,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    ip_type = models.CharField(
        _("知识产权类型"), max_length=20, choices=IPType.choices, default=IPType.NONE
    )
    ip_number = models.CharField(_("知识产权编号"), max_length=50, blank=True)
    ip_status = models.CharField(
        _("知识产权状态"), max_length=12, choices=IPStatus.choices, default=IPStatus.NONE
    )
    terms = models.TextField(_("合作条件"), max_length=2000, blank=True)
    asking_price = models.DecimalField(
        _("参考价格（万元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("科技成果")
        verbose_name_plural = _("科技成果")
        ordering = ["-published_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(trl__gte=1) & Q(trl__lte=9),
                name="achievement_trl_1_to_9",
                violation_error_message=_("技术就绪度须在 1–9 级之间。"),
            ),
        ]


class ExpertProfile(models.Model):
    """An expert's profile (专家): who they are, what they know, what they have done.

    A profile belongs to the person's account (``user``) when they have one, and may be
    kept by an organisation (``organization``, usually the affiliation or the association
    running an expert library), whose managers may edit it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_profile",
    )
    name = models.CharField(_("姓名"), max_length=50)
    title_level = models.CharField(
        _("职称级别"),
        max_length=20,
        choices=ProfessionalTitle.choices,
        default=ProfessionalTitle.NONE,
    )
    title_name = models.CharField(
        _("职称"), max_length=30, blank=True, help_text=_("如：教授、研究员、正高级工程师。")
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="experts",
    )
    affiliation = models.CharField(_("工作单位"), max_length=100)
    region = models.ForeignKey(
        "vocab.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT, related_name="+"
    )
    disciplines = models.ManyToManyField(
        "vocab.Discipline", verbose_name=_("学科"), related_name="+"
    )
    industries = models.ManyToManyField(
        "vocab.Industry", verbose_name=_("服务行业"), blank=True, related_name="+"
    )
    keywords = models.CharField(_("专长关键词"), max_length=200)
    biography = models.TextField(_("个人简介"), max_length=3000, blank=True)
    is_frontline_engineer = models.BooleanField(_("一线科技人员"), default=False)
    is_government_staff = models.BooleanField(_("党政机关工作人员"), default=False)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ExpertStatus.choices,
        default=ExpertStatus.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("专家")
        verbose_name_plural = _("专家")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        return split_keywords(self.keywords)


class ExpertWork(models.Model):
    """One paper, patent, project or award of an expert (matched one by one later)."""

    expert = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="works")
    kind = models.CharField(_("类型"), max_length=10, choices=WorkKind.choices)
    title = models.CharField(_("题目"), max_length=200)
    year = models.PositiveSmallIntegerField(
        _("年份"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1950), MaxValueValidator(2100)],
    )
    venue = models.CharField(_("刊物/编号/来源"), max_length=200, blank=True)
    description = models.TextField(_("说明"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("专家成果")
        verbose_name_plural = _("专家成果")
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return self.title


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is random; the original name is kept in ``original_name``.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}.{instance.extension}"


class Attachment(models.Model):
    """A PDF or image attached to a need or an achievement (exactly one of the two)."""

    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    achievement = models.ForeignKey(
        Achievement, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=50)
    extension = models.CharField(max_length=5)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(need__isnull=False, achievement__isnull=True)
                | Q(need__isnull=True, achievement__isnull=False),
                name="attachment_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name
