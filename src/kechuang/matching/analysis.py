"""Chinese-first text analysis shared by indexing and querying.

Both sides of the lexical index go through the same ``Analyzer``: text is normalised
(NFKC, so full-width letters and digits become half-width, then lower case), cut into words
by jieba (with a user dictionary whose terms are kept whole), stopwords and punctuation are
dropped and synonyms are mapped to one canonical token (锂电池 and 锂离子电池 both become
``锂离子电池``). ``bigrams`` gives overlapping CJK character bigrams, which rescue short
titles where word segmentation disagrees between a query and a document.

Each ``Analyzer`` owns a private ``jieba.Tokenizer``: adding words never changes the
global jieba state other code may rely on.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import warnings
from collections.abc import Iterable
from functools import cache
from pathlib import Path

with warnings.catch_warnings():  # jieba 0.42's regexes use invalid escapes
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", SyntaxWarning)
    import jieba

DATA_DIR = Path(__file__).parent / "data"

# CJK unified ideographs (+ extension A and compatibility ideographs).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_LATIN_RUN = re.compile(r"[a-z0-9]+(?:[.+#_\-][a-z0-9]+)*[+#]*")
_SCRIPT_RUN = re.compile(f"[{_CJK}]+|[a-z0-9]+(?:[.+#_\\-][a-z0-9]+)*[+#]*")
_WORD_CHAR = re.compile(f"[{_CJK}a-z0-9]")
_ALNUM = re.compile(r"[a-z0-9]")

#: Characters of text analysed at most; longer input is cut (queries of 10,000 characters
#: must stay cheap). Documents pass their own, larger, limit.
DEFAULT_MAX_CHARS = 20_000


def normalise(text: str) -> str:
    """NFKC (full-width → half-width, compatibility forms folded) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def load_synonyms(path: Path) -> list[list[str]]:
    """Groups from a file with one ``a=b=c`` group per line (the first is canonical)."""
    return [[t.strip() for t in line.split("=") if t.strip()] for line in _read_lines(path)]


def load_user_words(path: Path) -> list[str]:
    """Terms from a jieba-style user dictionary (``term [freq] [pos]`` per line)."""
    return [line.split()[0] for line in _read_lines(path)]


def load_stopwords(path: Path) -> frozenset[str]:
    return frozenset(word for line in _read_lines(path) for word in line.split())


class Analyzer:
    """Tokenises text for the lexical index and for explanations.

    ``user_words`` are kept whole by the word tokenizer; ``synonyms`` are groups whose
    members all map to the group's first member. Synonym members are user words too, so
    a multi-character synonym is never split before it can be mapped.
    """

    def __init__(
        self,
        *,
        user_words: Iterable[str] = (),
        synonyms: Iterable[Iterable[str]] = (),
        stopwords: Iterable[str] | None = None,
        hmm: bool = False,
    ) -> None:
        self.hmm = hmm
        self.stopwords = (
            load_stopwords(DATA_DIR / "stopwords.txt")
            if stopwords is None
            else frozenset(normalise(w) for w in stopwords)
        )
        self.synonyms: dict[str, str] = {}
        words: list[str] = [normalise(w).strip() for w in user_words]
        for group in synonyms:
            members = [normalise(t).strip() for t in group]
            members = [m for m in members if m]
            if not members:
                continue
            canonical = members[0]
            for member in members:
                self.synonyms[member] = canonical
                words.append(member)
        self.user_words = tuple(dict.fromkeys(w for w in words if w))
        self._known = frozenset(self.user_words)
        self._forms: dict[str, tuple[str, ...]] = {}
        for member, canonical in self.synonyms.items():
            forms = self._forms.setdefault(canonical, (canonical,))
            if member != canonical:
                self._forms[canonical] = (*forms, member)
        self._tokenizer = jieba.Tokenizer()
        self._lock = threading.Lock()
        self._ready = False

    @classmethod
    def default(cls) -> Analyzer:
        """The shipped user dictionary and synonyms (``matching/data/``), shared."""
        return _default_analyzer()

    def _ensure_ready(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            import logging

            jieba.setLogLevel(logging.WARNING)
            self._tokenizer.initialize()
            for word in self.user_words:
                # Latin-only words need no help: jieba keeps [a-z0-9] runs whole.
                if _CJK_RUN.search(word):
                    self._tokenizer.add_word(word, freq=max(self._tokenizer.suggest_freq(word), 1))
            self._ready = True

    def add_words(self, words: Iterable[str]) -> None:
        """Keep more terms whole (an admin extended the dictionary)."""
        self._ensure_ready()
        extra = [normalise(w).strip() for w in words]
        with self._lock:
            for word in extra:
                if word and word not in self.user_words:
                    self.user_words = (*self.user_words, word)
                    self._known = frozenset(self.user_words)
                    if _CJK_RUN.search(word):
                        self._tokenizer.add_word(
                            word, freq=max(self._tokenizer.suggest_freq(word), 1)
                        )

    def is_known(self, token: str) -> bool:
        """Whether ``token`` is a term of the dictionary (a user word or a synonym)."""
        return token in self._known

    def canonical(self, token: str) -> str:
        return self.synonyms.get(token, token)

    def surface_forms(self, token: str) -> tuple[str, ...]:
        """The ways a canonical token can be written: itself and its synonyms."""
        return self._forms.get(token, (token,))

    def find(self, text: str, tokens: Iterable[str]) -> list[tuple[str, int, int]]:
        """Where ``tokens`` (canonical) or their synonyms occur in ``text``, by substring.

        ``(token, start, end)`` with positions in the original text, longest match first
        at each position, no overlaps. Much cheaper than re-tokenising a document, which
        is what explanations need for every hit of every query. A form that begins or ends
        with a Latin letter or digit matches only whole there: ``0`` is not found inside
        ``12000v``, nor ``v`` after its digits (CJK has no word boundaries to respect).
        """
        normalised = normalise(text)
        if len(normalised) == len(text):
            origin = None
        else:  # compatibility forms that expand: map back character by character
            pieces, origin = [], []
            for i, ch in enumerate(text):
                folded = normalise(ch)
                pieces.append(folded)
                origin.extend([i] * len(folded))
            normalised = "".join(pieces)
            origin.append(len(text))
        found: list[tuple[int, int, str]] = []
        for token in dict.fromkeys(tokens):
            for form in self.surface_forms(token):
                if not form:
                    continue
                check_before = bool(_ALNUM.match(form[0]))
                check_after = bool(_ALNUM.match(form[-1]))
                start = normalised.find(form)
                while start != -1:
                    end = start + len(form)
                    if not (
                        (check_before and start > 0 and _ALNUM.match(normalised[start - 1]))
                        or (check_after and _ALNUM.match(normalised[end : end + 1]))
                    ):
                        found.append((start, -end, token))
                    start = normalised.find(form, start + 1)
        found.sort()
        out: list[tuple[str, int, int]] = []
        cursor = 0
        for start, negative_end, token in found:
            end = -negative_end
            if start < cursor:
                continue
            if origin is not None:
                out.append((token, origin[start], origin[end - 1] + 1))
            else:
                out.append((token, start, end))
            cursor = end
        return out

    def words(self, text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
        """Normalised word tokens, stopwords and punctuation dropped, synonyms mapped."""
        text = normalise(text[: max_chars * 2])[:max_chars]
        if not text.strip():
            return []
        self._ensure_ready()
        out: list[str] = []
        for raw in self._tokenizer.cut(text, HMM=self.hmm):
            token = raw.strip()
            if not token or token in self.stopwords or not _WORD_CHAR.search(token):
                continue
            token = self.synonyms.get(token, token)
            if _CJK_RUN.search(token) or _LATIN_RUN.fullmatch(token):
                out.append(token)
            else:  # mixed punctuation inside a token: keep only its word characters
                out.extend(self.synonyms.get(t, t) for t in _SCRIPT_RUN.findall(token))
        return out

    def spans(self, text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[tuple[str, int, int]]:
        """``(token, start, end)`` of each word token, positions in the original ``text``.

        Used for highlighting: the token is canonical (synonyms mapped), the span is where
        the surface form stands in the text as the user wrote it.
        """
        text = text[:max_chars]
        if not text.strip():
            return []
        self._ensure_ready()
        chars: list[str] = []
        origin: list[int] = []
        for i, ch in enumerate(text):
            folded = normalise(ch)
            chars.append(folded)
            origin.extend([i] * len(folded))
        normalised = "".join(chars)
        origin.append(len(text))
        out: list[tuple[str, int, int]] = []
        for raw, start, end in self._tokenizer.tokenize(normalised, HMM=self.hmm):
            token = raw.strip()
            if not token or token in self.stopwords or not _WORD_CHAR.search(token):
                continue
            out.append((self.synonyms.get(token, token), origin[start], origin[end - 1] + 1))
        return out

    def bigrams(self, text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
        """Overlapping CJK character bigrams; latin/digit runs as they are.

        A lone CJK character between non-CJK text is kept as a unigram so it still counts.
        """
        text = normalise(text[: max_chars * 2])[:max_chars]
        out: list[str] = []
        for run in _SCRIPT_RUN.findall(text):
            if _CJK_RUN.fullmatch(run):
                if len(run) == 1:
                    out.append(run)
                else:
                    out.extend(run[i : i + 2] for i in range(len(run) - 1))
            else:
                out.append(run)
        return out


@cache
def _default_analyzer() -> Analyzer:
    return Analyzer(
        user_words=load_user_words(DATA_DIR / "userdict.txt"),
        synonyms=load_synonyms(DATA_DIR / "synonyms.txt"),
    )
