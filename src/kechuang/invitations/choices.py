"""Kinds and statuses of invitations, and the moves between statuses."""

from django.db import models
from django.utils.translation import gettext_lazy as _


# What accepting creates. ``Invitation.target_id`` names the object of the kind: an
# organisation (membership), an application (partner, team member) or a review process
# (evaluator).
class InvitationKind(models.TextChoices):
    MEMBERSHIP = "membership", _("加入组织")
    PARTNER = "partner", _("联合体成员单位")
    TEAM_MEMBER = "team_member", _("团队成员")
    EVALUATOR = "evaluator", _("第三方评价机构")


class ConsentStatus(models.TextChoices):
    PENDING = "pending", _("待答复")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已谢绝")
    EXPIRED = "expired", _("已过期")
    WITHDRAWN = "withdrawn", _("已撤回")


# Only a pending invitation moves; every other status is final.
ANSWERS = frozenset(
    {
        ConsentStatus.ACCEPTED,
        ConsentStatus.DECLINED,
        ConsentStatus.EXPIRED,
        ConsentStatus.WITHDRAWN,
    }
)

# How long an invitation waits for its answer.
INVITATION_DAYS = 14
