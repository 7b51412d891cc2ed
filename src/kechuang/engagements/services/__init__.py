"""Every write on engagements: one module per use case; import the services from here.

The stage changes only through ``engagement_transition`` (the table is
``choices.TRANSITIONS``); signing and completion record their contract or outcome and
then take that same path.
"""

from kechuang.engagements.services.brokers import (
    broker_assign,
    broker_assignment_end,
    technology_manager_register,
)
from kechuang.engagements.services.messages import (
    answer_to_engagement,
    message_post,
    messages_mark_read,
    need_answer_create,
)
from kechuang.engagements.services.records import (
    agreement_accept,
    agreement_require,
    engagement_complete,
    engagement_sign,
    meeting_record,
    milestone_add,
    milestone_complete,
    parse_amount,
    payment_record,
)
from kechuang.engagements.services.starting import engagement_start
from kechuang.engagements.services.transitions import declined_pairs, engagement_transition

__all__ = [
    "agreement_accept",
    "agreement_require",
    "answer_to_engagement",
    "broker_assign",
    "broker_assignment_end",
    "declined_pairs",
    "engagement_complete",
    "engagement_sign",
    "engagement_start",
    "engagement_transition",
    "meeting_record",
    "message_post",
    "messages_mark_read",
    "milestone_add",
    "milestone_complete",
    "need_answer_create",
    "parse_amount",
    "payment_record",
    "technology_manager_register",
]
