"""The ``RS-SAS-RDV`` payload of INT_L02 (``message.appointment``), IG digest §5.4. Pure.

Writers follow the official examples: methods ``CreateAppointment`` / ``UpdateAppointment``,
``specialityCode``; readers also take any method casing and ``specialtyCode``. Date-times are
kept as written on the wire (see :func:`sasref.lrm.messages.format_hub_datetime`).
:mod:`sasref.lrm.messages` re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from sasref.errors import InvalidInput

SPECIALITY_URL: Final = (
    "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale"
)
PROFESSION_URL: Final = (
    "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante"
)
PROFESSION_MEDECIN: Final = "10"

#: Appointment statuses of RS-SAS-RDV.
APPOINTMENT_STATUSES: Final = ("pending", "booked", "fulfilled", "noshow", "cancelled")
#: Orientation categories, in the Hub schema's order (its error messages print this list).
ORIENTATION_CATEGORIES: Final = ("CPTS", "MSP", "CDS", "SOS", "PS", "PDM")


class InvalidMessage(InvalidInput):
    """An INT_L02 document that is not a well-formed EDXL-DE message; ``problems`` says why."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class Method(StrEnum):
    """``appointment.method``: the examples' casing is written; any casing is read."""

    CREATE = "CreateAppointment"
    UPDATE = "UpdateAppointment"

    @classmethod
    def parse(cls, text: str) -> Method:
        for member in cls:
            if member.value.lower() == text.strip().lower():
                return member
        raise InvalidMessage(f"unknown appointment method {text!r}")


def drop_none(pairs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pairs.items() if v is not None}


def required_str(doc: Mapping[str, Any], key: str, where: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidMessage(f"{where}.{key} is missing or not a string")
    return value


def optional_str(doc: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = doc.get(key)
        if isinstance(value, str) and value:
            return value
    return None


# --- RS-SAS-RDV payload (§5.4) ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PractitionerInfo:
    rpps_id: str  # RPPS prefixed "8", e.g. "810005681340"
    last_name: str
    first_name: str
    speciality_code: str | None = None  # TRE_R38, e.g. "SM54"
    speciality_url: str | None = None
    profession_url: str | None = None
    profession_code: str | None = None  # TRE_G15, "10" = médecin

    def to_json(self) -> dict[str, Any]:
        return drop_none(
            {
                "rppsId": self.rpps_id,
                "lastName": self.last_name,
                "firstName": self.first_name,
                "specialityCode": self.speciality_code,
                "specialityUrl": self.speciality_url,
                "professionUrl": self.profession_url,
                "professionCode": self.profession_code,
            }
        )

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> PractitionerInfo:
        where = "appointment.practitioner"
        return cls(
            rpps_id=required_str(doc, "rppsId", where),
            last_name=required_str(doc, "lastName", where),
            first_name=required_str(doc, "firstName", where),
            # the nomenclature text spells it "specialtyCode"
            speciality_code=optional_str(doc, "specialityCode", "specialtyCode"),
            speciality_url=optional_str(doc, "specialityUrl", "specialtyUrl"),
            profession_url=optional_str(doc, "professionUrl"),
            profession_code=optional_str(doc, "professionCode"),
        )


@dataclass(frozen=True, slots=True)
class OrganizationInfo:
    organization_id: str  # FINESS prefixed "1" or SIRET prefixed "3"
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"organizationId": self.organization_id, "name": self.name}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> OrganizationInfo:
        where = "appointment.organization"
        return cls(required_str(doc, "organizationId", where), required_str(doc, "name", where))


@dataclass(frozen=True, slots=True)
class RegulatorInfo:
    """The regulator who booked. ``regulator_id`` is the national IDNPS only, never the SAS UUID."""

    name: str
    first_name: str
    email: str
    regulator_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return drop_none(
            {
                "regulatorId": self.regulator_id,
                "regulatorName": self.name,
                "regulatorFirstname": self.first_name,
                "regulatorEmail": self.email,
            }
        )

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> RegulatorInfo:
        where = "appointment.regulator"
        return cls(
            name=required_str(doc, "regulatorName", where),
            first_name=required_str(doc, "regulatorFirstname", where),
            email=required_str(doc, "regulatorEmail", where),
            regulator_id=optional_str(doc, "regulatorId"),
        )


@dataclass(frozen=True, slots=True)
class AppointmentMessage:
    """``message.appointment``; date-times are kept as written on the wire."""

    appointment_id: str
    method: Method
    created: str
    start: str
    status: str
    end: str | None = None
    orientation_category: str | None = None
    practitioner: PractitionerInfo | None = None
    organization: OrganizationInfo | None = None
    regulator: RegulatorInfo | None = None

    def to_json(self) -> dict[str, Any]:
        return drop_none(
            {
                "appointmentId": self.appointment_id,
                "method": self.method.value,
                "created": self.created,
                "status": self.status,
                "orientationCategory": self.orientation_category,
                "start": self.start,
                "end": self.end,
                "practitioner": self.practitioner.to_json() if self.practitioner else None,
                "organization": self.organization.to_json() if self.organization else None,
                "regulator": self.regulator.to_json() if self.regulator else None,
            }
        )

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> AppointmentMessage:
        where = "appointment"
        practitioner = doc.get("practitioner")
        organization = doc.get("organization")
        regulator = doc.get("regulator")
        return cls(
            appointment_id=required_str(doc, "appointmentId", where),
            method=Method.parse(required_str(doc, "method", where)),
            created=required_str(doc, "created", where),
            start=required_str(doc, "start", where),
            status=required_str(doc, "status", where),
            end=optional_str(doc, "end"),
            orientation_category=optional_str(doc, "orientationCategory"),
            practitioner=(
                PractitionerInfo.from_json(practitioner) if isinstance(practitioner, dict) else None
            ),
            organization=(
                OrganizationInfo.from_json(organization) if isinstance(organization, dict) else None
            ),
            regulator=RegulatorInfo.from_json(regulator) if isinstance(regulator, dict) else None,
        )

    def with_method(self, method: Method) -> AppointmentMessage:
        return AppointmentMessage(
            self.appointment_id,
            method,
            self.created,
            self.start,
            self.status,
            self.end,
            self.orientation_category,
            self.practitioner,
            self.organization,
            self.regulator,
        )
