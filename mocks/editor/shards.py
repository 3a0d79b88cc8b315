"""Adapt the mock population (``mocks.population``) to what an editor serves.

The population computes slots lazily per practitioner and per day from its clock, so an editor
built from it always answers over the current window; :class:`PopulationSlots` converts its
``SlotRecord``\\ s to :class:`sasref.search.SlotView` on demand (only for the queried owners).
An editor answers only for its own practitioners and associations.
"""

from __future__ import annotations

from collections.abc import Iterable
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


class PopulationSlots:
    """The free slots of one editor's practitioners and SOS fixed points, from the population."""

    def __init__(self, population: Any, shard: Any) -> None:
        self.population = population
        self.practitioners = frozenset(p.id for p in shard.practitioners)
        self.points = {a.siret: tuple(fp.id for fp in a.fixed_points) for a in shard.sos}
        self._views: dict[str, SlotView] = {}  # conversions reused while the window rolls on

    def _view(self, record: Any) -> SlotView:
        view = self._views.get(record.id)
        if view is None or view.start != record.start:
            if len(self._views) > _VIEW_LIMIT:
                self._views.clear()
            view = self._views[record.id] = slot_view(record)
        return view

    def practitioner_slots(self, practitioner_id: str) -> Iterable[SlotView]:
        if practitioner_id not in self.practitioners:
            return ()
        return [self._view(r) for r in self.population.slots_for(practitioner_id)]

    def association_slots(self, siret: str) -> Iterable[SlotView]:
        return [
            self._view(r)
            for point_id in self.points.get(siret, ())
            for r in self.population.sos_slots_for(point_id)
        ]


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
