"""Reads of the shared vocabularies that pages ask for while a person types."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kechuang.vocab.models import PLACEHOLDER_NAMES, Region

REGION_MATCH_LIMIT = 30


def regions_matching(query: str, *, limit: int = REGION_MATCH_LIMIT) -> QuerySet[Region]:
    """Regions at any level (province, city, district) whose name, or a name above it, holds
    every word of ``query`` (Chinese or English): "西湖" finds 杭州市西湖区, "杭州 西湖" the same,
    "Xihu" too. Provinces first, then cities, then districts, each in code order. Placeholder
    levels such as 市辖区 are not places to pick."""
    words = query.split()[:5]
    if not words:
        return Region.objects.none()
    qs = Region.objects.exclude(name__in=PLACEHOLDER_NAMES)
    for word in words:
        word = word[:50]
        match = Q()
        for path in ("", "parent__", "parent__parent__"):
            match |= Q(**{f"{path}name__icontains": word})
            match |= Q(**{f"{path}name_en__icontains": word})
        qs = qs.filter(match)
    return qs.select_related("parent__parent").order_by("level", "code")[:limit]


def region_prefix(code: str) -> str:
    """``330000`` → ``33``, ``330100`` → ``3301``: the prefix every code inside shares."""
    code = code.strip()
    if len(code) == 6 and code.isdigit():
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    return code
