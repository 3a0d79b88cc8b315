"""The search's time window: now → J+2 23:59:59 Europe/Paris (platform spec §1.5, §1.9).

Slots are shown for three calendar days: today (J), tomorrow (J+1) and the day after (J+2).
Slots that already started are dropped, later days too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sasref.clock import PARIS, Clock

#: Labels of the three days, as the platform shows them.
DAY_LABELS: tuple[str, ...] = ("Aujourd'hui", "Demain", "Après-demain")


@dataclass(frozen=True, slots=True)
class SearchWindow:
    """``[start, end]`` in Europe/Paris, with the three calendar days it covers."""

    start: datetime
    end: datetime

    @classmethod
    def from_now(cls, now: datetime, days: int = 3) -> SearchWindow:
        if now.tzinfo is None:
            raise ValueError("the search window needs an aware 'now'")
        local = now.astimezone(PARIS)
        last_day = local.date() + timedelta(days=days - 1)
        end = datetime.combine(last_day, time(23, 59, 59), tzinfo=PARIS)
        return cls(start=local, end=end)

    @classmethod
    def from_clock(cls, clock: Clock) -> SearchWindow:
        return cls.from_now(clock.now())

    @property
    def days(self) -> tuple[date, ...]:
        first = self.start.date()
        count = (self.end.date() - first).days + 1
        return tuple(first + timedelta(days=i) for i in range(count))

    def contains_start(self, start: datetime) -> bool:
        """A slot is shown when it has not started yet and starts before the window's end."""
        return self.start <= start <= self.end

    def day_index(self, start: datetime) -> int | None:
        """0 for today, 1 tomorrow, 2 the day after; None outside the window."""
        if not self.contains_start(start):
            return None
        return (start.astimezone(PARIS).date() - self.start.date()).days

    def label(self, index: int) -> str:
        return DAY_LABELS[index] if index < len(DAY_LABELS) else f"J+{index}"
