"""``sasref demo --clock ISO``: the ecosystem's clock starts at that instant and runs at the wall
clock's pace (:class:`sasref.clock.ShiftedClock`), so a demo, a training session or a socket test
finds the same agendas (Tuesday 9:00, say) whatever the hour or the day of the week it runs."""

from __future__ import annotations

from sasref.clock import Clock, ShiftedClock, SystemClock
from sasref.errors import InvalidDateTime
from sasref.fhir.datetimes import parse_datetime


def clock_option(text: str | None) -> Clock:
    """The system clock, or ``text``'s instant (no offset: Paris time) running at its pace; a
    :class:`ValueError` naming the option for a date-time it cannot read."""
    if text is None:
        return SystemClock()
    try:
        return ShiftedClock(parse_datetime(text))
    except (InvalidDateTime, ValueError) as exc:
        raise ValueError(f"--clock {text!r}: not a date-time ({exc})") from None
