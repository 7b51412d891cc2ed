"""What the needs and achievements routers share: filters, output fields, status actions
and attachments. Each router calls ``add_listing_subresources`` once for its own model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from kechuang.accounts.auth import optional_user, token_user
from kechuang.api.schemas import PUBLIC, CodeName, InputSchema, OrgRef, PageIn, problems
from kechuang.catalog.choices import ListingStatus
from kechuang.catalog.models import Attachment
from kechuang.catalog.selectors import ListingFilters
from kechuang.catalog.services import attachment_add, attachment_remove, listing_transition
from kechuang.catalog.uploads import check_upload
from kechuang.common.access_rules import GATEKEEPER, access_rule
from kechuang.common.errors import NotFound, ValidationFailed
from kechuang.orgs.access import access_organization_by_id
from kechuang.orgs.models import Organization

ActionName = Literal[
    "submit", "recall", "publish", "return", "close", "withdraw", "renew", "reopen"
]

ACTIONS_DESCRIPTION = """\
按状态流转表执行一个操作：

| 操作 | 从状态 | 到状态 | 谁可以做 |
|---|---|---|---|
| submit | draft, returned | submitted | 本单位管理员/工作人员，或其上级科协 |
| recall | submitted | draft | 同上 |
| publish | submitted | published | 上级科协的管理员/工作人员 |
| return | submitted | returned | 同上（须填写 `reason`） |
| close | published, expired | closed | 本单位管理员/工作人员 |
| withdraw | draft, returned, published, expired | withdrawn | 同上 |
| renew | published, expired | published | 同上 |
| reopen | withdrawn | draft | 同上 |

当前状态不允许该操作时返回 409 `invalid_transition`。"""


class ListingFilterIn(PageIn):
    q: str = Field("", description="关键词，空格分隔，全部匹配。")
    region: str = Field("", description="行政区划代码（GB/T 2260）；省、市代码包含其下各级。")
    industry: str = Field("", description="行业代码（GB/T 4754）：门类字母或大类代码。")
    discipline: str = Field("", description="学科代码（GB/T 13745）。")
    cooperation_mode: str = Field("", description="合作方式代码，如 development。")
    organization: int | None = Field(None, description="发布单位 id。")
    status: ListingStatus | None = Field(
        None,
        description="默认只列出已发布的；其他状态只列出调用者所在或所管理组织的内容。",
    )

    def to_filters(self, **extra: Any) -> ListingFilters:
        return ListingFilters(
            q=self.q.strip(),
            region=self.region.strip(),
            industry=self.industry.strip(),
            discipline=self.discipline.strip(),
            cooperation_mode=self.cooperation_mode.strip(),
            organization_id=self.organization,
            status=str(self.status.value) if self.status else "",
            **extra,
        )


class ListingOutBase(Schema):
    """Fields every need and achievement shows, in lists and in detail."""

    id: int
    title: str
    status: str = Field(
        ..., description="draft、submitted、returned、published、expired、closed 或 withdrawn。"
    )
    status_label: str
    organization: OrgRef
    region: CodeName
    industry: CodeName
    disciplines: list[CodeName]
    cooperation_modes: list[CodeName]
    keywords: list[str]
    published_at: datetime | None
    expires_on: date | None
    updated_at: datetime

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_keywords(obj: Any) -> list[str]:
        return list(obj.keyword_list)


class ListingDetailBase(ListingOutBase):
    return_reason: str = Field(..., description="被退回时的理由。")
    submitted_at: datetime | None
    created_at: datetime


def publisher(user: Any, org_id: int) -> Organization:
    """The organisation named in a create body; one that does not exist is a field error."""
    try:
        return access_organization_by_id(user, org_id)
    except NotFound:
        raise ValidationFailed(fields={"organization": [_("未知的组织。")]}) from None


class ListingActionIn(InputSchema):
    reason: str = Field("", description="理由：退回时必填，其他操作可选，最多 500 字。")


class AttachmentOut(Schema):
    id: int
    name: str = Field(..., description="上传时的文件名。")
    content_type: str
    size: int = Field(..., description="字节数。")
    sha256: str
    created_at: datetime

    @staticmethod
    def resolve_name(obj: Attachment) -> str:
        return obj.original_name


def add_listing_subresources(
    router: Router,
    *,
    noun: str,
    label: str,
    access: Callable[..., Any],
    detail_schema: type[Schema],
) -> None:
    """Register ``/{id}/actions/{action}`` and ``/{id}/attachments…`` on ``router``; each
    goes through ``access``, the gatekeeper of the listing's kind."""
    rule = access_rule(*sorted(getattr(access, GATEKEEPER)))

    def _attachment(item: Any, attachment_id: int) -> Attachment:
        attachment = item.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise NotFound()
        return attachment

    @router.post(
        "/{item_id}/actions/{action}",
        response={200: detail_schema, **problems(401, 403, 404, 409, 422)},
        summary=f"{label}状态操作",
        description=ACTIONS_DESCRIPTION,
        operation_id=f"transition_{noun}",
        url_name=f"transition_{noun}",
    )
    @rule
    def listing_action(
        request: HttpRequest,
        item_id: int,
        action: ActionName,
        payload: ListingActionIn | None = None,
    ) -> Any:
        user = token_user(request)
        item = access(user, item_id)
        reason = payload.reason if payload is not None else ""
        listing_transition(actor=user, item=item, action=action, reason=reason)
        return access(user, item.pk)

    @router.get(
        "/{item_id}/attachments",
        response={200: list[AttachmentOut], **problems(401, 404)},
        summary=f"{label}附件列表",
        description=f"能看到该{label}的人都能看到其附件。",
        operation_id=f"list_{noun}_attachments",
        url_name=f"list_{noun}_attachments",
        **PUBLIC,
    )
    @rule
    def attachment_list(request: HttpRequest, item_id: int) -> Any:
        item = access(optional_user(request), item_id)
        return list(item.attachments.all())

    @router.post(
        "/{item_id}/attachments",
        response={201: AttachmentOut, **problems(401, 403, 404, 409, 422)},
        summary=f"上传{label}附件",
        description=(
            "multipart/form-data，字段名 `file`。只接受 PDF 与 PNG/JPEG/WebP/GIF 图片（按内容"
            "判断，扩展名须一致），单个文件不超过上限（默认 10 MB），每条最多 10 个附件。"
            "只有草稿或被退回的内容可以修改附件（否则 409）。文件不合格时返回 422 "
            "`invalid_file`。"
        ),
        operation_id=f"add_{noun}_attachment",
        url_name=f"add_{noun}_attachment",
    )
    @rule
    def attachment_upload(request: HttpRequest, item_id: int, file: File[UploadedFile]) -> Any:
        item = access(token_user(request), item_id, action="edit")
        upload = check_upload(file.name or "", file, file.size)
        return Status(201, attachment_add(actor=token_user(request), item=item, upload=upload))

    @router.get(
        "/{item_id}/attachments/{attachment_id}/file",
        response={200: None, **problems(401, 404)},
        summary=f"下载{label}附件",
        description="返回文件内容，`Content-Disposition` 中带原文件名。",
        operation_id=f"download_{noun}_attachment",
        url_name=f"download_{noun}_attachment",
        **PUBLIC,
    )
    @rule
    def attachment_file(request: HttpRequest, item_id: int, attachment_id: int) -> Any:
        attachment = _attachment(access(optional_user(request), item_id), attachment_id)
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )

    @router.delete(
        "/{item_id}/attachments/{attachment_id}",
        response={204: None, **problems(401, 403, 404, 409)},
        summary=f"删除{label}附件",
        description="只有草稿或被退回的内容可以删除附件。",
        operation_id=f"remove_{noun}_attachment",
        url_name=f"remove_{noun}_attachment",
    )
    @rule
    def attachment_delete(request: HttpRequest, item_id: int, attachment_id: int) -> Any:
        item = access(token_user(request), item_id, action="edit")
        attachment_remove(actor=token_user(request), attachment=_attachment(item, attachment_id))
        return Status(204, None)
