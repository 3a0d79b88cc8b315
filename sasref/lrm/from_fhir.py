"""From an INT_R03 FHIR Appointment (+ what the SAS knows) to the INT_L02 payload. Pure.

IG digest §4.3 (the Appointment an editor sends) and §5.4 (``RS-SAS-RDV``). The Appointment
alone does not carry the practitioner's names and speciality, the structure, the regulator's
names and e-mail: the SAS looks them up (directory, regulator accounts) and passes them as an
:class:`LrmContext`. Which SAMU gets the message is decided by
:mod:`sasref.appointments.forward`, not here.

``appointmentId`` is the SAS technical id of the appointment, a UUID: :func:`sas_appointment_id`
derives it deterministically (UUID v5) from the editor's identifier ``system|value``, so it is the
same across SAS restarts and storage back-ends without storing anything more.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sasref.fhir.datetimes import parse_datetime
from sasref.fhir.systems import IDNPS_SYSTEM, IDNST_SYSTEM
from sasref.lrm.messages import (
    AppointmentMessage,
    Method,
    OrganizationInfo,
    PractitionerInfo,
    RegulatorInfo,
    format_hub_datetime,
)

#: Namespace of the SAS appointment ids (uuid5 of the SAS OID URL form).
SAS_APPOINTMENT_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:oid:1.2.250.1.213.3.6.2")

#: FHIR AppointmentStatus → RS-SAS-RDV status (the five the LRM knows).
STATUS_MAP: Final = {
    "proposed": "pending",
    "pending": "pending",
    "waitlist": "pending",
    "booked": "booked",
    "arrived": "booked",
    "checked-in": "booked",
    "fulfilled": "fulfilled",
    "noshow": "noshow",
    "cancelled": "cancelled",
    "entered-in-error": "cancelled",
}


def sas_appointment_id(identifier_system: str, identifier_value: str) -> str:
    return str(uuid.uuid5(SAS_APPOINTMENT_NAMESPACE, f"{identifier_system}|{identifier_value}"))


@dataclass(frozen=True, slots=True)
class LrmContext:
    """What the SAS adds to the Appointment: who booked, with whom. (Where it goes is the
    forwarder's business: :mod:`sasref.appointments.forward`.)"""

    regulator: RegulatorInfo
    practitioner: PractitionerInfo | None = None
    organization: OrganizationInfo | None = None
    orientation_category: str | None = None


def effector_idnps(resource: dict[str, Any]) -> str | None:
    """The IDNPS of the first participant with an IDNPS identifier (the effector PS)."""
    for participant in resource.get("participant") or []:
        actor = participant.get("actor") if isinstance(participant, dict) else None
        ident = actor.get("identifier") if isinstance(actor, dict) else None
        if isinstance(ident, dict) and ident.get("system") == IDNPS_SYSTEM:
            value = ident.get("value")
            if isinstance(value, str) and value:
                return value
    return None


def structure_participant(resource: dict[str, Any]) -> OrganizationInfo | None:
    """The first participant that is a structure known by FINESS (``1…``) or SIRET (``3…``),
    with its ``display`` as the name: the ``organization`` block when no practitioner brings
    one (an orientation to an MSP, a centre de santé, a CPTS or an SOS association)."""
    for participant in resource.get("participant") or []:
        actor = participant.get("actor") if isinstance(participant, dict) else None
        ident = actor.get("identifier") if isinstance(actor, dict) else None
        if not isinstance(ident, dict) or ident.get("system") != IDNST_SYSTEM:
            continue
        value, name = ident.get("value"), actor.get("display") if actor else None
        if isinstance(value, str) and value[:1] in ("1", "3") and isinstance(name, str) and name:
            return OrganizationInfo(value, name)
    return None


def _hub_time(text: Any) -> str | None:
    if not isinstance(text, str) or not text:
        return None
    return format_hub_datetime(parse_datetime(text))


def appointment_message(
    resource: dict[str, Any],
    *,
    appointment_id: str,
    method: Method,
    context: LrmContext,
    received_at: datetime,
) -> AppointmentMessage:
    """``message.appointment`` for a (validated) INT_R03 Appointment.

    ``created`` falls back to ``received_at`` when the editor did not send it (must-support only).
    """
    start = _hub_time(resource.get("start"))
    if start is None:
        raise ValueError("an appointment without start cannot be sent to the LRM")
    status = STATUS_MAP.get(str(resource.get("status")), "booked")
    return AppointmentMessage(
        appointment_id=appointment_id,
        method=method,
        created=_hub_time(resource.get("created")) or format_hub_datetime(received_at),
        start=start,
        end=_hub_time(resource.get("end")),
        status=status,
        orientation_category=context.orientation_category,
        practitioner=context.practitioner,
        organization=context.organization,
        regulator=context.regulator,
    )
