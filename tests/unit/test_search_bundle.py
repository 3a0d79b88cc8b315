"""Editor-side searchsets (shape of the IG examples, strict profiles) and the SAS-side walker."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mocks.editor.sample import (
    FINESS_CPTS_1,
    FINESS_CPTS_2,
    RPPS_A,
    RPPS_B,
    RPPS_C,
    SIRET_SOS,
    sample_shard,
)
from mocks.editor.store import SlotStore
from sasref.clock import PARIS, FixedClock
from sasref.fhir.systems import FR_CORE_V2_0203, FR_LOCATION_IDENTIFIER_TYPE, Profile
from sasref.profiles import has_errors, validate
from sasref.search import SlotQuery, build_searchset, walk_searchset

NOW = datetime(2024, 6, 12, 8, tzinfo=PARIS)
END = NOW + timedelta(hours=72)
BASE = "https://editeur-01.test/fhir"
EXAMPLES = Path(__file__).parents[2] / ".." / "shared" / "ig" / "ans.fhir.fr.sas-1.2.0" / "example"

Json = dict[str, Any]


@pytest.fixture(scope="module")
def shard_store() -> tuple[Any, SlotStore]:
    shard = sample_shard(FixedClock(NOW))
    return shard, SlotStore(shard.source(), shard.slots)


def _bundle(shard_store: tuple[Any, SlotStore], query: SlotQuery) -> Json:
    shard, store = shard_store
    return build_searchset(
        query, shard.catalog(), store.select(query), base_url=BASE, self_url=query.to_url(BASE)
    )


def _of(bundle: Json, rtype: str) -> list[Json]:
    return [
        e["resource"] for e in bundle.get("entry", []) if e["resource"]["resourceType"] == rtype
    ]


def test_ps_searchset_shape(shard_store: tuple[Any, SlotStore]) -> None:
    query = SlotQuery.ps(NOW, END, [RPPS_A, RPPS_B, RPPS_C])
    bundle = _bundle(shard_store, query)
    assert bundle["type"] == "searchset" and bundle["meta"]["profile"] == [Profile.BUNDLE_PS]
    assert bundle["link"] == [{"relation": "self", "url": query.to_url(BASE)}]
    slots = _of(bundle, "Slot")
    assert bundle["total"] == len(slots) > 0
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"{BASE}/{resource['resourceType']}/{resource['id']}"
        assert resource["meta"]["profile"]
        assert entry["search"]["mode"] == (
            "match" if resource["resourceType"] == "Slot" else "include"
        )
    # no CPTS slot type in an INT_R01 answer (JDV_J165 binding)
    assert all(s["code"] != "CPTS" for slot in slots for s in slot["meta"]["security"])
    # one Schedule per PractitionerRole: practitioner A has two places -> two Schedules
    schedules = _of(bundle, "Schedule")
    roles = _of(bundle, "PractitionerRole")
    assert len(schedules) == len(roles) == 4
    for schedule in schedules:
        kinds = sorted(a["reference"].split("/")[0] for a in schedule["actor"])
        assert kinds == ["Practitioner", "PractitionerRole"]
    for role in roles:
        contained = role["contained"][0]
        assert role["location"] == [{"reference": f"#{contained['id']}"}]
        assert contained["meta"]["profile"] == [Profile.LOCATION_PS]
    assert not has_errors(validate(bundle, mode="strict"))


def test_cpts_searchset_links_every_cpts(shard_store: tuple[Any, SlotStore]) -> None:
    bundle = _bundle(shard_store, SlotQuery.cpts(NOW, END, [RPPS_A]))
    assert bundle["meta"]["profile"] == [Profile.BUNDLE_CPTS]
    cpts_slots = [
        s for s in _of(bundle, "Slot") if any(c["code"] == "CPTS" for c in s["meta"]["security"])
    ]
    assert cpts_slots
    for slot in cpts_slots:
        refs = [
            ext["valueReference"]["reference"]
            for st in slot["serviceType"]
            for ext in st.get("extension", [])
        ]
        assert len(refs) == 2  # practitioner A is in two CPTS: one serviceType per CPTS
    orgs = {o["identifier"][0]["value"]: o for o in _of(bundle, "Organization")}
    assert set(orgs) == {FINESS_CPTS_1, FINESS_CPTS_2}
    for org in orgs.values():
        assert org["identifier"][0]["type"]["coding"][0]["system"] == FR_CORE_V2_0203
    assert len(_of(bundle, "HealthcareService")) == 2
    assert not has_errors(validate(bundle, mode="strict"))


def test_sos_searchset_counts_schedules(shard_store: tuple[Any, SlotStore]) -> None:
    bundle = _bundle(shard_store, SlotQuery.sos(NOW, END, [SIRET_SOS]))
    schedules = _of(bundle, "Schedule")
    assert bundle["total"] == len(schedules) == 2  # one per fixed point; not the slot count
    assert len(_of(bundle, "Slot")) > 2
    modes = {e["resource"]["resourceType"]: e["search"]["mode"] for e in bundle["entry"]}
    assert modes == {
        "Slot": "include",
        "Schedule": "match",
        "Location": "include",
        "Organization": "include",
    }
    location = _of(bundle, "Location")[0]
    assert location["identifier"][0]["type"]["coding"][0] == {
        "system": FR_LOCATION_IDENTIFIER_TYPE,
        "code": "INTRN",
    }
    assert location["hoursOfOperation"][0]["openingTime"] == "08:00:00"
    assert not has_errors(validate(bundle, mode="strict"))


def test_includes_are_served_only_when_asked(shard_store: tuple[Any, SlotStore]) -> None:
    only_slots = SlotQuery(
        NOW, END, SlotQuery.ps(NOW, END, [RPPS_A]).identifiers, includes=(), iterate_includes=()
    )
    bundle = _bundle(shard_store, only_slots)
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {"Slot"}
    no_actor = SlotQuery(NOW, END, only_slots.identifiers, iterate_includes=())
    assert {e["resource"]["resourceType"] for e in _bundle(shard_store, no_actor)["entry"]} == {
        "Slot",
        "Schedule",
    }


def test_no_match_is_an_empty_searchset(shard_store: tuple[Any, SlotStore]) -> None:
    for query in (
        SlotQuery.cpts(NOW, END, ["810000000000"]),
        SlotQuery.sos(END + timedelta(days=30), END + timedelta(days=31), [SIRET_SOS]),
    ):
        bundle = _bundle(shard_store, query)
        assert bundle["total"] == 0 and "entry" not in bundle
        assert bundle["link"][0]["relation"] == "self"
        assert not has_errors(validate(bundle, mode="strict"))


@pytest.mark.parametrize("use_case", ["ps", "cpts", "sos"])
def test_walk_round_trip(shard_store: tuple[Any, SlotStore], use_case: str) -> None:
    _shard, store = shard_store
    ids = [SIRET_SOS] if use_case == "sos" else [RPPS_A, RPPS_B, RPPS_C]
    query = getattr(SlotQuery, use_case)(NOW, END, ids)
    graph = walk_searchset(_bundle(shard_store, query))
    assert graph.kind == use_case
    assert graph.problems == []
    assert sorted(s.id for s in graph.slots) == sorted(s.id for s in store.select(query))
    if use_case == "sos":
        association = graph.associations[SIRET_SOS]
        assert association.name == "SOS Médecins Rennes" and len(association.fixed_points) == 2
    else:
        offer = graph.practitioners[RPPS_A]
        assert offer.family == "MARTIN" and len(offer.places) == 2
        place = next(iter(offer.places.values()))
        assert place.city and place.postal_code and place.structure_id


def test_walk_resolves_by_reference_not_order(shard_store: tuple[Any, SlotStore]) -> None:
    bundle = _bundle(shard_store, SlotQuery.cpts(NOW, END, [RPPS_A, RPPS_B]))
    expected = walk_searchset(bundle)
    shuffled = copy.deepcopy(bundle)
    shuffled["entry"].reverse()
    graph = walk_searchset(shuffled)
    assert {k: len(v.slots) for k, v in graph.practitioners.items()} == {
        k: len(v.slots) for k, v in expected.practitioners.items()
    }
    cpts = {link.finess for s in graph.slots for link in s.cpts}
    assert cpts == {FINESS_CPTS_1, FINESS_CPTS_2}


def test_walk_reports_the_section_13_traps(shard_store: tuple[Any, SlotStore]) -> None:
    bundle = _bundle(shard_store, SlotQuery.ps(NOW, END, [RPPS_A]))
    bundle["total"] = 999
    first_slot = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Slot")
    first_slot["resource"]["specialty"] = [{"text": "Médecine générale"}]
    first_slot["resource"]["start"] = first_slot["resource"]["start"].replace("+", " ")
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Practitioner":
            entry["resource"]["identifier"][0]["value"] = RPPS_A[1:]
        if entry["search"]["mode"] == "include":
            del entry["search"]
    graph = walk_searchset(bundle)
    codes = {p.code for p in graph.problems}
    assert codes == {
        "wrong-total",
        "text-only-specialty",
        "raw-plus-offset",
        "unprefixed-identifier",
        "missing-search-mode",
    }
    assert RPPS_A in graph.practitioners  # read prefixed anyway
    assert any(s.specialty_texts == ("Médecine générale",) for s in graph.slots)


def _example(name: str) -> Json:
    path = EXAMPLES / name
    if not path.exists():
        pytest.skip(f"../shared is absent: {path}")
    data: Json = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_walk_official_ps_example() -> None:
    graph = walk_searchset(_example("Bundle-ExampleBundlePSIndiv.json"))
    assert graph.kind == "ps"
    assert sorted(graph.practitioners) == ["810002673899", "810100050075"]
    assert len(graph.practitioners["810100050075"].places) == 2
    assert len(graph.slots) == 4
    assert {p.code for p in graph.problems} == {"missing-search-mode", "text-only-specialty"}


def test_walk_official_cpts_example_with_two_cpts() -> None:
    graph = walk_searchset(_example("Bundle-ExampleBundleCPTS2.json"))
    assert graph.kind == "cpts"
    (slot,) = graph.slots
    assert {(c.finess, c.name) for c in slot.cpts} == {
        ("1950047225", "CPTS AXE MAJEUR"),
        ("1950046227", "CPTS VAL D OISE CENTRE"),
    }


def test_walk_official_sos_example_notes_its_total() -> None:
    graph = walk_searchset(_example("Bundle-ExampleBundleAgregateurSOS.json"))
    assert graph.kind == "sos"
    assert sorted(graph.associations) == ["334173748400020", "392080466300010"]
    assert len(graph.slots) == 4
    (problem,) = [p for p in graph.problems if p.code == "wrong-total"]
    assert "counts Slots" in problem.message
