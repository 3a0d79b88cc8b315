"""INT_R03 pure rules (digest §4): identifiers, upsert decision, orientation category."""

from __future__ import annotations

from datetime import datetime

import pytest

from sasref.appointments.core import (
    ActionKind,
    StoredAppointment,
    appointment_identifier,
    decide,
    operator_identifier,
    orientation_category,
    parse_identifier_query,
)
from sasref.clock import PARIS
from sasref.fhir.systems import EXT_APPOINTMENT_OPERATOR, EXT_CATEGORIE_ORIENTATION, Profile
from sasref.lrm.from_fhir import sas_appointment_id

T = datetime(2024, 1, 1, tzinfo=PARIS)


def stored(status: str = "booked") -> StoredAppointment:
    return StoredAppointment("id-1", "urn:x", "v", {}, status, 3, T, T)


def test_decide_create_and_update() -> None:
    create = decide(None, {"status": "booked"}, "new")
    assert (create.kind, create.appointment_id, create.version, create.status_code) == (
        ActionKind.CREATE, "new", 1, 201,
    )  # fmt: skip
    same = decide(stored(), {"status": "booked"}, "new")
    assert (same.kind, same.appointment_id, same.version, same.status_changed) == (
        ActionKind.UPDATE, "id-1", 4, False,
    )  # fmt: skip
    assert same.status_code == 200
    assert decide(stored(), {"status": "cancelled"}, "new").status_changed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("urn:oid:1.2|abc", ("urn:oid:1.2", "abc")),
        ("urn:oid:1.2%7Cabc", ("urn:oid:1.2", "abc")),
        ("https://editeur.fr/rdv|a/b", ("https://editeur.fr/rdv", "a/b")),
        ("abc", None),
        ("|abc", None),
        ("urn:x|", None),
        (None, None),
    ],
)
def test_parse_identifier_query(text: str | None, expected: tuple[str, str] | None) -> None:
    assert parse_identifier_query(text) == expected


def test_identifiers() -> None:
    res = {
        "identifier": [{"value": "no-system"}, {"system": "urn:x", "value": "1"}],
        "extension": [{"url": EXT_APPOINTMENT_OPERATOR,
                       "valueReference": {"identifier": {"system": "urn:s", "value": "r"}}}],
    }  # fmt: skip
    assert appointment_identifier(res) == ("urn:x", "1")
    assert operator_identifier(res) == ("urn:s", "r")
    assert appointment_identifier({}) is None and operator_identifier({}) is None


@pytest.mark.parametrize(
    ("resource", "category"),
    [
        ({}, "PS"),
        ({"meta": {"profile": [Profile.APPOINTMENT_SOS]}}, "SOS"),
        ({"extension": [{"url": EXT_CATEGORIE_ORIENTATION,
                         "valueCoding": {"code": "002"}}]}, "PDM"),
        ({"extension": [{"url": EXT_CATEGORIE_ORIENTATION,
                         "valueCodeableConcept": {"coding": [{"code": "603"}]}}]}, "MSP"),
        ({"extension": [{"url": EXT_CATEGORIE_ORIENTATION, "valueCoding": {"code": "999"}}]}, "PS"),
    ],
)  # fmt: skip
def test_orientation_category(resource: dict[str, object], category: str) -> None:
    assert orientation_category(resource) == category


def test_sas_appointment_id_is_stable_uuid() -> None:
    first = sas_appointment_id("urn:oid:1.1", "abc")
    assert first == sas_appointment_id("urn:oid:1.1", "abc")
    assert first != sas_appointment_id("urn:oid:1.1", "abd")
    assert len(first) == 36 and first[14] == "5"
