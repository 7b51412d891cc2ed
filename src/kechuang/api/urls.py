"""The one NinjaAPI of the platform, mounted at /api/v1/, with a router per app."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.operation import Operation

from kechuang.accounts.api import tokens_router
from kechuang.accounts.auth import TokenAuth
from kechuang.api import errors, idempotency
from kechuang.catalog.api.achievements import router as achievements_router
from kechuang.catalog.api.experts import router as experts_router
from kechuang.catalog.api.matches import router as catalog_match_router
from kechuang.catalog.api.needs import router as needs_router
from kechuang.challenges.api import router as challenges_router
from kechuang.engagements.api import router as engagements_router
from kechuang.engagements.api.funnel import router as engagement_funnel_router
from kechuang.invitations.api import router as invitations_router
from kechuang.matching.api import match_router, search_router
from kechuang.notifications.api import router as notifications_router
from kechuang.orgs.api import me_router
from kechuang.orgs.api import router as organizations_router
from kechuang.outreach.api import router as events_router
from kechuang.review.api import router as reviews_router


class KechuangAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = errors.problem_content_types(super().get_openapi_schema(**kwargs))
        return idempotency.document(schema)

    def get_openapi_operation_id(self, operation: Operation) -> str:
        # View names are unique across the API (tests/api/test_openapi.py checks it), so the
        # operation id is the name itself: ``need_list``, not ``kechuang_catalog_…_need_list``.
        return operation.view_func.__name__


api = KechuangAPI(
    title="Kechuang API",
    version="1.0.0",
    description=(
        "科创平台开放接口。认证：在请求头中发送 `Authorization: Bearer <令牌>`，令牌在"
        "“个人中心 → API 令牌”或 `POST /api/v1/tokens` 中创建。公开数据（已发布的需求、成果、"
        "专家和组织）可匿名读取；所有写操作都需要令牌。列表分页参数为 `page` 与 `page_size`"
        "（不超过 100），返回 `{count, page, page_size, items}`。错误按 RFC 7807 返回 "
        "`application/problem+json`，其中 `code` 字段稳定可依赖。"
        "创建类的 POST 请求可带请求头 `Idempotency-Key`（建议 UUID）：网络中断后用同一个键重试，"
        "得到第一次的结果（响应头 `Idempotent-Replayed: true`），不会重复创建；键按用户区分，"
        "保存 24 小时。"
    ),
    urls_namespace="api",
    auth=TokenAuth(),
)
errors.install(api)
# every POST sent with an Idempotency-Key answers a retry with its first answer
api.add_decorator(idempotency.idempotent, mode="view")

api.add_router("/organizations", organizations_router)
api.add_router("/needs", needs_router)
api.add_router("/achievements", achievements_router)
api.add_router("/experts", experts_router)
api.add_router("/me", me_router)
api.add_router("/tokens", tokens_router)
api.add_router("/search", search_router)
api.add_router("/match", match_router)
api.add_router("/match", catalog_match_router)
api.add_router("/challenges", challenges_router)
api.add_router("/reviews", reviews_router)
api.add_router("/notifications", notifications_router)
api.add_router("/invitations", invitations_router)
api.add_router("/events", events_router)
# before /engagements: its /{engagement_id} would otherwise take "funnel"
api.add_router("/engagements/funnel", engagement_funnel_router)
api.add_router("/engagements", engagements_router)
