"""Negative conformance cases: one broken rule each, asserting the issue location and code.

Every case mutates a valid instance from :mod:`sasref.testing_builders` (they validate without
error in both modes, checked first) and expects one issue ``(severity, code, expression)`` among
the outcome's issues. IG digest §7 (profiles), §13 (tolerant-mode decisions).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from sasref.fhir.codes import TRE_R314_TYPE_CRENEAU
from sasref.fhir.systems import FR_CORE_V2_0203, FR_V2_0203, IDNST_SYSTEM, SAS_SYSTEM, Profile
from sasref.profiles import has_errors, validate
from sasref.testing_builders import (
    build_appointment,
    build_cpts_bundle,
    build_ps_bundle,
    build_regulator,
    build_sos_bundle,
)

BUILDERS: dict[str, Callable[[], dict[str, Any]]] = {
    # PS: entries 0-3 Slots, 4 Schedule, 5 Practitioner, 6 PractitionerRole (practitioner 0)
    "ps": lambda: build_ps_bundle(2, 24, slots_per_practitioner=2),
    # CPTS: 0 Slot, 1 Schedule, 2 Practitioner, 3 PractitionerRole, 4 HealthcareService, 5 Org
    "cpts": build_cpts_bundle,
    # SOS: 0 Slot, 1 Schedule, 2 Location, 3 Organization
    "sos": build_sos_bundle,
    "appt": build_appointment,
    "sos-appt": lambda: build_appointment(sos=True),
    "regul": build_regulator,
}

_TOKEN = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


def _walk(doc: Any, path: str) -> tuple[Any, str | int]:
    keys: list[str | int] = [name if name else int(index) for name, index in _TOKEN.findall(path)]
    node = doc
    for key in keys[:-1]:
        node = node[key]
    return node, keys[-1]


def op_set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        node, key = _walk(doc, path)
        if isinstance(node, list) and key == len(node):
            node.append(value)
        else:
            node[key] = value

    return apply


def op_del(path: str) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        node, key = _walk(doc, path)
        del node[key]

    return apply


def op_append(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        node, key = _walk(doc, path)
        node[key].append(value)

    return apply


def op_copy(src: str, dst: str) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        node, key = _walk(doc, src)
        op_set(dst, copy.deepcopy(node[key]))(doc)

    return apply


E0 = "Bundle.entry[0].resource"
E1 = "Bundle.entry[1].resource"
E2 = "Bundle.entry[2].resource"
E3 = "Bundle.entry[3].resource"
E4 = "Bundle.entry[4].resource"
E5 = "Bundle.entry[5].resource"
E6 = "Bundle.entry[6].resource"
R0, R1, R2, R3, R4, R5, R6 = (f"entry[{i}].resource" for i in range(7))
TEXT_SPECIALTY = [{"text": "Médecine générale"}]
ODD_CODING = {"system": "http://example.org/cs", "code": "X"}
CPTS_SECURITY = {"system": TRE_R314_TYPE_CRENEAU, "code": "CPTS"}
APPOINTMENT_ALIAS = "http://interopsante.org/fhir/StructureDefinition/FrAppointmentSAS"

# (id, builder, mutations, mode, severity, code, expression)
# fmt: off
CASES: list[tuple[str, str, list[Callable[[dict[str, Any]], None]], str, str, str, str]] = [
    # --- PS Slot (FrSlotAgregateur) ---
    ("ps-slot-status-busy", "ps", [op_set(f"{R0}.status", "busy")],
     "tolerant", "error", "value", f"{E0}.status"),
    ("ps-slot-status-not-a-code", "ps", [op_set(f"{R0}.status", "open")],
     "strict", "error", "code-invalid", f"{E0}.status"),
    ("ps-slot-start-missing", "ps", [op_del(f"{R0}.start")],
     "tolerant", "error", "required", f"{E0}.start"),
    ("ps-slot-start-no-offset", "ps", [op_set(f"{R0}.start", "2024-06-12T10:00:00")],
     "strict", "error", "value", f"{E0}.start"),
    ("ps-slot-end-impossible-date", "ps", [op_set(f"{R0}.end", "2024-02-30T10:00:00+01:00")],
     "tolerant", "error", "value", f"{E0}.end"),
    ("ps-slot-end-before-start", "ps", [op_set(f"{R0}.end", "2020-01-01T10:00:00+01:00")],
     "strict", "warning", "value", f"{E0}.end"),
    ("ps-slot-schedule-missing", "ps", [op_del(f"{R0}.schedule")],
     "tolerant", "error", "required", f"{E0}.schedule"),
    ("ps-slot-schedule-unresolved", "ps", [op_set(f"{R0}.schedule.reference", "Schedule/nope")],
     "tolerant", "error", "not-found", f"{E0}.schedule.reference"),
    ("ps-slot-schedule-wrong-type", "ps", [op_set(f"{R0}.schedule.reference", "Practitioner/pr0")],
     "strict", "error", "value", f"{E0}.schedule.reference"),
    (
        "ps-slot-security-cpts",
        "ps",
        [op_set(f"{R0}.meta.security", [CPTS_SECURITY])],
        "strict",
        "error",
        "code-invalid",
        f"{E0}.meta.security[0]",
    ),
    ("ps-slot-security-foreign-system", "ps", [op_set(f"{R0}.meta.security", [ODD_CODING])],
     "tolerant", "error", "code-invalid", f"{E0}.meta.security[0]"),
    ("ps-slot-specialty-text-only-strict", "ps", [op_set(f"{R0}.specialty", TEXT_SPECIALTY)],
     "strict", "error", "code-invalid", f"{E0}.specialty[0]"),
    ("ps-slot-specialty-text-only-tolerant", "ps", [op_set(f"{R0}.specialty", TEXT_SPECIALTY)],
     "tolerant", "warning", "code-invalid", f"{E0}.specialty[0]"),
    ("ps-slot-specialty-not-tre-r38", "ps", [op_set(f"{R0}.specialty", [{"coding": [ODD_CODING]}])],
     "tolerant", "error", "code-invalid", f"{E0}.specialty[0]"),
    (
        "ps-slot-consultation-not-act-encounter",
        "ps",
        [op_set(f"{R0}.serviceType[0].coding[0].code", "XYZ")],
        "tolerant",
        "error",
        "code-invalid",
        f"{E0}.serviceType[0].coding[0]",
    ),
    ("ps-slot-meta-profile-missing-strict", "ps", [op_del(f"{R0}.meta.profile")],
     "strict", "error", "required", f"{E0}.meta.profile"),
    ("ps-slot-meta-profile-missing-tolerant", "ps", [op_del(f"{R0}.meta.profile")],
     "tolerant", "warning", "required", f"{E0}.meta.profile"),
    ("ps-slot-meta-profile-of-sos", "ps", [op_set(f"{R0}.meta.profile", [Profile.SLOT_SOS])],
     "strict", "error", "value", f"{E0}.meta.profile"),
    ("ps-slot-empty-string", "ps", [op_set(f"{R0}.comment", "")],
     "strict", "error", "structure", f"{E0}.comment"),
    ("ps-slot-empty-array", "ps", [op_set(f"{R0}.serviceType", [])],
     "strict", "error", "structure", f"{E0}.serviceType"),
    # --- PS Schedule, Practitioner, PractitionerRole, contained Location ---
    ("ps-schedule-actor-missing", "ps", [op_del(f"{R4}.actor")],
     "tolerant", "error", "required", f"{E4}.actor"),
    (
        "ps-schedule-actor-unresolved",
        "ps",
        [op_set(f"{R4}.actor[0].reference", "Practitioner/ghost")],
        "tolerant",
        "error",
        "not-found",
        f"{E4}.actor[0].reference",
    ),
    ("ps-schedule-service-type-forbidden", "ps", [op_set(f"{R4}.serviceType", [{"text": "x"}])],
     "tolerant", "error", "structure", f"{E4}.serviceType"),
    ("ps-schedule-without-role", "ps", [op_del(f"{R4}.actor[1]")],
     "tolerant", "warning", "required", f"{E4}.actor"),
    ("ps-practitioner-identifier-missing", "ps", [op_del(f"{R5}.identifier")],
     "tolerant", "error", "required", f"{E5}.identifier"),
    ("ps-practitioner-wrong-system", "ps", [op_set(f"{R5}.identifier[0].system", "urn:oid:1.2.3")],
     "tolerant", "error", "value", f"{E5}.identifier[0].system"),
    (
        "ps-practitioner-wrong-type",
        "ps",
        [op_set(f"{R5}.identifier[0].type.coding[0].code", "IDNST")],
        "tolerant",
        "error",
        "value",
        f"{E5}.identifier[0].type",
    ),
    ("ps-practitioner-rpps-bad-key", "ps", [op_set(f"{R5}.identifier[0].value", "810000000001")],
     "strict", "warning", "value", f"{E5}.identifier[0].value"),
    ("ps-role-contained-missing", "ps", [op_del(f"{R6}.contained")],
     "tolerant", "error", "required", f"{E6}.contained"),
    (
        "ps-role-location-not-contained",
        "ps",
        [op_set(f"{R6}.location[0].reference", "Location/loc0")],
        "tolerant",
        "error",
        "value",
        f"{E6}.location[0].reference",
    ),
    ("ps-role-location-unresolved", "ps", [op_set(f"{R6}.location[0].reference", "#nope")],
     "tolerant", "error", "not-found", f"{E6}.location[0].reference"),
    ("ps-role-two-locations", "ps", [op_append(f"{R6}.location", {"reference": "#loc0"})],
     "tolerant", "error", "structure", f"{E6}.location"),
    (
        "ps-role-practitioner-unresolved",
        "ps",
        [op_set(f"{R6}.practitioner.reference", "Practitioner/ghost")],
        "tolerant",
        "error",
        "not-found",
        f"{E6}.practitioner.reference",
    ),
    (
        "ps-role-organization-system",
        "ps",
        [op_set(f"{R6}.organization.identifier.system", "urn:oid:1.2.250.1.71.4.2.1")],
        "tolerant",
        "error",
        "value",
        f"{E6}.organization.identifier.system",
    ),
    (
        "ps-role-organization-type-variant-strict",
        "ps",
        [op_set(f"{R6}.organization.identifier.type.coding[0].system", FR_CORE_V2_0203)],
        "strict",
        "error",
        "value",
        f"{E6}.organization.identifier.type",
    ),
    (
        "ps-role-organization-type-variant-tolerant",
        "ps",
        [op_set(f"{R6}.organization.identifier.type.coding[0].system", FR_CORE_V2_0203)],
        "tolerant",
        "warning",
        "value",
        f"{E6}.organization.identifier.type",
    ),
    ("ps-location-city-missing", "ps", [op_del(f"{R6}.contained[0].address.city")],
     "tolerant", "error", "required", f"{E6}.contained[0].address.city"),
    ("ps-location-two-lines", "ps", [op_set(f"{R6}.contained[0].address.line", ["a", "b"])],
     "tolerant", "error", "structure", f"{E6}.contained[0].address.line"),
    (
        "ps-location-identifier-system-missing",
        "ps",
        [op_del(f"{R6}.contained[0].identifier[0].system")],
        "tolerant",
        "error",
        "required",
        f"{E6}.contained[0].identifier[0].system",
    ),
    # --- PS Bundle ---
    ("ps-bundle-type-collection", "ps", [op_set("type", "collection")],
     "tolerant", "error", "value", "Bundle.type"),
    ("ps-bundle-duplicate-fullurl", "ps", [op_copy("entry[0].fullUrl", "entry[1].fullUrl")],
     "tolerant", "error", "invariant", "Bundle.entry[1].fullUrl"),
    (
        "ps-bundle-entry-request",
        "ps",
        [op_set("entry[0].request", {"method": "GET", "url": "Slot"})],
        "tolerant",
        "error",
        "invariant",
        "Bundle.entry[0].request",
    ),
    ("ps-bundle-search-mode-invalid", "ps", [op_set("entry[0].search.mode", "hit")],
     "tolerant", "error", "code-invalid", "Bundle.entry[0].search.mode"),
    ("ps-bundle-search-mode-missing", "ps", [op_del("entry[0].search")],
     "strict", "warning", "required", "Bundle.entry[0].search.mode"),
    ("ps-bundle-entry-without-resource", "ps", [op_del("entry[0].resource")],
     "tolerant", "error", "invariant", "Bundle.entry[0].resource"),
    ("ps-bundle-unknown-resource-type", "ps", [op_set(f"{R0}.resourceType", "Slott")],
     "tolerant", "error", "structure", "Bundle.entry[0].resource.resourceType"),
    ("ps-bundle-total-negative", "ps", [op_set("total", -1)],
     "tolerant", "error", "value", "Bundle.total"),
    ("ps-bundle-total-mismatch", "ps", [op_set("total", 99)],
     "tolerant", "warning", "value", "Bundle.total"),
    # --- CPTS ---
    ("cpts-org-finess-invariant", "cpts", [op_set(f"{R5}.identifier[0].value", "1234")],
     "tolerant", "error", "invariant", f"{E5}.identifier[0].value"),
    (
        "cpts-org-siret-instead-of-finess",
        "cpts",
        [op_set(f"{R5}.identifier[0].value", "334173748400020")],
        "tolerant",
        "error",
        "invariant",
        f"{E5}.identifier[0].value",
    ),
    ("cpts-org-two-identifiers", "cpts", [op_copy(f"{R5}.identifier[0]", f"{R5}.identifier[1]")],
     "tolerant", "error", "structure", f"{E5}.identifier"),
    (
        "cpts-org-type-interopsante-strict",
        "cpts",
        [op_set(f"{R5}.identifier[0].type.coding[0].system", FR_V2_0203)],
        "strict",
        "error",
        "value",
        f"{E5}.identifier[0].type",
    ),
    (
        "cpts-org-type-interopsante-tolerant",
        "cpts",
        [op_set(f"{R5}.identifier[0].type.coding[0].system", FR_V2_0203)],
        "tolerant",
        "warning",
        "value",
        f"{E5}.identifier[0].type",
    ),
    ("cpts-slot-r5-extension-missing", "cpts", [op_del(f"{R0}.serviceType[1].extension")],
     "tolerant", "error", "required", f"{E0}.serviceType[1].extension"),
    (
        "cpts-slot-r5-unresolved",
        "cpts",
        [op_set(f"{R0}.serviceType[1].extension[0].valueReference.reference", "Nope/x")],
        "tolerant",
        "error",
        "not-found",
        f"{E0}.serviceType[1].extension[0].valueReference.reference",
    ),
    ("cpts-slot-r66-not-cpts", "cpts", [op_set(f"{R0}.serviceType[1].coding[0].code", "603")],
     "tolerant", "error", "code-invalid", f"{E0}.serviceType[1]"),
    (
        "cpts-slot-r5-on-consultation-type",
        "cpts",
        [op_copy(f"{R0}.serviceType[1].extension", f"{R0}.serviceType[0].extension")],
        "tolerant",
        "error",
        "structure",
        f"{E0}.serviceType[0].extension",
    ),
    (
        "cpts-slot-appointment-type-required",
        "cpts",
        [op_set(f"{R0}.appointmentType.coding[0].code", "CHECKUP")],
        "tolerant",
        "error",
        "code-invalid",
        f"{E0}.appointmentType.coding[0]",
    ),
    ("cpts-service-provided-by-missing", "cpts", [op_del(f"{R4}.providedBy")],
     "tolerant", "error", "required", f"{E4}.providedBy"),
    (
        "cpts-service-provided-by-unresolved",
        "cpts",
        [op_set(f"{R4}.providedBy.reference", "Organization/ghost")],
        "tolerant",
        "error",
        "not-found",
        f"{E4}.providedBy.reference",
    ),
    ("cpts-bundle-total-missing", "cpts", [op_del("total")],
     "tolerant", "error", "required", "Bundle.total"),
    ("cpts-bundle-two-links", "cpts", [op_copy("link[0]", "link[1]")],
     "tolerant", "error", "structure", "Bundle.link"),
    ("cpts-bundle-fullurl-missing", "cpts", [op_del("entry[0].fullUrl")],
     "tolerant", "error", "required", "Bundle.entry[0].fullUrl"),
    ("cpts-bundle-empty-strict", "cpts", [op_set("entry", []), op_set("total", 0)],
     "strict", "error", "required", "Bundle.entry"),
    ("cpts-bundle-empty-tolerant", "cpts", [op_set("entry", []), op_set("total", 0)],
     "tolerant", "warning", "required", "Bundle.entry"),
    (
        "cpts-bundle-no-cpts-slot",
        "cpts",
        [op_set(f"{R0}.meta.profile", [Profile.SLOT_PS]), op_del(f"{R0}.serviceType[1]"),
         op_del(f"{R0}.meta.security[1]")],
        "tolerant",
        "error",
        "required",
        "Bundle.entry",
    ),
    # --- SOS ---
    ("sos-org-siret-invariant", "sos", [op_set(f"{R3}.identifier[0].value", "3123")],
     "tolerant", "error", "invariant", f"{E3}.identifier[0].value"),
    (
        "sos-org-type-fr-v2-strict",
        "sos",
        [op_set(f"{R3}.identifier[0].type.coding[0].system", FR_V2_0203)],
        "strict",
        "error",
        "value",
        f"{E3}.identifier[0].type",
    ),
    (
        "sos-location-idnst-strict",
        "sos",
        [op_set(f"{R2}.identifier[0].type.coding[0].code", "IDNST"),
         op_set(f"{R2}.identifier[0].system", IDNST_SYSTEM)],
        "strict",
        "error",
        "value",
        f"{E2}.identifier[0].type",
    ),
    (
        "sos-location-idnst-tolerant",
        "sos",
        [op_set(f"{R2}.identifier[0].type.coding[0].code", "IDNST"),
         op_set(f"{R2}.identifier[0].system", IDNST_SYSTEM)],
        "tolerant",
        "warning",
        "value",
        f"{E2}.identifier[0].type",
    ),
    ("sos-location-postal-code-too-long", "sos", [op_set(f"{R2}.address.postalCode", "350000")],
     "tolerant", "error", "value", f"{E2}.address.postalCode"),
    ("sos-location-managing-organization-missing", "sos", [op_del(f"{R2}.managingOrganization")],
     "tolerant", "error", "required", f"{E2}.managingOrganization"),
    ("sos-location-name-missing", "sos", [op_del(f"{R2}.name")],
     "tolerant", "error", "required", f"{E2}.name"),
    (
        "sos-location-days-upper-case-strict",
        "sos",
        [op_set(f"{R2}.hoursOfOperation[0].daysOfWeek[0]", "MON")],
        "strict",
        "error",
        "code-invalid",
        f"{E2}.hoursOfOperation[0].daysOfWeek[0]",
    ),
    (
        "sos-location-days-upper-case-tolerant",
        "sos",
        [op_set(f"{R2}.hoursOfOperation[0].daysOfWeek[0]", "MON")],
        "tolerant",
        "warning",
        "code-invalid",
        f"{E2}.hoursOfOperation[0].daysOfWeek[0]",
    ),
    ("sos-slot-security-pro", "sos", [op_set(f"{R0}.meta.security[0].code", "PRO")],
     "tolerant", "error", "code-invalid", f"{E0}.meta.security[0]"),
    (
        "sos-slot-consultation-not-in-vs",
        "sos",
        [op_set(f"{R0}.serviceType[0].coding[0].code", "EMER")],
        "tolerant",
        "error",
        "code-invalid",
        f"{E0}.serviceType[0].coding[0]",
    ),
    (
        "sos-schedule-actor-practitioner",
        "sos",
        [op_set(f"{R1}.actor[0].reference", "Practitioner/x")],
        "tolerant",
        "error",
        "value",
        f"{E1}.actor[0].reference",
    ),
    ("sos-bundle-empty-tolerant", "sos", [op_set("entry", []), op_set("total", 0)],
     "tolerant", "warning", "required", "Bundle.entry"),
    # --- Appointments ---
    ("appt-identifier-missing", "appt", [op_del("identifier")],
     "tolerant", "error", "required", "Appointment.identifier"),
    ("appt-two-identifiers", "appt", [op_copy("identifier[0]", "identifier[1]")],
     "tolerant", "error", "structure", "Appointment.identifier"),
    (
        "appt-operator-missing",
        "appt",
        [op_set("extension", [{"url": "http://example.org/ext", "valueString": "x"}])],
        "tolerant",
        "error",
        "required",
        "Appointment.extension",
    ),
    (
        "appt-operator-identifier-missing",
        "appt",
        [op_set("extension[0].valueReference", {"reference": "Practitioner/1"})],
        "tolerant",
        "error",
        "required",
        "Appointment.extension[0].valueReference.identifier",
    ),
    ("appt-participant-status-declined", "appt", [op_set("participant[0].status", "declined")],
     "tolerant", "error", "code-invalid", "Appointment.participant[0].status"),
    (
        "appt-actor-system-not-idnps",
        "appt",
        [op_set("participant[0].actor.identifier.system", SAS_SYSTEM)],
        "tolerant",
        "error",
        "value",
        "Appointment.participant[0].actor.identifier.system",
    ),
    ("appt-start-missing", "appt", [op_del("start")],
     "tolerant", "error", "required", "Appointment.start"),
    ("appt-status-not-a-code", "appt", [op_set("status", "done")],
     "tolerant", "error", "code-invalid", "Appointment.status"),
    (
        "appt-meta-profile-interopsante-strict",
        "appt",
        [op_set("meta.profile", [APPOINTMENT_ALIAS])],
        "strict",
        "error",
        "value",
        "Appointment.meta.profile",
    ),
    (
        "appt-meta-profile-interopsante-tolerant",
        "appt",
        [op_set("meta.profile", [APPOINTMENT_ALIAS])],
        "tolerant",
        "warning",
        "value",
        "Appointment.meta.profile",
    ),
    ("appt-app-1-no-type-no-actor", "appt", [op_set("participant", [{"status": "accepted"}])],
     "tolerant", "error", "invariant", "Appointment.participant[0]"),
    (
        "sos-appt-operator-type-idnst",
        "sos-appt",
        [op_set("extension[0].valueReference.identifier.type.coding[0].code", "IDNST")],
        "tolerant",
        "error",
        "code-invalid",
        "Appointment.extension[0].valueReference.identifier.type.coding[0]",
    ),
    (
        "sos-appt-two-extensions",
        "sos-appt",
        [op_append("extension", {"url": "http://example.org/ext", "valueString": "x"})],
        "tolerant",
        "error",
        "structure",
        "Appointment.extension",
    ),
    # --- Regulator accounts ---
    ("regul-active-missing", "regul", [op_del("active")],
     "tolerant", "error", "required", "Practitioner.active"),
    ("regul-two-given-names", "regul", [op_set("name[0].given", ["A", "B"])],
     "tolerant", "error", "structure", "Practitioner.name[0].given"),
    ("regul-family-missing", "regul", [op_del("name[0].family")],
     "tolerant", "error", "required", "Practitioner.name[0].family"),
    ("regul-telecom-phone", "regul", [op_set("telecom[0].system", "phone")],
     "tolerant", "error", "value", "Practitioner.telecom[0].system"),
    ("regul-meta-source-not-sas", "regul", [op_set("meta.source", "urn:oid:1.2.3")],
     "tolerant", "error", "value", "Practitioner.meta.source"),
    ("regul-technical-id-typed-idnps", "regul", [op_set("identifier[0].system", SAS_SYSTEM)],
     "tolerant", "error", "value", "Practitioner.identifier[0].type"),
    ("regul-two-national-ids", "regul", [op_copy("identifier[0]", "identifier[1]")],
     "tolerant", "error", "structure", "Practitioner.identifier[1]"),
]
# fmt: on


@pytest.mark.parametrize("kind", sorted(BUILDERS))
@pytest.mark.parametrize("mode", ["strict", "tolerant"])
def test_builders_are_valid(kind: str, mode: str) -> None:
    outcome = validate(BUILDERS[kind](), mode=mode)  # type: ignore[arg-type]
    assert not has_errors(outcome), outcome
    assert all(i["severity"] == "information" for i in outcome["issue"]), outcome


@pytest.mark.parametrize(
    ("builder", "mutations", "mode", "severity", "code", "expression"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_negative_case(
    builder: str,
    mutations: list[Callable[[dict[str, Any]], None]],
    mode: str,
    severity: str,
    code: str,
    expression: str,
) -> None:
    doc = BUILDERS[builder]()
    for mutate in mutations:
        mutate(doc)
    outcome = validate(doc, mode=mode)  # type: ignore[arg-type]
    found = [(i["severity"], i["code"], i.get("expression", [""])[0]) for i in outcome["issue"]]
    assert (severity, code, expression) in found, found
    assert has_errors(outcome) == (severity == "error" or any(s == "error" for s, _, _ in found))


def test_at_least_forty_cases_with_unique_ids() -> None:
    ids = [case[0] for case in CASES]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids)


def test_references_resolve_by_reference_not_by_entry_order() -> None:
    doc = build_ps_bundle(3, 24, slots_per_practitioner=2)
    doc["entry"].reverse()
    assert not has_errors(validate(doc))
    # absolute references to the fullUrl resolve too
    for entry in doc["entry"]:
        res = entry["resource"]
        if res["resourceType"] == "Slot":
            res["schedule"]["reference"] = (
                f"https://editeur.example/fhir/{res['schedule']['reference']}"
            )
    assert not has_errors(validate(doc))


def test_schedule_pointing_at_another_practitioners_role_is_flagged() -> None:
    doc = build_ps_bundle(2, 24, slots_per_practitioner=2)
    # entry 4 = Schedule of practitioner 0; entry 9 = PractitionerRole of practitioner 1
    doc["entry"][4]["resource"]["actor"][1]["reference"] = "PractitionerRole/role1"
    issues = validate(doc)["issue"]
    assert any(
        i["severity"] == "warning" and i.get("expression") == [f"{E4}.actor"] for i in issues
    ), issues
