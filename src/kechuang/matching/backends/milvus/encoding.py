"""Rows, tokens and expressions for Milvus: what the backend writes and how it asks.

A Milvus server splits the lexical fields with the ``whitespace`` tokenizer; milvus-lite
3.2 has only ``standard`` (``\\w+``, lower case) and ``jieba``. Tokens are stored escaped
(``encode_token``: every character other than a letter or digit becomes ``_<hex>_``),
which both tokenizers keep whole, so the same rows rank alike on lite and on a server.
String literals and filter expressions are built here and nowhere else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from kechuang.matching.backends.base import Filters, PreparedDoc, UnitHit

VARCHAR_BYTES = 65_535  # Milvus's limit for one VARCHAR value
META_ID = "__kechuang_meta__"
META_KIND = "__meta__"

_T = TypeVar("_T")

_PLAIN = re.compile(r"[^\W_]")


def encode_token(token: str) -> str:
    """A token both Milvus tokenizers keep whole: ``c++`` → ``c_2b__2b_`` (injective)."""
    return "".join(ch if _PLAIN.fullmatch(ch) else f"_{ord(ch):x}_" for ch in token)


def field_text(tokens: str, *, limit: int = VARCHAR_BYTES) -> str:
    """Space-joined analysed tokens, escaped, cut at a token boundary to ``limit`` bytes."""
    out: list[str] = []
    size = 0
    for token in tokens.split():
        encoded = encode_token(token)
        size += len(encoded.encode()) + (1 if out else 0)
        if size > limit:
            break
        out.append(encoded)
    return " ".join(out)


def fit(text: str, limit: int = VARCHAR_BYTES) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (on a character boundary)."""
    data = text.encode()
    return text if len(data) <= limit else data[:limit].decode(errors="ignore")


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def literal(value: str) -> str:
    """A Milvus string literal; other control characters are dropped."""
    body = "".join(_ESCAPES.get(ch, ch) for ch in str(value) if ch in _ESCAPES or ord(ch) >= 0x20)
    return f'"{body}"'


def literal_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


def filter_expr(filters: Filters) -> str:
    """``Filters`` as a Milvus boolean expression ("" when there is nothing to check)."""
    parts: list[str] = []
    if filters.kinds:
        parts.append(f"kind in {literal_list(filters.kinds)}")
    for name, values in filters.terms.items():
        parts.append(f"array_contains_any({name}, {literal_list(values)})")
    for name, low, high in (
        ("trl", filters.trl_min, filters.trl_max),
        ("published", filters.published_from, filters.published_to),
    ):
        if low is not None:
            parts.append(f"{name} >= {int(low)}")
        if high is not None:
            parts.append(f"{name} <= {int(high)}")
    return " and ".join(f"({p})" for p in parts)


def safe_prefix(prefix: str) -> str:
    """Collection names: letters, digits and underscores, starting with a letter."""
    cleaned = re.sub(r"\W", "_", prefix.strip(), flags=re.ASCII) or "kechuang"
    return cleaned if cleaned[0].isalpha() else f"k_{cleaned}"


def doc_row(doc_id: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": doc_id,
        "kind": kind,
        "title": fit(fields.get("title", "")),
        "keywords": fit(fields.get("keywords", "")),
        "body": fit(fields.get("body", "")),
        "passages": fit_passages(fields.get("passages", ())),
        "attrs": json.dumps(fields.get("attrs", {}), ensure_ascii=False, default=str),
        "units": json.dumps(fields.get("units", [])),
        "placeholder": [1.0, 0.0],
    }


def fit_passages(passages: Sequence[str]) -> str:
    """The passages as JSON, dropping trailing ones beyond the VARCHAR limit."""
    kept = list(passages)
    while True:
        text = json.dumps(kept, ensure_ascii=False)
        if len(text.encode()) <= VARCHAR_BYTES or not kept:
            return text
        kept.pop()


def record(prepared: PreparedDoc) -> dict[str, Any]:
    doc = prepared.doc
    return doc_row(
        doc.id,
        doc.kind,
        title=doc.title,
        keywords=doc.keywords,
        body=doc.body,
        passages=doc.passages,
        attrs=doc.attrs,
        units=[u.index for u in prepared.units],
    )


def batches(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def hits(result: Any, score: Callable[[float], float]) -> list[UnitHit]:
    hits = []
    for hit in result[0] if result else ():
        entity = hit["entity"]
        hits.append(
            UnitHit(entity["doc_id"], entity["kind"], int(entity["unit"]), score(hit["distance"]))
        )
    hits.sort(key=lambda h: -h.score)
    return hits
