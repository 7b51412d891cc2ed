"""Demo engagements (对接), replayed through the services on a ``DemoClock``.

Thirty-odd dockings on the demo's published needs and achievements, over every stage:
waiting for the other side, introduced, negotiating, intention, two signed contracts
with amounts (one in implementation with a milestone and a payment, one completed with
its outcome), declined with each structured reason, withdrawn, and stalled. The
counterparties are the demo's universities, institutes and enterprises (acting through
their admin accounts) and the experts who keep their own profiles. Each step is a
service call by the account that would make it, at a moment in the last five months, so
events, audit entries and notifications are the real ones, and the association funnels
have times between stages to show.

Deterministic: the same database gives the same engagements (records in id order, a
fixed plan of stages).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from kechuang.accounts.models import User
from kechuang.catalog.choices import ExpertStatus, ListingStatus
from kechuang.catalog.models import Achievement, ExpertProfile, Need
from kechuang.demo.clock import DemoClock
from kechuang.engagements.choices import DeclineReason, Origin, Stage
from kechuang.engagements.models import Engagement
from kechuang.engagements.services import (
    engagement_complete,
    engagement_sign,
    engagement_start,
    engagement_transition,
    message_post,
    milestone_add,
    milestone_complete,
    payment_record,
)
from kechuang.orgs.choices import OrgKind
from kechuang.orgs.models import Organization

# The stage each planned engagement ends in, in order. Two contracts: "implementing"
# and "completed".
PLAN: tuple[str, ...] = (
    Stage.COMPLETED,
    Stage.IMPLEMENTING,
    *[Stage.INTENTION] * 4,
    *[Stage.NEGOTIATING] * 5,
    *[Stage.INTRODUCED] * 5,
    *[Stage.INTEREST] * 6,
    *[Stage.DECLINED] * 6,
    *[Stage.WITHDRAWN] * 2,
    *[Stage.STALLED] * 2,
)
DECLINES = [r for r in DeclineReason.values]
DECLINE_TEXT = {
    DeclineReason.TECH_MISMATCH: "我方研究方向与该需求的工艺路线差别较大。",
    DeclineReason.IMMATURE: "该技术尚处实验室阶段，暂不满足量产要求。",
    DeclineReason.BUDGET: "报价超出本年度研发预算。",
    DeclineReason.TIMING: "团队今年任务已满，明年可再联系。",
    DeclineReason.HAS_SOLUTION: "已与其他单位形成方案。",
    DeclineReason.OTHER: "项目方向调整，暂停对外合作。",
}
CONTRACTS = (
    # (type, amount, technology amount, title suffix, registered number)
    ("development", "268.00", "230.00", "技术开发合同", "330106-2026-0418"),
    ("transfer", "85.50", "85.50", "技术转让合同", ""),
)
FIRST_MESSAGE = "您好，我们看了贵方的材料，想进一步了解技术细节和合作方式。"
REPLY = "可以，我们整理一份技术说明和初步方案，下周发给您，也欢迎到现场交流。"


@dataclass
class _Party:
    """One side: the organisation or expert, and the account acting for it."""

    target: Organization | ExpertProfile
    actor: User
    org_ids: set[int]


class _Demo:
    def __init__(
        self, *, orgs: dict[str, Organization], managers: dict[str, User], clock: DemoClock
    ) -> None:
        self.clock = clock
        self.manager_by_org = {orgs[key].pk: user for key, user in managers.items()}
        self.orgs = orgs
        # the real "now" (taken before the clock runs): every replayed day counts from it
        self.base = timezone.localtime()

    def at(self, day: int) -> None:
        """Day ``day`` of the replay (0 = 150 days ago), at 10:00 plus a little."""
        moment = self.base - datetime.timedelta(days=150 - day)
        self.clock.set(moment.replace(hour=10, minute=day % 50, second=0, microsecond=0))

    def broker_for(self, org: Organization) -> User:
        """The staff account of the nearest association above ``org``."""
        above = [o for o in self.orgs.values() if o.is_association and org.path.startswith(o.path)]
        above = [o for o in above if o.pk != org.pk and o.pk in self.manager_by_org]
        return self.manager_by_org[max(above, key=lambda o: len(o.path)).pk]

    def counterparties(self) -> list[_Party]:
        found: list[_Party] = []
        for expert in (
            ExpertProfile.objects.filter(status=ExpertStatus.PUBLISHED, user__isnull=False)
            .select_related("user")
            .order_by("pk")
        ):
            assert expert.user is not None
            ids = set(expert.user.memberships.values_list("organization_id", flat=True))
            if expert.organization_id is not None:
                ids.add(expert.organization_id)
            found.append(_Party(expert, expert.user, ids))
        kinds = {OrgKind.UNIVERSITY, OrgKind.INSTITUTE, OrgKind.ENTERPRISE}
        for org in sorted(self.orgs.values(), key=lambda o: o.pk):
            if org.kind in kinds and org.pk in self.manager_by_org:
                found.append(_Party(org, self.manager_by_org[org.pk], {org.pk}))
        return found

    def subjects(self) -> list[Need | Achievement]:
        needs = list(Need.objects.filter(status=ListingStatus.PUBLISHED).order_by("pk"))
        items = list(Achievement.objects.filter(status=ListingStatus.PUBLISHED).order_by("pk"))
        mixed: list[Need | Achievement] = []
        for i in range(max(len(needs), len(items))):
            mixed += [x[i] for x in (needs, items) if i < len(x)]
        return [s for s in mixed if s.organization_id in self.manager_by_org]

    def pairs(self) -> list[tuple[Need | Achievement, _Party]]:
        """One counterparty per planned engagement, each pair once, never the subject's
        own organisation (deterministic round robin)."""
        subjects, parties = self.subjects(), self.counterparties()
        out: list[tuple[Need | Achievement, _Party]] = []
        used: set[tuple[str, int, int]] = set()
        k = 0
        for i in range(len(PLAN)):
            subject = subjects[i % len(subjects)]
            for _ in range(len(parties)):
                party = parties[k % len(parties)]
                k += 1
                key = (type(subject).__name__, subject.pk, id(party))
                if subject.organization_id not in party.org_ids and key not in used:
                    used.add(key)
                    out.append((subject, party))
                    break
        return out

    # -- one engagement, walked to its planned stage

    def walk(self, n: int, subject: Need | Achievement, party: _Party, stage: str) -> Engagement:
        owner = self.manager_by_org[subject.organization_id]
        day = 4 * n % 60  # starts spread over two months, then 2–12 days a step
        self.at(day)
        starter_is_party = n % 3 != 2
        origin = (
            (Origin.SOLVE if isinstance(subject, Need) else Origin.INTEREST)
            if starter_is_party
            else Origin.INVITE
        )
        item = engagement_start(
            actor=party.actor if starter_is_party else owner,
            subject=subject,
            counterparty=party.target,
            origin=origin,
            note="希望进一步沟通合作的可能。",
        )
        starter, other = (party.actor, owner) if starter_is_party else (owner, party.actor)
        if stage == Stage.INTEREST:
            return item
        if stage == Stage.WITHDRAWN:
            self.at(day + 5)
            return engagement_transition(
                actor=starter, engagement=item, to=Stage.WITHDRAWN, text="内部计划调整。"
            )
        day += 2 + n % 3
        self.at(day)
        engagement_transition(actor=other, engagement=item, to=Stage.INTRODUCED)
        day += 1
        self.at(day)
        message_post(actor=owner, engagement=item, body=FIRST_MESSAGE)
        day += 1
        self.at(day)
        message_post(actor=party.actor, engagement=item, body=REPLY)
        if stage == Stage.DECLINED:
            reason = DECLINES[n % len(DECLINES)]
            self.at(day + 3)
            return engagement_transition(
                actor=party.actor,
                engagement=item,
                to=Stage.DECLINED,
                reason=reason,
                text=DECLINE_TEXT[DeclineReason(reason)],
            )
        if stage == Stage.INTRODUCED:
            return item
        day += 3 + n % 4
        self.at(day)
        engagement_transition(actor=owner, engagement=item, to=Stage.NEGOTIATING)
        if stage == Stage.STALLED:
            self.at(day + 30)
            return engagement_transition(
                actor=self.broker_for(subject.organization), engagement=item, to=Stage.STALLED
            )
        if stage == Stage.NEGOTIATING:
            return item
        day += 6 + n % 5
        self.at(day)
        engagement_transition(
            actor=party.actor,
            engagement=item,
            to=Stage.INTENTION,
            text="双方同意先开展小试验证，再商定正式合同。",
        )
        if stage == Stage.INTENTION:
            return item
        return self.sign(n, item, subject, party, owner, day, stage)

    def sign(
        self,
        n: int,
        item: Engagement,
        subject: Need | Achievement,
        party: _Party,
        owner: User,
        day: int,
        stage: str,
    ) -> Engagement:
        kind, amount, technology, suffix, number = CONTRACTS[n]
        day += 12
        self.at(day)
        target = party.target
        party_b = target.name
        engagement_sign(
            actor=owner,
            engagement=item,
            contract_type=kind,
            title=f"{subject.title[:40]}{suffix}",
            amount=amount,
            technology_amount=technology,
            party_a=subject.organization.name,
            party_b=party_b,
            signed_on=timezone.localdate().isoformat(),
            term_start=timezone.localdate().isoformat(),
            term_end=(timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
            registered=bool(number),
            registration_number=number,
        )
        day += 5
        self.at(day)
        engagement_transition(actor=owner, engagement=item, to=Stage.IMPLEMENTING)
        milestone = milestone_add(
            actor=owner,
            engagement=item,
            title="完成小试样机并通过第三方检测",
            due_on=(timezone.localdate() + datetime.timedelta(days=40)).isoformat(),
        )
        day += 20
        self.at(day)
        payment_record(
            actor=owner,
            engagement=item,
            amount="60" if n == 0 else "30",
            received_on=timezone.localdate().isoformat(),
            note="首期款",
        )
        if stage == Stage.IMPLEMENTING:
            return item
        day += 25
        self.at(day)
        milestone_complete(
            actor=owner, milestone=milestone, done_on=timezone.localdate().isoformat()
        )
        day += 10
        self.at(day)
        engagement_complete(
            actor=owner,
            engagement=item,
            products=1,
            patents=2,
            revenue="420",
            jobs=6,
            summary="液冷板新流道已用于两款储能柜产品，电芯温差降至 3℃ 以内。",
        )
        return item


def load(*, orgs: dict[str, Organization], managers: dict[str, User]) -> dict[str, int]:
    """Load the demo engagements; returns how many engagements and contracts exist."""
    clock = DemoClock()
    demo = _Demo(orgs=orgs, managers=managers, clock=clock)
    with clock.running():
        pairs = demo.pairs()
        for n, ((subject, party), stage) in enumerate(zip(pairs, PLAN, strict=False)):
            demo.walk(n, subject, party, stage)
    return {
        "engagements": Engagement.objects.count(),
        "contracts": Engagement.objects.filter(contract__isnull=False).count(),
    }
