"""Statuses, transition tables and small enumerations of open challenges (揭榜挂帅).

Each aggregate with a lifecycle has a status enum and a ``TRANSITIONS`` table:
``action -> (statuses it may start from, status it leads to)``. One service per aggregate
(``services/transitions.py``) checks a move against its table; who may make it is decided
by that service with the scope rule, because it depends on the object (organiser,
applicant, recommending association).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

Table = dict[str, tuple[frozenset[str], str]]


# ---------------------------------------------------------------- collection (征集)


class RoundStatus(models.TextChoices):
    OPEN = "open", _("征集中")
    CLOSED = "closed", _("已截止")


ROUND_TRANSITIONS: Table = {
    "close": (frozenset({RoundStatus.OPEN}), RoundStatus.CLOSED),
    "reopen": (frozenset({RoundStatus.CLOSED}), RoundStatus.OPEN),
}


class ProblemStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待筛选")
    ACCEPTED = "accepted", _("已入选")
    REJECTED = "rejected", _("未入选")
    INTERNAL = "internal", _("内部揭榜中")
    TAKEN = "taken", _("已由内部承接")
    PUBLISHED = "published", _("已对外发布")


P = ProblemStatus
PROBLEM_TRANSITIONS: Table = {
    "accept": (frozenset({P.SUBMITTED, P.REJECTED}), P.ACCEPTED),
    "reject": (frozenset({P.SUBMITTED, P.ACCEPTED}), P.REJECTED),
    # Offered inside the owner's subtree first; published outside if nobody inside takes it.
    "offer_internal": (frozenset({P.ACCEPTED}), P.INTERNAL),
    "take": (frozenset({P.INTERNAL}), P.TAKEN),
    "publish": (frozenset({P.ACCEPTED, P.INTERNAL}), P.PUBLISHED),
}


# ---------------------------------------------------------------- calls (榜单)


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("揭榜中")
    CLOSED = "closed", _("已截止")
    REVIEWING = "reviewing", _("评审中")
    AWARDING = "awarding", _("确定揭榜方")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


C = CallStatus
CALL_TRANSITIONS: Table = {
    "publish": (frozenset({C.DRAFT}), C.PUBLISHED),
    "close": (frozenset({C.PUBLISHED}), C.CLOSED),
    "start_review": (frozenset({C.CLOSED}), C.REVIEWING),
    "start_awarding": (frozenset({C.REVIEWING}), C.AWARDING),
    "finish": (frozenset({C.AWARDING}), C.DONE),
    "cancel": (frozenset({C.DRAFT, C.PUBLISHED, C.CLOSED, C.REVIEWING, C.AWARDING}), C.CANCELLED),
}

PUBLIC_CALL_STATUSES = frozenset(set(C) - {C.DRAFT})


class FundingMode(models.TextChoices):
    PUBLIC = "public", _("全额财政资助")
    SUBSIDY = "subsidy", _("按比例补助（设上限，按里程碑分期拨付）")
    MARKET = "market", _("企业或市场出资（可配引导基金）")


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("公开")
    REGISTERED = "registered", _("登录用户可见")
    INTERNAL = "internal", _("仅组织方可见详情")


# ---------------------------------------------------------------- applications (揭榜)


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("个人")
    TEAM = "team", _("团队")
    ORGANIZATION = "organization", _("单位")
    CONSORTIUM = "consortium", _("联合体")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RECOMMENDING = "recommending", _("逐级推荐中")
    ELIGIBLE = "eligible", _("待评审")
    NOT_RECOMMENDED = "not_recommended", _("未获推荐")
    IN_REVIEW = "in_review", _("评审中")
    AWARDED = "awarded", _("揭榜成功")
    NOT_AWARDED = "not_awarded", _("未揭榜成功")
    WITHDRAWN = "withdrawn", _("已撤回")


A = ApplicationStatus
APPLICATION_TRANSITIONS: Table = {
    "submit": (frozenset({A.DRAFT}), A.SUBMITTED),
    "route": (frozenset({A.SUBMITTED}), A.RECOMMENDING),
    "qualify": (frozenset({A.SUBMITTED, A.RECOMMENDING}), A.ELIGIBLE),
    "decline": (frozenset({A.RECOMMENDING}), A.NOT_RECOMMENDED),
    "withdraw": (frozenset({A.DRAFT, A.SUBMITTED, A.RECOMMENDING, A.ELIGIBLE}), A.WITHDRAWN),
    "review": (frozenset({A.ELIGIBLE}), A.IN_REVIEW),
    "award": (frozenset({A.IN_REVIEW}), A.AWARDED),
    "not_award": (frozenset({A.IN_REVIEW}), A.NOT_AWARDED),
}

# An applicant's active applications count against the call's per-applicant limit.
ACTIVE_APPLICATION_STATUSES = frozenset(set(A) - {A.WITHDRAWN})


class RecommendationDecision(models.TextChoices):
    RECOMMENDED = "recommended", _("推荐")
    NOT_RECOMMENDED = "not_recommended", _("不推荐")


# ---------------------------------------------------------------- projects (挂帅)


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", _("实施中")
    ACCEPTANCE = "acceptance", _("验收中")
    ACCEPTED = "accepted", _("已验收")
    FAILED = "failed", _("验收未通过")
    TERMINATED = "terminated", _("已终止")


PR = ProjectStatus
PROJECT_TRANSITIONS: Table = {
    "request_acceptance": (frozenset({PR.ACTIVE}), PR.ACCEPTANCE),
    "accept": (frozenset({PR.ACCEPTANCE}), PR.ACCEPTED),
    "fail": (frozenset({PR.ACCEPTANCE}), PR.FAILED),
    "terminate": (frozenset({PR.ACTIVE, PR.ACCEPTANCE}), PR.TERMINATED),
}


class MilestoneStatus(models.TextChoices):
    PENDING = "pending", _("进行中")
    PASSED = "passed", _("评审通过")
    FAILED = "failed", _("评审未通过")


M = MilestoneStatus
MILESTONE_TRANSITIONS: Table = {
    "pass": (frozenset({M.PENDING, M.FAILED}), M.PASSED),
    "fail": (frozenset({M.PENDING}), M.FAILED),
}


class ChangeStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


CHANGE_TRANSITIONS: Table = {
    "approve": (frozenset({ChangeStatus.REQUESTED}), ChangeStatus.APPROVED),
    "reject": (frozenset({ChangeStatus.REQUESTED}), ChangeStatus.REJECTED),
}


class AcceptanceVerdict(models.TextChoices):
    PASSED = "passed", _("通过")
    CONDITIONAL = "conditional", _("有条件通过")
    FAILED = "failed", _("不通过")


# ---------------------------------------------------------------- events and filings


class EventType(models.TextChoices):
    ROUND_OPENED = "round_opened", _("开启征集")
    ROUND_CLOSE = "round_close", _("截止征集")
    ROUND_REOPEN = "round_reopen", _("重新开启征集")
    PROBLEM_SUBMITTED = "problem_submitted", _("提交难题")
    PROBLEM_CLASSIFIED = "problem_classified", _("难题分类")
    PROBLEM_ACCEPT = "problem_accept", _("难题入选")
    PROBLEM_REJECT = "problem_reject", _("难题未入选")
    PROBLEM_OFFER_INTERNAL = "problem_offer_internal", _("内部揭榜")
    PROBLEM_TAKE = "problem_take", _("内部承接")
    PROBLEM_PUBLISH = "problem_publish", _("难题对外发布")
    CALL_CREATED = "call_created", _("创建榜单")
    CALL_UPDATED = "call_updated", _("修改榜单")
    CALL_PROBLEM_ADDED = "call_problem_added", _("添加榜单题目")
    CALL_PUBLISH = "call_publish", _("发布榜单")
    CALL_CLOSE = "call_close", _("截止揭榜")
    CALL_START_REVIEW = "call_start_review", _("开始评审")
    CALL_START_AWARDING = "call_start_awarding", _("确定揭榜方")
    CALL_FINISH = "call_finish", _("榜单完成")
    CALL_CANCEL = "call_cancel", _("取消榜单")
    CALL_REMINDED = "call_reminded", _("截止提醒")
    APPLICATION_CREATED = "application_created", _("创建揭榜申请")
    APPLICATION_UPDATED = "application_updated", _("修改揭榜申请")
    APPLICATION_SUBMIT = "application_submit", _("提交揭榜申请")
    APPLICATION_ROUTE = "application_route", _("进入逐级推荐")
    APPLICATION_QUALIFY = "application_qualify", _("进入评审名单")
    APPLICATION_DECLINE = "application_decline", _("未获推荐")
    APPLICATION_WITHDRAW = "application_withdraw", _("撤回揭榜申请")
    APPLICATION_REVIEW = "application_review", _("进入评审")
    APPLICATION_AWARD = "application_award", _("揭榜成功")
    APPLICATION_NOT_AWARD = "application_not_award", _("未揭榜成功")
    RECOMMENDATION = "recommendation", _("推荐意见")
    AWARD_MADE = "award_made", _("确定揭榜方")
    MILESTONE_ADDED = "milestone_added", _("设置里程碑")
    MILESTONE_PASS = "milestone_pass", _("里程碑通过")
    MILESTONE_FAIL = "milestone_fail", _("里程碑未通过")
    REPORT_FILED = "report_filed", _("提交进展报告")
    TRANCHE_RELEASED = "tranche_released", _("拨付资金")
    CHANGE_REQUESTED = "change_requested", _("申请变更")
    CHANGE_APPROVE = "change_approve", _("批准变更")
    CHANGE_REJECT = "change_reject", _("驳回变更")
    PROJECT_REQUEST_ACCEPTANCE = "project_request_acceptance", _("申请验收")
    PROJECT_ACCEPT = "project_accept", _("验收通过")
    PROJECT_FAIL = "project_fail", _("验收未通过")
    PROJECT_TERMINATE = "project_terminate", _("项目终止")
    ACCEPTANCE_PUBLISHED = "acceptance_published", _("公布验收结果")


class FilingKind(models.TextChoices):
    CALL_PUBLISHED = "call_published", _("榜单发布")
    PROBLEMS = "problems", _("榜单题目")
    APPLICATIONS = "applications", _("揭榜申请数")
    WINNER = "winner", _("揭榜方")
    PROJECT = "project", _("项目立项")
    MILESTONE = "milestone", _("里程碑")
    ACCEPTANCE = "acceptance", _("验收")
