"""The editor's side of INT_R03 (IG digest §4): a booking and the Appointment it reports. Pure.

A :class:`Booking` is what the mock editor keeps (the patient's name, birth date and phone stay
at the editor: INT_R03 carries no patient); :func:`appointment_resource` renders the
``FrAppointmentSAS`` Appointment (or ``sas-sos-appointment`` for an SOS Médecins slot) the editor
pushes to the SAS:

* ``identifier`` — the editor's own technical id (a UUID) under the editor's system (§4.3);
* ``FrAppointmentOperator`` — the regulator **as the SAS sent it in INT_R02** (national IDNPS or
  SAS technical UUID, with its type), copied from the editor's account store;
* ``participant`` — the effector practitioner (IDNPS, ``accepted``), or for SOS "PS unknown"
  ``type = ADM`` with ``needs-action`` and no actor (§4.3).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from sasref.fhir.codes import PARTICIPANT_TYPE_ADM
from sasref.fhir.datetimes import format_instant
from sasref.fhir.identifiers import practitioner_identifier
from sasref.fhir.systems import EXT_APPOINTMENT_OPERATOR, Profile

__all__ = ["STATUS_CHANGES", "Booking", "Patient", "appointment_resource"]

#: The later statuses an editor reports with a conditional PUT (IG digest §4.2-4.3).
STATUS_CHANGES: Final = ("cancelled", "fulfilled", "noshow")


@dataclass(frozen=True, slots=True)
class Patient:
    family: str
    given: str
    birth_date: date
    phone: str


@dataclass(slots=True)
class Booking:
    """One appointment taken on the editor's booking page."""

    id: str  # the editor's technical id (UUID), also the INT_R03 identifier value
    identifier_system: str
    slot_id: str
    start: datetime
    end: datetime
    created: datetime
    patient: Patient
    #: The regulator's identifier as received in INT_R02 (a FHIR Identifier dict).
    operator: dict[str, Any]
    practitioner_id: str | None = None  # prefixed IDNPS of the effector (PS / CPTS)
    sos_siret: str | None = None  # set for an SOS Médecins slot
    status: str = "booked"
    booked_by: str = ""  # display name of the regulator
    history: list[tuple[str, datetime]] = field(default_factory=list)

    @property
    def sos(self) -> bool:
        return self.sos_siret is not None

    @property
    def identifier(self) -> tuple[str, str]:
        return self.identifier_system, self.id

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "identifier": f"{self.identifier_system}|{self.id}",
            "slot": self.slot_id,
            "start": format_instant(self.start),
            "end": format_instant(self.end),
            "status": self.status,
            "practitioner": self.practitioner_id,
            "sosSiret": self.sos_siret,
            "patient": {
                "family": self.patient.family,
                "given": self.patient.given,
                "birthDate": self.patient.birth_date.isoformat(),
                "phone": self.patient.phone,
            },
            "operator": self.operator.get("value"),
            "bookedBy": self.booked_by,
            "history": [[s, format_instant(at)] for s, at in self.history],
        }


def appointment_resource(booking: Booking) -> dict[str, Any]:
    """The INT_R03 Appointment for the booking's current status."""
    participant: dict[str, Any]
    if booking.sos or booking.practitioner_id is None:
        participant = {
            "type": [
                {
                    "coding": [
                        {"system": PARTICIPANT_TYPE_ADM.system, "code": PARTICIPANT_TYPE_ADM.code}
                    ]
                }
            ],
            "status": "needs-action",
        }
    else:
        participant = {
            "actor": {"identifier": practitioner_identifier(booking.practitioner_id)},
            "status": "accepted",
        }
    profile = Profile.APPOINTMENT_SOS if booking.sos else Profile.APPOINTMENT
    return {
        "resourceType": "Appointment",
        "meta": {"profile": [profile]},
        "extension": [
            {
                "url": EXT_APPOINTMENT_OPERATOR,
                "valueReference": {"identifier": copy.deepcopy(booking.operator)},
            }
        ],
        "identifier": [{"system": booking.identifier_system, "value": booking.id}],
        "status": booking.status,
        "start": format_instant(booking.start),
        "end": format_instant(booking.end),
        "created": format_instant(booking.created),
        "participant": [participant],
    }
