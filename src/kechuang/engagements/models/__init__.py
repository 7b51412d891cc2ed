"""Engagements (对接) and everything recorded along one: events, messages, contract,
payments, milestones, outcome; experts' answers to needs; liaisons and technology managers."""

from kechuang.engagements.models.contracts import Contract, Milestone, Outcome, Payment
from kechuang.engagements.models.engagements import (
    ConfidentialityAcceptance,
    ConfidentialityAgreement,
    Engagement,
    EngagementEvent,
    Meeting,
    PairSignal,
)
from kechuang.engagements.models.messages import (
    Message,
    MessageAttachment,
    MessageRead,
    NeedAnswer,
)
from kechuang.engagements.models.roles import BrokerAssignment, TechnologyManager

__all__ = [
    "BrokerAssignment",
    "ConfidentialityAcceptance",
    "ConfidentialityAgreement",
    "Contract",
    "Engagement",
    "EngagementEvent",
    "Meeting",
    "Message",
    "MessageAttachment",
    "MessageRead",
    "Milestone",
    "NeedAnswer",
    "Outcome",
    "PairSignal",
    "Payment",
    "TechnologyManager",
]
