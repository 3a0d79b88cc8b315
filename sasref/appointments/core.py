"""INT_R03 server logic, pure part (IG digest §4, §7.9): read an Appointment, decide the upsert.

- :func:`appointment_identifier` / :func:`operator_identifier`: the keys the SAS needs (the
  editor's ``identifier``, and the regulator in ``FrAppointmentOperator``);
- :func:`parse_identifier_query`: ``?identifier=system|value`` read tolerantly (``%7C``);
- :func:`decide`: create (201) when nothing is stored under the identifier, update (200)
  otherwise — POST and PUT both upsert (a POST repeating a known identifier is an update, a PUT
  on an unknown identifier a creation), so a retrying editor never duplicates an appointment;
- :func:`orientation_category`: the category recorded for the indicators and sent to the LRM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final
from urllib.parse import unquote

from sasref.fhir.systems import EXT_APPOINTMENT_OPERATOR, EXT_CATEGORIE_ORIENTATION, Profile

#: Orientation codes (sas-categorie-orientation extension / TRE_R66) → the LRM's category.
ORIENTATION_CODES: Final = {
    "001": "PS",
    "002": "PDM",
    "003": "SOS",
    "604": "CPTS",
    "603": "MSP",
    "124": "CDS",
}


class ActionKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    appointment_id: str
    version: int
    status_changed: bool

    @property
    def status_code(self) -> int:
        return 201 if self.kind is ActionKind.CREATE else 200


@dataclass(frozen=True, slots=True)
class StoredAppointment:
    id: str  # SAS technical id (UUID), also the LRM appointmentId
    identifier_system: str
    identifier_value: str
    resource: dict[str, Any]
    status: str
    version: int
    created_at: datetime
    updated_at: datetime
    orientation_category: str | None = None
    regulator: tuple[str, str] | None = None
    status_history: tuple[tuple[str, datetime], ...] = field(default_factory=tuple)


def _identifier_pair(ident: Any) -> tuple[str, str] | None:
    if not isinstance(ident, dict):
        return None
    system, value = ident.get("system"), ident.get("value")
    if isinstance(system, str) and system and isinstance(value, str) and value:
        return system, value
    return None


def appointment_identifier(resource: dict[str, Any]) -> tuple[str, str] | None:
    """The first ``identifier`` with a system and a value (the profile allows exactly one)."""
    identifiers = resource.get("identifier")
    if isinstance(identifiers, list):
        for ident in identifiers:
            pair = _identifier_pair(ident)
            if pair:
                return pair
    return None


def operator_identifier(resource: dict[str, Any]) -> tuple[str, str] | None:
    """``FrAppointmentOperator.valueReference.identifier`` as ``(system, value)``."""
    for ext in resource.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == EXT_APPOINTMENT_OPERATOR:
            ref = ext.get("valueReference")
            if isinstance(ref, dict):
                return _identifier_pair(ref.get("identifier"))
    return None


def parse_identifier_query(text: str | None) -> tuple[str, str] | None:
    """``system|value`` (also ``%7C``-encoded); ``None`` when it is not of that form."""
    if not text:
        return None
    raw = unquote(text) if "%" in text else text
    system, sep, value = raw.partition("|")
    if not sep or not system.strip() or not value.strip():
        return None
    return system.strip(), value.strip()


def profile_of(resource: dict[str, Any]) -> str:
    """The SAS Appointment profile the resource claims (default: ``FrAppointmentSAS``)."""
    profiles = (resource.get("meta") or {}).get("profile") or []
    if Profile.APPOINTMENT_SOS in profiles:
        return Profile.APPOINTMENT_SOS
    return Profile.APPOINTMENT


def orientation_category(resource: dict[str, Any], default: str = "PS") -> str:
    """The orientation extension's category, else SOS for the SOS profile, else ``default``."""
    for ext in resource.get("extension") or []:
        if not isinstance(ext, dict) or ext.get("url") != EXT_CATEGORIE_ORIENTATION:
            continue
        coding = ext.get("valueCoding")
        if coding is None and isinstance(ext.get("valueCodeableConcept"), dict):
            coding = (ext["valueCodeableConcept"].get("coding") or [None])[0]
        code = coding.get("code") if isinstance(coding, dict) else None
        if code in ORIENTATION_CODES:
            return ORIENTATION_CODES[code]
    if profile_of(resource) == Profile.APPOINTMENT_SOS:
        return "SOS"
    return default


def decide(existing: StoredAppointment | None, incoming: dict[str, Any], new_id: str) -> Action:
    """Create when nothing is stored under the identifier, else update (upsert)."""
    status = str(incoming.get("status"))
    if existing is None:
        return Action(ActionKind.CREATE, new_id, 1, status_changed=True)
    return Action(
        ActionKind.UPDATE,
        existing.id,
        existing.version + 1,
        status_changed=existing.status != status,
    )
