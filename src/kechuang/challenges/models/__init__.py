"""Models of open challenges, one module per stage; import them from here."""

from kechuang.challenges.models.applications import (
    Application,
    ApplicationAttachment,
    ApplicationPartner,
    Recommendation,
)
from kechuang.challenges.models.calls import Call, CallProblem
from kechuang.challenges.models.collection import CollectionRound, Problem
from kechuang.challenges.models.projects import (
    Acceptance,
    Award,
    ChangeRequest,
    Milestone,
    ProgressReport,
    Project,
    TranchePayment,
)
from kechuang.challenges.models.records import ChallengeEvent, Filing

__all__ = [
    "Acceptance",
    "Application",
    "ApplicationAttachment",
    "ApplicationPartner",
    "Award",
    "Call",
    "CallProblem",
    "ChallengeEvent",
    "ChangeRequest",
    "CollectionRound",
    "Filing",
    "Milestone",
    "Problem",
    "ProgressReport",
    "Project",
    "Recommendation",
    "TranchePayment",
]
