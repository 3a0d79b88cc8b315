"""Adapt the mock population (``mocks.population``) to what an editor serves.

The population computes slots lazily per practitioner and per day from its clock, so an editor
built from it always answers over the current window; :class:`PopulationSlots` converts its
``SlotRecord``\\ s to :class:`sasref.search.SlotView` on demand (only for the queried owners)
and keeps each owner's answer while the rolling window cannot have changed it (slots start and
end on whole minutes: within the minute of the last call, the answer stands — issue 3 item 7,
the INT_R01 throughput target). An editor answers only for its own practitioners and
associations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from mocks.editor.store import EditorShard
from sasref.search import SlotView


def slot_view(record: Any) -> SlotView:
    """A ``mocks.population.SlotRecord`` as a :class:`SlotView`."""
    sos = record.owner == "sos"
    return SlotView(
        id=record.id,
        start=record.start,
        end=record.end,
        types=tuple(record.slot_types),
        consultation_types=tuple(record.consultation_types),
        motifs=(record.motif,) if record.motif else (),
        reason=record.appointment_type,
        booking_url=record.booking_url or None,
        practitioner_id=None if sos else record.practitioner,
        place_id=None if sos else record.place,
        cpts=tuple(record.cpts),
        sos_siret=record.organization if sos else None,
        fixed_point_id=record.place if sos else None,
    )


_VIEW_LIMIT = 200_000


def _minute(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


def _whole_minutes(records: tuple[Any, ...]) -> bool:
    return all(
        r.start.second == r.start.microsecond == r.end.second == r.end.microsecond == 0
        for r in records
    )


_MINUTE = timedelta(minutes=1)


class _Answer:
    """What the population answered for one owner, and for which later windows it holds."""

    __slots__ = ("after", "frozen", "records", "until", "views")

    def __init__(
        self,
        records: tuple[Any, ...],
        views: tuple[SlotView, ...],
        before: tuple[datetime, datetime],
        after: tuple[datetime, datetime],
    ) -> None:
        self.records = records
        self.views = views
        self.after = after
        # The population answers the slots starting at or after its window start and ending
        # at or before its end, and slots start and end on whole minutes. So while the window
        # moves forward within the minutes it had when asked, no slot can enter the answer,
        # and none can leave it unless the start sat exactly on a minute: then only the very
        # same window (a stopped clock) is known to give the same answer.
        minutes = (_minute(before[0]), _minute(before[1]))
        same = minutes == (_minute(after[0]), _minute(after[1])) and _whole_minutes(records)
        self.frozen = same and before[0] == minutes[0] and before == after
        self.until = (
            (minutes[0] + _MINUTE, minutes[1] + _MINUTE)
            if same and before[0] != minutes[0]
            else None
        )

    def holds_for(self, window: tuple[datetime, datetime]) -> bool:
        if self.frozen:
            return window == self.after
        until, after = self.until, self.after
        if until is None:
            return False
        return after[0] <= window[0] < until[0] and after[1] <= window[1] < until[1]


class PopulationSlots:
    """The free slots of one editor's practitioners and SOS fixed points, from the population.

    Each owner's answer is a tuple of views, the same object while the population's answer
    cannot have changed (the editor's :class:`~mocks.editor.store.SlotStore` keeps its index
    of it), so a search costs no population call within the minute of the previous one.
    """

    def __init__(self, population: Any, shard: Any) -> None:
        self.population = population
        self.practitioners = frozenset(p.id for p in shard.practitioners)
        self.points = {a.siret: tuple(fp.id for fp in a.fixed_points) for a in shard.sos}
        self._views: dict[str, SlotView] = {}  # conversions reused while the window rolls on
        self._answers: dict[tuple[bool, str], _Answer] = {}

    def _view(self, record: Any) -> SlotView:
        view = self._views.get(record.id)
        if view is None or view.start != record.start:
            if len(self._views) > _VIEW_LIMIT:
                self._views.clear()
            view = self._views[record.id] = slot_view(record)
        return view

    def _answer(
        self, key: tuple[bool, str], ask: Callable[[], tuple[Any, ...]]
    ) -> tuple[SlotView, ...]:
        window = self.population.window
        before = window()
        last = self._answers.get(key)
        if last is not None and last.holds_for(before):
            return last.views
        records = ask()
        after = window()
        if last is not None and last.records == records:  # items compared by identity first
            views = last.views
        else:
            views = tuple(self._view(r) for r in records)
        self._answers[key] = _Answer(records, views, before, after)
        return views

    def practitioner_slots(self, practitioner_id: str) -> Iterable[SlotView]:
        if practitioner_id not in self.practitioners:
            return ()
        slots_for = self.population.slots_for
        return self._answer((False, practitioner_id), lambda: tuple(slots_for(practitioner_id)))

    def association_slots(self, siret: str) -> Iterable[SlotView]:
        points = self.points.get(siret)
        if points is None:
            return ()
        sos_slots_for = self.population.sos_slots_for
        return self._answer(
            (True, siret), lambda: tuple(r for p in points for r in sos_slots_for(p))
        )


def shard_for(population: Any, name: str) -> EditorShard:
    """The :class:`EditorShard` of editor ``name`` (``KeyError`` when unknown)."""
    shard = population.by_editor(name)
    return EditorShard(
        editor=shard.editor,
        practitioners=tuple(shard.practitioners),
        cpts=tuple(shard.cpts),
        associations=tuple(shard.sos),
        slot_source=PopulationSlots(population, shard),
    )


def population_shards(population: Any) -> list[EditorShard]:
    """One shard per editor of the population, in the population's order."""
    return [shard_for(population, e.name) for e in population.editors]
