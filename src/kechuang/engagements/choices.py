"""Stages of an engagement (对接), the one transition table, and the small enumerations."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    INTEREST = "interest", _("意向表达")
    INTRODUCED = "introduced", _("已引荐")
    NEGOTIATING = "negotiating", _("洽谈中")
    INTENTION = "intention", _("合作意向")
    SIGNED = "signed", _("已签约")
    IMPLEMENTING = "implementing", _("实施中")
    COMPLETED = "completed", _("已落地")
    DECLINED = "declined", _("已婉拒")
    WITHDRAWN = "withdrawn", _("已撤回")
    STALLED = "stalled", _("已停滞")


S = Stage

# The forward path, in order: the funnel counts an engagement in every stage it reached.
FORWARD: tuple[str, ...] = (
    S.INTEREST,
    S.INTRODUCED,
    S.NEGOTIATING,
    S.INTENTION,
    S.SIGNED,
    S.IMPLEMENTING,
    S.COMPLETED,
)
# Stages from which an engagement may still move; stalled resumes where it stopped.
OPEN: frozenset[str] = frozenset(
    {S.INTEREST, S.INTRODUCED, S.NEGOTIATING, S.INTENTION, S.SIGNED, S.IMPLEMENTING, S.STALLED}
)
CLOSED: frozenset[str] = frozenset({S.COMPLETED, S.DECLINED, S.WITHDRAWN})
# Contacts and confidential details are shared from the introduction on.
INTRODUCED_OR_LATER: frozenset[str] = frozenset(FORWARD[1:])


class Who(models.TextChoices):
    """Who may make a move, relative to one engagement (see ``services.roles``)."""

    OTHER_SIDE = "other_side", _("另一方")  # the side that did not start it: accepts
    PARTY = "party", _("任一方")  # a user of either side
    STARTER = "starter", _("发起方")  # the side that started it
    BROKER = "broker", _("联络员、技术经理人或上级科协")
    SYSTEM = "system", _("系统")


W = Who

_ANY_OPEN = (S.INTEREST, S.INTRODUCED, S.NEGOTIATING, S.INTENTION, S.SIGNED, S.IMPLEMENTING)

# (from, to) -> who may make that move. The one table ``engagement_transition`` checks.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.INTEREST, S.INTRODUCED): frozenset({W.OTHER_SIDE}),
    (S.INTRODUCED, S.NEGOTIATING): frozenset({W.PARTY, W.BROKER}),
    (S.NEGOTIATING, S.INTENTION): frozenset({W.PARTY}),
    (S.INTENTION, S.SIGNED): frozenset({W.PARTY}),  # with a contract record
    (S.SIGNED, S.IMPLEMENTING): frozenset({W.PARTY}),
    (S.IMPLEMENTING, S.COMPLETED): frozenset({W.PARTY}),  # with the outcome
    # before the introduction only the side asked declines (the starter withdraws)
    (S.INTEREST, S.DECLINED): frozenset({W.OTHER_SIDE}),
    **{(s, S.DECLINED): frozenset({W.PARTY}) for s in (*_ANY_OPEN[1:], S.STALLED)},
    **{(s, S.WITHDRAWN): frozenset({W.STARTER}) for s in (*_ANY_OPEN, S.STALLED)},
    **{(s, S.STALLED): frozenset({W.BROKER, W.SYSTEM}) for s in _ANY_OPEN},
    # resuming goes back to the stage it stalled in (``Engagement.paused_stage``)
    **{(S.STALLED, s): frozenset({W.PARTY, W.BROKER}) for s in _ANY_OPEN},
}


def allowed(frm: str, to: str) -> frozenset[str]:
    """Who may move ``frm`` → ``to``; empty when the move is not in the table."""
    return TRANSITIONS.get((frm, to), frozenset())


class Side(models.TextChoices):
    """Which side a user acts for in one engagement."""

    SUBJECT = "subject", _("需求方/成果方")  # the owner of the need or achievement
    COUNTERPARTY = "counterparty", _("对接方")  # the expert or organisation approached
    BROKER = "broker", _("联络员/科协")  # staff starting on behalf of both


class Origin(models.TextChoices):
    SOLVE = "solve", _("我能解决")
    INTEREST = "interest", _("我有兴趣")
    INVITE = "invite", _("邀请对接")
    RECOMMENDATION = "recommendation", _("推荐结果")
    SEARCH = "search", _("搜索结果")
    STAFF = "staff", _("科协代为发起")
    ANSWER = "answer", _("专家解答")
    EVENT = "event", _("对接会")


class DeclineReason(models.TextChoices):
    TECH_MISMATCH = "tech_mismatch", _("技术不匹配")
    IMMATURE = "immature", _("成熟度不够")
    BUDGET = "budget", _("预算不符")
    TIMING = "timing", _("时间不合适")
    HAS_SOLUTION = "has_solution", _("已有方案")
    OTHER = "other", _("其他")


class EventType(models.TextChoices):
    STARTED = "started", _("发起对接")
    AGREED = "agreed", _("同意引荐")
    TRANSITION = "transition", _("阶段变更")
    AGREEMENT_REQUIRED = "agreement_required", _("要求签署保密协议")
    AGREEMENT_ACCEPTED = "agreement_accepted", _("签署保密协议")
    MESSAGE = "message", _("留言")
    MEETING = "meeting", _("记录会谈")
    CONTRACT = "contract", _("登记合同")
    PAYMENT = "payment", _("登记到款")
    MILESTONE = "milestone", _("里程碑")
    OUTCOME = "outcome", _("登记成效")
    REMINDED = "reminded", _("停滞提醒")


class ContractType(models.TextChoices):
    """The five kinds of technology contract of 技术合同认定登记."""

    DEVELOPMENT = "development", _("技术开发")
    TRANSFER = "transfer", _("技术转让")
    LICENSE = "license", _("技术许可")
    CONSULTING = "consulting", _("技术咨询")
    SERVICE = "service", _("技术服务")


class BrokerRole(models.TextChoices):
    LIAISON = "liaison", _("科创联络员")
    TECHNOLOGY_MANAGER = "technology_manager", _("技术经理人")


class PairSignalKind(models.TextChoices):
    DECLINED = "declined", _("婉拒")
