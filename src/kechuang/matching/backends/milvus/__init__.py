"""The ``milvus`` backend (``backend``), its rows and expressions (``encoding``) and its
collections (``collections``)."""

from kechuang.matching.backends.milvus.backend import MilvusBackend, MilvusUnavailable
from kechuang.matching.backends.milvus.encoding import encode_token, field_text, literal

__all__ = ["MilvusBackend", "MilvusUnavailable", "encode_token", "field_text", "literal"]
