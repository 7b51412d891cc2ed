"""Search backends behind one ``Backend`` protocol (``base``): ``local`` (tantivy + usearch)."""

from kechuang.matching.backends.base import (
    Backend,
    EmbedderMismatch,
    IndexBusy,
    IndexCorrupted,
    MatchingError,
    UnknownFilter,
)

__all__ = [
    "Backend",
    "EmbedderMismatch",
    "IndexBusy",
    "IndexCorrupted",
    "MatchingError",
    "UnknownFilter",
]
