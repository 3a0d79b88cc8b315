"""Surnuméraire in the directory (sas-platform-search.md §1.12, §4.6, §6.1-6.3): who accepts extra
patients, who receives the orientation, and the surnuméraire search list."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from sasref.directory import (
    CptsCard,
    Directory,
    DirectorySearch,
    PractitionerCard,
    SearchRequest,
    SosCard,
    StructureCard,
)
from sasref.directory.model import (
    Address,
    AgendaKind,
    Cpts,
    FixedPoint,
    HealthStructure,
    ParticipationVia,
    Place,
    Practitioner,
    SosAssociation,
    StructureKind,
)
from sasref.directory.overbooking import (
    NotAcceptingExtraPatients,
    RecipientError,
    RecipientType,
    UnknownRecipient,
    card_recipient,
    place_accepts,
    resolve_recipient,
)

CENTRE = (44.838, -0.579)  # Bordeaux
ADDRESS = "12 rue Sainte-Catherine 33000 Bordeaux"
MSP = "1330000101"
CDS = "1330000102"
MSP_OFF = "1330000103"
CPTS_ID = "1330000001"
SOS_ID = "3" + "2" * 14


def _at(east_km: float) -> Address:
    lat = CENTRE[0]
    lon = CENTRE[1] + east_km / (111.2 * math.cos(math.radians(lat)))
    return Address("1 rue Test", "33000", "Bordeaux", "33063", "33", lat, lon)


def _ps(
    n: int,
    km: float,
    *,
    structure: str = "3" + "1" * 14,
    participant: bool = True,
    overbooking: bool = True,
    via: ParticipationVia = ParticipationVia.OWN_OFFICE,
    cpts: tuple[str, ...] = (),
    speciality: str = "SM54",
    more: tuple[tuple[float, str], ...] = (),
) -> Practitioner:
    places = tuple(
        Place(f"pl-{n}-{i}", f"Cabinet {n}-{i}", _at(k), s, "Cabinet", "+33500000000")
        for i, (k, s) in enumerate(((km, structure), *more))
    )
    return Practitioner(
        id=f"8100000000{n:02d}",
        family=f"Nom{n}",
        given=f"Prenom{n}",
        gender="female",
        speciality=speciality,
        speciality_display=speciality,
        profession="10",
        places=places,
        phone="+33600000000",
        agenda=AgendaKind.EDITOR,
        editor="editeur-01",
        sas_participant=participant,
        cpts=cpts,
        participation_via=via,
        overbooking=overbooking,
    )


def _directory() -> Directory:
    practitioners = [
        _ps(1, 2),  # own office, opted in: accepts
        _ps(2, 1, overbooking=False),  # participant, not opted in
        _ps(3, 3, participant=False),  # opted in but not a participant
        _ps(4, 4, via=ParticipationVia.MSP, structure=MSP),  # through the MSP: the MSP carries it
        _ps(5, 5, via=ParticipationVia.SOS),  # through SOS Médecins
        _ps(6, 6, structure=CDS, more=((7, "3" + "3" * 14),)),  # a CDS place, and another one
        _ps(7, 1.5, via=ParticipationVia.CPTS, cpts=(CPTS_ID,)),  # through the CPTS
        _ps(8, 2.5, speciality="SM04"),  # a cardiologist who accepts
        _ps(9, 40),  # outside the circle
    ]
    structures = [
        HealthStructure(MSP, StructureKind.MSP, "MSP des Chartrons", _at(4), "+33511", True),
        HealthStructure(CDS, StructureKind.CDS, "Centre de santé Victoire", _at(6), "+33522", True),
        HealthStructure(MSP_OFF, StructureKind.MSP, "MSP sans SAS", _at(1), "+33533", False),
    ]
    cpts = Cpts(CPTS_ID, "CPTS Bordeaux", "+33544", "33", ("33063",), ("810000000007",))
    sos = SosAssociation(
        SOS_ID,
        "SOS Médecins Bordeaux",
        "3624",
        "33",
        (FixedPoint("pfg-1", "PFG Centre", _at(0.5), "3624", ()),),
        editor="editeur-02",
    )
    return Directory(practitioners, [cpts], [sos], structures=structures)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return _directory()


def _accepting_places(directory: Directory) -> set[str]:
    return {
        pl.id
        for p in directory.practitioners.values()
        for pl in p.places
        if place_accepts(p, pl, directory.structures)
    }


def test_the_platforms_overbooking_rules(directory: Directory) -> None:
    assert _accepting_places(directory) == {
        "pl-1-0",  # own office
        "pl-6-1",  # the same practitioner's place outside the centre de santé
        "pl-7-0",  # through the CPTS
        "pl-8-0",
        "pl-9-0",
    }
    # forced off in the centre de santé, whatever the practitioner's own settings
    p6 = directory.practitioners["810000000006"]
    assert not place_accepts(p6, p6.places[0], directory.structures)
    # the same place without the structure known to the directory: the rule cannot apply
    assert place_accepts(p6, p6.places[0], {})


def test_card_recipients(directory: Directory) -> None:
    p1 = directory.practitioners["810000000001"]
    own = card_recipient(directory, PractitionerCard(p1, p1.places[0], 2.0))
    assert own is not None
    assert (own.type, own.category, own.effector, own.place) == (
        RecipientType.EFFECTOR,
        "PS",
        p1.id,
        "pl-1-0",
    )
    assert own.target() == {"type": 1, "effector": p1.id, "place": "pl-1-0"}
    assert own.name == "Dr Prenom1 Nom1" and own.speciality == "SM54"
    # a member taking part through the CPTS: the CPTS is the recipient (spec §4.6)
    p7 = directory.practitioners["810000000007"]
    via = card_recipient(directory, PractitionerCard(p7, p7.places[0], 1.5))
    assert via is not None
    assert via.target() == {"type": 2, "effector": p7.id, "structure": CPTS_ID, "place": "pl-7-0"}
    assert via.category == "CPTS"
    cpts = card_recipient(directory, CptsCard(directory.cpts[CPTS_ID], (p7,), (), 1.5))
    assert cpts is not None and cpts.target() == {"type": 2, "structure": CPTS_ID}
    msp = card_recipient(directory, StructureCard(directory.structures[MSP], 4.0))
    cds = card_recipient(directory, StructureCard(directory.structures[CDS], 6.0))
    assert msp is not None and cds is not None
    assert (msp.category, cds.category) == ("MSP", "CDS")
    sos = directory.sos[SOS_ID]
    sos_recipient = card_recipient(directory, SosCard(sos, sos.fixed_points[0], 0.5))
    assert sos_recipient is not None
    assert sos_recipient.target() == {"type": 2, "structure": SOS_ID, "place": "pfg-1"}
    assert sos_recipient.category == "SOS"
    # no recipient for what does not accept
    p2 = directory.practitioners["810000000002"]
    assert card_recipient(directory, PractitionerCard(p2, p2.places[0], 1.0)) is None
    off = StructureCard(directory.structures[MSP_OFF], 1.0)
    assert card_recipient(directory, off) is None
    closed = replace(sos, overbooking=False)
    assert card_recipient(directory, SosCard(closed, closed.fixed_points[0], 0.5)) is None


def test_resolve_recipient_accepts_what_the_cards_carry(directory: Directory) -> None:
    for target in (
        {"type": 1, "effector": "810000000001"},
        {"type": 1, "effector": "10000000001"},  # raw RPPS
        {"type": 1, "effector": "810000000006"},  # picks the place outside the CDS
        {"type": 2, "structure": CPTS_ID},
        {"type": 2, "structure": CPTS_ID, "effector": "810000000007", "place": "pl-7-0"},
        {"type": 2, "structure": MSP},
        {"type": 2, "structure": CDS},
        {"type": 2, "structure": SOS_ID, "place": "pfg-1"},
    ):
        recipient = resolve_recipient(directory, **target)  # type: ignore[arg-type]
        assert recipient.type == target["type"]
    six = resolve_recipient(directory, type=1, effector="810000000006")
    assert six.place == "pl-6-1"


@pytest.mark.parametrize(
    ("target", "error", "field"),
    [
        ({"type": 1}, RecipientError, "recipient.effector"),
        ({"type": 2}, RecipientError, "recipient.structure"),
        ({"type": 3, "effector": "810000000001"}, RecipientError, "recipient.type"),
        ({"type": 1, "effector": "819999999999"}, UnknownRecipient, "recipient.effector"),
        (
            {"type": 1, "effector": "810000000001", "place": "nope"},
            UnknownRecipient,
            "recipient.place",
        ),
        ({"type": 1, "effector": "810000000002"}, NotAcceptingExtraPatients, "recipient.effector"),
        ({"type": 1, "effector": "810000000003"}, NotAcceptingExtraPatients, "recipient.effector"),
        ({"type": 1, "effector": "810000000004"}, NotAcceptingExtraPatients, "recipient.effector"),
        (
            {"type": 1, "effector": "810000000006", "place": "pl-6-0"},
            NotAcceptingExtraPatients,
            "recipient.effector",
        ),
        ({"type": 1, "effector": "810000000007"}, NotAcceptingExtraPatients, "recipient.type"),
        ({"type": 2, "structure": "1339999999"}, UnknownRecipient, "recipient.structure"),
        ({"type": 2, "structure": MSP_OFF}, NotAcceptingExtraPatients, "recipient.structure"),
        (
            {"type": 2, "structure": CPTS_ID, "effector": "810000000001"},
            NotAcceptingExtraPatients,
            "recipient.effector",
        ),
        ({"type": 2, "structure": SOS_ID, "place": "pfg-9"}, UnknownRecipient, "recipient.place"),
    ],
)
def test_resolve_recipient_refuses_clearly(
    directory: Directory, target: dict[str, object], error: type[RecipientError], field: str
) -> None:
    with pytest.raises(error) as caught:
        resolve_recipient(directory, **target)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert type(caught.value) is error


def test_a_cpts_through_which_nobody_accepts_is_refused(directory: Directory) -> None:
    p7 = replace(directory.practitioners["810000000007"], overbooking=False)
    other = Directory(
        [*(p for p in directory.practitioners.values() if p.id != p7.id), p7],
        directory.cpts.values(),
    )
    with pytest.raises(NotAcceptingExtraPatients, match="no member"):
        resolve_recipient(other, type=2, structure=CPTS_ID)


def _kinds(cards: object) -> list[str]:
    out = []
    for c in cards:  # type: ignore[attr-defined]
        if isinstance(c, PractitionerCard):
            out.append(c.place.id)
        elif isinstance(c, StructureCard):
            out.append(c.structure.id)
        elif isinstance(c, SosCard):
            out.append(c.fixed_point.id)
        else:
            out.append(f"CPTS:{','.join(m.place.id for m in c.replaced)}")
    return out


def test_the_surnumeraire_list(directory: Directory) -> None:
    search = DirectorySearch(directory)
    res = search.search(SearchRequest(where=ADDRESS, overbooking=True, per_page=50))
    # by distance (an address): only what accepts; structures and SOS for general practice;
    # the CPTS card stands for the member taking part through it (Bordeaux is in its zone)
    assert _kinds(res.ordered) == [
        "pfg-1",
        "CPTS:pl-7-0",
        "pl-1-0",
        "pl-8-0",
        MSP,
        CDS,
        "pl-6-1",
    ]
    assert res.counts == {"practitioner": 3, "cpts": 1, "sos": 1, "structure": 2}
    assert all(card_recipient(directory, c) is not None for c in res.ordered)
    # a cardiology search: no structure, no SOS
    cardio = search.search(SearchRequest(where=ADDRESS, speciality="SM04", overbooking=True))
    assert _kinds(cardio.ordered) == ["pl-8-0"]
    # the with-slots list is unchanged: every place, no structure card
    slots = search.search(SearchRequest(where=ADDRESS, per_page=50))
    assert not any(isinstance(c, StructureCard) for c in slots.ordered)
    assert slots.counts["structure"] == 0 and slots.total > res.total


def test_the_surnumeraire_list_keeps_the_medecin_traitant_only_where_he_accepts(
    directory: Directory,
) -> None:
    search = DirectorySearch(directory)
    six = search.search(
        SearchRequest(where=ADDRESS, overbooking=True, treating_practitioner="810000000006")
    )
    pinned = [c for c in six.ordered if isinstance(c, PractitionerCard) and c.treating]
    assert [c.place.id for c in pinned] == ["pl-6-1"]
    two = search.search(
        SearchRequest(where=ADDRESS, overbooking=True, treating_practitioner="810000000002")
    )
    assert not any(isinstance(c, PractitionerCard) and c.treating for c in two.ordered)


def test_an_sos_association_not_taking_part_is_not_listed(directory: Directory) -> None:
    sos = replace(directory.sos[SOS_ID], overbooking=False)
    other = Directory(
        directory.practitioners.values(),
        directory.cpts.values(),
        [sos],
        structures=directory.structures.values(),
    )
    res = DirectorySearch(other).search(SearchRequest(where=ADDRESS, overbooking=True))
    assert "pfg-1" not in _kinds(res.ordered)
    with pytest.raises(NotAcceptingExtraPatients):
        resolve_recipient(other, type=2, structure=SOS_ID)


def test_the_json_format_carries_the_settings(directory: Directory) -> None:
    doc = directory.to_json()
    again = Directory.from_json(doc)
    assert again.practitioners == directory.practitioners
    assert again.structures == directory.structures
    assert again.sos == directory.sos
    p7 = next(p for p in doc["practitioners"] if p["id"] == "810000000007")
    assert (p7["participationVia"], p7["overbooking"]) == (2, True)
    assert doc["structures"][0] == {
        "id": MSP,
        "kind": "msp",
        "name": "MSP des Chartrons",
        "phone": "+33511",
        "overbooking": True,
        "address": doc["structures"][0]["address"],
    }
    # defaults: own office, no opt-in, SOS taking part, structures not
    minimal = Directory.from_json(
        {
            "practitioners": [
                {"id": "810000000001", "family": "A", "speciality": "SM54",
                 "places": [{"id": "p", "address": doc["structures"][0]["address"]}]}
            ],
            "structures": [{"id": MSP, "kind": "MSP", "address": doc["structures"][0]["address"]}],
            "sos": [{"siret": SOS_ID}],
        }
    )  # fmt: skip
    p = minimal.practitioners["810000000001"]
    assert (p.participation_via, p.overbooking) == (ParticipationVia.OWN_OFFICE, False)
    assert minimal.structures[MSP].kind is StructureKind.MSP
    assert not minimal.structures[MSP].overbooking and minimal.sos[SOS_ID].overbooking


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        ({"participationVia": 7}, "participationVia"),
        ({"participationVia": "own"}, "participationVia"),
        ({"overbooking": "yes"}, "overbooking must be true or false"),
    ],
)
def test_bad_settings_in_a_users_file(patch: dict[str, object], needle: str) -> None:
    from sasref.errors import InvalidInput

    address = {"postalCode": "33000", "city": "Bordeaux", "insee": "33063", "department": "33",
               "latitude": 44.8, "longitude": -0.5}  # fmt: skip
    practitioner = {"id": "810000000001", "family": "A", "speciality": "SM54",
                    "places": [{"id": "p", "address": address}], **patch}  # fmt: skip
    with pytest.raises(InvalidInput, match=needle):
        Directory.from_json({"practitioners": [practitioner]})
    with pytest.raises(InvalidInput, match="kind must be msp or cds"):
        Directory.from_json({"structures": [{"id": MSP, "kind": "clinic", "address": address}]})
