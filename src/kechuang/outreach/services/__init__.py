"""Every write of matchmaking events: one service function per use case."""

from kechuang.outreach.services.events import event_create, event_transition
from kechuang.outreach.services.outcomes import meeting_outcome_record
from kechuang.outreach.services.registrations import registration_create, registration_validate
from kechuang.outreach.services.requests import meeting_request_answer, meeting_request_create
from kechuang.outreach.services.scheduling import event_schedule, meeting_check_in

__all__ = [
    "event_create",
    "event_schedule",
    "event_transition",
    "meeting_check_in",
    "meeting_outcome_record",
    "meeting_request_answer",
    "meeting_request_create",
    "registration_create",
    "registration_validate",
]
