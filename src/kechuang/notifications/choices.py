"""Kinds of notification and the ways a person can choose to receive them by e-mail."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification is about; callers pass one of these to ``notify``."""

    DEADLINE = "deadline", _("截止提醒")
    INVITATION = "invitation", _("邀请")
    DECISION = "decision", _("决定")
    OBJECTION = "objection", _("异议")
    AWARD = "award", _("揭榜结果")
    MILESTONE = "milestone", _("里程碑")
    RECOMMENDATION = "recommendation", _("推荐")
    ENGAGEMENT = "engagement", _("对接")
    SYSTEM = "system", _("系统消息")


class Delivery(models.TextChoices):
    """When notifications are also sent by e-mail. The in-app list always shows all."""

    IMMEDIATELY = "immediately", _("立即发送邮件")
    DAILY = "daily", _("每日汇总邮件")
    WEEKLY = "weekly", _("每周汇总邮件")
    OFF = "off", _("不发送邮件")


DEFAULT_DELIVERY = Delivery.DAILY
DIGEST_PERIODS = frozenset({Delivery.DAILY, Delivery.WEEKLY})
