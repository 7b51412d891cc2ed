"""A settable clock for replaying past lifecycles through the services.

A finished challenge took months: a call opened, its deadline passed, a public notice ran
for a week, milestones fell due. The services check all of that against
``django.utils.timezone.now()`` (as they must), so the demo replays each step at the
moment it happened instead of writing dates behind the services' backs. Every date in
the resulting events, audit entries and filings is then one the services accepted.

Inside ``DemoClock.running()``, ``timezone.now()`` (and ``localdate()``, ``auto_now``
fields …, which call it) returns the moment last set plus the real time elapsed since,
so consecutive writes of one step keep their order. Single-threaded use only (the demo
load and tests).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone


class DemoClock:
    def __init__(self, start: datetime.datetime | None = None) -> None:
        self._moment = start or timezone.now()
        self._set_at = time.perf_counter()

    def set(self, moment: datetime.datetime) -> None:
        if timezone.is_naive(moment):
            raise ValueError("aware datetimes only")
        self._moment = moment
        self._set_at = time.perf_counter()

    def now(self) -> datetime.datetime:
        return self._moment + datetime.timedelta(seconds=time.perf_counter() - self._set_at)

    @contextmanager
    def running(self) -> Iterator[DemoClock]:
        with mock.patch("django.utils.timezone.now", self.now):
            yield self
