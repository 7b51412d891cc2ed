"""Explanations a person can check (issue 9): shared words are real words or dictionary
terms, never lone characters or digits, and highlighting marks whole terms only."""

from __future__ import annotations

import re
from pathlib import Path

from kechuang.matching.analysis import Analyzer
from kechuang.matching.engine import Engine
from kechuang.matching.explain import explainable, without_parts
from kechuang.matching.types import Document, Query

CABLE = Document(
    "need:cable",
    "need",
    "12000V高压电缆温度监测",
    body="额定电压12000V的高压电缆，接头温度过高，需要在线测温方案，精度0.5℃，2023年完成。",
)


def test_find_matches_latin_and_digit_terms_whole() -> None:
    analyzer = Analyzer.default()

    assert analyzer.find("额定电压12000V的电缆", ["12000v"]) == [("12000v", 4, 10)]
    assert analyzer.find("额定电压12000V的电缆", ["0", "v", "12"]) == []
    # a whole number or word is still found between CJK characters and punctuation
    assert analyzer.find("型号:A7,电压12", ["a7", "12"]) == [("a7", 3, 5), ("12", 8, 10)]


def test_explainable_drops_single_characters_digits_and_numbers() -> None:
    analyzer = Analyzer(user_words=["测温"], synonyms=[["锂离子电池", "锂电池"]])

    words = ["温", "电缆", "0", "c", "7", "2023", "0.5", "12000v", "测温", "锂离子电池", "司"]

    assert explainable(analyzer, words) == ["测温", "锂离子电池", "电缆", "12000v"]


def test_a_query_of_one_word_keeps_it() -> None:
    analyzer = Analyzer(user_words=[], synonyms=[])

    assert explainable(analyzer, ["温"]) == ["温"]
    assert explainable(analyzer, ["温", "温"]) == ["温"]
    assert explainable(analyzer, ["温", "热"]) == []


def test_terms_inside_a_longer_shown_term_are_left_out() -> None:
    assert without_parts(["锂离子电池", "电池", "正极", "正极材料"]) == ["锂离子电池", "正极材料"]


def test_search_highlights_the_whole_number_and_never_single_digits(tmp_path: Path) -> None:
    with Engine(tmp_path / "index", embedder=None) as engine:
        engine.upsert([CABLE])

        [hit] = engine.search(Query("12000V 电缆 温 0 c"))

    assert "<mark>12000V</mark>" in hit.snippet
    assert "<mark>0</mark>" not in hit.snippet
    assert "<mark>温</mark>" not in hit.snippet
    assert hit.shared_terms == ["12000v", "电缆"]
    assert all(len(t) >= 2 for terms in hit.shared_terms_by_field.values() for t in terms)


def test_similar_records_share_words_not_characters(tmp_path: Path) -> None:
    other = Document(
        "need:other",
        "need",
        "电力电缆接头温度在线监测",
        body="变电站10kV电缆接头温度过高，需要在线测温，精度0.5℃，2023年验收。",
    )
    with Engine(tmp_path / "index", embedder=None) as engine:
        engine.upsert([other])

        [hit] = engine.similar(CABLE)

    assert hit.id == "need:other"
    assert hit.shared_terms  # they do share words …
    for term in hit.shared_terms + [t for v in hit.shared_terms_by_field.values() for t in v]:
        # … but no lone character, digit or number (温, 0, 5, 2023) is one of them
        assert len(term) >= 2 and not re.fullmatch(r"[0-9.]+", term), term
    marked = re.findall(r"<mark>(.*?)</mark>", hit.snippet)
    assert marked and all(len(m) >= 2 for m in marked), marked
