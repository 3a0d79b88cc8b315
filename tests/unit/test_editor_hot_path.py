"""The mock editor's hot path (issue 3 item 7) answers exactly what the plain path answers.

* :func:`sasref.search.bundle.render_searchset` is byte for byte ``json.dumps`` of
  :func:`~sasref.search.build_searchset`, cold and warm, for every use case and include set;
* :class:`mocks.editor.store.SlotStore` selects what a plain scan of the source selects;
* :class:`mocks.editor.shards.PopulationSlots` answers what the population answers while its
  clock moves (forwards, backwards, onto exact minutes).
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from mocks.editor.shards import population_shards
from mocks.editor.store import EditorShard, SlotStore
from mocks.population import generate_population
from sasref.clock import PARIS, FixedClock
from sasref.search import SlotQuery, SlotView, build_searchset
from sasref.search.bundle import EntryCache, render_searchset

NOW = datetime(2024, 6, 12, 7, 30, tzinfo=PARIS)
BASE = "https://editeur.test/fhir"


def _dumps(bundle: dict[str, Any]) -> bytes:
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()


def _shards(seed: int) -> tuple[FixedClock, list[EditorShard]]:
    clock = FixedClock(NOW)
    population = generate_population(seed, clock, editors=4, practitioners=200)
    return clock, population_shards(population)


def _queries(shard: EditorShard, start: datetime, end: datetime) -> list[SlotQuery]:
    ids = [p.id for p in shard.practitioners]
    sirets = [a.siret for a in shard.associations]
    out: list[SlotQuery] = []
    for batch in [ids[i : i + 25] for i in range(0, len(ids), 25)] + [ids[:3] + ids[:2]]:
        ps = SlotQuery.ps(start, end, batch)
        out += [ps, SlotQuery.cpts(start, end, batch), replace(ps, iterate_includes=())]
        out.append(replace(ps, includes=(), iterate_includes=()))
    out += [SlotQuery.sos(start, end, sirets[i : i + 25]) for i in range(0, len(sirets), 25)]
    return out


@pytest.mark.parametrize("seed", [1, 7])
def test_render_searchset_is_dumps_of_build_searchset(seed: int) -> None:
    clock, shards = _shards(seed)
    start = clock.now()
    windows = [
        (start, start + timedelta(days=3)),
        (start + timedelta(hours=5), start + timedelta(hours=29)),
    ]
    compared = 0
    for shard in shards:
        store, catalog, cache = SlotStore(shard.source()), shard.catalog(), EntryCache()
        for _ in range(2):  # cold, then warm
            for lo, hi in windows:
                for query in _queries(shard, lo, hi):
                    slots = store.select(query)
                    self_url = query.to_url(BASE)
                    expected = _dumps(
                        build_searchset(query, catalog, slots, base_url=BASE, self_url=self_url)
                    )
                    got = render_searchset(
                        query, catalog, slots, base_url=BASE, self_url=self_url, cache=cache
                    )
                    assert got == expected, (shard.editor.name, query.use_case)
                    compared += bool(slots)
            # book a few served slots: later answers must leave them out
            for query in _queries(shard, *windows[0])[:2]:
                for slot in store.select(query)[::7]:
                    assert store.book(slot.id) is slot
    assert compared > 20


def test_render_without_cache_and_empty_answers() -> None:
    _, shards = _shards(3)
    shard = shards[0]
    query = SlotQuery.ps(NOW, NOW + timedelta(days=3), ["8" + "0" * 11])
    expected = _dumps(build_searchset(query, shard.catalog(), [], base_url=BASE, self_url="s"))
    assert render_searchset(query, shard.catalog(), [], base_url=BASE, self_url="s") == expected
    assert b'"total":0' in expected


class _Unordered:
    """A source answering lists in reverse start order (no index: scanned each time)."""

    def __init__(self, slots: list[SlotView]) -> None:
        self.slots = slots

    def practitioner_slots(self, practitioner_id: str) -> list[SlotView]:
        found = [s for s in self.slots if s.practitioner_id == practitioner_id]
        return sorted(found, key=lambda s: s.start, reverse=True)

    def association_slots(self, siret: str) -> list[SlotView]:
        return [s for s in self.slots if s.sos_siret == siret]


def _plain_select(source: Any, query: SlotQuery, booked: set[str]) -> list[str]:
    fetch = source.association_slots if query.target == "Schedule" else source.practitioner_slots
    out = [
        s
        for owner in dict.fromkeys(query.ids)
        for s in fetch(owner)
        if query.start_ge <= s.start <= query.start_le and s.id not in booked
    ]
    if query.use_case == "ps":
        out = [s for s in out if {"PUBLIC", "PRO", "SNP"} & set(s.types)]
    return [s.id for s in out]


def test_slot_store_selects_what_a_scan_selects() -> None:
    _, shards = _shards(5)
    rng = random.Random(5)
    for shard in shards:
        views = [v for p in shard.practitioners for v in shard.source().practitioner_slots(p.id)]
        for source in (shard.source(), _Unordered(views)):
            store = SlotStore(source)
            booked: set[str] = set()
            for _ in range(40):
                lo = NOW + timedelta(minutes=rng.randrange(0, 3 * 24 * 60))
                hi = lo + timedelta(minutes=rng.randrange(0, 24 * 60))
                ids = [
                    p.id for p in rng.sample(shard.practitioners, min(8, len(shard.practitioners)))
                ]
                query = rng.choice((SlotQuery.ps, SlotQuery.cpts))(lo, hi, ids)
                got = store.select(query)
                assert [s.id for s in got] == _plain_select(source, query, booked)
                if got and rng.random() < 0.5:
                    victim = rng.choice(got).id
                    assert store.book(victim) is not None and store.book(victim) is None
                    booked.add(victim)


def test_population_slots_follow_a_moving_clock() -> None:
    clock = FixedClock(datetime(2024, 6, 12, 11, 59, 58, tzinfo=PARIS))
    population = generate_population(3, clock, editors=4, practitioners=200)
    shards = population_shards(population)
    rng = random.Random(1)
    checked = 0
    for _ in range(600):
        draw = rng.random()
        if draw < 0.2:  # exactly onto the next minute
            clock.set(clock.now().replace(second=0, microsecond=0) + timedelta(minutes=1))
        elif draw < 0.25:
            clock.advance(-timedelta(seconds=rng.random() * 90))
        elif draw > 0.3:
            clock.advance(timedelta(seconds=rng.random() * rng.choice((0.01, 1, 40, 400))))
        shard = rng.choice(shards)
        source: Any = shard.slot_source
        for p in rng.sample(shard.practitioners, min(4, len(shard.practitioners))):
            expected = [r.id for r in population.slots_for(p.id)]
            assert [v.id for v in source.practitioner_slots(p.id)] == expected
            checked += bool(expected)
        for a in shard.associations:
            expected = [r.id for fp in a.fixed_points for r in population.sos_slots_for(fp.id)]
            assert [v.id for v in source.association_slots(a.siret)] == expected
    assert checked > 100
