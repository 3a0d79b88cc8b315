"""Injected clocks: every piece of code that needs "now" takes a :class:`Clock`.

All times are aware and expressed in Europe/Paris, the zone the SAS IG writes its examples in.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class Clock(Protocol):
    """Anything with a ``now()`` that returns an aware datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in Europe/Paris."""

    def now(self) -> datetime:
        return datetime.now(PARIS)


class FixedClock:
    """A clock that only moves when told to: ``advance()`` or ``set()``. For tests and fakes."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime (give it tzinfo=PARIS)")
        self._now = at.astimezone(PARIS)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        # Elapsed time, not wall-clock time: aware arithmetic in one zone would step into the
        # spring-forward gap (02:30 on the last Sunday of March does not exist in Paris).
        self._now = (self._now.astimezone(UTC) + delta).astimezone(PARIS)

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = at.astimezone(PARIS)


class ShiftedClock:
    """The wall clock's pace from another starting instant: ``now()`` is ``start`` plus the time
    elapsed since the clock was made. A demo or a test on sockets that must always find Tuesday
    morning's agendas (``sasref demo --clock 2026-06-16T09:00``) while its tokens, timeouts and
    outboxes still see time pass."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ShiftedClock needs an aware datetime (give it tzinfo=PARIS)")
        self._start = start.astimezone(UTC)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        elapsed = timedelta(seconds=time.monotonic() - self._origin)
        return (self._start + elapsed).astimezone(PARIS)
