"""/api/v1/search and /api/v1/match: search across kinds, dismissals, and the schemas of
a hit and of a record's matches.

Results are public records only, re-checked against the database. The matches of one
record are its app's routes, mounted under /api/v1/match too (``catalog/api/matches.py``):
the source goes through its gatekeeper, so a record the caller may not see gives 404
exactly as its detail endpoint does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from kechuang.accounts.auth import optional_user, token_user
from kechuang.api.schemas import PUBLIC, InputSchema, Page, PageIn, problems
from kechuang.common.access_rules import access_rule, signed_in
from kechuang.matching import indexing, selectors
from kechuang.matching.selectors import Result
from kechuang.matching.services import dismissal_create

search_router = Router(tags=["search"])
match_router = Router(tags=["match"])

Kind = Literal["need", "achievement", "expert", "organization", "challenge"]

API_PATHS = {
    "need": "/api/v1/needs/{}",
    "achievement": "/api/v1/achievements/{}",
    "expert": "/api/v1/experts/{}",
    "organization": "/api/v1/organizations/{}",
}


class SearchIn(PageIn):
    q: str = Field(..., description="搜索内容，1–500 字；按文字检索，不支持查询语法。")
    kinds: list[Kind] = Field(
        [],
        description=(
            "只返回这些类型：need、achievement、expert、organization、challenge（揭榜题目）；"
            "默认全部。"
        ),
    )
    region: str = Field("", description="行政区划代码（GB/T 2260）；省、市代码包含其下各级。")
    industry: str = Field("", description="行业代码（GB/T 4754）：门类字母或大类代码。")
    discipline: str = Field("", description="学科代码（GB/T 13745）。")
    cooperation_mode: str = Field("", description="合作方式代码，如 development。")
    trl_min: int | None = Field(None, ge=1, le=9, description="最低技术就绪度（只匹配成果）。")
    mode: Literal["bm25", "dense", "hybrid"] = Field(
        "hybrid", description="排序方式：bm25（词）、dense（语义向量）或 hybrid（两者融合）。"
    )


class ExplanationOut(Schema):
    shared_terms: list[str] = Field(..., description="查询与结果共有的词。")
    shared_terms_by_field: dict[str, list[str]] = Field(
        ..., description="共有词按字段：title、keywords、body、passage。"
    )
    related_terms: list[str] = Field(
        ...,
        description="结果本身不含、但出现在与它相近的条目中的查询词（结果从相近条目借用的词）。",
    )
    best_passage: str | None = Field(..., description="匹配最好的一段（专家：最相关的一项成果）。")
    lexical_score: float | None
    dense_score: float | None = Field(..., description="语义相似度（余弦），未启用向量时为 null。")
    lexical_rank: int | None
    dense_rank: int | None


class RelevanceOut(Schema):
    label: Literal["high", "medium", "low"] = Field(
        ..., description="相关度：high（高）、medium（中）、low（低）。"
    )
    probability: float = Field(
        ...,
        description=(
            "在基准测试中，与查询相似程度相当的结果为相关的比例（0–1）；"
            "校准方法与数据见 docs/benchmarks.md。"
        ),
    )


class SearchHitOut(Schema):
    id: str = Field(..., description="对象标识，如 need:12。")
    kind: Kind
    object_id: int
    title: str
    url: str = Field(..., description="网页地址。")
    api_url: str = Field(..., description="详情接口地址。")
    score: float | None = Field(
        ..., description="融合后的得分（只用于排序，不同查询之间不可比）；数据库检索时为 null。"
    )
    relevance: RelevanceOut | None = Field(
        ...,
        description="校准后的相关度，给人看的数字；未启用语义向量或数据库检索时为 null。",
    )
    snippet: str = Field(..., description="摘要片段，HTML 转义，命中词以 <mark> 标出。")
    explanation: ExplanationOut | None = Field(
        ..., description="推荐理由；数据库检索（索引不可用）时为 null。"
    )


class SearchPageOut(Page):
    items: list[SearchHitOut]
    facets: dict[str, int] = Field(..., description="各类型的结果数（不受 kinds 限制）。")
    degraded: bool = Field(
        ..., description="为 true 时索引暂不可用，结果来自数据库关键词检索，没有排序理由。"
    )


class MatchOut(Schema):
    source: str = Field(..., description="推荐依据，如 need:12。")
    target_kind: Kind
    degraded: bool = Field(..., description="为 true 时索引暂不可用，列表为空。")
    items: list[SearchHitOut]


class MatchIn(Schema):
    limit: int = Field(10, ge=1, le=50, description="返回条数，1–50。")


class DismissalIn(InputSchema):
    source: str = Field(..., max_length=40, description="推荐依据，如 need:12。")
    target: str = Field(..., max_length=40, description="标为不相关的推荐项，如 expert:7。")


class DismissalOut(Schema):
    id: int
    source: str
    target: str
    created_at: datetime


def api_url(result: Result) -> str:
    if result.kind in API_PATHS:
        return API_PATHS[result.kind].format(result.obj.pk)
    found = indexing.sources()[result.kind].api_url
    return found(result.obj) if found else ""


def hit_out(result: Result) -> dict[str, Any]:
    hit = result.hit
    return {
        "id": result.doc_id,
        "kind": result.kind,
        "object_id": result.obj.pk,
        "title": result.title,
        "url": result.url,
        "api_url": api_url(result),
        "score": hit.score if hit else None,
        "relevance": None
        if result.relevance is None
        else {
            "label": result.relevance.label,
            "probability": round(result.relevance.probability, 4),
        },
        "snippet": str(result.snippet),
        "explanation": None
        if hit is None
        else {
            "shared_terms": hit.shared_terms,
            "shared_terms_by_field": hit.shared_terms_by_field,
            "related_terms": hit.related_terms,
            "best_passage": hit.best_passage,
            "lexical_score": hit.lexical_score,
            "dense_score": hit.dense_score,
            "lexical_rank": hit.lexical_rank,
            "dense_rank": hit.dense_rank,
        },
    }


@search_router.get(
    "",
    response={200: SearchPageOut, **problems(401, 422)},
    summary="搜索",
    description=(
        "在已发布的需求、成果、专家和有效组织中检索，按相关度排序（词与语义融合），每条结果附"
        "推荐理由。只返回公开内容。最多考察前 200 条候选，`count` 与 `facets` 在其中计数。"
        "空内容、超过 500 字、只有符号或表情、未知的筛选代码返回 422。"
    ),
    **PUBLIC,
)
@access_rule("match")
def search(request: HttpRequest, params: Query[SearchIn]) -> Any:
    optional_user(request)  # an invalid token is refused even here
    cleaned = selectors.clean_params(
        q=params.q,
        kinds=params.kinds,
        region=params.region,
        industry=params.industry,
        discipline=params.discipline,
        cooperation_mode=params.cooperation_mode,
        trl_min=params.trl_min,
        mode=params.mode,
        page=params.page,
        page_size=params.page_size,
    )
    page = selectors.search(cleaned)
    return {
        "count": page.count,
        "page": page.page,
        "page_size": page.page_size,
        "items": [hit_out(r) for r in page.results],
        "facets": page.facets,
        "degraded": page.degraded,
    }


@match_router.post(
    "/dismissals",
    response={201: DismissalOut, **problems(401, 404, 422)},
    summary="标为不相关",
    description=(
        "记录调用者认为某条推荐与推荐依据不相关；此后调用者不再看到它。重复标记返回同一条记录。"
        "推荐依据须是调用者可查看的对象，否则 404。"
    ),
)
@signed_in("本人的“不相关”标记")
def create_dismissal(request: HttpRequest, payload: DismissalIn) -> Any:
    dismissal = dismissal_create(
        actor=token_user(request), source=payload.source.strip(), target=payload.target.strip()
    )
    return Status(201, dismissal)
