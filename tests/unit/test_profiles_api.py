"""Public API of :mod:`sasref.profiles`: inputs that are not resources, profile selection,
outcome helpers, the no-empty-element rule (IG digest §2.1, §7, FAQ 14)."""

from __future__ import annotations

from typing import Any

import pytest

from sasref.errors import InvalidInput
from sasref.fhir.systems import Profile
from sasref.profiles import (
    build_outcome,
    detect_profile,
    has_errors,
    issues_table,
    known_profile,
    validate,
)
from sasref.testing_builders import (
    build_appointment,
    build_cpts_bundle,
    build_ps_bundle,
    build_regulator,
    build_sos_bundle,
)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param([1], "JSON object", id="list"),
        pytest.param({"id": "x"}, "resourceType is missing", id="no-resourceType"),
        pytest.param({"resourceType": "Nope"}, "unknown resourceType", id="unknown-type"),
    ],
)
def test_not_a_resource_is_an_error_issue(value: Any, message: str) -> None:
    outcome = validate(value)
    assert has_errors(outcome)
    assert message in outcome["issue"][0]["diagnostics"]


def test_unknown_profile_and_mode_raise() -> None:
    with pytest.raises(InvalidInput):
        validate(build_appointment(), profile="http://example.org/Nope")
    with pytest.raises(ValueError, match="mode"):
        validate(build_appointment(), mode="lenient")  # type: ignore[arg-type]


def test_profile_for_another_type_is_an_error() -> None:
    outcome = validate(build_appointment(), profile=Profile.SLOT_PS)
    assert has_errors(outcome)
    assert outcome["issue"][0]["expression"] == ["resourceType"]


def test_known_profile_maps_the_interopsante_alias() -> None:
    alias = "http://interopsante.org/fhir/StructureDefinition/FrAppointmentSAS"
    assert known_profile(alias) == Profile.APPOINTMENT
    assert known_profile(Profile.SLOT_PS + "|1.2.0") == Profile.SLOT_PS


def test_resource_without_sas_profile_gets_base_checks_only() -> None:
    outcome = validate({"resourceType": "Patient", "id": "bad id!"})
    assert ("error", ["Patient.id"]) in [
        (i["severity"], i.get("expression")) for i in outcome["issue"]
    ]
    assert any(i["code"] == "not-supported" for i in outcome["issue"])


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        pytest.param(build_ps_bundle(1, 24), Profile.BUNDLE_PS, id="ps-bundle"),
        pytest.param(build_cpts_bundle(), Profile.BUNDLE_CPTS, id="cpts-bundle"),
        pytest.param(build_sos_bundle(), Profile.BUNDLE_SOS, id="sos-bundle"),
        pytest.param(build_regulator(), Profile.PRACTITIONER_REGUL, id="regulator"),
        pytest.param(build_appointment(sos=True), Profile.APPOINTMENT_SOS, id="sos-appointment"),
        pytest.param(build_appointment(), Profile.APPOINTMENT, id="appointment"),
    ],
)
def test_detect_profile_from_shape(resource: dict[str, Any], expected: str) -> None:
    assert detect_profile(resource) == expected
    del resource["meta"]["profile"]
    if resource["resourceType"] == "Bundle":
        for entry in resource["entry"]:
            entry["resource"]["meta"].pop("profile")
    assert detect_profile(resource) == expected
    outcome = validate(resource, mode="tolerant")
    assert any("chosen from its shape" in i["diagnostics"] for i in outcome["issue"])
    assert not has_errors(outcome)


def test_detect_profile_of_other_things() -> None:
    assert detect_profile([]) is None
    assert detect_profile({"resourceType": "Patient"}) is None
    assert detect_profile({"resourceType": "Bundle", "type": "searchset"}) == Profile.BUNDLE_PS
    assert detect_profile({"resourceType": "Bundle", "type": "transaction"}) is None


def test_outcome_helpers() -> None:
    outcome = build_outcome(
        [
            {"severity": "warning", "code": "value", "diagnostics": "w", "expression": ["Slot.x"]},
            {"severity": "error", "code": "required", "diagnostics": "e"},
        ]
    )
    assert [i["severity"] for i in outcome["issue"]] == ["error", "warning"]
    assert has_errors(outcome)
    assert issues_table(outcome)[1] == {
        "severity": "warning",
        "code": "value",
        "location": "Slot.x",
        "message": "w",
    }
    assert build_outcome([])["issue"][0]["severity"] == "information"
    assert not has_errors(build_outcome([]))


@pytest.mark.parametrize(
    ("mutate", "expression"),
    [
        pytest.param(lambda a: a.update(comment=None), "Appointment.comment", id="null"),
        pytest.param(lambda a: a.update(meta={}), "Appointment.meta", id="empty-object"),
        pytest.param(
            lambda a: a["participant"][0].update(type=[]),
            "Appointment.participant[0].type",
            id="empty-array",
        ),
        pytest.param(
            lambda a: a["identifier"][0].update(value=""),
            "Appointment.identifier[0].value",
            id="empty-string",
        ),
    ],
)
def test_empty_elements(mutate: Any, expression: str) -> None:
    appointment = build_appointment()
    mutate(appointment)
    issues = validate(appointment, mode="strict")["issue"]
    assert ("error", "structure", [expression]) in [
        (i["severity"], i["code"], i.get("expression")) for i in issues
    ]


def test_primitive_extension_arrays_may_hold_nulls() -> None:
    regulator = build_regulator()
    regulator["name"][0]["_given"] = [{"extension": [{"url": "http://x", "valueString": "y"}]}]
    regulator["name"][0]["given"] = ["A"]
    regulator["name"][0]["_given"] = [None]
    outcome = validate(regulator)
    assert not has_errors(outcome), outcome
