"""Accepted challenge projects in the engagement funnel (issue 13, item 7).

A challenge project that passed its acceptance (验收) is a deal made and carried out: the
engagement funnel counts it as signed and completed in the subtree of the call's
organiser, on the day of the acceptance decision. Registered with
``engagements.funnel.register_deals`` from ``ChallengesConfig.ready()``.
"""

from __future__ import annotations

import datetime

from kechuang.challenges.choices import ProjectStatus
from kechuang.challenges.models import Project
from kechuang.engagements.funnel import Deals


def accepted_projects(path: str, lo: datetime.datetime, hi: datetime.datetime) -> Deals:
    n = Project.objects.filter(
        status=ProjectStatus.ACCEPTED,
        acceptance__decided_at__gte=lo,
        acceptance__decided_at__lt=hi,
        award__call_problem__call__organiser__path__startswith=path,
    ).count()
    return Deals(signed=n, completed=n)
