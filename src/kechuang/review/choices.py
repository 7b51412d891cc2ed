"""Statuses, kinds and the lifecycle transition table of expert review (评审)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    CHALLENGE_APPLICATION = "challenge_application", _("揭榜申报评审")
    MILESTONE = "milestone", _("里程碑评审")
    ACCEPTANCE = "acceptance", _("验收评审")
    OTHER = "other", _("其他评审")


class ProcessStatus(models.TextChoices):
    SETUP = "setup", _("筹备")
    ASSIGNING = "assigning", _("分配评审专家")
    ROUND_1 = "round_1", _("第一轮评审（网评）")
    ROUND_2 = "round_2", _("第二轮评审（会评）")
    DECIDING = "deciding", _("决定")
    NOTICE = "notice", _("公示")
    FINAL = "final", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class ProcessAction(models.TextChoices):
    START_ASSIGNMENT = "start_assignment", _("开始分配专家")
    OPEN_ROUND_1 = "open_round_1", _("开始第一轮评审")
    OPEN_ROUND_2 = "open_round_2", _("结束第一轮，开始会评")
    CLOSE_ROUNDS = "close_rounds", _("结束评审，进入决定")
    OPEN_NOTICE = "open_notice", _("开始公示")
    FINALISE = "finalise", _("公示结束，完成评审")
    CANCEL = "cancel", _("取消评审")


S, A = ProcessStatus, ProcessAction

# action -> (statuses it may start from, status it leads to, who may do it).
# "runner": managers of the organiser or of the third-party evaluator;
# "organiser": managers of the organiser only (decisions stay with the organiser).
# ``close_rounds`` leaves round 1 only in a one-round process and round 2 in a two-round
# one; ``services.process`` checks that, and every other precondition, per action.
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    A.START_ASSIGNMENT: (frozenset({S.SETUP}), S.ASSIGNING, "runner"),
    A.OPEN_ROUND_1: (frozenset({S.ASSIGNING}), S.ROUND_1, "runner"),
    A.OPEN_ROUND_2: (frozenset({S.ROUND_1}), S.ROUND_2, "runner"),
    A.CLOSE_ROUNDS: (frozenset({S.ROUND_1, S.ROUND_2}), S.DECIDING, "runner"),
    A.OPEN_NOTICE: (frozenset({S.DECIDING}), S.NOTICE, "organiser"),
    A.FINALISE: (frozenset({S.NOTICE}), S.FINAL, "organiser"),
    A.CANCEL: (
        frozenset({S.SETUP, S.ASSIGNING, S.ROUND_1, S.ROUND_2, S.DECIDING}),
        S.CANCELLED,
        "organiser",
    ),
}

# Statuses in which scores of a round may be submitted.
SCORING_STATUS: dict[int, str] = {1: S.ROUND_1, 2: S.ROUND_2}
# Panels, members and items may change until the first round opens.
SETUP_STATUSES = frozenset({S.SETUP, S.ASSIGNING})


class PartyRole(models.TextChoices):
    LEAD = "lead", _("牵头方")
    PARTNER = "partner", _("合作方")
    MEMBER = "member", _("团队成员")


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("组长")
    REVIEWER = "reviewer", _("评审专家")


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("已邀请")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已谢绝")
    WITHDRAWN = "withdrawn", _("已撤回")


# A member in one of these may be assigned (an invited member is asked by the assignment).
SEATED = frozenset({InvitationStatus.INVITED, InvitationStatus.ACCEPTED})


class ConflictKind(models.TextChoices):
    SAME_ORG = "same_org", _("同单位")
    FORMER_ORG = "former_org", _("近年曾在同单位")
    COAUTHOR = "coauthor", _("近年合作")
    CONSORTIUM = "consortium", _("申报联合体成员")
    SUBTREE = "subtree", _("同一科协辖区")
    DECLARED = "declared", _("专家申报回避")
    ADDED = "added", _("组织方认定")


class ConflictSource(models.TextChoices):
    DETECTED = "detected", _("系统检测")
    DECLARED = "declared", _("专家申报")
    ORGANISER = "organiser", _("组织方添加")


class AssignmentSource(models.TextChoices):
    SOLVER = "solver", _("优化分配")
    GREEDY = "greedy", _("贪心分配（超时回退）")
    MANUAL = "manual", _("组织方指定")


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    # dropped when the assignment was solved again (may come back in a later solve)
    REPLACED = "replaced", _("已重新分配")
    # taken away for a reason that must hold in later solves (declined, conflict, by hand)
    REMOVED = "removed", _("已移除")


class CoauthorKind(models.TextChoices):
    PAPER = "paper", _("合著论文")
    PATENT = "patent", _("共同专利")
    PROJECT = "project", _("共同项目")
    APPLICATION = "application", _("共同申报")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("异议成立")
    REJECTED = "rejected", _("异议不成立")


class EventType(models.TextChoices):
    CREATED = "created", _("创建评审")
    TRANSITION = "transition", _("状态变更")
    ITEM_ADDED = "item_added", _("加入评审对象")
    PANEL_CREATED = "panel_created", _("创建评审组")
    MEMBER_INVITED = "member_invited", _("邀请专家")
    INVITATION_ANSWERED = "invitation_answered", _("专家答复邀请")
    MEMBER_WITHDRAWN = "member_withdrawn", _("撤回邀请")
    ITEM_PLACED = "item_placed", _("分组")
    CONFLICTS_DETECTED = "conflicts_detected", _("检测利益冲突")
    CONFLICT_ADDED = "conflict_added", _("添加利益冲突")
    CONFLICT_WAIVED = "conflict_waived", _("豁免利益冲突")
    ASSIGNMENT_SOLVED = "assignment_solved", _("分配评审专家")
    ASSIGNMENT_MANUAL = "assignment_manual", _("手动调整分配")
    SCORE_SUBMITTED = "score_submitted", _("提交评分")
    SCORE_REVISED = "score_revised", _("更正评分")
    DECISION_RECORDED = "decision_recorded", _("记录决定")
    OBJECTION_FILED = "objection_filed", _("提出异议")
    OBJECTION_HANDLED = "objection_handled", _("处理异议")
    DEADLINE_MOVED = "deadline_moved", _("调整评分截止时间")
    EVALUATOR_JOINED = "evaluator_joined", _("第三方评价机构接受邀请")
