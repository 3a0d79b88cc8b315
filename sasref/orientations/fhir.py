"""An orientation as a FHIR R4 Appointment, in the IG's vocabulary (digest §4.3, §6, §9, §10). Pure.

It is what the SAS hands to its INT_L02 forwarder (the same path as the INT_R03 appointments:
``sasref.appointments.forward.LrmForwarder`` reads ``start``, ``created``, ``status`` and the
effector's IDNPS), and what ``GET /api/v1/orientations/{id}`` shows under ``appointment``:

* ``identifier``: the SAS appointment system (``urn:oid:1.2.250.1.213.3.6.2``) and the
  orientation's UUID — the LRM's ``appointmentId``;
* ``FrAppointmentOperator``: the regulator by IDNPS, else by SAS technical id (``INTRN``);
* ``sas-categorie-orientation``: ``001`` PS, ``003`` SOS, TRE_R66 ``604`` CPTS, ``603`` MSP,
  ``124`` CDS;
* ``participant``: the effector by IDNPS (type 1, or the CPTS member oriented for) and the
  structure by IDNST (FINESS or SIRET), each ``accepted`` (no slot to confirm);
* no ``end`` and no ``slot``: an orientation en surnuméraire has neither. This is why the
  resource claims no profile: ``FrAppointmentSAS`` requires ``end`` and an IDNPS-only actor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from sasref.errors import InvalidIdentifier
from sasref.fhir.codes import (
    CATEGORY_CDS,
    CATEGORY_CPTS,
    CATEGORY_MSP,
    ORIENTATION_PS,
    ORIENTATION_SOS,
    Concept,
)
from sasref.fhir.datetimes import format_instant
from sasref.fhir.identifiers import (
    practitioner_identifier,
    regulator_technical_identifier,
    structure_identifier,
)
from sasref.fhir.systems import (
    EXT_APPOINTMENT_OPERATOR,
    EXT_CATEGORIE_ORIENTATION,
    FR_V2_0203,
    IDNPS_SYSTEM,
    IDNST_SYSTEM,
    SAS_APPOINTMENT_SYSTEM,
    SAS_SYSTEM,
)
from sasref.orientations.model import Orientation

#: The LRM category → the concept of ``categorie-orientation-sas-valueset``.
CATEGORY_CONCEPTS: Final[dict[str, Concept]] = {
    "PS": ORIENTATION_PS,
    "SOS": ORIENTATION_SOS,
    "CPTS": CATEGORY_CPTS,
    "MSP": CATEGORY_MSP,
    "CDS": CATEGORY_CDS,
}


def _identifier(
    build: Callable[[str], dict[str, Any]], code: str, system: str, value: str
) -> dict[str, Any]:
    """The IG's typed identifier; a value the builder refuses (a user's own directory ids) is
    still written, typed the same, rather than losing the orientation."""
    try:
        return build(value)
    except InvalidIdentifier:
        return {"type": {"coding": [{"system": FR_V2_0203, "code": code}]},
                "system": system, "value": value}  # fmt: skip


def _operator(orientation: Orientation) -> dict[str, Any]:
    system, value = orientation.regulator.identifier
    if system == IDNPS_SYSTEM:
        identifier = _identifier(practitioner_identifier, "IDNPS", IDNPS_SYSTEM, value)
    else:
        identifier = _identifier(regulator_technical_identifier, "INTRN", SAS_SYSTEM, value)
    return {"url": EXT_APPOINTMENT_OPERATOR, "valueReference": {"identifier": identifier}}


def appointment_resource(orientation: Orientation) -> dict[str, Any]:
    """The Appointment of an orientation (FHIR JSON)."""
    recipient = orientation.recipient
    participants: list[dict[str, Any]] = []
    if recipient.effector:
        effector = _identifier(practitioner_identifier, "IDNPS", IDNPS_SYSTEM, recipient.effector)
        actor: dict[str, Any] = {"identifier": effector}
        if recipient.structure is None:
            actor["display"] = recipient.name
        participants.append({"actor": actor, "status": "accepted"})
    if recipient.structure:
        identifier = _identifier(structure_identifier, "IDNST", IDNST_SYSTEM, recipient.structure)
        participants.append(
            {"actor": {"identifier": identifier, "display": recipient.name}, "status": "accepted"}
        )
    concept = CATEGORY_CONCEPTS[recipient.category]
    return {
        "resourceType": "Appointment",
        "id": orientation.id,
        "identifier": [{"system": SAS_APPOINTMENT_SYSTEM, "value": orientation.id}],
        "extension": [
            _operator(orientation),
            {
                "url": EXT_CATEGORIE_ORIENTATION,
                "valueCodeableConcept": {"coding": [concept.coding()]},
            },
        ],
        "status": orientation.status.value,
        "appointmentType": {"text": "Orientation en surnuméraire"},
        "description": f"Orientation en surnuméraire vers {recipient.name}",
        "start": format_instant(orientation.start),
        "created": format_instant(orientation.created_at),
        "participant": participants,
    }
