"""The calibrated relevance: the isotonic fit, the shipped table and the labels."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kechuang.matching import calibration
from kechuang.matching.calibration import (
    DATA_FILE,
    HIGH,
    LOW,
    MEDIUM,
    Table,
    isotonic,
    label_of,
    relevance,
)


def test_isotonic_is_monotone_and_pools_violators() -> None:
    x = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    y = [0, 1, 0, 0, 1, 1]

    table = isotonic(x, y, min_block=1)

    # (0.1:0) (0.2, 0.3, 0.4 pooled: 1/3) (0.5:1) (0.6:1, equal to its neighbour: pooled)
    assert table.x == pytest.approx((0.1, 0.3, 0.55))
    assert table.p == pytest.approx((0.0, 1 / 3, 1.0))


def test_isotonic_merges_small_blocks_and_stays_monotone() -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(0.7, 1.0, 5000)
    y = (rng.uniform(0, 1, 5000) < (x - 0.7) / 0.3).astype(float)

    table = isotonic(x, y, min_block=200)

    assert all(b > a for a, b in zip(table.x, table.x[1:], strict=False))
    assert all(b >= a for a, b in zip(table.p, table.p[1:], strict=False))
    assert table.probability(0.75) < table.probability(0.85) < table.probability(0.95)
    assert table.probability(0.70) == pytest.approx(table.p[0])  # constant beyond the ends
    assert table.probability(1.50) == pytest.approx(table.p[-1])


def test_a_table_that_decreases_is_refused() -> None:
    with pytest.raises(ValueError):
        Table(x=(0.1, 0.2), p=(0.5, 0.4))
    with pytest.raises(ValueError):
        Table(x=(0.2, 0.1), p=(0.1, 0.2))


def test_labels_are_cut_points_on_the_probability() -> None:
    assert label_of(0.50) == HIGH
    assert label_of(0.49) == MEDIUM
    assert label_of(0.20) == MEDIUM
    assert label_of(0.19) == LOW


def test_the_shipped_tables_are_read_from_the_data_file_and_monotone() -> None:
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    tables = calibration.tables()

    assert set(tables) == {"search/document", "search/expert", "similar/document", "similar/expert"}
    assert set(document["tables"]) == set(tables)
    assert document["feature"] == "cosine"
    assert "bench/calibrate.py" in document["about"]
    for key, table in tables.items():
        assert list(table.x) == document["tables"][key]["x"]
        assert list(table.p) == document["tables"][key]["p"]
        assert all(b >= a for a, b in zip(table.p, table.p[1:], strict=False)), key
        assert len(document["tables"][key]["held_out"]["brier"]) == 5


def test_relevance_reads_the_table_of_its_context() -> None:
    tables = calibration.tables()
    high_cosine = 0.99

    found = relevance(high_cosine, context="similar", through_passage=False)

    assert found is not None
    assert found.probability == pytest.approx(tables["similar/document"].probability(0.99))
    assert found.label == label_of(found.probability)
    assert relevance(None, context="search", through_passage=False) is None
    work = relevance(high_cosine, context="search", through_passage=True)
    assert work is not None
    assert work.probability == pytest.approx(tables["search/expert"].probability(0.99))
    # higher similarity never reads as less relevant
    for key in tables:
        context, target = key.split("/")
        values = [
            relevance(c, context=context, through_passage=target == "expert").probability  # type: ignore[arg-type,union-attr]
            for c in np.linspace(0.6, 1.0, 41)
        ]
        assert values == sorted(values), key
