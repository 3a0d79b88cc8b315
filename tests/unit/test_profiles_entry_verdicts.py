"""Each distinct entry resource is checked once; its issues are replayed at the right place.

The verdict cache of :mod:`sasref.profiles.bundle` must be invisible: same outcome on a second
run, and a known resource met at another entry index is reported at that index.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from sasref.profiles import validate
from sasref.profiles.entries import ENTRY_VERDICTS


def _bundle(slot: dict[str, Any], before: int) -> dict[str, Any]:
    fillers = [
        {
            "fullUrl": f"https://e.test/fhir/Practitioner/p{i}",
            "resource": {"resourceType": "Practitioner", "id": f"p{i}"},
            "search": {"mode": "include"},
        }
        for i in range(before)
    ]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 1,
        "entry": [
            *fillers,
            {
                "fullUrl": "https://e.test/fhir/Slot/s1",
                "resource": slot,
                "search": {"mode": "match"},
            },
        ],
    }


_SLOT = {
    "resourceType": "Slot",
    "id": "s1",
    "status": "busy",  # fixed to free: an error
    "start": "2024-06-12T11:00:00.000+02:00",
    "end": "2024-06-12 11:20:00",  # not an instant: an error
    "schedule": {"reference": "Schedule/missing"},
}


def _expressions(outcome: dict[str, Any]) -> list[str]:
    return [e for i in outcome["issue"] for e in i.get("expression", ())]


def test_second_run_is_identical() -> None:
    bundle = _bundle(copy.deepcopy(_SLOT), 0)
    ENTRY_VERDICTS.clear()
    first = validate(bundle, mode="tolerant")
    assert ENTRY_VERDICTS  # the verdicts were kept
    second = validate(bundle, mode="tolerant")
    assert json.dumps(first) == json.dumps(second)
    assert validate(bundle, mode="strict") != first  # the mode is part of the key


def test_a_known_resource_is_reported_where_it_is() -> None:
    validate(_bundle(copy.deepcopy(_SLOT), 0), mode="tolerant")
    moved = _expressions(validate(_bundle(copy.deepcopy(_SLOT), 2), mode="tolerant"))
    assert "Bundle.entry[2].resource.status" in moved
    assert "Bundle.entry[2].resource.end" in moved
    assert not any(e.startswith("Bundle.entry[0].resource.status") for e in moved)
    assert not any("\x00" in e for e in moved)
