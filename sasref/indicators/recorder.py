"""Counting the activity for the indicators: searches, slots shown, orientations, appointments.

The seed slides' key figures ("+ 4 000 recherches réalisées par semaine", "5 711 orientations en
juin", per SAMU) and §5 of the platform spec (orientations recorded with regulator, territory,
type, recipient). :class:`IndicatorRecorder` has a small explicit API, one method per event:

* :meth:`~IndicatorRecorder.record_search` — a search shown to a regulator (the platform calls
  it; counted per SAMU, per use case shown, per editor asked, with the slots shown);
* :meth:`~IndicatorRecorder.record_appointment` — an INT_R03 appointment received (first
  version): an appointment **and** an orientation;
* :meth:`~IndicatorRecorder.record_orientation` — an orientation decided on the SAS side without
  an editor appointment (SAS agenda, surnuméraire): an orientation only.

Counts are kept in memory and added to the daily rollups (:mod:`sasref.storage.indicators`) at
most every ``interval`` seconds behind the requests (:class:`sasref.background.Periodic`,
started by the first event in the running loop), at :meth:`~IndicatorRecorder.flush` and at
:meth:`~IndicatorRecorder.aclose`; a failed write keeps the counts for the next one. A process
killed between two writes loses at most one interval of counts (the search log and the
appointments themselves are stored at once).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime

from sasref.background import WriteBehind
from sasref.clock import PARIS, Clock, SystemClock
from sasref.storage.indicators import METRICS, IndicatorRepository

#: The SAMU of an event whose regulator's SAMU is not known: counted, under this name.
UNKNOWN_SAMU = "inconnu"
#: The "editor" of slots from the SAS's own agenda.
SAS_AGENDA = "agenda-sas"
#: Use cases (TRE_R66 orientation categories mapped; MSP and CDS keep their own name).
USE_CASES = ("ps", "cpts", "sos", "surnumeraire", "marketplace", "msp", "cds")
#: INT_R03 orientation category (``sasref.appointments.core.ORIENTATION_CODES``) → use case.
CATEGORY_USE_CASES = {
    "PS": "ps",
    "CPTS": "cpts",
    "SOS": "sos",
    "PDM": "marketplace",
    "MSP": "msp",
    "CDS": "cds",
}
#: Result card kind → use case.
CARD_USE_CASES = {"practitioner": "ps", "cpts": "cpts", "sos": "sos"}

_log = logging.getLogger("sasref.indicators")
_INDEX = {m: i for i, m in enumerate(METRICS)}


def samu_key(department: str | None) -> str:
    """``"33"`` → ``"33"``, ``"samu2a"`` → ``"2A"``, ``None`` / ``""`` → :data:`UNKNOWN_SAMU`."""
    if not department:
        return UNKNOWN_SAMU
    text = department.strip()
    if text.lower().startswith("samu"):
        text = text[4:]
    return text.upper() or UNKNOWN_SAMU


class IndicatorRecorder:
    """See the module docstring. ``totals`` keeps the counts since start (for ``/metrics``)."""

    def __init__(
        self,
        repository: IndicatorRepository,
        *,
        clock: Clock | None = None,
        interval: float | None = 2.0,
    ) -> None:
        self.repository = repository
        self.clock: Clock = clock or SystemClock()
        self.interval = interval
        self._pending: dict[tuple[str, date, str], list[int]] = {}
        #: Counts since start per (metric, dimension, item).
        self.totals: Counter[tuple[str, str, str]] = Counter()
        self._writer = WriteBehind(self.flush, name="indicator-recorder", interval=interval)

    # -- events ---------------------------------------------------------------------------------
    def _day(self, at: datetime | None) -> date:
        return (at or self.clock.now()).astimezone(PARIS).date()

    def _add(self, day: date, dimension: str, item: str, **counts: int) -> None:
        row = self._pending.get((dimension, day, item))
        if row is None:
            row = self._pending[(dimension, day, item)] = [0, 0, 0, 0]
        for metric, n in counts.items():
            row[_INDEX[metric]] += n
            self.totals[(metric, dimension, item)] += n

    def record_search(
        self,
        *,
        samu: str | None,
        slots_by_use_case: Mapping[str, int],
        slots_by_editor: Mapping[str, int],
        at: datetime | None = None,
    ) -> None:
        """A search shown: ``slots_by_use_case`` has every use case with a card on the page
        (0 slots included), ``slots_by_editor`` every editor asked (and :data:`SAS_AGENDA` when
        SAS-agenda slots were shown)."""
        day = self._day(at)
        total = sum(slots_by_use_case.values())
        self._add(day, "samu", samu_key(samu), searches=1, slots_shown=total)
        for use_case, n in slots_by_use_case.items():
            self._add(day, "use_case", use_case, searches=1, slots_shown=n)
        for editor, n in slots_by_editor.items():
            self._add(day, "editor", editor, searches=1, slots_shown=n)
        self._writer.start()

    def record_orientation(
        self,
        *,
        samu: str | None,
        use_case: str,
        editor: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """An orientation decided on the SAS side (SAS agenda, surnuméraire; ``use_case`` e.g.
        ``"surnumeraire"``), not an editor appointment (those come through
        :meth:`record_appointment`)."""
        self._orientation(samu, use_case, editor, at, appointment=False)

    def record_appointment(
        self,
        *,
        samu: str | None,
        use_case: str,
        editor: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """An appointment received through INT_R03 (its first version): one appointment and
        one orientation."""
        self._orientation(samu, use_case, editor, at, appointment=True)

    def _orientation(
        self,
        samu: str | None,
        use_case: str,
        editor: str | None,
        at: datetime | None,
        *,
        appointment: bool,
    ) -> None:
        day = self._day(at)
        counts = {"orientations": 1, "appointments": 1 if appointment else 0}
        self._add(day, "samu", samu_key(samu), **counts)
        self._add(day, "use_case", use_case, **counts)
        if editor:
            self._add(day, "editor", editor, **counts)
        self._writer.start()

    # -- writing --------------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        return len(self._pending)

    async def flush(self) -> int:
        """Add the pending counts to the database now (a worker thread); returns the rows."""
        async with self._writer.lock():
            pending, self._pending = self._pending, {}
            if not pending:
                return 0
            increments = {key: (a, b, c, d) for key, (a, b, c, d) in pending.items()}
            try:
                return await asyncio.to_thread(self.repository.add, increments=increments)
            except Exception:  # not on cancellation: the write goes on in its thread
                for key, counts in pending.items():  # back, under any newer counts
                    row = self._pending.setdefault(key, [0, 0, 0, 0])
                    for i, n in enumerate(counts):
                        row[i] += n
                raise

    def flush_now(self) -> int:
        """:meth:`flush` outside an event loop (scripts, benchmarks)."""
        pending, self._pending = self._pending, {}
        return self.repository.add(
            increments={key: (a, b, c, d) for key, (a, b, c, d) in pending.items()}
        )

    async def aclose(self) -> None:
        await self._writer.stop()
        try:
            await self.flush()
        except Exception:
            _log.exception("indicators: %d pending rows not saved at shutdown", self.pending)


__all__ = [
    "CARD_USE_CASES",
    "CATEGORY_USE_CASES",
    "SAS_AGENDA",
    "UNKNOWN_SAMU",
    "USE_CASES",
    "IndicatorRecorder",
    "samu_key",
]
