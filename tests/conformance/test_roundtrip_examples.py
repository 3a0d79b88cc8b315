"""Every resource of the official IG package round-trips through the R4B models unchanged.

IG digest §12. Why :func:`to_json` is more than ``model_dump``: ``fhir.resources`` rewrites
instants (``2021-11-05T09:00:00.000+00:00`` → ``2021-11-05T09:00:00Z``, ``….000+02:00`` →
``…+02:00``), which changed 15 of the 45 examples (every Slot, and the Bundles holding them).
Key order is irrelevant: documents are compared as normalised JSON.

R4 vs R4B: the IG is R4 4.0.1, the models R4B 4.3.0. :func:`test_r4_snapshot_elements_exist_in_r4b`
checks, from the IG's own snapshots (built on R4), that the resource types the SAS profiles
constrain have exactly the same top-level elements in R4B. Finding: no difference.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from _shared import IG_PACKAGE, require_shared

from sasref.clock import PARIS
from sasref.errors import NotFhir
from sasref.fhir.models import (
    Bundle,
    Slot,
    model_class,
    parse_as,
    parse_resource,
    to_json,
)


def _files(pattern: str) -> list[Path]:
    return sorted(IG_PACKAGE.glob(pattern)) if IG_PACKAGE.exists() else []


EXAMPLES = _files("example/*.json")
# StructureDefinitions are big (~1 s each through fhir_core's serializer): two representative
# ones, every other conformance resource (CapabilityStatements, ValueSets, ...) in full.
_SD_SAMPLE = {
    "StructureDefinition-FrSlotAgregateur.json",
    "StructureDefinition-sas-cpts-slot-servicetype-aggregator.json",
}
DEFINITIONS = [
    p
    for p in _files("*.json")
    if p.name != "package.json"
    and not p.name.startswith(".")
    and (not p.name.startswith("StructureDefinition-") or p.name in _SD_SAMPLE)
]
ALL_DEFINITIONS = _files("StructureDefinition-*.json")


def _load(path: Path) -> dict[str, Any]:
    require_shared("ig", "ans.fhir.fr.sas-1.2.0")
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def _norm(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False)


def test_ig_package_present() -> None:
    require_shared("ig", "ans.fhir.fr.sas-1.2.0", "example")
    assert len(EXAMPLES) == 45


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_roundtrips(path: Path) -> None:
    data = _load(path)
    assert _norm(to_json(parse_resource(data))) == _norm(data)


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.name)
def test_definition_roundtrips(path: Path) -> None:
    data = _load(path)
    assert _norm(to_json(parse_resource(data))) == _norm(data)


def test_plain_model_dump_is_not_faithful() -> None:
    """Guards the reason to_json exists: if fhir.resources ever keeps text, simplify to_json."""
    data = _load(IG_PACKAGE / "example" / "Bundle-ExampleBundlePSIndiv.json")
    model = parse_resource(data)
    dumped = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert dumped["entry"][0]["resource"]["start"] == "2021-11-05T09:00:00Z"
    assert data["entry"][0]["resource"]["start"] == "2021-11-05T09:00:00.000+00:00"
    assert to_json(model)["entry"][0]["resource"]["start"] == "2021-11-05T09:00:00.000+00:00"


def test_bundle_entry_resources_keep_their_text_too() -> None:
    data = _load(IG_PACKAGE / "example" / "Bundle-ExampleBundleCPTS1.json")
    bundle = parse_as(Bundle, data)
    assert bundle.entry is not None
    slot = bundle.entry[0].resource
    assert isinstance(slot, Slot)
    assert to_json(slot)["start"] == data["entry"][0]["resource"]["start"]


def test_changed_instant_is_written_ig_style() -> None:
    data = _load(IG_PACKAGE / "example" / "Slot-ExampleSlotPSIndiv1.json")
    slot = parse_as(Slot, data)
    assert slot.start is not None
    slot.start = slot.start + timedelta(hours=1)
    out = to_json(slot)
    assert out["start"] == "2021-11-05T11:00:00.000+01:00"  # 10:00Z, in Paris
    assert out["end"] == data["end"]  # unchanged: source text kept


def test_model_built_in_code_writes_ig_instants() -> None:
    slot = Slot.model_validate(
        {
            "resourceType": "Slot",
            "schedule": {"reference": "Schedule/1"},
            "status": "free",
            "start": datetime(2024, 6, 12, 16, 20, tzinfo=PARIS),
            "end": "2024-06-12T14:40:00Z",
        }
    )
    out = to_json(slot)
    assert out["start"] == "2024-06-12T16:20:00.000+02:00"
    assert out["end"] == "2024-06-12T16:40:00.000+02:00"
    assert "meta" not in out  # no empty elements


def test_numbers_times_and_binary_keep_their_json_form() -> None:
    data = {
        "resourceType": "Location",
        "position": {"longitude": -1.68, "latitude": 48.11, "altitude": 12},
        "hoursOfOperation": [
            {"daysOfWeek": ["mon"], "openingTime": "08:00:00", "closingTime": "12:30:00"}
        ],
        "extension": [{"url": "http://example.org/x", "valueBase64Binary": "aGVsbG8="}],
        "meta": {"lastUpdated": "2024-06-12T16:20:00.123+02:00"},
    }
    assert to_json(parse_resource(data)) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "JSON object"),
        ({}, "no resourceType"),
        ({"resourceType": "Nope"}, "'Nope' is not a FHIR R4B resource"),
        ({"resourceType": "slot"}, "'slot' is not a FHIR resource type"),
        ({"resourceType": 3}, "is not a FHIR resource type"),
        (
            {"resourceType": "Slot", "status": "free"},
            "not a valid FHIR Slot: 1 error(s): schedule: Field required",
        ),
        (
            {
                "resourceType": "Slot",
                "schedule": {"reference": "S/1"},
                "status": "free",
                "start": "tomorrow",
                "end": "2024-06-12T14:40:00Z",
            },
            "start:",
        ),
    ],
)
def test_parse_resource_errors_are_one_line(data: Any, message: str) -> None:
    with pytest.raises(NotFhir) as exc:
        parse_resource(data)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_parse_as_checks_the_type() -> None:
    with pytest.raises(NotFhir, match="expected a Slot"):
        parse_as(Slot, {"resourceType": "Bundle", "type": "searchset"})


def test_r4_snapshot_elements_exist_in_r4b() -> None:
    require_shared("ig", "ans.fhir.fr.sas-1.2.0")
    checked = set()
    for path in ALL_DEFINITIONS:
        sd = json.loads(path.read_text("utf-8"))
        if sd["resourceType"] != "StructureDefinition" or sd.get("kind") != "resource":
            continue
        r4 = {
            e["path"].split(".")[1].removesuffix("[x]")
            for e in sd["snapshot"]["element"]
            if e["path"].count(".") == 1
        }
        cls = model_class(sd["type"])
        r4b = {(f.alias or name) for name, f in cls.model_fields.items()} - {"fhir_comments"}
        r4b_roots = {a for a in r4b if not a.startswith("_")}
        missing = {p for p in r4 if not any(a == p or a.startswith(p) for a in r4b_roots)}
        extra = {a for a in r4b_roots if not any(a == p or a.startswith(p) for p in r4)}
        assert (missing, extra) == (set(), set()), sd["id"]
        checked.add(sd["type"])
    assert checked == {
        "Appointment",
        "Bundle",
        "HealthcareService",
        "Location",
        "Organization",
        "Practitioner",
        "PractitionerRole",
        "Schedule",
        "Slot",
    }
