"""/api/v1/reviews: processes, items, scores, decision and objections (panels, invitations,
assignment and conflicts are ``panels.py``). Thin: parse → gatekeeper → service/selector."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kechuang.accounts.auth import optional_user, token_user
from kechuang.api.schemas import PUBLIC, PageIn, paginate, problems
from kechuang.catalog.access import access_expert_by_id
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import NotFound, ValidationFailed
from kechuang.orgs.access import access_organization_by_id
from kechuang.review import selectors
from kechuang.review.access import (
    ItemView,
    access_item_by_id,
    access_objection_by_id,
    access_panel_by_id,
    access_process_by_id,
    item_view,
    roles_for,
)
from kechuang.review.api.schemas import (
    AssignmentOut,
    DecisionIn,
    DecisionOut,
    ItemAddIn,
    ItemDetailOut,
    ItemOut,
    ItemPage,
    ObjectionAnswerIn,
    ObjectionIn,
    ObjectionOut,
    ObjectionPage,
    ProcessCreateIn,
    ProcessFilterIn,
    ProcessOut,
    ProcessPage,
    ReviewersIn,
    RoundDeadlineIn,
    ScoreViewOut,
    TransitionIn,
)
from kechuang.review.models import ReviewProcess
from kechuang.review.services import (
    CriterionIn,
    PartyIn,
    assignment_set_manual,
    decision_record,
    item_add,
    item_create,
    objection_file,
    objection_handle,
    process_create,
    process_transition,
    round_deadline_set,
)

router = Router()  # tagged "reviews" by the router it is mounted in (api/__init__.py)


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
@access_rule("review.process")
def review_process_list(request: HttpRequest, filters: Query[ProcessFilterIn]) -> Any:
    status = filters.status.value if filters.status else ""
    return paginate(selectors.process_list(optional_user(request), status=status), filters)


@router.post(
    "/processes",
    response={201: ProcessOut, **problems(401, 403, 404, 422)},
    summary="创建评审",
    description=(
        "组织单位的管理人员创建评审，可指定评审规则和评分标准。指定的第三方评价机构（`evaluator`）"
        "先收到邀请，由其管理员或工作人员接受后才参与评审；在此之前 `evaluator` 为空。"
    ),
)
@access_rule("organization", "review.process")
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
@access_rule("review.process")
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
@access_rule("review.process")
def review_process_transition(request: HttpRequest, process_id: int, payload: TransitionIn) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id, action="run")
    params = payload.model_dump(exclude={"action"}, exclude_none=True)
    process = process_transition(actor=user, process=process, action=payload.action.value, **params)
    return _process_out(user, process)


@router.post(
    "/processes/{process_id}/round-deadline",
    response={200: ProcessOut, **problems(401, 403, 404, 409, 422)},
    summary="调整评分截止时间",
    description=(
        "组织方或第三方评价机构在第一轮或第二轮评分进行中延后、提前、设定或取消本轮的评分"
        "截止时间，须写明理由；尚未提交全部评分的专家会收到通知。没有正在进行的评分轮次时"
        "返回 409（invalid_transition），时间不晚于现在或缺少理由时返回 422。"
    ),
)
@access_rule("review.process")
def review_round_deadline_set(
    request: HttpRequest, process_id: int, payload: RoundDeadlineIn
) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id, action="run")
    process = round_deadline_set(
        actor=user, process=process, deadline=payload.deadline, reason=payload.reason
    )
    return _process_out(user, process)


# ----------------------------------------------------------------- items


@router.get(
    "/processes/{process_id}/items",
    response={200: ItemPage, **problems(401, 404, 422)},
    summary="评审对象列表",
    description="组织方看到全部；评审专家只看到本组的；申报方只看到自己的；公示起任何登录用户"
    "看到入选对象。",
)
@access_rule("review.item", "review.process")
def review_item_list(request: HttpRequest, process_id: int, params: Query[PageIn]) -> Any:
    user = token_user(request)
    process = access_process_by_id(user, process_id)
    return paginate(selectors.item_list(user, process), params)


@router.post(
    "/processes/{process_id}/items",
    response={201: ItemOut, **problems(401, 403, 404, 409, 422)},
    summary="加入评审对象",
    description="第一轮评审开始前，组织方加入评审对象及其申报方（用于利益冲突检测）。"
    "“其他评审”的评审对象不来自其他业务：省略 subject_type 与 subject_id，由评审自行编号；"
    "其他用途的评审省略时返回 422。",
)
@access_rule("expert", "organization", "review.panel", "review.process")
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
    if payload.subject_type is None and payload.subject_id is None:
        item = item_create(
            actor=user,
            process=process,
            title=payload.title,
            text=payload.text,
            parties=parties,
            panel=panel,
        )
    elif payload.subject_type is None or payload.subject_id is None:
        raise ValidationFailed(
            fields={
                "subject_type" if payload.subject_type is None else "subject_id": [
                    _("subject_type 与 subject_id 须同时给出或同时省略。")
                ]
            }
        )
    else:
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
@access_rule("review.item", "review.process")
def review_item_detail(request: HttpRequest, item_id: int) -> Any:
    user = token_user(request)
    item = access_item_by_id(user, item_id)
    runner = item_view(roles_for(user, item.process), item) == ItemView.RUNNER
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
        "公示后看到匿名的反馈意见（不含专家姓名和组内意见）。申报方包括申报单位和合作单位的"
        "成员、列名的个人和专家、存在未豁免利益冲突的专家：无论另有何种角色，对该对象只"
        "得到申报方的视图。"
    ),
)
@access_rule("review.item")
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
@access_rule("review.item")
def review_item_set_reviewers(request: HttpRequest, item_id: int, payload: ReviewersIn) -> Any:
    user = token_user(request)
    item = access_item_by_id(user, item_id, action="run")
    return assignment_set_manual(actor=user, item=item, member_ids=payload.member_ids)


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
@access_rule("review.process")
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
@access_rule("review.process")
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
@access_rule("review.objection", "review.process")
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
@access_rule("review.process")
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
@access_rule("review.objection")
def review_objection_handle(
    request: HttpRequest, objection_id: int, payload: ObjectionAnswerIn
) -> Any:
    user = token_user(request)
    objection = access_objection_by_id(user, objection_id, action="handle")
    return objection_handle(
        actor=user, objection=objection, upheld=payload.upheld, answer=payload.answer
    )
