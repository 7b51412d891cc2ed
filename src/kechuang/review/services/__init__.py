"""Every write of the review app (one module per concern; import them from here)."""

from kechuang.review.ranking import RankedItem, ranking
from kechuang.review.services.assign import PanelSolve, assignment_set_manual, assignment_solve
from kechuang.review.services.conflicts import (
    affiliation_add,
    coauthor_add,
    conflict_add,
    conflict_declare,
    conflict_waive,
    conflicts_detect,
)
from kechuang.review.services.deadlines import round_deadline_set
from kechuang.review.services.decision import (
    decision_record,
    notice_open,
    objection_file,
    objection_handle,
    selected_subjects,
)
from kechuang.review.services.panels import (
    invitation_respond,
    member_invite,
    member_withdraw,
    panel_create,
)
from kechuang.review.services.process import (
    DEFAULT_RUBRIC,
    DIRECT_SUBJECT,
    CriterionIn,
    PartyIn,
    item_add,
    item_create,
    item_place,
    process_create,
    process_transition,
)
from kechuang.review.services.scoring import score_revise, score_submit

__all__ = [
    "DEFAULT_RUBRIC",
    "DIRECT_SUBJECT",
    "CriterionIn",
    "PanelSolve",
    "PartyIn",
    "RankedItem",
    "affiliation_add",
    "assignment_set_manual",
    "assignment_solve",
    "coauthor_add",
    "conflict_add",
    "conflict_declare",
    "conflict_waive",
    "conflicts_detect",
    "decision_record",
    "invitation_respond",
    "item_add",
    "item_create",
    "item_place",
    "member_invite",
    "member_withdraw",
    "notice_open",
    "objection_file",
    "objection_handle",
    "panel_create",
    "process_create",
    "process_transition",
    "ranking",
    "round_deadline_set",
    "score_revise",
    "score_submit",
    "selected_subjects",
]
