"""Schemas and helpers shared by every router: problems, references, pages.

Input schemas derive from ``InputSchema`` (unknown fields are an error, never ignored);
output schemas from ``Schema``. Each endpoint has its own pair: these are only the parts.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import ConfigDict


class InputSchema(Schema):
    """Base of request bodies: a field the endpoint does not know is a 422, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Problem(Schema):
    """An RFC 7807 problem document (``application/problem+json``)."""

    type: str = Field(..., description="问题类型的 URI，以错误代码结尾。")
    title: str = Field(..., description="给人看的简短说明（随 Accept-Language 变化）。")
    status: int
    code: str = Field(
        ...,
        description=(
            "稳定的错误代码：validation_failed、invalid_file、not_authenticated、"
            "permission_denied、not_found、invalid_transition、conflict、bad_request、"
            "request_too_large。"
        ),
    )
    detail: str
    instance: str = Field(..., description="出错请求的路径。")
    errors: dict[str, list[str]] | None = Field(
        None, description="字段名 → 该字段的错误信息（仅 422）。"
    )


def problems(*statuses: int) -> dict[int, type[Problem]]:
    """The error responses an endpoint declares, for the OpenAPI document."""
    return dict.fromkeys(statuses, Problem)


class CodeName(Schema):
    """A vocabulary entry (region, industry, discipline, cooperation mode)."""

    code: str
    name: str = Field(description="中文名称（标准原文）。")
    name_en: str = Field(description="英文名称。")


class OrgRef(Schema):
    id: int
    name: str
    kind: str


class UserRef(Schema):
    id: int
    display_name: str


# Ids are 64-bit in the database: a filter on a larger number is a 422, not a query.
MAX_ID = 2**63 - 1
# Far beyond any list here, and small enough that page × page_size stays a 64-bit offset.
MAX_PAGE = 1_000_000


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class PageIn(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始。")
    page_size: int = Field(20, ge=1, le=100, description="每页条数，1–100。")


class Page(Schema):
    """Base of the paginated responses; each list endpoint names its own ``items`` type."""

    count: int = Field(..., description="符合条件的总条数。")
    page: int
    page_size: int


def paginate(qs: QuerySet[Any], params: PageIn) -> dict[str, Any]:
    """One page of ``qs`` (already ordered) as ``{count, page, page_size, items}``."""
    start = (params.page - 1) * params.page_size
    return {
        "count": qs.count(),
        "page": params.page,
        "page_size": params.page_size,
        "items": list(qs[start : start + params.page_size]),
    }


LIST_FIELDS = frozenset({"disciplines", "cooperation_modes", "industries", "keywords"})
NULLABLE_FIELDS = frozenset({"budget_min", "budget_max", "deadline", "asking_price", "industry"})


def service_data(payload: Schema, *, exclude: set[str] | None = None) -> dict[str, Any]:
    """The fields the client sent, renamed to the service's arguments.

    ``null`` clears a field: nullable fields become ``None``, lists ``[]`` and texts ``""``
    (so a required text sent as ``null`` gets the service's "required" message).
    """
    data = payload.model_dump(exclude_unset=True, exclude=exclude or set())
    for name, value in data.items():
        if isinstance(value, Enum):
            data[name] = value.value
        elif value is None and name not in NULLABLE_FIELDS:
            data[name] = [] if name in LIST_FIELDS else ""
    for name in ("region", "industry"):
        if name in data:
            data[f"{name}_id"] = data.pop(name)
    if "keywords" in data:
        data["keywords"] = "，".join(data["keywords"] or [])
    return data


# Endpoints that anonymous visitors may call: no auth required, but a token that is sent
# must be valid (``optional_user``). The OpenAPI document marks the token as optional.
PUBLIC: dict[str, Any] = {"auth": None, "openapi_extra": {"security": [{}, {"TokenAuth": []}]}}
