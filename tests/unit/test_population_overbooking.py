"""The mock population's surnuméraire settings (spec §6.1-6.3): seeded, consistent, realistic,
and drawn apart from everything else."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime

import pytest

from mocks.population import Population, generate_population
from mocks.population import population as population_module
from mocks.population.overbooking import OPT_IN_SHARE, STRUCTURE_SHARE, quiet_communes
from sasref.clock import PARIS, FixedClock
from sasref.directory import Directory, DirectorySearch, SearchRequest
from sasref.directory.model import AgendaKind, ParticipationVia, StructureKind
from sasref.directory.overbooking import place_accepts

NOW = datetime(2026, 6, 16, 9, 0, tzinfo=PARIS)


@pytest.fixture(scope="module")
def pop() -> Population:
    return generate_population(5, FixedClock(NOW), editors=8, practitioners=2000)


def test_the_settings_are_seeded(pop: Population) -> None:
    again = generate_population(5, FixedClock(NOW), editors=8, practitioners=2000)
    assert again.practitioners == pop.practitioners and again.structures == pop.structures
    other = generate_population(6, FixedClock(NOW), editors=8, practitioners=2000)
    assert [p.overbooking for p in other.practitioners] != [
        p.overbooking for p in pop.practitioners
    ]


def test_the_settings_do_not_move_the_rest_of_the_population(
    pop: Population, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = population_module.draw_overbooking

    def structures_only(seed, drafts, shared):  # type: ignore[no-untyped-def]
        return real(seed, [], shared)  # the structures, no practitioner setting

    monkeypatch.setattr(population_module, "draw_overbooking", structures_only)
    plain = generate_population(5, FixedClock(NOW), editors=8, practitioners=2000)
    reset = [
        replace(p, participation_via=ParticipationVia.OWN_OFFICE, overbooking=False)
        for p in pop.practitioners
    ]
    assert list(plain.practitioners) == reset
    assert plain.cpts == pop.cpts and plain.sos == pop.sos and plain.editors == pop.editors
    assert any(p.overbooking for p in pop.practitioners)


def test_the_settings_are_consistent(pop: Population) -> None:
    kinds = {s.id: s.kind for s in pop.structures}
    named = {pl.structure_id for p in pop.practitioners for pl in p.places}
    assert set(kinds) <= named  # every structure is some practitioner's place
    for p in pop.practitioners:
        for place in p.places:
            if place.structure_name.startswith("Maison de santé"):
                assert kinds[place.structure_id] is StructureKind.MSP
            elif place.structure_name.startswith("Centre de santé"):
                assert kinds[place.structure_id] is StructureKind.CDS
        if not p.sas_participant:
            assert not p.overbooking and p.participation_via is ParticipationVia.OWN_OFFICE
        if p.participation_via is ParticipationVia.CPTS:
            assert p.cpts
        if p.participation_via is ParticipationVia.MSP:
            assert any(kinds.get(pl.structure_id) is StructureKind.MSP for pl in p.places)
    assert all(s.overbooking for s in pop.sos)


def test_the_shares_are_realistic(pop: Population) -> None:
    participants = [p for p in pop.practitioners if p.sas_participant]
    share = sum(p.overbooking for p in participants) / len(participants)
    assert abs(share - OPT_IN_SHARE) < 0.05
    via = Counter(p.participation_via for p in participants)
    assert via[ParticipationVia.OWN_OFFICE] > via[ParticipationVia.CPTS] > 0
    assert via[ParticipationVia.MSP] > 0
    taking_part = sum(s.overbooking for s in pop.structures) / len(pop.structures)
    assert abs(taking_part - STRUCTURE_SHARE) < 0.1
    kinds = Counter(s.kind for s in pop.structures)
    assert kinds[StructureKind.MSP] and kinds[StructureKind.CDS]
    directory = Directory.from_population(pop)
    accepting = sum(
        any(place_accepts(p, pl, directory.structures) for pl in p.places)
        for p in pop.practitioners
    )
    assert 0.15 < accepting / len(pop.practitioners) < 0.35


def test_the_directory_gets_them_directly_and_through_json(pop: Population) -> None:
    direct = Directory.from_population(pop)
    assert direct.structures == {s.id: s for s in pop.structures}
    via_json = Directory.from_json(pop.to_json())
    assert via_json.structures == direct.structures
    assert via_json.practitioners == direct.practitioners


def test_quiet_communes_show_no_slot_but_some_offer_en_sus() -> None:
    small = generate_population(7, FixedClock(NOW), editors=3, practitioners=800)
    directory = Directory.from_population(small)
    found = quiet_communes(directory, limit=2)
    assert len(found) == 2
    search = DirectorySearch(directory)
    for insee in found:
        listed = search.search(SearchRequest(commune=insee))
        assert all(card.agenda is AgendaKind.NONE for card in listed.ordered)
        assert search.search(SearchRequest(commune=insee, overbooking=True)).total > 0
