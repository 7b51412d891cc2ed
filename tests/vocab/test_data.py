"""The shipped vocabularies load completely and hang together."""

from __future__ import annotations

import pytest

from kechuang.catalog.selectors import region_prefix
from kechuang.vocab.loader import read, vocab_sync
from kechuang.vocab.models import CooperationMode, Discipline, Industry, Region

pytestmark = pytest.mark.django_db


def test_counts_match_the_standards() -> None:
    assert Region.objects.count() > 3000
    assert Region.objects.count() == len(read("regions")["items"])
    assert Industry.objects.filter(parent__isnull=True).count() == 20
    assert Industry.objects.filter(parent__isnull=False).count() == 97
    assert Discipline.objects.count() == 62
    assert list(CooperationMode.objects.values_list("code", flat=True)) == [
        "development",
        "transfer",
        "licensing",
        "consulting",
        "service",
        "joint_rd",
    ]


def test_every_file_names_its_source() -> None:
    for name in ("regions", "industries", "disciplines", "cooperation_modes"):
        assert read(name)["source"].strip() != ""


def test_region_parents_exist_one_level_up() -> None:
    by_code = {r.code: r for r in Region.objects.all()}
    for region in by_code.values():
        assert len(region.code) == 6 and region.code.isdigit(), region.code
        if region.level == 1:
            assert region.parent_id is None, region.code
        else:
            parent = by_code[region.parent_id]
            assert parent.level == region.level - 1, region.code
            assert region.code.startswith(region_prefix(parent.code)), region.code


def test_known_regions_and_full_name() -> None:
    xihu = Region.objects.get(pk="330106")
    assert (xihu.name, xihu.level, xihu.parent_id) == ("西湖区", 3, "330100")
    assert xihu.full_name == "浙江省杭州市西湖区"
    assert Region.objects.get(pk="330000").name == "浙江省"


def test_industry_divisions_hang_under_their_section() -> None:
    for division in Industry.objects.filter(parent__isnull=False):
        assert len(division.code) == 3, division.code
        assert division.parent_id == division.code[0], division.code
    for section in Industry.objects.filter(parent__isnull=True):
        assert len(section.code) == 1 and section.code.isalpha(), section.code
    assert Industry.objects.get(pk="C38").parent_id == "C"
    assert Industry.objects.filter(parent_id="C").count() == 31


def test_discipline_codes_are_three_digits() -> None:
    assert all(len(c) == 3 and c.isdigit() for c in Discipline.objects.values_list("pk", flat=True))
    assert Discipline.objects.get(pk="470").name != ""


def test_sync_is_idempotent() -> None:
    counts = (
        Region.objects.count(),
        Industry.objects.count(),
        Discipline.objects.count(),
        CooperationMode.objects.count(),
    )
    vocab_sync()
    vocab_sync()
    assert counts == (
        Region.objects.count(),
        Industry.objects.count(),
        Discipline.objects.count(),
        CooperationMode.objects.count(),
    )


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("330000", "33"),
        ("330100", "3301"),
        ("330106", "330106"),
        (" 320000 ", "32"),
        ("1100", "1100"),  # not a 6-digit code: used as given
        ("abcdef", "abcdef"),
    ],
)
def test_region_prefix(code: str, prefix: str) -> None:
    assert region_prefix(code) == prefix


def test_region_prefix_matches_every_code_inside() -> None:
    inside = Region.objects.filter(pk__startswith=region_prefix("330000"))
    assert {r.parent_id for r in inside if r.level == 2} == {"330000"}
    assert not inside.filter(pk__startswith="32").exists()
