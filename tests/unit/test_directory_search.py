"""Directory search rules (sas-platform-search.md §1.3-1.8, §3.2, §6.1-6.2, Appendix A)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import pytest

from sasref.directory import (
    CptsCard,
    Directory,
    DirectorySearch,
    PlaceKind,
    PractitionerCard,
    SearchRequest,
    SosCard,
    TreatingStatus,
    UnknownSpeciality,
    point_at,
)
from sasref.directory.model import (
    Address,
    AgendaKind,
    Cpts,
    FixedPoint,
    Place,
    Practitioner,
    SosAssociation,
)
from sasref.errors import InvalidInput

CENTRE = (44.838, -0.579)  # Bordeaux (33063) town centre in the embedded geography
ADDRESS = "12 rue Sainte-Catherine 33000 Bordeaux"


def _at(east_km: float, north_km: float = 0.0) -> tuple[float, float]:
    lat = CENTRE[0] + north_km / 111.2
    lon = CENTRE[1] + east_km / (111.2 * math.cos(math.radians(CENTRE[0])))
    return lat, lon


def _address(lat: float, lon: float, insee: str = "33063", dep: str = "33") -> Address:
    return Address("1 rue Test", "33000", "Bordeaux", insee, dep, lat, lon)


def _ps(
    n: int,
    where: tuple[float, float] | list[tuple[float, float]],
    *,
    speciality: str = "SM54",
    participant: bool = False,
    agenda: AgendaKind = AgendaKind.EDITOR,
    family: str | None = None,
    cpts: tuple[str, ...] = (),
) -> Practitioner:
    points = where if isinstance(where, list) else [where]
    places = tuple(
        Place(
            f"pl-{n}-{i}", f"Cabinet {n}", _address(*p), "3" + "1" * 14, "Cabinet", "+33500000000"
        )
        for i, p in enumerate(points)
    )
    return Practitioner(
        id=f"8100000000{n:02d}",
        family=family or f"Nom{n}",
        given=f"Prenom{n}",
        gender="female",
        speciality=speciality,
        speciality_display={"SM54": "Médecine générale", "SM04": "Cardiologie"}[speciality],
        profession="10",
        places=places,
        phone="+33600000000",
        agenda=agenda,
        editor="editeur-01" if agenda is AgendaKind.EDITOR else None,
        sas_participant=participant,
        cpts=cpts,
    )


def _directory(cpts_zone: tuple[str, ...] = ("33318",)) -> Directory:
    practitioners = [
        _ps(1, _at(2), participant=True),
        _ps(2, _at(0.5), agenda=AgendaKind.NONE),
        _ps(3, _at(5), participant=True, family="Dupont"),
        _ps(4, _at(15), participant=True),  # outside the 10 km circle
        _ps(5, _at(1), speciality="SM04", participant=True),
        _ps(6, (44.843, -0.646), participant=True, cpts=("1330000001",)),  # Mérignac, 5.3 km
        _ps(7, _at(3)),  # CPTS member through the CPTS's member list only
        _ps(8, [(48.857, 2.352), _at(1, 1)], participant=True, family="Traitant"),  # Paris + here
    ]
    cpts = Cpts("1330000001", "CPTS Test", "+33511111111", "33", cpts_zone, ("810000000007",))
    sos = SosAssociation(
        "3" + "2" * 14,
        "SOS Médecins Bordeaux",
        "3624",
        "33",
        (
            FixedPoint("pfg-1", "PFG Centre", _address(*_at(0, 4)), "3624", ()),
            FixedPoint("pfg-2", "PFG Loin", _address(*_at(0, 30)), "3624", ()),
        ),
        editor="editeur-02",
    )
    return Directory(practitioners, [cpts], [sos])


def _keys(cards: Sequence[object]) -> list[str]:
    out = []
    for c in cards:
        if isinstance(c, PractitionerCard):
            out.append(f"P{int(c.practitioner.id[-2:])}")
        elif isinstance(c, SosCard):
            out.append(c.fixed_point.id)
        elif isinstance(c, CptsCard):
            out.append(
                "CPTS(" + ",".join(f"P{int(r.practitioner.id[-2:])}" for r in c.replaced) + ")"
            )
    return out


@pytest.fixture(scope="module")
def engine() -> DirectorySearch:
    return DirectorySearch(_directory())


def test_address_search_ranks_participants_first_then_distance(engine: DirectorySearch) -> None:
    result = engine.search(SearchRequest(where=ADDRESS, speciality="SM54", per_page=50))
    assert result.sort == "distance" and result.radius_km == 10
    assert result.point.kind is PlaceKind.ADDRESS
    # P8 is a participant 1.4 km away; P4 is outside the circle, P5 is a cardiologist.
    assert _keys(result.ordered) == ["P8", "P1", "pfg-1", "P3", "P6", "P2", "P7"]
    distances = [c.distance_km for c in result.ordered[:5]]
    assert distances == sorted(distances)  # type: ignore[type-var]


def test_radius_comes_from_the_departement(engine: DirectorySearch) -> None:
    assert engine.search(SearchRequest(where="Paris")).radius_km == 5
    assert engine.search(SearchRequest(where="Guéret")).radius_km == 50
    assert engine.search(SearchRequest(where="Bayonne")).radius_km == 20
    county = engine.search(SearchRequest(department="33", per_page=50))
    assert county.radius_km == 143 and county.point.kind is PlaceKind.COUNTY
    assert "P4" in _keys(county.ordered)  # 15 km away: inside the département circle
    wide = engine.search(SearchRequest(where=ADDRESS, radius_km=20, per_page=50))
    assert "P4" in _keys(wide.ordered)


def test_no_automatic_widening(engine: DirectorySearch) -> None:
    result = engine.search(SearchRequest(where="Guéret"))
    assert result.empty and result.pages == 0 and result.cards == ()
    assert result.radius_km == 50  # the département default, not widened


def test_commune_search_is_a_stable_seeded_random_order(engine: DirectorySearch) -> None:
    def order(seed: int) -> list[str]:
        res = engine.search(
            SearchRequest(commune="33063", seed=seed, per_page=50, include_sos=False)
        )
        assert res.sort == "random"
        return _keys(res.ordered)

    assert order(7) == order(7)
    orders = {tuple(order(s)) for s in range(12)}
    assert len(orders) > 1  # the seed matters
    for o in orders:  # participants (P1, P3, P5, P8 and the CPTS-less P6) always come first
        assert set(o[:5]) == {"P1", "P3", "P5", "P6", "P8"}
        assert set(o[5:]) == {"P2", "P7"}


def test_pages_of_a_random_search_neither_overlap_nor_miss(engine: DirectorySearch) -> None:
    full = engine.search(SearchRequest(commune="33063", seed=3, per_page=50))
    seen: list[str] = []
    page = 1
    while True:
        res = engine.search(SearchRequest(commune="33063", seed=3, per_page=2, page=page))
        if not res.cards:
            break
        assert res.total == full.total and res.pages == math.ceil(full.total / 2)
        seen += _keys(res.cards)
        page += 1
    assert seen == _keys(full.ordered)
    assert page - 1 == math.ceil(full.total / 2)


def test_default_page_size_is_five(engine: DirectorySearch) -> None:
    res = engine.search(SearchRequest(where=ADDRESS))
    assert res.per_page == 5 and len(res.cards) == 5 and res.total == 8
    assert res.pages == 2
    assert len(engine.search(SearchRequest(where=ADDRESS, page=2)).cards) == 3
    assert engine.search(SearchRequest(where=ADDRESS, page=9)).cards == ()
    with pytest.raises(InvalidInput):
        engine.search(SearchRequest(where=ADDRESS, page=0))
    with pytest.raises(InvalidInput):
        engine.search(SearchRequest(where=ADDRESS, per_page=0))
    with pytest.raises(InvalidInput):
        engine.search(SearchRequest(where=ADDRESS, commune="33063"))
    with pytest.raises(InvalidInput):
        engine.search(SearchRequest())


@pytest.mark.parametrize(
    "value",
    [
        "810000000008",
        "10000000008",
        "urn:oid:1.2.250.1.71.4.2.1|810000000008",
        "Traitant",
        "Dr Prenom8 Traitant",
    ],
)
def test_treating_practitioner_is_pinned_and_removed_from_the_list(
    engine: DirectorySearch, value: str
) -> None:
    res = engine.search(SearchRequest(where=ADDRESS, treating_practitioner=value, per_page=50))
    assert res.treating is not None and res.treating.status is TreatingStatus.FOUND
    pinned = [c for c in res.ordered if isinstance(c, PractitionerCard) and c.treating]
    # All his places, nationwide, nearest first — and only at the top.
    assert [c.place.id for c in pinned] == ["pl-8-1", "pl-8-0"]
    assert res.ordered[:2] == tuple(pinned)
    assert pinned[1].distance_km is not None and pinned[1].distance_km > 400  # Paris
    assert _keys(res.ordered[2:]) == ["P5", "P1", "pfg-1", "P3", "P6", "P2", "P7"]


def test_treating_practitioner_pinned_even_with_another_speciality(engine: DirectorySearch) -> None:
    res = engine.search(
        SearchRequest(where=ADDRESS, speciality="SM04", treating_practitioner="Dupont")
    )
    assert _keys(res.ordered) == ["P3", "P5"]
    assert isinstance(res.ordered[0], PractitionerCard) and res.ordered[0].treating


@pytest.mark.parametrize(
    "value",
    [
        "899999999999",
        "Inconnu",
        "Nom",
        "urn:oid:1.2.3|810000000008",
        "oid:810000000008",
        "urn:oid:1.2.250.1.71.4.2.1|8100",
    ],
)
def test_unknown_or_ambiguous_treating_practitioner_is_sas_pf_001(
    engine: DirectorySearch, value: str
) -> None:
    base = engine.search(SearchRequest(where=ADDRESS, per_page=50))
    res = engine.search(SearchRequest(where=ADDRESS, treating_practitioner=value, per_page=50))
    assert res.treating is not None and res.treating.status is TreatingStatus.NOT_FOUND
    assert res.treating.status.value == "sas_pf_001"
    assert res.ordered == base.ordered  # nothing pinned, nobody removed


def test_cpts_members_are_grouped_into_one_card_when_the_commune_is_in_its_zone() -> None:
    search = DirectorySearch(_directory(cpts_zone=("33063", "33281")))
    res = search.search(SearchRequest(where=ADDRESS, speciality="SM54", per_page=50))
    assert _keys(res.ordered) == ["P8", "P1", "pfg-1", "P3", "CPTS(P6,P7)", "P2"]
    card = res.ordered[4]
    assert isinstance(card, CptsCard)
    assert card.finess == "1330000001" and card.editor is None
    # Members come from both sides: P6 declares the CPTS, the CPTS lists P7.
    assert card.member_ids == ("810000000006", "810000000007")
    assert card.distance_km == pytest.approx(3.0, abs=0.01)
    assert [c.finess for c in res.cpts_in_zone] == ["1330000001"]
    assert res.counts == {"practitioner": 4, "cpts": 1, "sos": 1, "structure": 0}
    # Outside its zone (or for a département search) the members stay individual cards.
    county = search.search(SearchRequest(department="33", per_page=50))
    assert not any(isinstance(c, CptsCard) for c in county.ordered)
    elsewhere = DirectorySearch(_directory()).search(SearchRequest(where=ADDRESS, per_page=50))
    assert not any(isinstance(c, CptsCard) for c in elsewhere.ordered)


def test_sos_fixed_points_are_cards_for_general_practice(engine: DirectorySearch) -> None:
    res = engine.search(SearchRequest(where=ADDRESS, per_page=50))
    sos = [c for c in res.ordered if isinstance(c, SosCard)]
    assert [c.fixed_point.id for c in sos] == ["pfg-1"]  # pfg-2 is 30 km away
    assert sos[0].siret == "3" + "2" * 14 and sos[0].editor == "editeur-02"
    assert sos[0].agenda is AgendaKind.EDITOR
    cardio = engine.search(SearchRequest(where=ADDRESS, speciality="SM04", per_page=50))
    assert not any(isinstance(c, SosCard) for c in cardio.ordered)
    no_sos = engine.search(SearchRequest(where=ADDRESS, include_sos=False, per_page=50))
    assert not any(isinstance(c, SosCard) for c in no_sos.ordered)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SM04", ["P5"]),
        ("sm04", ["P5"]),
        ("cardiologie", ["P5"]),
        ("Médecine générale", ["P8", "P1", "pfg-1", "P3", "P6", "P2", "P7"]),
        ("Consultation de médecine générale", ["P8", "P1", "pfg-1", "P3", "P6", "P2", "P7"]),
        (None, ["P5", "P8", "P1", "pfg-1", "P3", "P6", "P2", "P7"]),
    ],
)
def test_speciality_filter_by_code_or_free_text(
    engine: DirectorySearch, text: str | None, expected: list[str]
) -> None:
    res = engine.search(SearchRequest(where=ADDRESS, speciality=text, per_page=50))
    assert _keys(res.ordered) == expected


def test_unknown_speciality_is_an_error(engine: DirectorySearch) -> None:
    with pytest.raises(UnknownSpeciality):
        engine.search(SearchRequest(where=ADDRESS, speciality="xyzzy plumbing"))


def test_agenda_only_drops_offers_without_a_visible_agenda(engine: DirectorySearch) -> None:
    res = engine.search(SearchRequest(where=ADDRESS, agenda_only=True, per_page=50))
    assert "P2" not in _keys(res.ordered) and "P7" in _keys(res.ordered)


def test_cards_carry_what_the_aggregator_needs(engine: DirectorySearch) -> None:
    res = engine.search(SearchRequest(where=ADDRESS, speciality="SM54"))
    card = res.ordered[0]
    assert isinstance(card, PractitionerCard)
    assert card.practitioner_id == "810000000008" and card.editor == "editeur-01"
    assert card.agenda is AgendaKind.EDITOR and card.place.id == "pl-8-1"
    assert card.key == "ps:810000000008:pl-8-1"


def test_map_point_search_is_random_with_the_drawn_radius(engine: DirectorySearch) -> None:
    point = point_at(*_at(0, 2), radius_km=3)
    res = engine.search(SearchRequest(point=point, per_page=50))
    assert res.sort == "random" and res.radius_km == 3
    assert set(_keys(res.ordered)) == {"P1", "P8", "P2", "pfg-1", "P5"}


def test_profession_filter_for_non_medecins() -> None:
    nurse = replace(_ps(9, _at(1)), profession="60", speciality="", speciality_display="")
    search = DirectorySearch(Directory([*_directory().practitioners.values(), nurse]))
    for text in ("infirmier", "G15:60", "60"):
        res = search.search(SearchRequest(where=ADDRESS, speciality=text, per_page=50))
        assert _keys(res.ordered) == ["P9"], text
        assert res.speciality_codes == frozenset({"G15:60"})
    gp = search.search(SearchRequest(where=ADDRESS, speciality="SM54", per_page=50))
    assert "P9" not in _keys(gp.ordered)
    assert "P9" in _keys(search.search(SearchRequest(where=ADDRESS, per_page=50)).ordered)
