"""Orientation en surnuméraire, the pure parts (spec §4.6, §6.3; digest §4.3, §5.4, §10): the
request's rules, the stored form, and the FHIR Appointment handed to the INT_L02 forwarder."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from sasref.appointments.core import orientation_category
from sasref.clock import PARIS
from sasref.directory.overbooking import Recipient, RecipientType
from sasref.fhir.models import Appointment
from sasref.fhir.systems import (
    EXT_APPOINTMENT_OPERATOR,
    IDNPS_SYSTEM,
    IDNST_SYSTEM,
    SAS_APPOINTMENT_SYSTEM,
    SAS_SYSTEM,
)
from sasref.lrm.from_fhir import effector_idnps
from sasref.orientations import (
    Orientation,
    OrientationError,
    OrientationStatus,
    OrientingRegulator,
    appointment_resource,
    parse_start,
)
from sasref.orientations.rules import check_type, derived_key, quarter_floor

NOW = datetime(2026, 6, 16, 9, 7, tzinfo=PARIS)  # a Tuesday, 09:07


@pytest.mark.parametrize(
    ("day", "at", "expected"),
    [
        ("2026-06-16", "09:00", datetime(2026, 6, 16, 9, 0, tzinfo=PARIS)),  # the current quarter
        ("2026-06-16", "23:45", datetime(2026, 6, 16, 23, 45, tzinfo=PARIS)),
        ("2026-06-17", "00:00", datetime(2026, 6, 17, 0, 0, tzinfo=PARIS)),
        (" 2026-07-16 ", "8:30", datetime(2026, 7, 16, 8, 30, tzinfo=PARIS)),  # 30 days ahead
    ],
)
def test_accepted_dates_and_times(day: str, at: str, expected: datetime) -> None:
    assert parse_start(day, at, NOW) == expected


@pytest.mark.parametrize(
    ("day", "at", "field", "needle", "french"),
    [
        (None, "10:00", "date", "required", "Indiquez la date"),
        ("", "10:00", "date", "required", "Indiquez la date"),
        ("16/06/2026", "10:00", "date", "not a date", "AAAA-MM-JJ"),
        ("2026-02-30", "10:00", "date", "not a date", "AAAA-MM-JJ"),
        ("2026-06-15", "10:00", "date", "in the past", "passé"),
        ("2026-07-17", "10:00", "date", "30 days ahead", "30 prochains jours"),
        ("2026-06-16", None, "time", "required", "Indiquez l'heure"),
        ("2026-06-16", "10h00", "time", "not HH:MM", "HH:MM"),
        ("2026-06-16", "24:00", "time", "not HH:MM", "HH:MM"),
        ("2026-06-16", "10:60", "time", "not HH:MM", "HH:MM"),
        ("2026-06-16", "10:10", "time", "15-minute step", "quart d'heure"),
        ("2026-06-16", "23:59", "time", "15-minute step", "quart d'heure"),
        ("2026-06-16", "08:45", "time", "already past", "déjà passée"),
    ],
)
def test_refused_dates_and_times(
    day: str | None, at: str | None, field: str, needle: str, french: str
) -> None:
    with pytest.raises(OrientationError) as caught:
        parse_start(day, at, NOW)
    assert caught.value.field == field and caught.value.reason == "invalid"
    assert needle in str(caught.value) and french in caught.value.french


def test_the_spring_clock_change_gap_does_not_exist() -> None:
    spring = datetime(2026, 3, 28, 12, 0, tzinfo=PARIS)
    with pytest.raises(OrientationError, match="does not exist"):
        parse_start("2026-03-29", "02:30", spring)
    assert parse_start("2026-03-29", "03:00", spring).utcoffset().total_seconds() == 7200  # type: ignore[union-attr]
    # the autumn hour that happens twice is accepted (its first occurrence)
    autumn = parse_start("2026-10-25", "02:30", datetime(2026, 10, 24, 12, tzinfo=PARIS))
    assert autumn.utcoffset().total_seconds() == 7200  # type: ignore[union-attr]


def test_quarter_floor() -> None:
    assert quarter_floor(NOW) == datetime(2026, 6, 16, 9, 0, tzinfo=PARIS)
    assert quarter_floor(NOW.replace(minute=59, second=59)).minute == 45


@pytest.mark.parametrize(
    ("orientation_type", "slot", "field"),
    [(1, None, "orientation_type"), (3, None, "orientation_type"), (2, {"id": "x"}, "slot")],
)
def test_only_surnumeraire_without_a_slot(orientation_type: int, slot: object, field: str) -> None:
    with pytest.raises(OrientationError) as caught:
        check_type(orientation_type, slot)
    assert caught.value.field == field
    check_type(2, None)
    check_type(None, None)


def _recipient(category: str = "PS") -> Recipient:
    if category == "PS":
        return Recipient(
            RecipientType.EFFECTOR, "PS", "Dr Anne Martin", "12 rue X, 33000 Bordeaux",
            effector="810002909371", place="lieu-1", speciality="SM54", phone="+33556000000",
        )  # fmt: skip
    structure = "3" + "2" * 14 if category == "SOS" else "1330000101"
    effector = "810002909371" if category == "CPTS" else None
    return Recipient(
        RecipientType.STRUCTURE, category, f"Structure {category}", "Bordeaux",
        effector=effector, structure=structure,
    )  # fmt: skip


def _orientation(category: str = "PS", national_id: str | None = "810001234567") -> Orientation:
    at = datetime(2026, 6, 16, 9, 0, tzinfo=PARIS)
    return Orientation(
        id="3b0c7a52-4d55-4a5c-8d7e-0c9f6a1e2b3c",
        status=OrientationStatus.BOOKED,
        recipient=_recipient(category),
        start=datetime(2026, 6, 16, 14, 15, tzinfo=PARIS),
        regulator=OrientingRegulator(
            technical_id="5a3c9d1e-0b7f-4e2a-9c61-7d0e5f4b2a10",
            family="Régul",
            given="Anne",
            email="anne@sas.test",
            national_id=national_id,
            samu_department="33",
        ),
        created_at=at,
        updated_at=at,
        history=((OrientationStatus.BOOKED, at),),
    )


def test_the_stored_form_round_trips() -> None:
    o = _orientation("CPTS")
    doc = o.to_json()
    assert Orientation.from_json(doc) == o
    assert (doc["orientation_type"], doc["slot"], doc["date"], doc["time"]) == (
        2,
        None,
        "2026-06-16",
        "14:15",
    )
    assert doc["start"] == "2026-06-16T14:15:00+02:00" and doc["category"] == "CPTS"


@pytest.mark.parametrize(
    ("category", "system", "code"),
    [
        ("PS", "categorie-orientation-sas-codesystem", "001"),
        ("SOS", "categorie-orientation-sas-codesystem", "003"),
        ("CPTS", "TRE_R66", "604"),
        ("MSP", "TRE_R66", "603"),
        ("CDS", "TRE_R66", "124"),
    ],
)
def test_the_appointment_carries_the_category(category: str, system: str, code: str) -> None:
    resource = appointment_resource(_orientation(category))
    coding = resource["extension"][1]["valueCodeableConcept"]["coding"][0]
    assert system in coding["system"] and coding["code"] == code
    # the INT_L02 side reads it back as the LRM's orientationCategory
    assert orientation_category(resource) == category
    Appointment.model_validate(resource)  # valid FHIR R4B


def test_the_appointment_is_what_the_forwarder_reads() -> None:
    o = _orientation("PS")
    resource = appointment_resource(o)
    assert resource["identifier"] == [{"system": SAS_APPOINTMENT_SYSTEM, "value": o.id}]
    assert resource["status"] == "booked"
    assert resource["start"] == "2026-06-16T14:15:00.000+02:00"
    assert resource["created"] == "2026-06-16T09:00:00.000+02:00"
    assert "end" not in resource and "slot" not in resource and "meta" not in resource
    assert effector_idnps(resource) == "810002909371"
    operator = resource["extension"][0]
    assert operator["url"] == EXT_APPOINTMENT_OPERATOR
    assert operator["valueReference"]["identifier"]["system"] == IDNPS_SYSTEM
    assert operator["valueReference"]["identifier"]["value"] == "810001234567"
    # without a national id: the SAS technical id, typed INTRN
    technical = appointment_resource(_orientation("PS", national_id=None))
    ident = technical["extension"][0]["valueReference"]["identifier"]
    assert (ident["system"], ident["type"]["coding"][0]["code"]) == (SAS_SYSTEM, "INTRN")


def test_structure_participants_are_idnst() -> None:
    cpts = appointment_resource(_orientation("CPTS"))
    systems = [p["actor"]["identifier"]["system"] for p in cpts["participant"]]
    assert systems == [IDNPS_SYSTEM, IDNST_SYSTEM]  # the member, then the CPTS
    assert effector_idnps(cpts) == "810002909371"
    sos = appointment_resource(_orientation("SOS"))
    (only,) = sos["participant"]
    assert only["actor"]["identifier"]["value"] == "3" + "2" * 14
    assert only["actor"]["display"] == "Structure SOS" and effector_idnps(sos) is None
    Appointment.model_validate(sos)


def test_an_identifier_outside_the_national_forms_is_still_written() -> None:
    o = _orientation("PS")
    odd = replace(o, recipient=replace(o.recipient, effector="P1"))  # a user's directory id
    identifier = appointment_resource(odd)["participant"][0]["actor"]["identifier"]
    assert (identifier["system"], identifier["value"]) == (IDNPS_SYSTEM, "P1")


def test_derived_keys() -> None:
    r = _recipient("PS")
    start = datetime(2026, 6, 16, 14, 15, tzinfo=PARIS)
    key = derived_key("reg-1", r, start)
    assert key.startswith("auto:") and key == derived_key("reg-1", r, start)
    assert key != derived_key("reg-2", r, start)
    assert key != derived_key("reg-1", r, start.replace(minute=30))
    assert key != derived_key("reg-1", _recipient("MSP"), start)
