"""Load the demo content through the services, so the audit log and the lifecycle are real.

Organisations are created by the platform administrator; every enterprise, university
and institute gets an admin account and every association a staff account; needs and
achievements are written by their organisation's admin and reviewed by the staff of the
association above it; expert profiles are kept by their organisation's managers.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from kechuang.accounts.models import User
from kechuang.accounts.services import user_create_platform_admin, user_register
from kechuang.catalog.choices import ListingAction, ListingStatus
from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.catalog.selectors import public_counts
from kechuang.catalog.services import (
    achievement_create,
    expert_create,
    expert_set_status,
    expert_work_add,
    listing_transition,
    need_create,
)
from kechuang.demo import challenges, engagements
from kechuang.demo.achievements import ACHIEVEMENTS
from kechuang.demo.experts import EXPERTS
from kechuang.demo.needs import DOCKING_NEED, NEEDS
from kechuang.demo.orgs import DOMAIN, MAIN_ACCOUNTS, ORGS, PASSWORD, Account
from kechuang.orgs.choices import ASSOCIATION_KINDS, Role
from kechuang.orgs.models import Organization
from kechuang.orgs.services import membership_add, organization_create

DEMO_PASSWORD = PASSWORD

# Status to reach -> the actions that lead there from a fresh draft.
PATHS: dict[str, list[str]] = {
    ListingStatus.DRAFT: [],
    ListingStatus.SUBMITTED: [ListingAction.SUBMIT],
    ListingStatus.RETURNED: [ListingAction.SUBMIT, ListingAction.RETURN],
    ListingStatus.PUBLISHED: [ListingAction.SUBMIT, ListingAction.PUBLISH],
    ListingStatus.CLOSED: [ListingAction.SUBMIT, ListingAction.PUBLISH, ListingAction.CLOSE],
}
REVIEWER_ACTIONS = {ListingAction.PUBLISH, ListingAction.RETURN}
AREA_CODES = {"33": "0571", "32": "0512", "44": "020", "51": "028"}


def demo_has_data() -> bool:
    """True once the database holds any organisation, demo or not: then nothing is loaded."""
    return Organization.objects.exists()


# What each printed login can try in the demo, in one sentence (tests/demo check that the
# demo holds what each sentence promises).
CAN_TRY: dict[str, str] = {
    f"admin@{DOMAIN}": "平台管理员：管理组织与账号，代任一单位创建榜单，查看全部备案汇总",
    f"zhejiang@{DOMAIN}": (
        f"省科协工作人员：组织《{challenges.OPEN_REVIEW['title']}》（第一轮评分中，可查看进度、"
        "调整截止时间），管理 2026 年揭榜榜单"
    ),
    f"hangzhou@{DOMAIN}": "市科协工作人员：审核下属单位提交的需求和成果（退回或发布）",
    f"enterprise@{DOMAIN}": (
        f"企业管理员：完善并提交揭榜申请草稿《{challenges.DRAFT_BID.title}》，"
        f"查看需求《{DOCKING_NEED}》的推荐专家与成果"
    ),
    f"expert@{DOMAIN}": "科研人员：维护本人专家档案，浏览需求并查看与自己匹配的推荐",
    challenges.REVIEWER_EMAIL: (
        f"评审专家：给《{challenges.OPEN_REVIEW['title']}》的 "
        f"{len(challenges.OPEN_REVIEW_ITEMS)} 个评审对象打分"
    ),
    f"admin-jinmin@{DOMAIN}": "揭榜方：为实施中的项目提交第二个里程碑的进展报告",
}


def demo_accounts() -> list[tuple[str, str, str]]:
    """(login, role, what it can try) of the main demo accounts, then the challenges'
    reviewer and winner, that exist in this database."""
    logins = [(a.email, a.role) for a in MAIN_ACCOUNTS] + list(challenges.ACCOUNTS)
    present = set(
        User.objects.filter(email__in=[e for e, _ in logins]).values_list("email", flat=True)
    )
    return [(e, role, CAN_TRY.get(e, "")) for e, role in logins if e in present]


class _Loader:
    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.orgs: dict[str, Organization] = {}
        self.parent_key: dict[str, str | None] = {}
        self.managers: dict[str, User] = {}  # org key -> the account acting for it
        self.admin: User | None = None

    # -- organisations and people

    def load_orgs(self) -> None:
        main = {a.org: a for a in MAIN_ACCOUNTS}
        self.admin = user_create_platform_admin(
            display_name=MAIN_ACCOUNTS[0].name, password=PASSWORD, email=MAIN_ACCOUNTS[0].email
        )
        for row in ORGS:
            parent = self.orgs[row.parent] if row.parent else None
            self.orgs[row.key] = organization_create(
                actor=self.admin,
                name=row.name,
                short_name=row.short_name,
                kind=row.kind,
                level=row.level,
                parent=parent,
                region_id=row.region,
                industry_id=row.industry,
                description=row.description,
            )
            self.parent_key[row.key] = row.parent
            is_association = row.kind in ASSOCIATION_KINDS
            account = main.get(row.key)
            if account is None or account.membership == "member":
                prefix, role_name = ("staff", "工作人员") if is_association else ("admin", "管理员")
                account = Account(
                    f"{prefix}-{row.key}@{DOMAIN}",
                    f"{row.short_name}{role_name}",
                    "",
                    row.key,
                    "staff" if is_association else "admin",
                )
            self.managers[row.key] = self.add_person(account)
        researcher = next(a for a in MAIN_ACCOUNTS if a.membership == "member")
        self.researcher = self.add_person(researcher)

    def add_person(self, account: Account) -> User:
        user = user_register(display_name=account.name, password=PASSWORD, email=account.email)
        assert account.org is not None
        membership_add(
            actor=self.admin,
            organization=self.orgs[account.org],
            user=user,
            role=Role(account.membership),
        )
        return user

    def reviewer_for(self, org_key: str) -> User:
        parent = self.parent_key[org_key]
        return self.managers[parent] if parent else self.admin  # type: ignore[return-value]

    # -- needs and achievements

    def walk(self, item: Any, org_key: str, status: str, reason: str) -> None:
        for action in PATHS[status]:
            reviewer = action in REVIEWER_ACTIONS
            listing_transition(
                actor=self.reviewer_for(org_key) if reviewer else self.managers[org_key],
                item=item,
                action=action,
                reason=reason if action == ListingAction.RETURN else "",
            )

    def load_needs(self) -> None:
        for n in NEEDS:
            org = self.orgs[n.org]
            need = need_create(
                actor=self.managers[n.org],
                organization=org,
                title=n.title,
                description=n.description,
                region_id=n.region or org.region_id,
                industry_id=n.industry or org.industry_id,
                disciplines=n.disciplines,
                cooperation_modes=n.modes,
                keywords=n.keywords,
                budget_min=n.budget[0],
                budget_max=n.budget[1],
                deadline=self.today + datetime.timedelta(days=n.days),
                contact_name=n.contact,
                contact_phone=f"{AREA_CODES[org.region_id[:2]]}-8800{len(n.title):04d}",
                contact_email=f"{n.org}@{DOMAIN}",
                contact_visibility="members",
            )
            self.walk(need, n.org, n.status, n.reason)

    def load_achievements(self) -> None:
        for a in ACHIEVEMENTS:
            org = self.orgs[a.org]
            ip_type, ip_number, ip_status = a.ip
            achievement = achievement_create(
                actor=self.managers[a.org],
                organization=org,
                title=a.title,
                summary=a.summary,
                region_id=a.region or org.region_id,
                industry_id=a.industry,
                disciplines=a.disciplines,
                cooperation_modes=a.modes,
                keywords=a.keywords,
                team=a.team,
                trl=a.trl,
                ip_type=ip_type,
                ip_number=ip_number,
                ip_status=ip_status,
                terms=a.terms,
                asking_price=a.price,
            )
            self.walk(achievement, a.org, a.status, a.reason)

    # -- experts

    def load_experts(self) -> None:
        for e in EXPERTS:
            org = self.orgs[e.org]
            actor = self.researcher if e.own else self.managers[e.org]
            fields: dict[str, Any] = {
                "name": e.name,
                "title_level": e.title[0],
                "title_name": e.title[1],
                "affiliation": e.affiliation or org.name,
                "region_id": e.region or org.region_id,
                "disciplines": e.disciplines,
                "industries": e.industries,
                "keywords": e.keywords,
                "biography": e.biography,
                "is_frontline_engineer": e.frontline,
                "is_government_staff": e.government,
            }
            if e.own:
                expert = expert_create(actor=actor, organization=org, for_self=True, **fields)
            else:
                expert = expert_create(actor=actor, organization=org, for_self=False, **fields)
            for kind, title, year, venue in e.works:
                expert_work_add(
                    actor=actor, expert=expert, kind=kind, title=title, year=year, venue=venue
                )
            if e.status != "draft":
                expert_set_status(actor=actor, expert=expert, status=e.status)


class DemoPasswordHasher(PBKDF2PasswordHasher):
    """Django's default PBKDF2 hasher with one fixed salt, used only while loading the demo.

    Every demo account has the same public password; with one salt the deliberately slow
    hash is computed once instead of once per account (about 0.5 s each). The stored
    hashes are ordinary ``pbkdf2_sha256`` hashes that the default hasher verifies.
    """

    def salt(self) -> str:
        return "kechuangDemoSalt2026xx"

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        return _cached_encode(password, salt, iterations)


@functools.lru_cache(maxsize=4)
def _cached_encode(password: str, salt: str, iterations: int | None) -> str:
    return PBKDF2PasswordHasher().encode(password, salt, iterations)


@transaction.atomic
def demo_load() -> dict[str, int]:
    """Load every demo object in one transaction; returns what was created: the number of
    each kind of record (every status) and, as ``<kind>_published``, how many of the
    needs, achievements and experts the public sees (``catalog.selectors.public_counts``)."""
    loader = _Loader()
    hashers = list(settings.PASSWORD_HASHERS)
    if hashers and hashers[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher":
        hashers.insert(0, f"{__name__}.DemoPasswordHasher")
    with override_settings(PASSWORD_HASHERS=hashers):
        loader.load_orgs()
    loader.load_needs()
    loader.load_achievements()
    loader.load_experts()
    with override_settings(PASSWORD_HASHERS=hashers):
        assert loader.admin is not None
        found = challenges.load(
            orgs=loader.orgs, managers=loader.managers, admin=loader.admin, password=PASSWORD
        )
    found.update(engagements.load(orgs=loader.orgs, managers=loader.managers))
    public = public_counts()
    return {
        **found,
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
        "needs": Need.objects.count(),
        "achievements": Achievement.objects.count(),
        "experts": ExpertProfile.objects.count(),
        # what the home page counts: published and not expired
        "needs_published": public["needs"],
        "achievements_published": public["achievements"],
        "experts_published": public["experts"],
    }
