"""The engagement funnel of an association's subtree over a period (issue 13, item 8).

What each number means (docs/engagements.md, "Funnel"): an engagement belongs to the
subtree of the association above its subject's owner (the need's or achievement's
organisation), and it counts in a stage in the period when it *reached* that stage in
the period (the stage's first time, ``Engagement.<stage>_at``, as a local date between
``start`` and ``end`` inclusive):

- started, introduced, intention, signed, completed: engagements that reached the
  stage in the period; accepted challenge projects (揭榜挂帅, registered by the
  ``challenges`` app, see ``register_deals``) count as signed and completed;
- contract value and technology transaction amount: the sums over the contracts of the
  engagements counted as signed (万元, exact decimals);
- median days between stages: for each step (started → introduced → intention → signed
  → completed), over the engagements that made the step in the period;
- decline reasons: engagements declined in the period, by structured reason.

Only what the viewer may see is counted: the engagements come from the one access
rule (``access.engagements_visible``), narrowed to the association's subtree.
"""

from __future__ import annotations

import datetime
import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.common.access_rules import gatekeeper
from kechuang.common.errors import NotFound
from kechuang.common.validation import Errors
from kechuang.engagements.access import engagements_visible
from kechuang.engagements.choices import DeclineReason, Stage
from kechuang.engagements.models import Contract, Engagement
from kechuang.orgs.access import viewer_for
from kechuang.orgs.models import Organization

MAX_DAYS = 3660  # a period of at most ten years
ZERO = Decimal("0.00")

# (key, label, the stage's time field) in funnel order
STAGES: tuple[tuple[str, Any, str], ...] = (
    ("started", gettext_lazy("新发起对接"), "started_at"),
    ("introduced", gettext_lazy("完成引荐"), "introduced_at"),
    ("intention", gettext_lazy("意向达成"), "intention_at"),
    ("signed", gettext_lazy("签订合同"), "signed_at"),
    ("completed", gettext_lazy("落地完成"), "completed_at"),
)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start 00:00, the day after end 00:00) in the site's time zone."""
        tz = timezone.get_current_timezone()
        lo = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        hi = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        return lo, hi


def default_period(today: datetime.date | None = None) -> Period:
    """The last 365 days, today included."""
    today = today or timezone.localdate()
    return Period(start=today - datetime.timedelta(days=364), end=today)


def parse_period(start: Any, end: Any) -> Period:
    """The period from two ``YYYY-MM-DD`` strings (empty: the last 365 days);
    ``ValidationFailed`` naming the field for a bad date, an end before the start or a
    period longer than ten years."""
    errors = Errors()
    default = default_period()
    dates: dict[str, datetime.date] = {}
    for name, value, fallback in (("start", start, default.start), ("end", end, default.end)):
        text = str(value or "").strip()
        if not text:
            dates[name] = fallback
            continue
        try:
            dates[name] = datetime.date.fromisoformat(text)
        except ValueError:
            errors.add(name, _("日期格式应为 YYYY-MM-DD，如 2026-01-31。"))
        else:
            if len(text) != 10:
                errors.add(name, _("日期格式应为 YYYY-MM-DD，如 2026-01-31。"))
    errors.raise_if_any()
    if dates["end"] < dates["start"]:
        errors.add("end", _("结束日期不能早于开始日期。"))
    elif (dates["end"] - dates["start"]).days > MAX_DAYS:
        errors.add("end", _("统计区间最长十年。"))
    errors.raise_if_any()
    return Period(start=dates["start"], end=dates["end"])


@gatekeeper("engagement", "organization")
def access_funnel_association(user: Any, association_id: Any) -> Organization:
    """The association whose funnel ``user`` may see: one they are admin or staff of, or
    one below such an association (platform administrators: any). Else NotFound."""
    try:
        org = Organization.objects.get(pk=int(association_id), is_active=True)
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if not org.is_association or not viewer_for(user).manages(org):
        raise NotFound()
    return org


@gatekeeper("organization")
def funnel_associations(user: Any, *, limit: int = 300) -> list[Organization]:
    """The associations ``user`` may see a funnel of, the highest first."""
    viewer = viewer_for(user)
    if not viewer.is_authenticated:
        return []
    rows = Organization.objects.filter(is_active=True)
    if not viewer.is_platform_admin:
        rows = rows.filter(viewer.managed_scope(""))
    return [o for o in rows.order_by("path")[: limit * 4] if o.is_association][:limit]


# ---------------------------------------------------------------- accepted challenge projects


@dataclass(frozen=True)
class Deals:
    """Deals made outside engagements (accepted challenge projects) in one subtree."""

    signed: int = 0
    completed: int = 0


DealSource = Callable[[str, datetime.datetime, datetime.datetime], Deals]
_deal_sources: list[DealSource] = []


def register_deals(source: DealSource) -> None:
    """An app above this one adds its deals: ``source(path, lo, hi)`` counts those inside
    the subtree at ``path`` in [lo, hi) (``challenges`` registers its accepted projects)."""
    if source not in _deal_sources:
        _deal_sources.append(source)


def other_deals(path: str, period: Period) -> Deals:
    lo, hi = period.bounds()
    signed = completed = 0
    for source in _deal_sources:
        found = source(path, lo, hi)
        signed += found.signed
        completed += found.completed
    return Deals(signed=signed, completed=completed)


# ---------------------------------------------------------------- the funnel


@dataclass(frozen=True)
class StageCount:
    key: str
    label: str
    engagements: int
    other: int = 0  # accepted challenge projects counted here too

    @property
    def count(self) -> int:
        return self.engagements + self.other


@dataclass(frozen=True)
class StageGap:
    key: str  # "started-introduced"
    label: str  # "发起对接 → 完成引荐"
    median_days: float | None  # None: no engagement made the step in the period
    n: int


@dataclass(frozen=True)
class DeclineCount:
    reason: str
    label: str
    count: int


@dataclass
class Funnel:
    association: Organization
    period: Period
    stages: list[StageCount]
    contract_value: Decimal
    technology_amount: Decimal
    contracts: int
    gaps: list[StageGap]
    declines: list[DeclineCount]
    challenge_projects: Deals = field(default_factory=Deals)

    def count(self, key: str) -> int:
        return next(s.count for s in self.stages if s.key == key)

    @property
    def declined(self) -> int:
        return sum(d.count for d in self.declines)


def subtree_engagements(user: Any, association: Organization) -> QuerySet[Engagement]:
    """The engagements ``user`` may see whose subject's owner lies in the subtree."""
    return engagements_visible(user).filter(subject_org__path__startswith=association.path)


def _days(a: datetime.datetime, b: datetime.datetime) -> float:
    return (b - a).total_seconds() / 86400


@gatekeeper("engagement")
def funnel_for(user: Any, association: Organization, period: Period) -> Funnel:
    """The funnel of ``association``'s subtree in ``period`` as ``user`` may see it (the
    caller has let ``user`` at the association with ``access_funnel_association``)."""
    rows = subtree_engagements(user, association)
    lo, hi = period.bounds()

    def reached(time_field: str) -> QuerySet[Engagement]:
        return rows.filter(**{f"{time_field}__gte": lo, f"{time_field}__lt": hi})

    deals = other_deals(association.path, period)
    extra = {"signed": deals.signed, "completed": deals.completed}
    stages = [
        StageCount(
            key=key, label=str(label), engagements=reached(f).count(), other=extra.get(key, 0)
        )
        for key, label, f in STAGES
    ]
    money = Contract.objects.filter(engagement__in=reached("signed_at")).aggregate(
        amount=Sum("amount"), technology=Sum("technology_amount"), n=Count("id")
    )
    gaps = []
    for (k1, l1, f1), (k2, l2, f2) in itertools.pairwise(STAGES):
        pairs = reached(f2).filter(**{f"{f1}__isnull": False}).values_list(f1, f2)
        days = [_days(a, b) for a, b in pairs]
        gaps.append(
            StageGap(
                key=f"{k1}-{k2}",
                label=f"{l1} → {l2}",
                median_days=round(statistics.median(days), 1) if days else None,
                n=len(days),
            )
        )
    declined = dict(
        rows.filter(stage=Stage.DECLINED, closed_at__gte=lo, closed_at__lt=hi)
        .values_list("decline_reason")
        .annotate(n=Count("id"))
        .values_list("decline_reason", "n")
    )
    return Funnel(
        association=association,
        period=period,
        stages=stages,
        contract_value=(money["amount"] or ZERO).quantize(ZERO),
        technology_amount=(money["technology"] or ZERO).quantize(ZERO),
        contracts=money["n"],
        gaps=gaps,
        declines=[
            DeclineCount(reason=value, label=str(label), count=declined.get(value, 0))
            for value, label in DeclineReason.choices
        ],
        challenge_projects=deals,
    )
