"""The ``local`` backend: tantivy + usearch + a SQLite catalogue, files under one folder.

``backend`` coordinates; ``lexical`` (tantivy), ``vectors`` (usearch) and ``catalogue``
(``meta.sqlite3``) each own one kind of file.
"""

from kechuang.matching.backends.local.backend import MAX_UNITS, UNIT_BITS, LocalBackend

__all__ = ["MAX_UNITS", "UNIT_BITS", "LocalBackend"]
