"""The funnel: each number exact, scoped to the association's subtree and the viewer,
the period's edges, and bad input refused without effect."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kechuang.common.errors import NotFound, ValidationFailed
from kechuang.engagements.funnel import (
    access_funnel_association,
    funnel_associations,
    funnel_for,
    parse_period,
)
from tests.engagements.conftest import Deal
from tests.engagements.drive import counts, day, walk, whole_story

pytestmark = pytest.mark.django_db


def test_the_hangzhou_funnel_counts_each_stage_reached(deal: Deal) -> None:
    walk(deal)
    w = deal.world
    association = access_funnel_association(w.hangzhou_staff, w.hangzhou.pk)
    funnel = funnel_for(w.hangzhou_staff, association, parse_period(*whole_story()))
    assert counts(funnel) == {
        "started": 3,
        "introduced": 2,
        "intention": 1,
        "signed": 1,
        "completed": 1,
    }
    assert (funnel.contracts, funnel.contract_value, funnel.technology_amount) == (
        1,
        Decimal("120.50"),
        Decimal("100.00"),
    )
    gaps = {g.key: (g.median_days, g.n) for g in funnel.gaps}
    assert gaps == {
        "started-introduced": (1.5, 2),  # 2 days and 1 day
        "introduced-intention": (8.0, 1),
        "intention-signed": (10.0, 1),
        "signed-completed": (20.0, 1),
    }
    declines = {d.reason: d.count for d in funnel.declines}
    assert declines == {
        "tech_mismatch": 0,
        "immature": 0,
        "budget": 1,
        "timing": 0,
        "has_solution": 0,
        "other": 0,
    }
    # the province above sees the same numbers; the national association too
    for who, org in ((w.zhejiang_staff, w.zhejiang), (w.platform_admin, w.national)):
        other = funnel_for(who, org, parse_period(*whole_story()))
        assert counts(other) == counts(funnel)
        assert other.contract_value == Decimal("120.50")


def test_a_stage_counts_in_the_period_it_was_reached(deal: Deal) -> None:
    walk(deal)
    w = deal.world
    # days 0–9: three starts? no — the third started on day 30; two starts, two intros
    early = funnel_for(w.hangzhou_staff, w.hangzhou, parse_period(day(0).date(), day(9).date()))
    assert counts(early) == {
        "started": 2,
        "introduced": 2,
        "intention": 0,
        "signed": 0,
        "completed": 0,
    }
    assert early.contract_value == Decimal("0.00")
    assert [d.count for d in early.declines if d.reason == "budget"] == [1]
    late = funnel_for(w.hangzhou_staff, w.hangzhou, parse_period(day(15).date(), day(45).date()))
    assert counts(late) == {
        "started": 1,
        "introduced": 0,
        "intention": 0,
        "signed": 1,
        "completed": 1,
    }
    assert late.contract_value == Decimal("120.50")
    assert [g.n for g in late.gaps] == [0, 0, 1, 1]
    assert late.gaps[0].median_days is None


def test_another_subtree_counts_nothing_of_it(deal: Deal) -> None:
    walk(deal)
    w = deal.world
    funnel = funnel_for(w.jiangsu_staff, w.jiangsu, parse_period(*whole_story()))
    assert set(counts(funnel).values()) == {0}
    assert funnel.contract_value == Decimal("0.00")


@pytest.mark.parametrize("who", ["jiangsu_staff", "owner_admin", "owner_member"])
def test_an_association_the_user_does_not_staff_is_not_there(deal: Deal, who: str) -> None:
    w = deal.world
    with pytest.raises(NotFound):
        access_funnel_association(getattr(w, who), w.hangzhou.pk)


def test_only_associations_have_a_funnel(deal: Deal) -> None:
    w = deal.world
    with pytest.raises(NotFound):  # an enterprise below the staff's association
        access_funnel_association(w.hangzhou_staff, w.enterprise.pk)
    for bad in ("x", None, -1, 10**12):
        with pytest.raises(NotFound):
            access_funnel_association(w.hangzhou_staff, bad)
    assert [o.pk for o in funnel_associations(w.hangzhou_staff)] == [w.hangzhou.pk]
    assert [o.pk for o in funnel_associations(w.zhejiang_staff)] == [w.zhejiang.pk, w.hangzhou.pk]
    assert funnel_associations(w.owner_admin) == []


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("2026-02-30", "", "start", "日期格式应为 YYYY-MM-DD，如 2026-01-31。"),
        ("2026/01/01", "", "start", "日期格式应为 YYYY-MM-DD，如 2026-01-31。"),
        ("", "tomorrow", "end", "日期格式应为 YYYY-MM-DD，如 2026-01-31。"),
        ("2026-03-01", "2026-02-28", "end", "结束日期不能早于开始日期。"),
        ("2000-01-01", "2026-01-01", "end", "统计区间最长十年。"),
    ],
)
def test_bad_periods_are_refused_with_the_field(
    start: str, end: str, field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        parse_period(start, end)
    assert exc.value.fields == {field: [message]}


def test_the_default_period_is_the_last_365_days() -> None:
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    period = parse_period("", "")
    assert (period.start, period.end) == (today - datetime.timedelta(days=364), today)
    assert parse_period("", today.isoformat()).end == today
