"""Statuses, the lifecycle transition table and the small enumerations of the catalog."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ListingStatus(models.TextChoices):
    """Lifecycle shared by needs and achievements."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    PUBLISHED = "published", _("已发布")
    EXPIRED = "expired", _("已过期")
    CLOSED = "closed", _("已关闭")
    WITHDRAWN = "withdrawn", _("已撤回")


class ListingAction(models.TextChoices):
    SUBMIT = "submit", _("提交审核")
    RECALL = "recall", _("撤回修改")
    PUBLISH = "publish", _("审核通过并发布")
    RETURN = "return", _("退回修改")
    CLOSE = "close", _("关闭")
    WITHDRAW = "withdraw", _("撤回")
    EXPIRE = "expire", _("到期")
    RENEW = "renew", _("续期")
    REOPEN = "reopen", _("重新编辑")


S, A = ListingStatus, ListingAction

# action -> (statuses it may start from, status it leads to, who may do it)
# who: "owner" = managers of the owning organisation; "reviewer" = managers of an
# association above it; "system" = scheduled tasks only.
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    A.SUBMIT: (frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, "owner"),
    A.RECALL: (frozenset({S.SUBMITTED}), S.DRAFT, "owner"),
    A.PUBLISH: (frozenset({S.SUBMITTED}), S.PUBLISHED, "reviewer"),
    A.RETURN: (frozenset({S.SUBMITTED}), S.RETURNED, "reviewer"),
    A.CLOSE: (frozenset({S.PUBLISHED, S.EXPIRED}), S.CLOSED, "owner"),
    A.WITHDRAW: (frozenset({S.DRAFT, S.RETURNED, S.PUBLISHED, S.EXPIRED}), S.WITHDRAWN, "owner"),
    A.EXPIRE: (frozenset({S.PUBLISHED}), S.EXPIRED, "system"),
    A.RENEW: (frozenset({S.PUBLISHED, S.EXPIRED}), S.PUBLISHED, "owner"),
    A.REOPEN: (frozenset({S.WITHDRAWN}), S.DRAFT, "owner"),
}

EDITABLE_STATUSES = frozenset({S.DRAFT, S.RETURNED})


class ContactVisibility(models.TextChoices):
    PUBLIC = "public", _("公开")
    MEMBERS = "members", _("仅登录用户可见")
    AFTER_DOCKING = "after_docking", _("对接后可见")


class IPType(models.TextChoices):
    NONE = "none", _("无")
    INVENTION_PATENT = "invention_patent", _("发明专利")
    UTILITY_MODEL = "utility_model", _("实用新型专利")
    DESIGN_PATENT = "design_patent", _("外观设计专利")
    SOFTWARE_COPYRIGHT = "software_copyright", _("软件著作权")
    IC_LAYOUT = "ic_layout", _("集成电路布图设计")
    PLANT_VARIETY = "plant_variety", _("植物新品种")
    TECHNICAL_SECRET = "technical_secret", _("技术秘密")


class IPStatus(models.TextChoices):
    NONE = "none", _("—")
    FILED = "filed", _("已申请")
    GRANTED = "granted", _("已授权")
    REGISTERED = "registered", _("已登记")
    EXPIRED = "expired", _("已失效")


class ExpertStatus(models.TextChoices):
    DRAFT = "draft", _("未公开")
    PUBLISHED = "published", _("已公开")
    HIDDEN = "hidden", _("已隐藏")


class ProfessionalTitle(models.TextChoices):
    SENIOR = "senior", _("正高级")
    ASSOCIATE_SENIOR = "associate_senior", _("副高级")
    INTERMEDIATE = "intermediate", _("中级")
    JUNIOR = "junior", _("初级")
    NONE = "none", _("无")


class WorkKind(models.TextChoices):
    PAPER = "paper", _("论文")
    PATENT = "patent", _("专利")
    PROJECT = "project", _("项目")
    AWARD = "award", _("奖励")
