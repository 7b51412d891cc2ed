"""/api/v1/match/…: the matches of one need, achievement or expert (mounted under /match
beside ``matching``'s dismissals, tagged "match"). The source goes through its gatekeeper,
so a record the caller may not see gives 404 exactly as its detail endpoint does."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from kechuang.accounts.auth import optional_user
from kechuang.api.schemas import PUBLIC, problems
from kechuang.catalog.access import (
    access_achievement_by_id,
    access_expert_by_id,
    access_need_by_id,
)
from kechuang.common.access_rules import access_rule
from kechuang.matching import selectors
from kechuang.matching.api import MatchIn, MatchOut, hit_out

router = Router(tags=["match"])


def _match(request: HttpRequest, kind: str, obj: Any, target: str, limit: int) -> dict[str, Any]:
    found = selectors.recommendations(request.user, kind, obj, target, limit=limit)
    return {
        "source": f"{kind}:{obj.pk}",
        "target_kind": target,
        "degraded": found.degraded,
        "items": [hit_out(r) for r in found.results],
    }


MATCH_DESCRIPTION = (
    "按内容相似度推荐，附推荐理由；只返回公开内容，不含调用者标为不相关的。"
    "推荐依据按其详情接口的可见范围判断：无权查看时返回 404。"
)


@router.get(
    "/needs/{need_id}/experts",
    response={200: MatchOut, **problems(401, 404, 422)},
    summary="为需求推荐专家",
    description=MATCH_DESCRIPTION,
    **PUBLIC,
)
@access_rule("match", "need")
def match_need_experts(request: HttpRequest, need_id: int, params: Query[MatchIn]) -> Any:
    need = access_need_by_id(optional_user(request), need_id)
    return _match(request, "need", need, "expert", params.limit)


@router.get(
    "/needs/{need_id}/achievements",
    response={200: MatchOut, **problems(401, 404, 422)},
    summary="为需求推荐成果",
    description=MATCH_DESCRIPTION,
    **PUBLIC,
)
@access_rule("match", "need")
def match_need_achievements(request: HttpRequest, need_id: int, params: Query[MatchIn]) -> Any:
    need = access_need_by_id(optional_user(request), need_id)
    return _match(request, "need", need, "achievement", params.limit)


@router.get(
    "/achievements/{achievement_id}/needs",
    response={200: MatchOut, **problems(401, 404, 422)},
    summary="为成果推荐需求",
    description=MATCH_DESCRIPTION,
    **PUBLIC,
)
@access_rule("achievement", "match")
def match_achievement_needs(
    request: HttpRequest, achievement_id: int, params: Query[MatchIn]
) -> Any:
    item = access_achievement_by_id(optional_user(request), achievement_id)
    return _match(request, "achievement", item, "need", params.limit)


@router.get(
    "/achievements/{achievement_id}/organizations",
    response={200: MatchOut, **problems(401, 404, 422)},
    summary="为成果推荐企业",
    description=MATCH_DESCRIPTION + "只推荐企业。",
    **PUBLIC,
)
@access_rule("achievement", "match")
def match_achievement_organizations(
    request: HttpRequest, achievement_id: int, params: Query[MatchIn]
) -> Any:
    item = access_achievement_by_id(optional_user(request), achievement_id)
    return _match(request, "achievement", item, "organization", params.limit)


@router.get(
    "/experts/{expert_id}/needs",
    response={200: MatchOut, **problems(401, 404, 422)},
    summary="为专家推荐需求",
    description=MATCH_DESCRIPTION,
    **PUBLIC,
)
@access_rule("expert", "match")
def match_expert_needs(request: HttpRequest, expert_id: int, params: Query[MatchIn]) -> Any:
    expert = access_expert_by_id(optional_user(request), expert_id)
    return _match(request, "expert", expert, "need", params.limit)
