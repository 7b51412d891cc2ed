"""The review app's models (split by concern; import them from here)."""

from kechuang.review.models.panels import (
    AffiliationHistory,
    CoauthorLink,
    Conflict,
    Panel,
    PanelMember,
    ReviewAssignment,
)
from kechuang.review.models.process import (
    Criterion,
    ItemParty,
    ReviewEvent,
    ReviewItem,
    ReviewProcess,
    Rubric,
)
from kechuang.review.models.scoring import (
    Decision,
    DecisionSelection,
    Objection,
    Score,
    ScoreLine,
)

__all__ = [
    "AffiliationHistory",
    "CoauthorLink",
    "Conflict",
    "Criterion",
    "Decision",
    "DecisionSelection",
    "ItemParty",
    "Objection",
    "Panel",
    "PanelMember",
    "ReviewAssignment",
    "ReviewEvent",
    "ReviewItem",
    "ReviewProcess",
    "Rubric",
    "Score",
    "ScoreLine",
]
