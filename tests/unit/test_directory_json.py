"""The directory JSON format and the loaders (mock population, user's file)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sasref.clock import PARIS, FixedClock
from sasref.directory import Directory, DirectorySearch, SearchRequest
from sasref.directory.model import AgendaKind
from sasref.errors import InvalidInput

ADDRESS = {
    "line": "12 rue Sainte-Catherine",
    "postalCode": "33000",
    "city": "Bordeaux",
    "insee": "33063",
    "department": "33",
    "latitude": 44.84,
    "longitude": -0.575,
}


def _doc() -> dict[str, Any]:
    return {
        "format": "sasref-directory",
        "version": 1,
        "editors": [{"name": "e1", "software": "Agenda+", "baseUrl": "http://e1/fhir"}],
        "practitioners": [
            {
                "id": "810001234567",
                "family": "Martin",
                "given": "Anne",
                "speciality": "SM54",
                "agenda": "editor",
                "editor": "e1",
                "sasParticipant": True,
                "places": [{"id": "pl-1", "address": ADDRESS}],
            },
            {  # snake_case keys are accepted too
                "id": "810001234568",
                "family": "Durand",
                "speciality": "SM54",
                "sas_participant": False,
                "places": [{"id": "pl-2", "structure_id": "3" + "1" * 14, "address": ADDRESS}],
            },
        ],
        "cpts": [{"finess": "1330000017", "zone": ["33063"], "members": ["810001234568"]}],
        "sos": [
            {
                "siret": "3" + "2" * 14,
                "name": "SOS Médecins Bordeaux",
                "fixedPoints": [
                    {
                        "id": "pfg-1",
                        "address": ADDRESS,
                        "hours": [
                            {"daysOfWeek": ["sat", "sun"], "openingTime": "08:00:00",
                             "closingTime": "20:00:00"}
                        ],
                    }
                ],
            }
        ],
    }  # fmt: skip


def test_load_a_users_file(tmp_path: Path) -> None:
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(_doc()), encoding="utf-8")
    d = Directory.from_json(path)
    assert len(d) == 2
    martin = d.practitioner("10001234567")  # a raw RPPS finds the prefixed id
    assert martin is not None and martin.agenda is AgendaKind.EDITOR and martin.sas_participant
    assert martin.speciality_display == "SM54"  # defaulted to the code
    durand = d.practitioners["810001234568"]
    assert durand.agenda is AgendaKind.NONE and durand.places[0].structure_id == "3" + "1" * 14
    assert d.cpts_of("810001234568") == ("1330000017",)
    assert d.editors["e1"].use_cases == frozenset({"ps"})
    hours = d.sos["3" + "2" * 14].fixed_points[0].hours[0]
    assert hours.days == ("sat", "sun") and hours.opening.hour == 8
    # And it searches.
    res = DirectorySearch(d).search(SearchRequest(where="Bordeaux", per_page=10))
    assert res.counts == {"practitioner": 1, "cpts": 1, "sos": 1, "structure": 0}


def test_round_trip_is_lossless() -> None:
    d = Directory.from_json(_doc())
    again = Directory.from_json(json.loads(json.dumps(d.to_json())))
    assert again.to_json() == d.to_json()
    assert again.practitioners == d.practitioners
    assert again.sos == d.sos and again.cpts == d.cpts and again.editors == d.editors


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["practitioners"][0].pop("family"), "lacks 'family'"),
        (lambda d: d["practitioners"][0].update(places=[]), "has no place"),
        (lambda d: d["practitioners"][0].update(agenda="fax"), "agenda must be"),
        (lambda d: d["practitioners"][0]["places"][0].update(address={"city": "x"}), "lacks"),
        (lambda d: d.update(format="other"), "unknown directory format"),
        (lambda d: d["practitioners"].append(dict(d["practitioners"][0])), "appears twice"),
        (lambda d: d["sos"][0]["fixedPoints"][0]["hours"][0].update(openingTime="8h"), "bad time"),
    ],
)
def test_bad_documents_are_rejected_clearly(mutate: Any, message: str) -> None:
    doc = _doc()
    mutate(doc)
    with pytest.raises(InvalidInput, match=message):
        Directory.from_json(doc)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        Directory.from_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not JSON"):
        Directory.from_json(bad)
    bad.write_text("[]", encoding="utf-8")
    with pytest.raises(InvalidInput, match="object"):
        Directory.from_json(bad)


def test_mock_population_loads_directly_and_through_its_json() -> None:
    population = pytest.importorskip("mocks.population")
    clock = FixedClock(datetime(2026, 3, 27, 10, 0, tzinfo=PARIS))
    pop = population.generate_population(7, clock, editors=5, practitioners=300)
    direct = Directory.from_population(pop)
    assert len(direct) == 300 and direct.cpts and direct.sos and len(direct.editors) == 5
    via_json = Directory.from_json(json.loads(json.dumps(pop.to_json())))
    assert via_json.practitioners == direct.practitioners
    assert via_json.cpts == direct.cpts and via_json.sos == direct.sos
    assert via_json.editors == direct.editors
