"""Bundle reference resolution (FHIR R4 Bundle rules; IG digest §2.2-§2.4)."""

from __future__ import annotations

from sasref.profiles.references import BundleIndex

ENTRIES = [
    {
        "fullUrl": "https://a.example/fhir/Schedule/s1",
        "resource": {"resourceType": "Schedule", "id": "s1"},
    },
    {
        "fullUrl": "urn:uuid:3f2a0c1e-0000-4000-8000-000000000001",
        "resource": {"resourceType": "Practitioner", "id": "p1"},
    },
    {"resource": {"resourceType": "Location", "id": "l1"}},
    {
        "fullUrl": "https://b.example/fhir/Schedule/s2",
        "resource": {"resourceType": "Schedule", "id": "s2"},
    },
]


def test_relative_reference_uses_the_base_of_the_referring_entry() -> None:
    index = BundleIndex(ENTRIES)
    assert index.resolve("Schedule/s1", "https://a.example/fhir/Slot/x") == 0
    assert index.resolve("Schedule/s2", "https://b.example/fhir/Slot/x") == 3


def test_absolute_and_urn_references() -> None:
    index = BundleIndex(ENTRIES)
    assert index.resolve("https://b.example/fhir/Schedule/s2") == 3
    assert index.resolve("urn:uuid:3f2a0c1e-0000-4000-8000-000000000001") == 1
    assert index.resolve("https://a.example/fhir/Schedule/s1/_history/3") == 0


def test_type_id_fallback_and_misses() -> None:
    index = BundleIndex(ENTRIES)
    assert index.resolve("Location/l1") == 2
    assert index.resolve("Practitioner/p1") == 1
    assert index.resolve("Location/nope") is None
    assert index.resolve("#contained") is None
    assert index.resolve("not a reference") is None
