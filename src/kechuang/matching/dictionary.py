"""The site's Chinese dictionary: the shipped terms and synonyms plus administrators' own.

The analyser that builds the search index and reads queries is made here, once per opened
index (``indexing._default_factory``): the shipped files under ``matching/data/`` plus the
``Term`` rows. Because adding or removing a term rebuilds the index (``services.term_add``),
stored documents and queries are always analysed with the same dictionary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kechuang.matching.analysis import (
    DATA_DIR,
    Analyzer,
    load_synonyms,
    load_user_words,
    normalise,
)
from kechuang.matching.models import Term

_SEPARATORS = re.compile(r"[,，、;；|\s]+")
# A term has at least one letter, digit or CJK ideograph; punctuation alone is no term.
MEANINGFUL = re.compile(r"[0-9a-z\u3400-\u9fff]")
MIN_CHARS, MAX_CHARS = 2, 30
MAX_SYNONYMS = 10


def split_terms(text: str) -> list[str]:
    """Normalised terms of a comma/顿号/space separated list, in order, without repeats."""
    parts = (normalise(part).strip() for part in _SEPARATORS.split(text or ""))
    return list(dict.fromkeys(part for part in parts if part))


@dataclass(frozen=True)
class Dictionary:
    """Words kept whole and synonym groups (the first member of a group is canonical)."""

    words: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]

    def canonical_of(self) -> dict[str, str]:
        return {member: group[0] for group in self.groups for member in group}

    def analyzer(self) -> Analyzer:
        return Analyzer(user_words=self.words, synonyms=self.groups)


@lru_cache(maxsize=1)
def shipped_dictionary() -> Dictionary:
    return Dictionary(
        words=tuple(normalise(w) for w in load_user_words(DATA_DIR / "userdict.txt")),
        groups=tuple(
            tuple(normalise(t) for t in group) for group in load_synonyms(DATA_DIR / "synonyms.txt")
        ),
    )


def site_dictionary() -> Dictionary:
    """The shipped dictionary extended by every ``Term``.

    A term's synonyms join the shipped group of the term when it has one (so an
    administrator can add 锂离子蓄电池 to 锂离子电池's group), else form a new group.
    """
    base = shipped_dictionary()
    words = list(base.words)
    groups = [list(group) for group in base.groups]
    group_of = {group[0]: group for group in groups}
    for term in Term.objects.order_by("text").only("text", "synonyms"):
        synonyms = split_terms(term.synonyms)
        words.append(term.text)
        if term.text in group_of:
            group_of[term.text].extend(s for s in synonyms if s not in group_of[term.text])
        elif synonyms:
            group = [term.text, *synonyms]
            groups.append(group)
            group_of[term.text] = group
    return Dictionary(
        words=tuple(dict.fromkeys(words)), groups=tuple(tuple(group) for group in groups)
    )


def site_analyzer() -> Analyzer:
    """The analyser of the current dictionary; the same object while it is unchanged
    (building one loads jieba's dictionary: about a second)."""
    dictionary = site_dictionary()
    if dictionary == shipped_dictionary():
        return Analyzer.default()
    return _analyzer_for(dictionary)


@lru_cache(maxsize=4)
def _analyzer_for(dictionary: Dictionary) -> Analyzer:
    return dictionary.analyzer()
