"""/api/v1/organizations: the organisation tree, memberships and each subtree's audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kechuang.accounts.auth import optional_user, token_user
from kechuang.api.schemas import (
    PUBLIC,
    CodeName,
    Id,
    InputSchema,
    OrgRef,
    Page,
    PageIn,
    UserRef,
    paginate,
    problems,
    service_data,
)
from kechuang.common.access_rules import access_rule
from kechuang.common.errors import NotFound, ValidationFailed
from kechuang.orgs.access import access_organization_by_id
from kechuang.orgs.choices import AssociationLevel, OrgKind, Role
from kechuang.orgs.consent import INVITE_SENT
from kechuang.orgs.models import Organization
from kechuang.orgs.selectors import (
    audit_entries_for,
    members_of,
    organization_ancestors,
    organization_list,
)
from kechuang.orgs.services import (
    membership_invite,
    membership_remove,
    membership_set_role,
    organization_create,
    organization_update,
)

router = Router(tags=["organizations"])


# ---------------------------------------------------------------- schemas


class OrganizationFilterIn(PageIn):
    kind: OrgKind | None = Field(None, description="组织类型。")
    region: str = Field("", description="行政区划代码；省、市代码包含其下各级。")
    parent: Id | None = Field(None, description="直接上级的 id。")
    within: Id | None = Field(None, description="只列出该组织及其下全部组织。")
    q: str = Field("", description="名称或简称包含的文字。")


class OrganizationListOut(Schema):
    id: int
    name: str
    short_name: str
    kind: OrgKind
    kind_label: str
    level: str = Field(..., description="科协层级：national、province、city、district 或空。")
    parent_id: int | None
    region: CodeName
    industry: CodeName | None
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: Organization) -> str:
        return str(obj.get_kind_display())


class OrganizationPage(Page):
    items: list[OrganizationListOut]


class OrganizationOut(OrganizationListOut):
    parents: list[OrgRef] = Field(..., description="上级链，从根（全国科协）到直接上级。")
    depth: int
    credit_code: str | None
    description: str
    website: str
    created_at: datetime

    @staticmethod
    def resolve_parents(obj: Organization) -> list[Organization]:
        return organization_ancestors(obj)


class OrganizationFieldsIn(InputSchema):
    name: str | None = Field(None, description="名称，同一上级下唯一。")
    short_name: str | None = Field(None, description="简称。")
    region: str | None = Field(None, description="所在地区代码（GB/T 2260）。")
    industry: str | None = Field(None, description="所属行业代码（GB/T 4754）。")
    credit_code: str | None = Field(None, description="统一社会信用代码（18 位）。")
    description: str | None = Field(None, description="简介。")
    website: str | None = Field(None, description="网站。")


class OrganizationCreateIn(OrganizationFieldsIn):
    parent: int | None = Field(
        ..., description="上级组织 id，调用者须是其管理员或工作人员；只有平台管理员可创建根。"
    )
    kind: OrgKind
    level: AssociationLevel | None = Field(None, description="科协层级，仅科协填写。")
    name: str = Field(..., description="名称，同一上级下唯一。")
    region: str = Field(..., description="所在地区代码（GB/T 2260）。")


class OrganizationUpdateIn(OrganizationFieldsIn):
    """Partial update: only the fields sent change."""


class OrgMemberOut(Schema):
    id: int
    user: UserRef
    email: str | None
    mobile: str | None
    role: Role
    role_label: str
    created_at: datetime

    @staticmethod
    def resolve_email(obj: Any) -> str | None:
        return obj.user.email

    @staticmethod
    def resolve_mobile(obj: Any) -> str | None:
        return obj.user.mobile

    @staticmethod
    def resolve_role_label(obj: Any) -> str:
        return str(obj.get_role_display())


class MemberPage(Page):
    items: list[OrgMemberOut]


class MemberAddIn(InputSchema):
    login: str = Field(..., description="要加入的用户的登录名：电子邮箱或手机号码。")
    role: Role = Field(Role.MEMBER, description="admin、staff 或 member。")


class MemberInviteOut(Schema):
    detail: str = Field(..., description="固定的提示文字：是否存在该账号都相同。")


class MemberRoleIn(InputSchema):
    role: Role


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor: UserRef | None
    action: str = Field(..., description="create、update、status 或 delete。")
    object_type: str
    object_id: str
    object_repr: str
    organization: OrgRef | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str


class AuditPage(Page):
    items: list[AuditEntryOut]


def _membership_in(org: Organization, membership_id: int) -> int:
    """Membership ids are only addressed through their organisation."""
    if not members_of(org).filter(pk=membership_id).exists():
        raise NotFound()
    return membership_id


# ---------------------------------------------------------------- organisations


@router.get(
    "",
    response={200: OrganizationPage, **problems(401, 422)},
    summary="组织列表",
    description="有效的组织，任何人可调用；管理者还能看到其管理范围内已停用的组织。按树的顺序排列。",
    **PUBLIC,
)
@access_rule("organization")
def list_organizations(request: HttpRequest, filters: Query[OrganizationFilterIn]) -> Any:
    qs = organization_list(
        user=optional_user(request),
        kind=filters.kind.value if filters.kind else None,
        region=filters.region.strip() or None,
        parent_id=filters.parent,
        within_id=filters.within,
        q=filters.q.strip() or None,
    )
    return paginate(qs, filters)


@router.get(
    "/{org_id}",
    response={200: OrganizationOut, **problems(401, 404)},
    summary="组织详情",
    description="含上级链（`parents`）。已停用的组织只有其管理者可见。",
    **PUBLIC,
)
@access_rule("organization")
def get_organization(request: HttpRequest, org_id: int) -> Any:
    return access_organization_by_id(optional_user(request), org_id)


@router.post(
    "",
    response={201: OrganizationOut, **problems(401, 403, 422)},
    summary="创建下级组织",
    description=(
        "在调用者管理的组织（`parent`）之下创建组织。上下级须符合科协体系：省级科协在全国科协"
        "之下，市级在省级之下，区县级在市级之下；企业、高校等在科协或学会之下。"
    ),
)
@access_rule("organization")
def create_organization(request: HttpRequest, payload: OrganizationCreateIn) -> Any:
    user = token_user(request)
    parent = None
    if payload.parent is not None:
        try:
            parent = access_organization_by_id(user, payload.parent)
        except NotFound:
            raise ValidationFailed(fields={"parent": [_("未知的组织。")]}) from None
    data = service_data(payload, exclude={"parent"})
    data["level"] = data.get("level") or ""
    return Status(201, organization_create(actor=user, parent=parent, **data))


@router.patch(
    "/{org_id}",
    response={200: OrganizationOut, **problems(401, 403, 404, 422)},
    summary="修改组织",
    description="部分更新：只修改请求体中出现的字段。组织本身或其上级科协的管理员、工作人员可以修改。",
)
@access_rule("organization")
def update_organization(request: HttpRequest, org_id: int, payload: OrganizationUpdateIn) -> Any:
    user = token_user(request)
    org = access_organization_by_id(user, org_id, action="manage")
    return organization_update(actor=user, org=org, **service_data(payload))


# ---------------------------------------------------------------- members


@router.get(
    "/{org_id}/members",
    response={200: MemberPage, **problems(401, 403, 404, 422)},
    summary="成员列表",
    description="组织的成员及角色，只有该组织或其上级科协的管理员、工作人员可以查看。",
)
@access_rule("organization")
def list_members(request: HttpRequest, org_id: int, params: Query[PageIn]) -> Any:
    org = access_organization_by_id(token_user(request), org_id, action="manage")
    return paginate(members_of(org), params)


@router.post(
    "/{org_id}/members",
    response={202: MemberInviteOut, **problems(401, 403, 404, 422)},
    summary="邀请成员",
    description=(
        "按登录名（邮箱或手机号）邀请用户加入组织；对方在“我的邀请”中接受后才成为成员。"
        "无论该登录名是否对应已注册的账号（或已是成员），回答都相同，不透露任何账号信息。"
    ),
)
@access_rule("organization")
def add_member(request: HttpRequest, org_id: int, payload: MemberAddIn) -> Any:
    user = token_user(request)
    org = access_organization_by_id(user, org_id, action="manage")
    membership_invite(actor=user, organization=org, login=payload.login, role=payload.role.value)
    return Status(202, {"detail": str(INVITE_SENT)})


@router.patch(
    "/{org_id}/members/{membership_id}",
    response={200: OrgMemberOut, **problems(401, 403, 404, 422)},
    summary="修改成员角色",
    description="组织至少保留一名管理员。",
)
@access_rule("organization")
def set_member_role(
    request: HttpRequest, org_id: int, membership_id: int, payload: MemberRoleIn
) -> Any:
    user = token_user(request)
    org = access_organization_by_id(user, org_id, action="manage")
    return membership_set_role(
        actor=user, membership_id=_membership_in(org, membership_id), role=payload.role.value
    )


@router.delete(
    "/{org_id}/members/{membership_id}",
    response={204: None, **problems(401, 403, 404, 422)},
    summary="移除成员",
    description="组织至少保留一名管理员。",
)
@access_rule("organization")
def remove_member(request: HttpRequest, org_id: int, membership_id: int) -> Any:
    user = token_user(request)
    org = access_organization_by_id(user, org_id, action="manage")
    membership_remove(actor=user, membership_id=_membership_in(org, membership_id))
    return Status(204, None)


# ---------------------------------------------------------------- audit log


@router.get(
    "/{org_id}/audit",
    response={200: AuditPage, **problems(401, 403, 404, 422)},
    summary="审计日志",
    description="该组织及其下全部组织的变更记录，新的在前；只有其管理员、工作人员可以查看。",
)
@access_rule("organization")
def list_audit_entries(request: HttpRequest, org_id: int, params: Query[PageIn]) -> Any:
    user = token_user(request)
    org = access_organization_by_id(user, org_id, action="manage")
    return paginate(audit_entries_for(user, within=org).order_by("-at", "-id"), params)
