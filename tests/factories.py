"""factory_boy factories. Organisations go through ``organization_create`` so paths are right."""

from __future__ import annotations

from typing import Any

import factory

from kechuang.accounts.models import User
from kechuang.orgs.choices import AssociationLevel, OrgKind, Role
from kechuang.orgs.models import Organization
from kechuang.orgs.services import membership_add, organization_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "Kechuang-test-2026")

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


class OrganizationFactory(factory.Factory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试组织{n}")
    kind = OrgKind.ENTERPRISE
    region_id = "330100"
    parent = None
    level = ""

    @classmethod
    def _create(cls, model_class: type[Organization], **kwargs: Any) -> Organization:
        return organization_create(actor=None, check_permission=False, **kwargs)


def association(name: str, level: str, parent: Organization | None, region: str) -> Organization:
    return OrganizationFactory(
        name=name, kind=OrgKind.ASSOCIATION, level=level, parent=parent, region_id=region
    )


def member(org: Organization, role: str = Role.MEMBER, **user_fields: Any) -> User:
    user = UserFactory(**user_fields)
    membership_add(actor=None, organization=org, user=user, role=role, check_permission=False)
    return user


__all__ = ["AssociationLevel", "OrganizationFactory", "UserFactory", "association", "member"]
