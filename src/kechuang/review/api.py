"""/api/v1/reviews: processes, items, panels, invitations, assignment, scores, ranking,
conflicts, decision and objections. Thin: parse → gatekeeper → service/selector."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from kechuang.api.auth import optional_user, token_user
from kechuang.api.schemas import PUBLIC, PageIn, paginate, problems
from kechuang.catalog.access import access_expert_by_id
from kechuang.common.errors import NotFound
from kechuang.orgs.access import access_organization_by_id
from kechuang.review import selectors
from kechuang.review.access import (
    access_assignment_by_id,
    access_conflict_by_id,
    access_item_by_id,
    access_member_by_id,
    access_objection_by_id,
    access_panel_by_id,
    access_process_by_id,
    roles_for,
)
from kechuang.review.api_schemas import (
    AssignmentOut,
    ConflictAddIn,
    ConflictOut,
    ConflictPage,
    DecisionIn,
    DecisionOut,
    InviteIn,
    ItemAddIn,
    ItemDetailOut,
    ItemOut,
    ItemPage,
    MemberOut,
    MyAssignmentPage,
    ObjectionAnswerIn,
    ObjectionIn,
    ObjectionOut,
    ObjectionPage,
    PanelDetailOut,
    PanelIn,
    PanelOut,
    PanelPage,
    ProcessCreateIn,
    ProcessFilterIn,
    ProcessOut,
    ProcessPage,
    RankedOut,
    ReasonIn,
    RespondIn,
    ReviewersIn,
    ScoreIn,
    ScoreOut,
    ScoreViewOut,
    SolveOut,
    TransitionIn,
)
from kechuang.review.models import ReviewProcess
from kechuang.review.services import (
    CriterionIn,
    PartyIn,
    assignment_set_manual,
    assignment_solve,
    conflict_add,
    conflict_declare,
    conflict_waive,
    conflicts_detect,
    decision_record,
    invitation_respond,
    item_add,
    member_invite,
    member_withdraw,
    objection_file,
    objection_handle,
    panel_create,
    process_create,
    process_transition,
    ranking,
    score_submit,
)

router = Router(tags=["reviews"])


def _process_out(user: Any, process: ReviewProcess) -> ReviewProcess:
    """The process with the caller's roles attached (``ProcessOut.my_roles``)."""
    roles = roles_for(user, process)
    process.my_roles = {  # type: ignore[attr-defined]
        "organiser": roles.organiser,
        "evaluator": roles.evaluator,
        "panel_ids": sorted(roles.panel_ids),
        "chair_panel_ids": sorted(roles.chair_panel_ids),
        "applicant_item_ids": sorted(roles.applicant_item_ids),
    }
    return process


# ----------------------------------------------------------------- processes


@router.get(
    "/processes",
    response={200: ProcessPage, **problems(401, 422)},
    summary="评审列表",
    description="本人参与（组织、评价、评审、申报）的评审，以及公示中和已完成的评审。",
    **PUBLIC,
)
def review_process_list(request: HttpRequest, filters: Query[ProcessFilterIn]) -> Any:
    status = filters.status.value if filters.status else ""
    return paginate(selectors.process_list(optional_user(request), status=status), filters)


@router.post(
    "/processes",
    response={201: ProcessOut, **problems(401, 403, 404, 422)},
    summary="创建评审",
    description="组织单位的管理人员创建评审，可指定第三方评价机构、评审规则和评分标准。",
)
def review_process_create(request: HttpRequest, payload: ProcessCreateIn) -> Any:
    user = token_user(request)
    organiser = access_organization_by_id(user, payload.organiser, action="manage")
    evaluator = access_organization_by_id(user, payload.evaluator) if payload.evaluator else None
    rubric = [CriterionIn(**c.model_dump()) for c in payload.rubric] if payload.rubric else None
    process = process_create(
        actor=user,
        organiser=organiser,
        evaluator=evaluator,
        title=payload.title,
        purpose=payload.purpose.value,
        rounds=payload.rounds,
        rules=payload.rules.model_dump() if payload.rules else None,
        rubric=rubric,
    )
    return Status(201, _process_out(user, process))


@router.get(
    "/processes/{process_id}",
    response={200: ProcessOut, **problems(401, 404)},
    summary="评审详情",
    description="含评审规则、评分标准和本人在其中的角色。",
    **PUBLIC,
)
def review_process_detail(request: HttpRequest, process_id: int) -> Any:
    user = optional_user(request)
    return _process_out(user, access_process_by_id(user, process_id))


@router.post(
    "/processes/{process_id}/transitions",
    response={200: ProcessOut, **problems(401, 403, 404, 409, 422)},
    summary="推进评审状态",
    description=(
        "start_assignment、open_round_1、open_round_2、close_rounds、open_notice、finalise、"
        "cancel。每一步都检查前提条件，不满足时返回 409 并说明原因。"
    ),
)
def review_process_transition(request: HttpRequest, process_id: int, payload: TransitionIn) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id, action="run")
    params = payload.model_dump(exclude={"action"}, exclude_none=True)
    process = process_transition(actor=user, process=process, action=payload.action.value, **params)
    return _process_out(user, process)


# ----------------------------------------------------------------- items


@router.get(
    "/processes/{process_id}/items",
    response={200: ItemPage, **problems(401, 404, 422)},
    summary="评审对象列表",
    description="组织方看到全部；评审专家只看到本组的；申报方只看到自己的；公示起任何登录用户"
    "看到入选对象。",
)
def review_item_list(request: HttpRequest, process_id: int, params: Query[PageIn]) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id)
    return paginate(selectors.item_list(user, process), params)


@router.post(
    "/processes/{process_id}/items",
    response={201: ItemOut, **problems(401, 403, 404, 409, 422)},
    summary="加入评审对象",
    description="第一轮评审开始前，组织方加入评审对象及其申报方（用于利益冲突检测）。",
)
def review_item_add(request: HttpRequest, process_id: int, payload: ItemAddIn) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id, action="run")
    panel = access_panel_by_id(user, payload.panel, action="run") if payload.panel else None
    parties = [
        PartyIn(
            name=p.name,
            role=p.role.value,
            organization=access_organization_by_id(user, p.organization)
            if p.organization
            else None,
            expert=access_expert_by_id(user, p.expert) if p.expert else None,
        )
        for p in payload.parties
    ]
    item = item_add(
        actor=user,
        process=process,
        subject_type=payload.subject_type,
        subject_id=payload.subject_id,
        title=payload.title,
        text=payload.text,
        parties=parties,
        panel=panel,
    )
    return Status(201, item)


@router.get(
    "/items/{item_id}",
    response={200: ItemDetailOut, **problems(401, 404)},
    summary="评审对象详情",
    description="分配及其理由只对组织方和评价机构列出。",
)
def review_item_detail(request: HttpRequest, item_id: int) -> Any:
    user = token_user(request)
    item = access_item_by_id(user, item_id)
    runner = roles_for(user, item.process).runner
    return {
        **{f: getattr(item, f) for f in ItemOut.model_fields},
        "text": item.text,
        "parties": list(item.parties.all()),
        "assignments": list(selectors.item_assignments(item)) if runner else [],
    }


@router.get(
    "/items/{item_id}/scores",
    response={200: list[ScoreViewOut], **problems(401, 404, 422)},
    summary="评审对象的评分",
    description=(
        "组织方看到全部；评审组成员第一轮只看到自己的评分，会评起看到本组全部；申报方在"
        "公示后看到匿名的反馈意见（不含专家姓名和组内意见）。"
    ),
)
def review_item_scores(request: HttpRequest, item_id: int, round: int = 1) -> Any:
    user = token_user(request)
    item = access_item_by_id(user, item_id)
    return selectors.item_scores(user, item, round=round)


@router.put(
    "/items/{item_id}/reviewers",
    response={200: list[AssignmentOut], **problems(401, 403, 404, 409, 422)},
    summary="手动指定评审专家",
    description="违反利益冲突、党政机关人员、工作量或一线三分之一规则时拒绝，并列出全部原因。",
)
def review_item_set_reviewers(request: HttpRequest, item_id: int, payload: ReviewersIn) -> Any:
    user = token_user(request)
    item = access_item_by_id(user, item_id, action="run")
    return assignment_set_manual(actor=user, item=item, member_ids=payload.member_ids)


# ----------------------------------------------------------------- panels and members


@router.get(
    "/processes/{process_id}/panels",
    response={200: PanelPage, **problems(401, 404, 422)},
    summary="评审组列表",
    description="组织方看到全部评审组；评审专家只看到自己所在的组。",
)
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
def review_panel_detail(request: HttpRequest, panel_id: int) -> Any:
    user = token_user(request)
    panel = access_panel_by_id(user, panel_id)
    return {"id": panel.pk, "name": panel.name, "members": list(selectors.member_list(panel))}


@router.post(
    "/panels/{panel_id}/members",
    response={201: MemberOut, **problems(401, 403, 404, 409, 422)},
    summary="邀请专家",
    description="党政机关工作人员（规则排除时）和已在本次评审其他组的专家会被拒绝。",
)
def review_member_invite(request: HttpRequest, panel_id: int, payload: InviteIn) -> Any:
    user = token_user(request)
    panel = access_panel_by_id(user, panel_id, action="run")
    expert = access_expert_by_id(user, payload.expert)
    return Status(
        201, member_invite(actor=user, panel=panel, expert=expert, role=payload.role.value)
    )


@router.post(
    "/members/{member_id}/response",
    response={200: MemberOut, **problems(401, 403, 404, 409, 422)},
    summary="答复评审邀请",
    description="受邀专家本人接受或谢绝（谢绝须写理由）。",
)
def review_invitation_respond(request: HttpRequest, member_id: int, payload: RespondIn) -> Any:
    user = token_user(request)
    member = access_member_by_id(user, member_id, action="respond")
    return invitation_respond(
        actor=user, member=member, accept=payload.accept, reason=payload.reason
    )


@router.post(
    "/members/{member_id}/withdrawal",
    response={200: MemberOut, **problems(401, 403, 404, 409, 422)},
    summary="撤回邀请",
    description="第一轮评审开始前撤回邀请（须写理由），该专家的分配随之结束。",
)
def review_member_withdraw(request: HttpRequest, member_id: int, payload: ReasonIn) -> Any:
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
def review_assignment_solve(request: HttpRequest, process_id: int) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id, action="run")
    return [
        {
            "panel_id": s.panel.pk,
            "total_affinity": s.total_affinity,
            "exact": s.exact,
            "solver": s.solver,
            "note": s.note,
            "assignments": list(s.assignments),
        }
        for s in assignment_solve(actor=user, process=process)
    ]


@router.get(
    "/assignments/mine",
    response={200: MyAssignmentPage, **problems(401, 422)},
    summary="我的评审任务",
    description="调用者作为评审专家的有效分配，含评审对象内容和分配理由。",
)
def review_assignment_mine(request: HttpRequest, params: Query[PageIn]) -> Any:
    return paginate(selectors.my_assignments(token_user(request)), params)


@router.post(
    "/assignments/{assignment_id}/scores",
    response={201: ScoreOut, **problems(401, 403, 404, 409, 422)},
    summary="提交评分",
    description="每个评分项都须在范围内；提交后不能修改（更正由组长决定，另存新版本）。",
)
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
    description="组织方和评价机构看到全部；评审组组长看到本组。按校准后总分排序，附标记。",
)
def review_ranking(request: HttpRequest, process_id: int, round: int = 1) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id)
    roles = roles_for(user, process)
    if roles.runner:
        rows = ranking(process=process, round=round)
    elif roles.chair_panel_ids:
        rows = [
            r
            for r in ranking(process=process, round=round)
            if r.item.panel_id in roles.chair_panel_ids
        ]
    else:
        raise NotFound()
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
def review_conflict_list(request: HttpRequest, process_id: int, params: Query[PageIn]) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id, action="run")
    return paginate(selectors.conflict_list(process), params)


@router.post(
    "/processes/{process_id}/conflicts/detection",
    response={200: list[ConflictOut], **problems(401, 403, 404, 409)},
    summary="检测利益冲突",
    description="返回新发现的利益冲突；受影响的分配随之结束。",
)
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
def review_conflict_declare(request: HttpRequest, item_id: int, payload: ReasonIn) -> Any:
    user = token_user(request)
    item = access_item_by_id(user, item_id)
    return Status(201, conflict_declare(actor=user, item=item, reason=payload.reason))


@router.post(
    "/conflicts/{conflict_id}/waiver",
    response={200: ConflictOut, **problems(401, 403, 404, 409, 422)},
    summary="豁免利益冲突",
    description="须写明理由；豁免记入事件和审计日志。",
)
def review_conflict_waive(request: HttpRequest, conflict_id: int, payload: ReasonIn) -> Any:
    user = token_user(request)
    conflict = access_conflict_by_id(user, conflict_id, action="waive")
    return conflict_waive(actor=user, conflict=conflict, reason=payload.reason)


# ----------------------------------------------------------------- decision and objections


def _decision_out(process: ReviewProcess) -> dict[str, Any]:
    decision = getattr(process, "decision", None)
    if decision is None:
        raise NotFound()
    return {
        "id": decision.pk,
        "justification": decision.justification,
        "decided_at": decision.decided_at,
        "selected": [s.item for s in decision.selections.select_related("item")],
    }


@router.post(
    "/processes/{process_id}/decision",
    response={201: DecisionOut, **problems(401, 403, 404, 409, 422)},
    summary="记录评审决定",
    description="组织单位记录入选对象和书面理由；每次评审只有一个决定，不可修改。",
)
def review_decision_record(request: HttpRequest, process_id: int, payload: DecisionIn) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id, action="decide")
    decision_record(
        actor=user,
        process=process,
        selected_item_ids=payload.selected_item_ids,
        justification=payload.justification,
    )
    return Status(201, _decision_out(ReviewProcess.objects.get(pk=process.pk)))


@router.get(
    "/processes/{process_id}/decision",
    response={200: DecisionOut, **problems(401, 404)},
    summary="评审决定",
    description="公示起公开。",
    **PUBLIC,
)
def review_decision_detail(request: HttpRequest, process_id: int) -> Any:
    user = optional_user(request)
    process = access_process_by_id(user, process_id)
    if process.status not in {"notice", "final"} and not roles_for(user, process).runner:
        raise NotFound()
    return _decision_out(process)


@router.get(
    "/processes/{process_id}/objections",
    response={200: ObjectionPage, **problems(401, 404, 422)},
    summary="异议列表",
    description="组织方看到全部；其他人看到自己提出的。",
)
def review_objection_list(request: HttpRequest, process_id: int, params: Query[PageIn]) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id)
    return paginate(selectors.objection_list(user, process), params)


@router.post(
    "/processes/{process_id}/objections",
    response={201: ObjectionOut, **problems(401, 404, 409, 422)},
    summary="提出异议",
    description="公示期内任何登录用户都可以提出。",
)
def review_objection_file(request: HttpRequest, process_id: int, payload: ObjectionIn) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id)
    item = None
    if payload.item is not None:
        item = process.items.filter(pk=payload.item).first()
        if item is None:
            raise NotFound()
    return Status(201, objection_file(actor=user, process=process, text=payload.text, item=item))


@router.post(
    "/objections/{objection_id}/answer",
    response={200: ObjectionOut, **problems(401, 403, 404, 409, 422)},
    summary="处理异议",
    description="组织单位书面答复（成立或不成立），只能处理一次。",
)
def review_objection_handle(
    request: HttpRequest, objection_id: int, payload: ObjectionAnswerIn
) -> Any:
    user = token_user(request)
    objection = access_objection_by_id(user, objection_id, action="handle")
    return objection_handle(
        actor=user, objection=objection, upheld=payload.upheld, answer=payload.answer
    )
