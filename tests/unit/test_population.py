"""The mock population (issue 3 §2): determinism, identifiers, mix, CPTS/SOS, slots."""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mocks.population import (
    CPTS,
    PS,
    SOS,
    SPECIALITY_WEIGHTS,
    Population,
    SlotRecord,
    generate_population,
)
from mocks.population.common import site_root
from sasref.clock import PARIS, FixedClock
from sasref.directory import geo
from sasref.directory.model import AgendaKind
from sasref.fhir.identifiers import is_adeli, is_finess, is_rpps, is_rpps_rang, is_siret

SHARED = Path(__file__).parents[2] / ".." / "shared"
NOW = datetime(2026, 11, 20, 10, 7, tzinfo=PARIS)  # a Friday, so the window spans a weekend
PHONE = re.compile(r"\+33[1-79]\d{8}")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture(scope="module")
def pop() -> Population:
    return generate_population(7, FixedClock(NOW), editors=12, practitioners=1500)


@pytest.fixture(scope="module")
def slots(pop: Population) -> tuple[SlotRecord, ...]:
    return pop.slots


def test_same_seed_and_clock_give_the_same_population() -> None:
    a = generate_population(11, FixedClock(NOW), editors=5, practitioners=150)
    b = generate_population(11, FixedClock(NOW), editors=5, practitioners=150)
    assert a.to_json(with_slots=True) == b.to_json(with_slots=True)
    c = generate_population(12, FixedClock(NOW), editors=5, practitioners=150)
    assert c.to_json() != a.to_json()
    assert {p.id for p in c.practitioners}.isdisjoint({p.id for p in a.practitioners})


def test_default_sizes() -> None:
    pop = generate_population(1, FixedClock(NOW))
    assert len(pop.editors) == 40
    assert len(pop.practitioners) == 4000
    assert len(pop.cpts) == 40
    assert len(pop.sos) == 10
    assert pop.days == 3


def test_editors(pop: Population) -> None:
    names = [e.name for e in pop.editors]
    assert names == [f"editeur-{i:02d}" for i in range(1, 13)]
    assert len({e.software for e in pop.editors}) == 12
    for e in pop.editors:
        assert e.base_url == f"https://{e.name}.test/fhir"
        assert e.use_cases and e.use_cases <= {PS, CPTS, SOS}
    assert sum(PS in e.use_cases for e in pop.editors) >= 0.6 * len(pop.editors)
    assert any(CPTS in e.use_cases for e in pop.editors)
    assert any(SOS in e.use_cases for e in pop.editors)
    wide = generate_population(0, FixedClock(NOW), editors=150, practitioners=0)
    assert wide.editors[-1].name == "editeur-150"
    assert len({e.software for e in wide.editors}) == 150


def test_identifiers_are_valid_and_unique(pop: Population) -> None:
    ids = [p.id for p in pop.practitioners]
    assert len(set(ids)) == len(ids)
    adeli = [i for i in ids if i[0] == "0"]
    for i in ids:
        assert (i[0] == "8" and is_rpps(i[1:])) or (i[0] == "0" and is_adeli(i[1:])), i
    assert 0.02 <= len(adeli) / len(ids) <= 0.09
    kinds: Counter[str] = Counter()
    for p in pop.practitioners:
        for place in p.places:
            kind, raw = place.structure_id[0], place.structure_id[1:]
            kinds[kind] += 1
            assert {"1": is_finess, "3": is_siret, "4": is_rpps_rang}[kind](raw), place
            if kind == "4":
                assert raw.startswith(p.raw_id)  # RPPS rang = the RPPS + a rank
    assert set(kinds) == {"1", "3", "4"}
    assert all(is_finess(c.finess[1:]) and c.finess[0] == "1" for c in pop.cpts)
    assert all(is_siret(s.siret[1:]) and s.siret[0] == "3" for s in pop.sos)
    place_ids = [pl.id for p in pop.practitioners for pl in p.places]
    assert len(set(place_ids)) == len(place_ids)


def test_specialities_follow_the_weights(pop: Population) -> None:
    assert math.isclose(sum(SPECIALITY_WEIGHTS.values()), 100)
    counts = Counter(p.speciality for p in pop.practitioners)
    share = counts["SM54"] / len(pop.practitioners)
    assert 0.65 <= share <= 0.75
    assert counts.most_common(1)[0][0] == "SM54"
    assert len(counts) >= 10
    assert all(p.profession == "10" and p.speciality_display for p in pop.practitioners)


def test_specialities_are_in_the_sas_list() -> None:
    path = SHARED / "terminology" / "JDV_J239_SpecialitesSNP_SAS.json"
    if not path.exists():
        pytest.skip("../shared is absent: cannot read JDV_J239")
    vs = json.loads(path.read_text(encoding="utf-8"))
    r38 = {
        c["code"]: c["display"]
        for inc in vs["compose"]["include"]
        if "TRE_R38" in inc["system"]
        for c in inc["concept"]
    }
    assert set(SPECIALITY_WEIGHTS) == set(r38)
    pop = generate_population(3, FixedClock(NOW), editors=3, practitioners=300)
    for p in pop.practitioners:
        assert p.speciality_display == r38[p.speciality]


def test_names_and_genders(pop: Population) -> None:
    genders = Counter(p.gender for p in pop.practitioners)
    assert set(genders) == {"female", "male"}
    assert 0.4 <= genders["female"] / len(pop.practitioners) <= 0.6
    assert len({p.family for p in pop.practitioners}) > 200
    assert all(p.family and p.given for p in pop.practitioners)


def test_agenda_assignment(pop: Population) -> None:
    n = len(pop.practitioners)
    agendas = Counter(p.agenda for p in pop.practitioners)
    assert 0.65 <= agendas[AgendaKind.EDITOR] / n <= 0.75
    assert 0.06 <= agendas[AgendaKind.SAS] / n <= 0.14
    assert 0.15 <= agendas[AgendaKind.NONE] / n <= 0.25
    ps_editors = {e.name for e in pop.editors if PS in e.use_cases}
    for p in pop.practitioners:
        assert (p.editor is not None) == (p.agenda is AgendaKind.EDITOR)
        if p.editor:
            assert p.editor in ps_editors
    with_agenda = [p for p in pop.practitioners if p.agenda is not AgendaKind.NONE]
    assert sum(p.sas_participant for p in with_agenda) / len(with_agenda) > 0.6


def test_places_are_real_and_near_each_other(pop: Population) -> None:
    counts = Counter(len(p.places) for p in pop.practitioners)
    assert set(counts) == {1, 2, 3}
    for p in pop.practitioners:
        assert PHONE.fullmatch(p.phone), p.phone
        first = p.places[0].address
        for place in p.places:
            a = place.address
            commune = geo.COMMUNES[a.insee]
            assert (a.city, a.department) == (commune.name, commune.department)
            assert a.postal_code in commune.postcodes
            assert PHONE.fullmatch(place.phone), place.phone
            assert a.line and place.name and place.structure_name
            assert geo.distance_km(a.latitude, a.longitude, first.latitude, first.longitude) < 40
            assert a.department == first.department
    overseas = [p for p in pop.practitioners if len(p.places[0].address.department) == 3]
    assert all(p.places[0].phone.startswith("+339") for p in overseas)


def test_cpts(pop: Population) -> None:
    assert pop.cpts
    seen_zone: set[str] = set()
    members_of: Counter[str] = Counter()
    capable = {e.name for e in pop.editors if CPTS in e.use_cases}
    for c in pop.cpts:
        assert c.name.startswith("CPTS ")
        assert PHONE.fullmatch(c.phone)
        assert c.zone and seen_zone.isdisjoint(c.zone)  # zones don't overlap
        seen_zone.update(c.zone)
        assert all(geo.COMMUNES[i].department == c.department for i in c.zone)
        assert c.members and c.editor in capable
        for m in c.members:
            p = pop.practitioner(m)
            assert p is not None and c.finess in p.cpts
            assert any(pl.address.insee in c.zone for pl in p.places)
            members_of[m] += 1
    for p in pop.practitioners:
        assert len(p.cpts) == members_of[p.id]
    assert any(n == 2 for n in members_of.values()), "some practitioners belong to two CPTS"


def test_sos(pop: Population) -> None:
    assert pop.sos
    capable = {e.name for e in pop.editors if SOS in e.use_cases}
    point_ids = [fp.id for s in pop.sos for fp in s.fixed_points]
    assert len(set(point_ids)) == len(point_ids)
    for s in pop.sos:
        assert re.fullmatch(r"SOS Médecins .+", s.name)
        assert s.editor in capable
        assert 1 <= len(s.fixed_points) <= 4
        for fp in s.fixed_points:
            assert fp.hours and PHONE.fullmatch(fp.phone)
            assert fp.address.department == s.department
            for h in fp.hours:
                assert h.days and set(h.days) <= set(DAY_NAMES) and h.opening < h.closing


def _inside(start: datetime, end: datetime, hours: tuple) -> bool:  # type: ignore[type-arg]
    day = DAY_NAMES[start.weekday()]
    return start.date() == end.date() and any(
        day in h.days and h.opening <= start.time() and end.time() <= h.closing for h in hours
    )


def test_slots_are_in_the_window_and_opening_hours(
    pop: Population, slots: tuple[SlotRecord, ...]
) -> None:
    start, end = pop.window()
    assert (start, end) == (NOW, NOW + timedelta(days=3))
    assert len(slots) > 3 * len(pop.practitioners)  # Friday 10:07 → Monday 10:07
    assert len({s.id for s in slots}) == len(slots)
    assert any(s.start.weekday() == 5 for s in slots)  # some Saturday slots
    for s in slots:
        assert start <= s.start and s.end <= end, s
        assert s.start.tzinfo is not None and s.start.utcoffset() == s.end.utcoffset()
        assert 10 <= (s.end - s.start).total_seconds() / 60 <= 30
        assert _inside(s.start, s.end, pop.place_hours(s.place)), s


def test_practitioner_slots_never_overlap(pop: Population) -> None:
    for p in pop.practitioners[:400]:
        mine = pop.slots_for(p.id)
        assert all(a.end <= b.start for a, b in itertools.pairwise(mine)), p.id


def test_slot_contents(pop: Population, slots: tuple[SlotRecord, ...]) -> None:
    types: Counter[tuple[str, ...]] = Counter()
    consults: Counter[str] = Counter()
    for s in slots:
        assert s.consultation_types and set(s.consultation_types) <= {"AMB", "VR", "HH"}
        assert s.appointment_type in ("ROUTINE", "WALKIN") and s.motif
        assert s.id in s.booking_url
        consults.update(s.consultation_types)
        if s.owner == "ps":
            p = pop.practitioner(s.practitioner or "")
            assert p is not None and p.agenda is not AgendaKind.NONE
            assert s.place in {pl.id for pl in p.places}
            assert s.editor == p.editor and s.organization is None
            assert s.slot_types and set(s.slot_types) <= {"PUBLIC", "PRO", "SNP", "CPTS"}
            types[s.slot_types] += 1
            if "SNP" in s.slot_types:
                assert p.sas_participant
            if p.editor:
                root = site_root(pop.editor(p.editor).base_url)
                assert s.booking_url.startswith(root + "/booking/") and "/fhir" not in s.booking_url
            else:
                assert s.booking_url.startswith("https://agenda.sas.test/")
    assert any(len(t) > 1 for t in types)  # a slot may carry several types
    assert types[("PUBLIC",)] == max(types.values())
    assert {"AMB", "VR", "HH"} <= set(consults)
    assert consults["AMB"] > consults["VR"] > 0
    assert {s.appointment_type for s in slots} == {"ROUTINE", "WALKIN"}


def test_cpts_slot_types_only_on_members(pop: Population, slots: tuple[SlotRecord, ...]) -> None:
    cpts_slots = [s for s in slots if "CPTS" in s.slot_types]
    assert cpts_slots
    for s in slots:
        if "CPTS" not in s.slot_types:
            assert s.cpts == ()
            continue
        p = pop.practitioner(s.practitioner or "")
        assert p is not None and p.cpts and s.cpts == p.cpts
        assert p.editor is not None and CPTS in pop.editor(p.editor).use_cases
        assert all(pop.cpts_by_finess(f) for f in s.cpts)


def test_sos_slots(pop: Population, slots: tuple[SlotRecord, ...]) -> None:
    sos_slots = [s for s in slots if s.owner == "sos"]
    assert sos_slots
    for s in sos_slots:
        assert s.practitioner is None and s.cpts == ()
        assert set(s.slot_types) <= {"PUBLIC", "SNP"} and s.slot_types
        hit = pop.fixed_point(s.place)
        assert hit is not None
        assoc, point = hit
        assert s.organization == assoc.siret and s.editor == assoc.editor
        assert _inside(s.start, s.end, point.hours)
        assert s.booking_url.startswith(site_root(pop.editor(assoc.editor or "").base_url))


def test_rolling_window_keeps_slots_stable() -> None:
    clock = FixedClock(NOW)
    pop = generate_population(5, clock, editors=4, practitioners=120)
    before = {s.id: s for s in pop.iter_slots()}
    clock.advance(timedelta(days=1))
    after = {s.id: s for s in pop.iter_slots()}
    start, _ = pop.window()
    assert all(s.start >= start for s in after.values())
    common = before.keys() & after.keys()
    assert common and all(before[k] == after[k] for k in common)
    assert any(s.start >= NOW + timedelta(days=3) for s in after.values())  # a new day came in


def test_practitioners_without_agenda_have_no_slots(pop: Population) -> None:
    none = [p for p in pop.practitioners if p.agenda is AgendaKind.NONE]
    assert none and all(pop.slots_for(p.id) == () for p in none)
    assert pop.slots_for("8" + "0" * 11) == ()
    assert pop.sos_slots_for("no-such-point") == ()


def test_lookups(pop: Population) -> None:
    p = pop.practitioners[0]
    assert pop.practitioner(p.id) is p
    assert pop.practitioner(p.raw_id) is p
    assert pop.practitioner("nope") is None
    assert pop.place(p.places[0].id) is p.places[0]
    assert pop.sos_by_siret(pop.sos[0].siret) is pop.sos[0]


def test_editor_shards(pop: Population) -> None:
    total = 0
    for e in pop.editors:
        shard = pop.by_editor(e.name)
        assert pop.by_editor(e.name) is shard  # cached
        assert all(p.editor == e.name for p in shard.practitioners)
        total += len(shard.practitioners)
        assert all(s.editor == e.name for s in shard.sos)
        if CPTS in e.use_cases:
            shard_cpts = {c.finess for c in shard.cpts}
            assert all(set(p.cpts) <= shard_cpts for p in shard.practitioners)
        shard_slots = shard.slots
        assert all(s.editor == e.name for s in shard_slots)
        expected = sum(len(pop.slots_for(p.id)) for p in shard.practitioners) + sum(
            len(pop.sos_slots_for(fp.id)) for s in shard.sos for fp in s.fixed_points
        )
        assert len(shard_slots) == expected
    assert total == sum(p.agenda is AgendaKind.EDITOR for p in pop.practitioners)
    with pytest.raises(KeyError):
        pop.by_editor("editeur-99")


def test_to_json(pop: Population) -> None:
    data = pop.to_json()
    json.dumps(data)
    assert "slots" not in data
    assert data["counts"] == {
        "editors": 12,
        "practitioners": 1500,
        "cpts": len(pop.cpts),
        "sos": len(pop.sos),
        "structures": len(pop.structures),
    }
    first = data["editors"][0]
    assert first["baseUrl"] == pop.editors[0].base_url
    assert first["practitioners"] == [p.id for p in pop.by_editor(first["name"]).practitioners]
    place = data["practitioners"][0]["places"][0]
    assert {"id", "structureId", "address", "hours"} <= set(place)
    assert data["window"]["start"] == "2026-11-20T10:07:00.000+01:00"
    small = generate_population(2, FixedClock(NOW), editors=3, practitioners=40)
    with_slots = small.to_json(with_slots=True)
    assert with_slots["counts"]["slots"] == len(with_slots["slots"]) == len(small.slots)


def test_bad_sizes() -> None:
    with pytest.raises(ValueError):
        generate_population(1, FixedClock(NOW), editors=0)
    with pytest.raises(ValueError):
        generate_population(1, FixedClock(NOW), days=0)


def test_fast_luhn_matches_the_identifiers_module() -> None:
    import random

    from mocks.population.common import luhn_key
    from sasref.fhir.identifiers import luhn_key as reference

    rng = random.Random(0)
    for n in (1, 8, 10, 13, 20):
        for _ in range(300):
            body = "".join(rng.choice("0123456789") for _ in range(n))
            assert luhn_key(body) == reference(body), body


def test_slots_across_the_spring_dst_change() -> None:
    # Saturday 28 March 2026, 09:00 CET; clocks go forward on Sunday 29 at 02:00
    at = datetime(2026, 3, 28, 9, 0, tzinfo=PARIS)
    pop = generate_population(9, FixedClock(at), editors=6, practitioners=300)
    slots = pop.slots
    offsets = {s.start.date().day: s.start.utcoffset() for s in slots}
    assert offsets[28] == timedelta(hours=1) and offsets[30] == timedelta(hours=2)
    for s in slots:
        hours = pop.place_hours(s.place)
        assert _inside(s.start, s.end, hours), s
        assert s.end - s.start <= timedelta(minutes=30)
    assert any(s.owner == "sos" and s.start.day == 29 for s in slots)  # SOS open on Sundays
