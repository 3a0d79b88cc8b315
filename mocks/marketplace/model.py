"""A marketplace's care request ("demande de prise en charge") and the INT_R03 Appointment it
reports to the SAS. Pure (docs/ig-decisions.md, "Marketplace (PDM)").

A :class:`CareRequest` is what the regulator files for the patient: the patient (kept at the
marketplace: INT_R03 carries no patient), the care type, the patient's address, the wished
window. Its life: ``dispatching`` (offered to the pool) → ``accepted`` (a professional takes it:
the visit time is set), or ``refused`` (every professional asked declined), ``expired`` (no
answer before the deadline), ``cancelled`` (by the regulator, before or after acceptance).

:func:`appointment_resource` renders the ``FrAppointmentSAS`` Appointment of the request's
current state, categorised ``002`` (PDM) by the ``sas-categorie-orientation`` extension:

* dispatching → ``status = pending``, one participant ``type = ADM``, ``needs-action``, no actor
  (the IG's SOS "PS unknown" shape, digest §4.3); ``start``/``end`` = the wished window (1..1 in
  the profile), repeated in ``requestedPeriod``;
* accepted → ``status = booked``, the professional as participant actor (IDNPS, ``accepted``),
  ``start``/``end`` = the visit (the "late identification of the effector", digest §5.4);
* refused, expired, cancelled → ``status = cancelled`` with a ``cancelationReason`` text.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from mocks.editor_booking import Patient
from mocks.marketplace.fleet import PoolMember
from sasref.fhir.codes import ORIENTATION_PDM, PARTICIPANT_TYPE_ADM
from sasref.fhir.datetimes import format_instant
from sasref.fhir.identifiers import practitioner_identifier
from sasref.fhir.systems import EXT_APPOINTMENT_OPERATOR, EXT_CATEGORIE_ORIENTATION, Profile
from sasref.marketplace import CARE_TYPES

__all__ = [
    "STATE_LABELS",
    "CareRequest",
    "Event",
    "PatientAddress",
    "RequestState",
    "appointment_resource",
    "visit_start",
]


class RequestState(StrEnum):
    DISPATCHING = "dispatching"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def open(self) -> bool:
        """Whether a professional may still accept it."""
        return self is RequestState.DISPATCHING


#: What the regulator reads (French).
STATE_LABELS: Final = {
    RequestState.DISPATCHING: "En recherche d'un professionnel",
    RequestState.ACCEPTED: "Acceptée",
    RequestState.REFUSED: "Refusée par les professionnels sollicités",
    RequestState.EXPIRED: "Expirée : aucun professionnel n'a répondu à temps",
    RequestState.CANCELLED: "Annulée par le régulateur",
}
#: The Appointment's ``cancelationReason`` text of each closed state.
_REASONS: Final = {
    RequestState.REFUSED: "Demande refusée par tous les professionnels sollicités",
    RequestState.EXPIRED: "Demande expirée : aucun professionnel disponible dans le délai",
    RequestState.CANCELLED: "Demande annulée par le régulateur",
}


@dataclass(frozen=True, slots=True)
class PatientAddress:
    line: str
    postcode: str
    city: str
    insee: str
    department: str

    @property
    def text(self) -> str:
        return f"{self.line}, {self.postcode} {self.city}"


@dataclass(frozen=True, slots=True)
class Event:
    """One line of a request's timeline."""

    at: datetime
    kind: str  # created, declined, accepted, duplicate, refused, expired, cancelled
    text: str  # French, for the pages
    practitioner: str | None = None  # IDNPS

    def to_json(self) -> dict[str, Any]:
        return {"at": format_instant(self.at), "kind": self.kind, "text": self.text,
                "practitioner": self.practitioner}  # fmt: skip


@dataclass(slots=True)
class CareRequest:
    """One care request filed on a marketplace (see the module docstring)."""

    id: str  # the marketplace's technical id (UUID), also the INT_R03 identifier value
    identifier_system: str
    created: datetime
    patient: Patient
    address: PatientAddress
    care_type: str
    details: str
    window_start: datetime
    window_end: datetime
    #: The regulator's identifier as received in INT_R02 (a FHIR Identifier dict).
    operator: dict[str, Any]
    requested_by: str  # display name of the regulator
    requested_by_sub: str  # the session's subject (the regulator's own list)
    deadline: datetime  # no acceptance by then: expired
    state: RequestState = RequestState.DISPATCHING
    practitioner: PoolMember | None = None
    visit_start: datetime | None = None
    visit_end: datetime | None = None
    closed_at: datetime | None = None
    events: list[Event] = field(default_factory=list)

    @property
    def identifier(self) -> tuple[str, str]:
        return self.identifier_system, self.id

    @property
    def appointment_status(self) -> str:
        if self.state is RequestState.DISPATCHING:
            return "pending"
        if self.state is RequestState.ACCEPTED:
            return "booked"
        return "cancelled"

    @property
    def care_label(self) -> str:
        return CARE_TYPES[self.care_type].label

    def log(self, at: datetime, kind: str, text: str, practitioner: str | None = None) -> None:
        self.events.append(Event(at, kind, text, practitioner))

    def to_json(self) -> dict[str, Any]:
        p = self.practitioner
        return {
            "id": self.id,
            "identifier": f"{self.identifier_system}|{self.id}",
            "state": self.state.value,
            "stateLabel": STATE_LABELS[self.state],
            "appointmentStatus": self.appointment_status,
            "careType": self.care_type,
            "details": self.details,
            "created": format_instant(self.created),
            "window": [format_instant(self.window_start), format_instant(self.window_end)],
            "deadline": format_instant(self.deadline),
            "patient": {
                "family": self.patient.family,
                "given": self.patient.given,
                "birthDate": self.patient.birth_date.isoformat(),
                "phone": self.patient.phone,
                "address": self.address.text,
                "insee": self.address.insee,
            },
            "operator": self.operator.get("value"),
            "requestedBy": self.requested_by,
            "practitioner": None
            if p is None
            else {"idnps": p.idnps, "name": p.display, "profession": p.profession},
            "visit": None
            if self.visit_start is None or self.visit_end is None
            else [format_instant(self.visit_start), format_instant(self.visit_end)],
            "events": [e.to_json() for e in self.events],
        }


def visit_start(request: CareRequest, accepted_at: datetime) -> datetime:
    """When the accepting professional comes: the next quarter hour half an hour after the
    acceptance, not before the window, and early enough to end inside it."""
    duration = CARE_TYPES[request.care_type].duration
    ready = accepted_at + timedelta(minutes=30)
    quarter = ready.replace(second=0, microsecond=0)
    quarter += timedelta(minutes=-quarter.minute % 15)
    if quarter < ready:
        quarter += timedelta(minutes=15)
    start = max(request.window_start, quarter)
    latest = request.window_end - duration
    return max(request.window_start, min(start, latest))


def _participant(request: CareRequest) -> dict[str, Any]:
    member = request.practitioner
    if member is None:  # nobody identified yet (or ever): the IG's "PS unknown" shape
        adm = {"system": PARTICIPANT_TYPE_ADM.system, "code": PARTICIPANT_TYPE_ADM.code}
        return {"type": [{"coding": [adm]}], "status": "needs-action"}
    actor = {"identifier": practitioner_identifier(member.idnps), "display": member.display}
    return {"actor": actor, "status": "accepted"}


def appointment_resource(request: CareRequest) -> dict[str, Any]:
    """The INT_R03 Appointment for the request's current state (see the module docstring)."""
    start, end = request.window_start, request.window_end
    if request.visit_start is not None and request.visit_end is not None:
        start, end = request.visit_start, request.visit_end
    window = {"start": format_instant(request.window_start),
              "end": format_instant(request.window_end)}  # fmt: skip
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "meta": {"profile": [Profile.APPOINTMENT]},
        "extension": [
            {
                "url": EXT_APPOINTMENT_OPERATOR,
                "valueReference": {"identifier": copy.deepcopy(request.operator)},
            },
            {
                "url": EXT_CATEGORIE_ORIENTATION,
                "valueCodeableConcept": {"coding": [ORIENTATION_PDM.coding()]},
            },
        ],
        "identifier": [{"system": request.identifier_system, "value": request.id}],
        "status": request.appointment_status,
        "serviceType": [{"text": request.care_label}],
        "start": format_instant(start),
        "end": format_instant(end),
        "created": format_instant(request.created),
        "requestedPeriod": [window],
        "participant": [_participant(request)],
    }
    reason = _REASONS.get(request.state)
    if reason is not None:
        resource["cancelationReason"] = {"text": reason}
    return resource
