"""/api/v1/engagements: one module per resource — ``engagements`` (list, detail, start,
stage moves) and ``records`` (messages, contract, payments, milestones, outcome); the
schemas beside them in ``schemas``. One router, mounted by ``kechuang.api.urls``."""

from kechuang.engagements.api import records as _records  # noqa: F401  (adds its routes)
from kechuang.engagements.api.engagements import router

__all__ = ["router"]
