"""Expansion of a SAS agenda into concrete free slots (spec ``sas-platform-search.md`` §1.5, §4).

The search shows today, tomorrow and the day after: the SAS-API is queried over
``[now, D+2 23:59:59]`` Europe/Paris (§1.9). :func:`search_window` builds that window from a
:class:`~sasref.clock.Clock`; :func:`expand` lists the occurrences of an agenda that fall in a
window and still have room (capacity minus orientations), without disabled occurrences,
occurrences overlapping a leave period, or anything at all in vacation mode (§4.4).

A single créneau that has already started is dropped (as the front drops started slots); a plage
horaire stays bookable until it ends. Free slots carry aware datetimes in the agenda's zone; as
with any Python datetimes sharing a ``tzinfo``, subtract or compare them in UTC across a DST
change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sasref.clock import PARIS, Clock
from sasref.errors import InvalidInput
from sasref.sasagenda.model import FreeSlot, SasAgenda, is_available, occurrence_bounds


@dataclass(frozen=True, slots=True)
class Window:
    """A search window [start, end] of aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("a window needs aware datetimes")
        if self.end < self.start:
            raise InvalidInput("a window must end after it starts")


def search_window(clock: Clock, days: int = 2) -> Window:
    """``[now, (today + days) 23:59:59]`` in Europe/Paris — the platform's slot window."""
    now = clock.now().astimezone(PARIS)
    last_day = now.date() + timedelta(days=days)
    end = datetime.combine(last_day, time(23, 59, 59), tzinfo=PARIS)
    return Window(start=now, end=end)


def expand(agenda: SasAgenda, window: Window) -> list[FreeSlot]:
    """The free occurrences of ``agenda`` in ``window``, sorted by start then slot id."""
    if agenda.vacation_mode or not agenda.slots:
        return []
    tz = agenda.tz
    # Local days touched by the window, in the agenda's zone (one day of margin each side).
    first = window.start.astimezone(tz).date() - timedelta(days=1)
    last = window.end.astimezone(tz).date() + timedelta(days=1)
    # Compare instants in UTC: datetimes sharing a tzinfo compare by wall time in Python.
    w_start, w_end = window.start.astimezone(UTC), window.end.astimezone(UTC)
    out: list[FreeSlot] = []
    day = first
    while day <= last:
        for slot in agenda.slots:
            if not is_available(agenda, slot, day):
                continue
            start, end = occurrence_bounds(slot, day, tz)
            u_start, u_end = start.astimezone(UTC), end.astimezone(UTC)
            if u_start > w_end or u_end <= w_start:
                continue
            if slot.capacity == 1 and u_start < w_start:
                continue  # a single créneau that already started
            booked = agenda.booked(slot.id, day)
            if booked >= slot.capacity:
                continue
            out.append(
                FreeSlot(
                    agenda_id=agenda.id,
                    owner_id=agenda.owner_id,
                    place_id=agenda.place_id,
                    slot_id=slot.id,
                    day=day,
                    start=start,
                    end=end,
                    modalities=slot.modalities,
                    capacity=slot.capacity,
                    booked=booked,
                )
            )
        day += timedelta(days=1)
    out.sort(key=lambda f: (f.start.astimezone(UTC), f.slot_id))
    return out
