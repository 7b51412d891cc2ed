"""The API of matchmaking events, /api/v1/events: events, registrations, meeting requests
and the schedule (``events``), what came of a meeting (``outcomes``)."""

from kechuang.outreach.api.events import router

__all__ = ["router"]
