"""The mock French health offer: :func:`generate_population` and :class:`Population` (issue 3 §2).

Deterministic from ``seed`` and the injected clock. Practitioners, CPTS and SOS associations are
built eagerly (under 1 s for the default 4,000 practitioners, a few seconds for
40,000: ``bench/bench_population.py``); slots lazily, per practitioner and per day
(see :mod:`mocks.population.slots`), over the rolling window ``now → now + days``.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from mocks.population.common import make_name_pools, site_root, stable_seed
from mocks.population.editors import CPTS, PS, make_editors
from mocks.population.overbooking import draw_overbooking
from mocks.population.people import IdFactory, StructurePool, draft_practitioners, finish
from mocks.population.slots import (
    PractitionerWeek,
    SlotRecord,
    practitioner_day_slots,
    practitioner_week,
    sos_day_slots,
)
from mocks.population.structures import make_cpts, make_sos
from sasref.clock import PARIS, Clock
from sasref.directory.model import (
    AgendaKind,
    Cpts,
    EditorInfo,
    FixedPoint,
    HealthStructure,
    OpeningHours,
    Place,
    Practitioner,
    SosAssociation,
)

__all__ = ["EditorShard", "Population", "generate_population"]


@dataclass(frozen=True, slots=True)
class EditorShard:
    """What one editor serves: its practitioners, CPTS, SOS associations and their slots."""

    editor: EditorInfo
    practitioners: tuple[Practitioner, ...]
    cpts: tuple[Cpts, ...]
    sos: tuple[SosAssociation, ...]
    population: Population = field(repr=False, compare=False)

    def slots_for(self, practitioner_id: str) -> tuple[SlotRecord, ...]:
        return self.population.slots_for(practitioner_id)

    def iter_slots(self) -> Iterator[SlotRecord]:
        """Every free slot of the shard in the current window (practitioners, then SOS)."""
        for p in self.practitioners:
            yield from self.population.slots_for(p.id)
        for assoc in self.sos:
            for point in assoc.fixed_points:
                yield from self.population.sos_slots_for(point.id)

    @property
    def slots(self) -> tuple[SlotRecord, ...]:
        return tuple(self.iter_slots())


class Population:
    """The generated offer with its indexes. Build it with :func:`generate_population`."""

    def __init__(
        self,
        *,
        seed: int,
        clock: Clock,
        days: int,
        editors: tuple[EditorInfo, ...],
        practitioners: tuple[Practitioner, ...],
        cpts: tuple[Cpts, ...],
        sos: tuple[SosAssociation, ...],
        structures: tuple[HealthStructure, ...] = (),
    ) -> None:
        self.seed = seed
        self.clock = clock
        self.days = days
        self.editors = editors
        self.practitioners = practitioners
        self.cpts = cpts
        self.sos = sos
        #: MSP and centres de santé named by places (``Place.structure_id``), with their settings.
        self.structures = structures
        self._editors = {e.name: e for e in editors}
        self._practitioners = {p.id: p for p in practitioners}
        self._places: dict[str, tuple[Practitioner, Place]] = {
            pl.id: (p, pl) for p in practitioners for pl in p.places
        }
        self._cpts = {c.finess: c for c in cpts}
        self._sos = {s.siret: s for s in sos}
        self._points: dict[str, tuple[SosAssociation, FixedPoint]] = {
            fp.id: (s, fp) for s in sos for fp in s.fixed_points
        }
        self._weeks: dict[str, PractitionerWeek] = {}
        self._days: dict[date, dict[str, tuple[SlotRecord, ...]]] = {}
        self._shards: dict[str, EditorShard] = {}
        self._grouped: (
            dict[str, tuple[list[Practitioner], list[Cpts], list[SosAssociation]]] | None
        ) = None

    # --- lookups ------------------------------------------------------------------------------
    def editor(self, name: str) -> EditorInfo:
        return self._editors[name]

    def practitioner(self, practitioner_id: str) -> Practitioner | None:
        """By prefixed id (``8…``/``0…``); a raw RPPS (11 digits) or ADELI (9) is accepted too."""
        found = self._practitioners.get(practitioner_id)
        if found is None and len(practitioner_id) in (9, 11):
            prefix = "8" if len(practitioner_id) == 11 else "0"
            found = self._practitioners.get(prefix + practitioner_id)
        return found

    def place(self, place_id: str) -> Place | None:
        hit = self._places.get(place_id)
        return hit[1] if hit else None

    def cpts_by_finess(self, finess: str) -> Cpts | None:
        return self._cpts.get(finess)

    def sos_by_siret(self, siret: str) -> SosAssociation | None:
        return self._sos.get(siret)

    def fixed_point(self, point_id: str) -> tuple[SosAssociation, FixedPoint] | None:
        return self._points.get(point_id)

    def by_editor(self, name: str) -> EditorShard:
        """The shard an editor server is built from (cached; ``KeyError`` if unknown).

        Its CPTS are those it serves plus, for a CPTS-capable editor, every CPTS its
        practitioners belong to (their CPTS slots name them).
        """
        shard = self._shards.get(name)
        if shard is None:
            editor = self._editors[name]
            if self._grouped is None:
                self._grouped = self._group_by_editor()
            pract, own_cpts, sos = self._grouped.get(name, ((), (), ()))
            cpts_ids = {c.finess for c in own_cpts}
            if CPTS in editor.use_cases:
                cpts_ids.update(f for p in pract for f in p.cpts)
            shard = EditorShard(
                editor=editor,
                practitioners=tuple(pract),
                cpts=tuple(c for c in self.cpts if c.finess in cpts_ids),
                sos=tuple(sos),
                population=self,
            )
            self._shards[name] = shard
        return shard

    def _group_by_editor(
        self,
    ) -> dict[str, tuple[list[Practitioner], list[Cpts], list[SosAssociation]]]:
        groups: dict[str, tuple[list[Practitioner], list[Cpts], list[SosAssociation]]] = {
            e.name: ([], [], []) for e in self.editors
        }
        for p in self.practitioners:
            if p.editor in groups:
                groups[p.editor][0].append(p)
        for c in self.cpts:
            if c.editor in groups:
                groups[c.editor][1].append(c)
        for s in self.sos:
            if s.editor in groups:
                groups[s.editor][2].append(s)
        return groups

    # --- hours and slots ----------------------------------------------------------------------
    def window(self) -> tuple[datetime, datetime]:
        """The rolling slot window ``[now, now + days]`` (Europe/Paris)."""
        start = self.clock.now().astimezone(PARIS)
        return start, start + timedelta(days=self.days)

    def _week(self, practitioner: Practitioner) -> PractitionerWeek:
        week = self._weeks.get(practitioner.id)
        if week is None:
            week = self._weeks[practitioner.id] = practitioner_week(self.seed, practitioner)
        return week

    def place_hours(self, place_id: str) -> tuple[OpeningHours, ...]:
        """Opening hours of a practitioner's place (the practitioner's days at that place)."""
        hit = self._places.get(place_id)
        if hit is None:
            point = self._points.get(place_id)
            return point[1].hours if point else ()
        return self._week(hit[0]).hours[place_id]

    def _window_days(self) -> tuple[datetime, datetime, list[date]]:
        start, end = self.window()
        first = start.date()
        for stale in [d for d in self._days if d < first]:
            del self._days[stale]  # the window rolled on: forget past days
        span = (end.date() - first).days
        return start, end, [first + timedelta(days=i) for i in range(span + 1)]

    def _cached(
        self, day: date, key: str, make: Callable[[], tuple[SlotRecord, ...]]
    ) -> tuple[SlotRecord, ...]:
        bucket = self._days.setdefault(day, {})
        slots = bucket.get(key)
        if slots is None:
            slots = bucket[key] = make()
        return slots

    def slots_for(self, practitioner_id: str) -> tuple[SlotRecord, ...]:
        """Free slots of a practitioner in the window (empty without an agenda)."""
        p = self.practitioner(practitioner_id)
        if p is None or p.agenda is AgendaKind.NONE:
            return ()
        week = self._week(p)
        editor = self._editors.get(p.editor) if p.editor else None
        site = site_root(editor.base_url) if editor else None
        cpts_ok = editor is not None and CPTS in editor.use_cases
        start, end, days = self._window_days()
        out: list[SlotRecord] = []
        for day in days:
            slots = self._cached(
                day,
                p.id,
                partial(
                    practitioner_day_slots, self.seed, p, week, day, site=site, cpts_ok=cpts_ok
                ),
            )
            out.extend(s for s in slots if s.start >= start and s.end <= end)
        return tuple(out)

    def sos_slots_for(self, fixed_point_id: str) -> tuple[SlotRecord, ...]:
        """Free slots of an SOS fixed point in the window."""
        hit = self._points.get(fixed_point_id)
        if hit is None:
            return ()
        assoc, point = hit
        editor = self._editors.get(assoc.editor) if assoc.editor else None
        site = site_root(editor.base_url) if editor else "https://sos.test"
        start, end, days = self._window_days()
        out: list[SlotRecord] = []
        for day in days:
            slots = self._cached(
                day,
                point.id,
                partial(
                    sos_day_slots,
                    self.seed,
                    assoc.siret,
                    point,
                    day,
                    site=site,
                    editor=assoc.editor,
                ),
            )
            out.extend(s for s in slots if s.start >= start and s.end <= end)
        return tuple(out)

    def iter_slots(self) -> Iterator[SlotRecord]:
        """Every free slot of the population in the window (practitioners, then SOS)."""
        for p in self.practitioners:
            yield from self.slots_for(p.id)
        for point_id in self._points:
            yield from self.sos_slots_for(point_id)

    @property
    def slots(self) -> tuple[SlotRecord, ...]:
        """All free slots in the window (materialised on access: prefer :meth:`iter_slots`)."""
        return tuple(self.iter_slots())

    # --- export -------------------------------------------------------------------------------
    def to_json(self, *, with_slots: bool = False) -> dict[str, Any]:
        """A JSON-ready summary for scripts: editors, practitioners, CPTS, SOS (slots on demand)."""
        from mocks.population.export import population_json

        return population_json(self, with_slots=with_slots)


Assign = Callable[[random.Random, str], tuple[AgendaKind, str | None, bool]]


def _assigner(rng: random.Random, editors: tuple[EditorInfo, ...]) -> Assign:
    """Agenda of each practitioner: ~70 % an editor, ~10 % the SAS agenda, ~20 % none."""
    ps_editors = [e.name for e in editors if PS in e.use_cases] or [editors[0].name]
    rng.shuffle(ps_editors)
    # a few big editors and a long tail (Zipf-like market shares)
    cum = tuple(itertools.accumulate(1 / (i + 1) ** 0.8 for i in range(len(ps_editors))))

    def assign(r: random.Random, speciality: str) -> tuple[AgendaKind, str | None, bool]:
        draw = r.random()
        if draw < 0.70:
            name = ps_editors[bisect.bisect_right(cum, r.random() * cum[-1])]
            return AgendaKind.EDITOR, name, r.random() < 0.75
        if draw < 0.80:
            return AgendaKind.SAS, None, r.random() < 0.95
        return AgendaKind.NONE, None, r.random() < 0.15

    return assign


def generate_population(
    seed: int,
    clock: Clock,
    *,
    editors: int = 40,
    practitioners: int = 4000,
    days: int = 3,
) -> Population:
    """A deterministic population: same ``seed`` and clock, same :meth:`Population.to_json`."""
    if practitioners < 0 or days < 1:
        raise ValueError("practitioners must be >= 0 and days >= 1")
    rng = random.Random(stable_seed(seed, "population"))
    fleet = make_editors(rng, editors)
    ids = IdFactory(random.Random(stable_seed(seed, "ids")))
    names = make_name_pools(seed)
    pool = StructurePool(ids)
    drafts = draft_practitioners(rng, ids, names, practitioners, _assigner(rng, fleet), pool)
    cpts = make_cpts(rng, ids, drafts, fleet, max(1, round(practitioners / 100)))
    sos = make_sos(rng, ids, fleet, max(1, round(practitioners / 400)))
    structures = draw_overbooking(seed, drafts, pool.all())
    return Population(
        seed=seed,
        clock=clock,
        days=days,
        editors=fleet,
        practitioners=tuple(finish(d) for d in drafts),
        cpts=cpts,
        sos=sos,
        structures=structures,
    )
