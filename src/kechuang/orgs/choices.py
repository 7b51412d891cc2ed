"""Kinds of organisation, association levels and membership roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    ASSOCIATION = "association", _("科协")
    SOCIETY = "society", _("全国学会")
    ENTERPRISE_ASSOCIATION = "enterprise_association", _("企业科协")
    PARK_ASSOCIATION = "park_association", _("园区科协")
    UNIVERSITY_ASSOCIATION = "university_association", _("高校科协")
    ENTERPRISE = "enterprise", _("企业")
    UNIVERSITY = "university", _("高校")
    INSTITUTE = "institute", _("科研院所")
    SERVICE_AGENCY = "service_agency", _("服务机构")
    GOVERNMENT = "government", _("政府部门")


ASSOCIATION_KINDS = frozenset(
    {
        OrgKind.ASSOCIATION,
        OrgKind.SOCIETY,
        OrgKind.ENTERPRISE_ASSOCIATION,
        OrgKind.PARK_ASSOCIATION,
        OrgKind.UNIVERSITY_ASSOCIATION,
    }
)


class AssociationLevel(models.TextChoices):
    """Level of a regional association (科协) in the CAST tree."""

    NATIONAL = "national", _("全国")
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    DISTRICT = "district", _("区县级")


# Which level a regional association's parent must have.
PARENT_LEVEL: dict[str, AssociationLevel] = {
    AssociationLevel.PROVINCE: AssociationLevel.NATIONAL,
    AssociationLevel.CITY: AssociationLevel.PROVINCE,
    AssociationLevel.DISTRICT: AssociationLevel.CITY,
}


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    STAFF = "staff", _("工作人员")
    MEMBER = "member", _("成员")


MANAGING_ROLES = frozenset({Role.ADMIN, Role.STAFF})
