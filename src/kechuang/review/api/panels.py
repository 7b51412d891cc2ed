"""/api/v1/reviews, the panel side: panels, invitations, assignment, scores, ranking and
conflicts (mounted into ``review.api.router``, ``api/__init__.py``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from kechuang.accounts.auth import token_user
from kechuang.api.schemas import PageIn, paginate, problems
from kechuang.catalog.access import access_expert_by_id
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import NotFound
from kechuang.orgs.access import access_organization_by_id
from kechuang.review import selectors
from kechuang.review.access import (
    access_assignment_by_id,
    access_conflict_by_id,
    access_item_by_id,
    access_member_by_id,
    access_panel_by_id,
    access_process_by_id,
    roles_for,
    sees_ranking,
)
from kechuang.review.api.schemas import (
    AffiliationIn,
    AffiliationOut,
    CoauthorIn,
    CoauthorOut,
    ConflictAddIn,
    ConflictOut,
    ConflictPage,
    InviteIn,
    ItemOut,
    MyAssignmentPage,
    PanelDetailOut,
    PanelIn,
    PanelMemberOut,
    PanelOut,
    PanelPage,
    PlaceIn,
    RankedOut,
    RespondIn,
    ReviewReasonIn,
    ScoreIn,
    ScoreOut,
    ScoreReviseIn,
    SolveOut,
)
from kechuang.review.models import Score
from kechuang.review.services import (
    affiliation_add,
    assignment_solve,
    coauthor_add,
    conflict_add,
    conflict_declare,
    conflict_waive,
    conflicts_detect,
    invitation_respond,
    item_place,
    member_invite,
    member_withdraw,
    panel_create,
    score_revise,
    score_submit,
)

router = Router()  # tagged "reviews" by the router it is mounted in


# ----------------------------------------------------------------- panels and members


@router.get(
    "/processes/{process_id}/panels",
    response={200: PanelPage, **problems(401, 404, 422)},
    summary="评审组列表",
    description="组织方看到全部评审组；评审专家只看到自己所在的组。",
)
@access_rule("review.panel", "review.process")
def review_panel_list(request: HttpRequest, process_id: int, params: Query[PageIn]) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id)
    return paginate(selectors.panel_list(user, process), params)


@router.post(
    "/processes/{process_id}/panels",
    response={201: PanelOut, **problems(401, 403, 404, 409, 422)},
    summary="创建评审组",
    description="第一轮评审开始前，组织方或评价机构新建评审组。",
)
@access_rule("review.process")
def review_panel_create(request: HttpRequest, process_id: int, payload: PanelIn) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id, action="run")
    return Status(201, panel_create(actor=user, process=process, name=payload.name))


@router.get(
    "/panels/{panel_id}",
    response={200: PanelDetailOut, **problems(401, 404)},
    summary="评审组详情",
    description="组织方和本组成员可见，含成员及其答复。",
)
@access_rule("review.panel")
def review_panel_detail(request: HttpRequest, panel_id: int) -> Any:
    user = token_user(request)
    panel = access_panel_by_id(user, panel_id)
    return {"id": panel.pk, "name": panel.name, "members": list(selectors.member_list(panel))}


@router.post(
    "/panels/{panel_id}/members",
    response={201: PanelMemberOut, **problems(401, 403, 404, 409, 422)},
    summary="邀请专家",
    description="党政机关工作人员（规则排除时）和已在本次评审其他组的专家会被拒绝。",
)
@access_rule("expert", "review.panel")
def review_member_invite(request: HttpRequest, panel_id: int, payload: InviteIn) -> Any:
    user = token_user(request)
    panel = access_panel_by_id(user, panel_id, action="run")
    expert = access_expert_by_id(user, payload.expert)
    return Status(
        201, member_invite(actor=user, panel=panel, expert=expert, role=payload.role.value)
    )


@router.post(
    "/members/{member_id}/response",
    response={200: PanelMemberOut, **problems(401, 403, 404, 409, 422)},
    summary="答复评审邀请",
    description="受邀专家本人接受或谢绝（谢绝须写理由）。",
)
@access_rule("review.member")
def review_invitation_respond(request: HttpRequest, member_id: int, payload: RespondIn) -> Any:
    user = token_user(request)
    member = access_member_by_id(user, member_id, action="respond")
    return invitation_respond(
        actor=user, member=member, accept=payload.accept, reason=payload.reason
    )


@router.post(
    "/members/{member_id}/withdrawal",
    response={200: PanelMemberOut, **problems(401, 403, 404, 409, 422)},
    summary="撤回邀请",
    description="第一轮评审开始前撤回邀请（须写理由），该专家的分配随之结束。",
)
@access_rule("review.member")
def review_member_withdraw(request: HttpRequest, member_id: int, payload: ReviewReasonIn) -> Any:
    user = token_user(request)
    member = access_member_by_id(user, member_id, action="run")
    return member_withdraw(actor=user, member=member, reason=payload.reason)


# ----------------------------------------------------------------- assignment and scores


@router.post(
    "/processes/{process_id}/assignment",
    response={200: list[SolveOut], **problems(401, 403, 404, 409, 422)},
    summary="求解专家分配",
    description=(
        "按评审规则求总匹配度最优的分配（最小费用流，超时才用贪心），已接受邀请和手动指定的"
        "分配保持不变。无法配齐时返回 422 并逐项说明。"
    ),
)
@access_rule("review.process")
def review_assignment_solve(request: HttpRequest, process_id: int) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id, action="run")
    hidden = roles_for(user, process).applicant_item_ids  # a party never sees its reviewers
    return [
        {
            "panel_id": s.panel.pk,
            "total_affinity": s.total_affinity,
            "exact": s.exact,
            "solver": s.solver,
            "note": s.note,
            "assignments": [a for a in s.assignments if a.item_id not in hidden],
        }
        for s in assignment_solve(actor=user, process=process)
    ]


@router.get(
    "/assignments/mine",
    response={200: MyAssignmentPage, **problems(401, 422)},
    summary="我的评审任务",
    description="调用者作为评审专家的有效分配，含评审对象内容和分配理由。",
)
@access_rule("review.assignment")
def review_assignment_mine(request: HttpRequest, params: Query[PageIn]) -> Any:
    return paginate(selectors.my_assignments(token_user(request)), params)


@router.post(
    "/assignments/{assignment_id}/scores",
    response={201: ScoreOut, **problems(401, 403, 404, 409, 422)},
    summary="提交评分",
    description="每个评分项都须在范围内；提交后不能修改（更正由组长决定，另存新版本）。",
)
@access_rule("review.assignment")
def review_score_submit(request: HttpRequest, assignment_id: int, payload: ScoreIn) -> Any:
    user = token_user(request)
    assignment = access_assignment_by_id(user, assignment_id, action="score")
    score = score_submit(
        actor=user,
        assignment=assignment,
        round=payload.round,
        values=payload.values,
        comment_private=payload.comment_private,
        comment_shared=payload.comment_shared,
    )
    return Status(201, score)


@router.get(
    "/processes/{process_id}/ranking",
    response={200: list[RankedOut], **problems(401, 403, 404)},
    summary="排名",
    description=(
        "组织方和评价机构看到全部；评审组成员在第一轮结束后看到本组。申报方（含其成员、"
        "合作单位和有利益冲突者）看不到自己对象的排名。按校准后总分排序，附标记。"
    ),
)
@access_rule("review.item", "review.process")
def review_ranking(request: HttpRequest, process_id: int, round: int = 1) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id)
    if not sees_ranking(roles_for(user, process), process, round):
        raise NotFound()
    rows = selectors.ranking_for(user, process, round=round)
    return [
        {**r.__dict__, "item_id": r.item.pk, "title": r.item.title, "flags": list(r.flags)}
        for r in rows
    ]


# ----------------------------------------------------------------- conflicts


@router.get(
    "/processes/{process_id}/conflicts",
    response={200: ConflictPage, **problems(401, 403, 404, 422)},
    summary="利益冲突列表",
    description="组织方和评价机构查看全部利益冲突及其说明、豁免情况。",
)
@access_rule("review.process")
def review_conflict_list(request: HttpRequest, process_id: int, params: Query[PageIn]) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id, action="run")
    return paginate(selectors.conflict_list(user, process), params)


@router.post(
    "/processes/{process_id}/conflicts/detection",
    response={200: list[ConflictOut], **problems(401, 403, 404, 409)},
    summary="检测利益冲突",
    description="返回新发现的利益冲突；受影响的分配随之结束。",
)
@access_rule("review.process")
def review_conflict_detect(request: HttpRequest, process_id: int) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id, action="run")
    return conflicts_detect(actor=user, process=process)


@router.post(
    "/items/{item_id}/conflicts",
    response={201: ConflictOut, **problems(401, 403, 404, 409, 422)},
    summary="添加利益冲突",
    description="组织方认定数据中没有的利益冲突（须写理由），相应分配随之结束。",
)
@access_rule("expert", "review.item")
def review_conflict_add(request: HttpRequest, item_id: int, payload: ConflictAddIn) -> Any:
    user = token_user(request)
    item = access_item_by_id(user, item_id, action="run")
    expert = access_expert_by_id(user, payload.expert)
    return Status(201, conflict_add(actor=user, item=item, expert=expert, reason=payload.reason))


@router.post(
    "/items/{item_id}/declarations",
    response={201: ConflictOut, **problems(401, 403, 404, 409, 422)},
    summary="专家申报回避",
    description="本组评审专家对某一评审对象申报回避（须写理由），其分配随之结束。",
)
@access_rule("review.item")
def review_conflict_declare(request: HttpRequest, item_id: int, payload: ReviewReasonIn) -> Any:
    user = token_user(request)
    item = access_item_by_id(user, item_id)
    return Status(201, conflict_declare(actor=user, item=item, reason=payload.reason))


@router.post(
    "/conflicts/{conflict_id}/waiver",
    response={200: ConflictOut, **problems(401, 403, 404, 409, 422)},
    summary="豁免利益冲突",
    description="须写明理由；豁免记入事件和审计日志。",
)
@access_rule("review.conflict")
def review_conflict_waive(request: HttpRequest, conflict_id: int, payload: ReviewReasonIn) -> Any:
    user = token_user(request)
    conflict = access_conflict_by_id(user, conflict_id, action="waive")
    return conflict_waive(actor=user, conflict=conflict, reason=payload.reason)


@router.put(
    "/items/{item_id}/panel",
    response={200: ItemOut, **problems(401, 403, 404, 409, 422)},
    summary="调整评审对象的分组",
    description="第一轮评审开始前把评审对象放入另一评审组；原有分配随之结束。",
)
@access_rule("review.item", "review.panel")
def review_item_place(request: HttpRequest, item_id: int, payload: PlaceIn) -> Any:
    user = token_user(request)
    item = access_item_by_id(user, item_id, action="run")
    panel = access_panel_by_id(user, payload.panel, action="run")
    return item_place(actor=user, item=item, panel=panel)


@router.post(
    "/scores/{score_id}/revisions",
    response={201: ScoreOut, **problems(401, 403, 404, 409, 422)},
    summary="更正评分",
    description="评审组组长决定更正一份评分：另存为新版本并记录理由，原评分保留。",
)
@access_rule("review.panel")
def review_score_revise(request: HttpRequest, score_id: int, payload: ScoreReviseIn) -> Any:
    user = token_user(request)
    score = (
        Score.objects.select_related("assignment__member", "assignment__item")
        .filter(pk=score_id)
        .first()
    )
    if score is None:
        raise NotFound()
    access_panel_by_id(user, score.assignment.member.panel_id, action="chair")
    revised = score_revise(actor=user, score=score, values=payload.values, reason=payload.reason)
    return Status(201, revised)


@router.post(
    "/experts/{expert_id}/affiliations",
    response={201: AffiliationOut, **problems(401, 403, 404, 422)},
    summary="添加任职经历",
    description="用于“近年同单位”回避检测；专家本人或档案所在单位的管理者可添加。",
)
@access_rule("expert", "organization")
def review_affiliation_add(request: HttpRequest, expert_id: int, payload: AffiliationIn) -> Any:
    user = token_user(request)
    expert = access_expert_by_id(user, expert_id, action="edit")
    organization = (
        access_organization_by_id(user, payload.organization) if payload.organization else None
    )
    row = affiliation_add(
        actor=user,
        expert=expert,
        organization=organization,
        organization_name=payload.organization_name,
        start_year=payload.start_year,
        end_year=payload.end_year,
    )
    return Status(201, row)


@router.post(
    "/experts/{expert_id}/coauthors",
    response={201: CoauthorOut, **problems(401, 403, 404, 422)},
    summary="添加合作记录",
    description="合著论文、共同专利、共同项目或共同申报，用于“近年合作”回避检测。",
)
@access_rule("expert")
def review_coauthor_add(request: HttpRequest, expert_id: int, payload: CoauthorIn) -> Any:
    user = token_user(request)
    expert = access_expert_by_id(user, expert_id, action="edit")
    other = access_expert_by_id(user, payload.coauthor_expert) if payload.coauthor_expert else None
    row = coauthor_add(
        actor=user,
        expert=expert,
        coauthor_name=payload.coauthor_name,
        coauthor_expert=other,
        kind=payload.kind.value,
        year=payload.year,
        title=payload.title,
    )
    return Status(201, row)
