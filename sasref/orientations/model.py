"""An orientation "en surnuméraire": a patient sent to an offer without a slot (spec §4.6, §6.3).

The platform's payload (``POST /v2/orientation``) carries ``orientation_type`` 2, ``slot: null``,
a date-time chosen by the regulator, the regulator and a ``recipient`` (type 1 effector, type 2
structure). sasref keeps the same facts, plus its status (``booked``, then maybe ``cancelled``)
and version, which is what the LRM hears about (INT_L02, digest §5.4). Pure data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sasref.clock import PARIS
from sasref.directory.overbooking import Recipient
from sasref.fhir.systems import IDNPS_SYSTEM, SAS_SYSTEM

#: ``orientation_type`` of an orientation en surnuméraire (1: on a slot, 3: IOA).
SURNUMERAIRE: Final = 2


class OrientationStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class OrientingRegulator:
    """Who made the orientation, as the login knew them (kept: the LRM message names them)."""

    technical_id: str  # the SAS account UUID
    family: str
    given: str
    email: str
    national_id: str | None = None  # IDNPS, when the regulator has one
    samu_department: str | None = None  # the SAMU whose LRM hears about it (None: default)

    @property
    def identifier(self) -> tuple[str, str]:
        """``(system, value)`` of ``FrAppointmentOperator``: national id first, else technical."""
        if self.national_id:
            return IDNPS_SYSTEM, self.national_id
        return SAS_SYSTEM, self.technical_id

    def as_dict(self) -> dict[str, Any]:
        return {
            "technical_id": self.technical_id,
            "national_id": self.national_id,
            "family": self.family,
            "given": self.given,
            "email": self.email,
            "samu_department": self.samu_department,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OrientingRegulator:
        return cls(
            technical_id=str(data["technical_id"]),
            family=str(data.get("family", "")),
            given=str(data.get("given", "")),
            email=str(data.get("email", "")),
            national_id=data.get("national_id"),
            samu_department=data.get("samu_department"),
        )


@dataclass(frozen=True, slots=True)
class Orientation:
    """One orientation en surnuméraire (``id``: a UUID, also the LRM's ``appointmentId``)."""

    id: str
    status: OrientationStatus
    recipient: Recipient
    start: datetime  # aware; the date and time the regulator chose (Europe/Paris)
    regulator: OrientingRegulator
    created_at: datetime
    updated_at: datetime
    version: int = 1
    history: tuple[tuple[OrientationStatus, datetime], ...] = field(default_factory=tuple)

    @property
    def type(self) -> int:
        return SURNUMERAIRE

    def to_json(self) -> dict[str, Any]:
        """The orientation as the API answers it and storage keeps it."""
        local = self.start.astimezone(PARIS)
        return {
            "id": self.id,
            "orientation_type": SURNUMERAIRE,
            "slot": None,
            "status": self.status.value,
            "category": self.recipient.category,
            "start": local.isoformat(),
            "date": local.date().isoformat(),
            "time": local.strftime("%H:%M"),
            "recipient": self.recipient.as_dict(),
            "regulator": self.regulator.as_dict(),
            "created": self.created_at.astimezone(PARIS).isoformat(),
            "updated": self.updated_at.astimezone(PARIS).isoformat(),
            "version": self.version,
            "history": [
                {"status": s.value, "at": at.astimezone(PARIS).isoformat()}
                for s, at in self.history
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Orientation:
        return cls(
            id=str(data["id"]),
            status=OrientationStatus(data["status"]),
            recipient=Recipient.from_dict(data["recipient"]),
            start=datetime.fromisoformat(data["start"]),
            regulator=OrientingRegulator.from_dict(data["regulator"]),
            created_at=datetime.fromisoformat(data["created"]),
            updated_at=datetime.fromisoformat(data["updated"]),
            version=int(data.get("version", 1)),
            history=tuple(
                (OrientationStatus(h["status"]), datetime.fromisoformat(h["at"]))
                for h in data.get("history", ())
            ),
        )
