"""The analyzer: normalisation, words, bigrams, synonyms, user words, highlighting spans."""

from __future__ import annotations

from kechuang.matching.analysis import Analyzer, load_synonyms, normalise


def test_normalise_folds_full_width_and_case() -> None:
    assert normalise("ＧＰＵ服务器１２８Ｇ") == "gpu服务器128g"


def test_words_normalise_and_drop_stopwords_and_punctuation() -> None:
    analyzer = Analyzer.default()

    assert analyzer.words("ＧＰＵ服务器的散热，问题！") == ["gpu", "服务器", "散热"]


def test_words_of_punctuation_emoji_and_blank_text_are_empty() -> None:
    analyzer = Analyzer.default()

    assert analyzer.words("！！？？……😀😀") == []
    assert analyzer.words("   \n\t") == []
    assert analyzer.words("") == []
    assert analyzer.bigrams("！！😀") == []


def test_synonyms_map_to_one_canonical_token() -> None:
    analyzer = Analyzer.default()

    assert analyzer.words("锂电池") == ["锂离子电池"]
    assert analyzer.words("锂离子电池") == ["锂离子电池"]
    assert analyzer.words("两相流") == ["气液两相流"]
    assert analyzer.words("气液两相流") == ["气液两相流"]


def test_custom_synonyms_and_user_words() -> None:
    analyzer = Analyzer(
        user_words=["钙钛矿叠层电池"], synonyms=[["光刻机", "光刻设备"]], stopwords=["的"]
    )

    assert analyzer.words("钙钛矿叠层电池的效率") == ["钙钛矿叠层电池", "效率"]
    assert analyzer.words("光刻设备") == ["光刻机"]


def test_user_words_can_be_added_later() -> None:
    analyzer = Analyzer(stopwords=[])
    before = analyzer.words("量子点显示屏")

    analyzer.add_words(["量子点显示屏"])

    assert before != ["量子点显示屏"]
    assert analyzer.words("量子点显示屏") == ["量子点显示屏"]


def test_default_analyzer_is_shared_and_global_jieba_is_untouched() -> None:
    import jieba

    assert Analyzer.default() is Analyzer.default()
    Analyzer.default().words("气液两相流")
    assert "气液两相流" not in jieba.lcut("气液两相流换热", HMM=False)


def test_bigrams_overlap_cjk_and_keep_latin_runs() -> None:
    analyzer = Analyzer.default()

    assert analyzer.bigrams("锂电池Ｘ１ 两相流") == ["锂电", "电池", "x1", "两相", "相流"]
    assert analyzer.bigrams("水 pH7.5 值") == ["水", "ph7.5", "值"]


def test_long_text_is_truncated() -> None:
    analyzer = Analyzer.default()

    assert len(analyzer.bigrams("锂" * 100_000, max_chars=512)) == 511
    assert len(analyzer.words("新材料 " * 50_000, max_chars=512)) == 128


def test_spans_point_into_the_original_text() -> None:
    analyzer = Analyzer.default()
    text = "ＡＢＣ公司的锂电池正极"

    spans = analyzer.spans(text)

    assert [(token, text[start:end]) for token, start, end in spans] == [
        ("abc", "ＡＢＣ"),
        ("公司", "公司"),
        ("锂离子电池", "锂电池"),
        ("正极", "正极"),
    ]


def test_synonym_file_format(tmp_path) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_text("# comment\n甲醇燃料=甲醇 燃料=\n\n光刻机 = 光刻设备\n", encoding="utf-8")

    assert load_synonyms(path) == [["甲醇燃料", "甲醇 燃料"], ["光刻机", "光刻设备"]]


def test_find_locates_tokens_and_their_synonyms_without_overlaps() -> None:
    analyzer = Analyzer.default()
    text = "ＡＢＣ锂电池与锂离子电池"

    found = analyzer.find(text, ["锂离子电池", "电池", "abc"])

    assert [(token, text[start:end]) for token, start, end in found] == [
        ("abc", "ＡＢＣ"),
        ("锂离子电池", "锂电池"),
        ("锂离子电池", "锂离子电池"),
    ]
