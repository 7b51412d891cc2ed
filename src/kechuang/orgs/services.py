"""Writes on organisations and memberships, and signing up with a new organisation.

Tree writes (``parent``, ``path``, ``depth``) happen only here, with the parent row
locked, so concurrent creates and moves cannot leave a wrong path behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from kechuang.accounts.backends import find_user_by_login
from kechuang.accounts.models import User
from kechuang.accounts.services import user_register
from kechuang.audit.models import AuditAction
from kechuang.audit.services import audit_record, snapshot
from kechuang.common.errors import NotFound, PermissionDenied, ValidationFailed
from kechuang.common.errors import validation_error_from_django as from_django
from kechuang.matching.services import mark_dirty, mark_subtree_dirty
from kechuang.orgs.access import forget_viewer, viewer_for
from kechuang.orgs.choices import ASSOCIATION_KINDS, PARENT_LEVEL, AssociationLevel, OrgKind, Role
from kechuang.orgs.consent import request_join
from kechuang.orgs.models import Membership, Organization

EDITABLE_FIELDS = (
    "name",
    "short_name",
    "region_id",
    "industry_id",
    "credit_code",
    "description",
    "website",
)


def _check_placement(kind: str, level: str, parent: Organization | None) -> None:
    """The shape of the tree: who may sit under whom."""
    if kind == OrgKind.ASSOCIATION:
        if level == AssociationLevel.NATIONAL:
            if parent is not None:
                raise ValidationFailed(fields={"parent": [_("全国科协不能有上级组织。")]})
            return
        wanted = PARENT_LEVEL.get(level) if level else None  # unknown levels too
        if wanted is None:
            raise ValidationFailed(fields={"level": [_("请选择科协层级。")]})
        if parent is None or parent.kind != OrgKind.ASSOCIATION or parent.level != wanted:
            raise ValidationFailed(
                fields={"parent": [_("上级必须是%(level)s科协。") % {"level": wanted.label}]}
            )
        return
    if parent is None:
        raise ValidationFailed(fields={"parent": [_("请选择上级科协。")]})
    if kind == OrgKind.SOCIETY:
        if parent.kind != OrgKind.ASSOCIATION or parent.level != AssociationLevel.NATIONAL:
            raise ValidationFailed(fields={"parent": [_("全国学会的上级必须是全国科协。")]})
    elif parent.kind not in ASSOCIATION_KINDS:
        raise ValidationFailed(fields={"parent": [_("上级必须是科协或学会。")]})


def _full_clean(org: Organization) -> None:
    try:
        org.full_clean(exclude=["path", "depth"])
    except ValidationError as exc:
        raise from_django(exc) from exc


@transaction.atomic
def organization_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    region_id: str,
    parent: Organization | None = None,
    level: str = "",
    short_name: str = "",
    industry_id: str | None = None,
    credit_code: str | None = None,
    description: str = "",
    website: str = "",
    check_permission: bool = True,
) -> Organization:
    """Create an organisation under ``parent``.

    Creating an association or placing anything under a parent needs a managing role on
    the parent, except for sign-up (``check_permission=False``), where a new user
    registers their own enterprise, university or institute and becomes its admin.
    """
    if kind not in OrgKind.values:
        raise ValidationFailed(fields={"kind": [_("未知的组织类型。")]})
    if parent is not None:
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
    if check_permission:  # first, so an outsider learns nothing about the tree's rules
        viewer = viewer_for(actor)
        allowed = viewer.is_platform_admin if parent is None else viewer.manages(parent)
        if not allowed:
            raise PermissionDenied()
    _check_placement(kind, level, parent)
    org = Organization(
        name=(name or "").strip(),
        short_name=(short_name or "").strip(),
        kind=kind,
        level=level if kind == OrgKind.ASSOCIATION else "",
        parent=parent,
        region_id=region_id or None,  # type: ignore[misc]  # full_clean reports it missing
        industry_id=industry_id or None,
        credit_code=(credit_code or "").strip() or None,
        description=description or "",
        website=website or "",
    )
    _full_clean(org)
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as exc:
        raise ValidationFailed(fields={"name": [_("同一上级下已有同名组织。")]}) from exc
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.depth = parent.depth + 1 if parent else 0
    org.save(update_fields=["path", "depth"])
    audit_record(
        actor=actor, action=AuditAction.CREATE, obj=org, organization=org, after=snapshot(org)
    )
    mark_dirty(org)
    return org


@transaction.atomic
def organization_update(*, actor: Any, org: Organization, **changes: Any) -> Organization:
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if not viewer_for(actor).manages(org):
        raise PermissionDenied()
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: [_("该字段不可修改。")] for name in sorted(unknown)})
    before = snapshot(org)
    for field, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        if field in {"industry_id", "credit_code"} and value == "":
            value = None
        setattr(org, field, value)
    _full_clean(org)
    org.save(update_fields=list(changes))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=org,
        organization=org,
        before=before,
        after=snapshot(org),
    )
    mark_dirty(org)
    return org


@transaction.atomic
def organization_move(*, actor: Any, org: Organization, new_parent: Organization) -> Organization:
    """Move ``org`` and its whole subtree under ``new_parent``."""
    org = Organization.objects.select_for_update().get(pk=org.pk)
    new_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
    viewer = viewer_for(actor)
    if not (viewer.manages(org) and viewer.manages(new_parent)):
        raise PermissionDenied()
    if new_parent.path.startswith(org.path):
        raise ValidationFailed(fields={"parent": [_("不能移动到自身或下级组织之下。")]})
    _check_placement(org.kind, org.level, new_parent)
    before = snapshot(org)
    old_path, new_path = org.path, f"{new_parent.path}{org.pk}/"
    depth_shift = new_parent.depth + 1 - org.depth
    Organization.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    org.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=org,
        organization=org,
        before=before,
        after=snapshot(org),
        note="move",
    )
    mark_subtree_dirty(org.path)  # every path below changed
    return org


@transaction.atomic
def organization_set_active(*, actor: Any, org: Organization, active: bool) -> Organization:
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if not viewer_for(actor).reviews_for(org):
        raise PermissionDenied()
    before = snapshot(org)
    org.is_active = active
    org.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.STATUS,
        obj=org,
        organization=org,
        before=before,
        after=snapshot(org),
    )
    mark_dirty(org)
    return org


def _membership_audit(actor: Any, m: Membership, action: AuditAction, before: Any) -> None:
    after = None if action == AuditAction.DELETE else snapshot(m)
    audit_record(
        actor=actor, action=action, obj=m, organization=m.organization, before=before, after=after
    )


@transaction.atomic
def membership_invite(
    *, actor: Any, organization: Organization, login: str, role: str = Role.MEMBER
) -> None:
    """Invite the account behind ``login`` to join; it becomes a member once it accepts.

    Returns nothing, and does the same visible thing whether or not the login belongs to
    an account (or to one already a member): the inviting side learns nothing about who
    is registered. The invited person sees the invitation in their inbox.
    """
    if not viewer_for(actor).manages(organization):
        raise PermissionDenied()
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("未知的角色。")]})
    invitee = find_user_by_login((login or "").strip())
    if invitee is None or not invitee.is_active:
        return
    if Membership.objects.filter(user=invitee, organization=organization).exists():
        return
    request_join(inviter=actor, organization=organization, user=invitee, role=role)


@transaction.atomic
def membership_add(
    *,
    actor: Any,
    organization: Organization,
    user: Any,
    role: str = Role.MEMBER,
    check_permission: bool = True,
) -> Membership:
    """Make ``user`` a member at once, without asking them: for sign-up (their own new
    organisation), the demo data and an accepted invitation. Managers adding someone else
    go through ``membership_invite``."""
    if check_permission and not viewer_for(actor).manages(organization):
        raise PermissionDenied()
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("未知的角色。")]})
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, organization=organization, role=role)
    except IntegrityError as exc:
        raise ValidationFailed(fields={"user": [_("该用户已是本组织成员。")]}) from exc
    _membership_audit(actor, membership, AuditAction.CREATE, None)
    forget_viewer(user)
    return membership


@transaction.atomic
def membership_set_role(*, actor: Any, membership_id: int, role: str) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("organization", "user")
        .filter(pk=membership_id)
        .first()
    )
    viewer = viewer_for(actor)
    if membership is None or not viewer.sees_private_of(membership.organization):
        raise NotFound()
    if not viewer.manages(membership.organization):
        raise PermissionDenied()
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("未知的角色。")]})
    _keep_one_admin(membership, new_role=role)
    before = snapshot(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    _membership_audit(actor, membership, AuditAction.UPDATE, before)
    forget_viewer(membership.user)
    return membership


@transaction.atomic
def membership_remove(*, actor: Any, membership_id: int) -> None:
    membership = (
        Membership.objects.select_for_update()
        .select_related("organization", "user")
        .filter(pk=membership_id)
        .first()
    )
    viewer = viewer_for(actor)
    if membership is None or not viewer.sees_private_of(membership.organization):
        raise NotFound()
    if not viewer.manages(membership.organization):
        raise PermissionDenied()
    _keep_one_admin(membership, new_role=None)
    before = snapshot(membership)
    _membership_audit(actor, membership, AuditAction.DELETE, before)
    membership.delete()
    forget_viewer(membership.user)


def _keep_one_admin(membership: Membership, *, new_role: str | None) -> None:
    """An organisation with admins keeps at least one."""
    if membership.role != Role.ADMIN or new_role == Role.ADMIN:
        return
    others = Membership.objects.filter(
        organization=membership.organization, role=Role.ADMIN
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationFailed(fields={"role": [_("组织至少需要保留一名管理员。")]})


def get_organization(org_id: int) -> Organization:
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound()
    return org


# Kinds of organisation a person may register themselves at sign-up; associations are
# created by the association above them.
SIGNUP_ORG_KINDS = ("enterprise", "university", "institute", "service_agency")


@dataclass(frozen=True)
class SignupOrganization:
    name: str
    kind: str
    region_id: str
    parent_id: int | None


@transaction.atomic
def user_signup(
    *,
    display_name: str,
    password: str,
    email: str | None = None,
    mobile: str | None = None,
    organization: SignupOrganization | None = None,
) -> User:
    """Register an account and, optionally, the person's organisation with them as its admin.

    All or nothing: if the organisation cannot be created the account is not created
    either. Errors about the organisation come back on fields prefixed ``org_``.
    """
    user = user_register(display_name=display_name, password=password, email=email, mobile=mobile)
    if organization is None:
        return user
    if organization.kind not in SIGNUP_ORG_KINDS:
        raise ValidationFailed(fields={"org_kind": [_("请选择企业、高校、科研院所或服务机构。")]})
    parent = (
        Organization.objects.filter(
            pk=organization.parent_id, kind__in=ASSOCIATION_KINDS, is_active=True
        ).first()
        if organization.parent_id is not None
        else None
    )
    if parent is None:
        raise ValidationFailed(fields={"org_parent": [_("请选择所属科协。")]})
    try:
        org = organization_create(
            actor=user,
            name=organization.name,
            kind=organization.kind,
            region_id=organization.region_id,
            parent=parent,
            check_permission=False,
        )
    except ValidationFailed as exc:
        raise ValidationFailed(
            fields={
                name if name == "__all__" else f"org_{name.removesuffix('_id')}": msgs
                for name, msgs in exc.fields.items()
            }
        ) from exc
    membership_add(actor=user, organization=org, user=user, role=Role.ADMIN, check_permission=False)
    return user
