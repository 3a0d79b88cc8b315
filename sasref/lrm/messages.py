"""INT_L02 messages (SAS → Hub Santé → LRM), IG digest §5.2-5.4: build and read them.

Pure: no I/O, no clock (callers pass the instants), no random ids (callers pass them).

A message is an **EDXL-DE envelope** whose payload sits at
``content[0].jsonContent.embeddedJsonContent.message``. That ``message`` holds

- for a report (``distributionKind = Report``): the **RC-DE** header (``messageId``, ``sender``,
  ``sentAt``, ``status``, ``kind``, ``recipient[]``) plus ``appointment`` (``RS-SAS-RDV``);
- for a final acknowledgement (``Ack``): the RC-DE header plus ``reference.distributionID``
  (RC-REF);
- for an error (``Error``): **no RC-DE**, only ``error = {errorCode: {statusCode, statusString},
  errorCause, sourceMessage, referencedDistributionID}``.

Writers follow the official examples (``../shared/ig/lrm-hub-messages/``) exactly: scheme
``hubex`` (lower case), methods ``CreateAppointment`` / ``UpdateAppointment``, ``specialityCode``.
Readers are tolerant: ``Hubex``, any method casing, ``specialtyCode``.

Date-times are written with seconds and an explicit offset and **no milliseconds**
(``2025-06-17T14:00:00+02:00``): the Hub's ``RS-SAS-RDV`` schema pattern
``^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}[\\-+]\\d{2}:\\d{2}$`` rejects the 3-digit milliseconds
that :func:`sasref.fhir.datetimes.format_instant` writes for FHIR, hence
:func:`format_hub_datetime`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import IntEnum, StrEnum
from typing import Any, Final

from sasref.clock import PARIS
from sasref.errors import InvalidInput
from sasref.lrm.payload import (
    APPOINTMENT_STATUSES,
    ORIENTATION_CATEGORIES,
    PROFESSION_MEDECIN,
    PROFESSION_URL,
    SPECIALITY_URL,
    AppointmentMessage,
    InvalidMessage,
    Method,
    OrganizationInfo,
    PractitionerInfo,
    RegulatorInfo,
    drop_none,
    required_str,
)

__all__ = [
    "ADDRESS_SCHEME",
    "APPOINTMENT_STATUSES",
    "HUB_CLIENT_ID",
    "LANGUAGE",
    "ORIENTATION_CATEGORIES",
    "PROFESSION_MEDECIN",
    "PROFESSION_URL",
    "SAMU_PREFIX",
    "SAS_CLIENT_ID",
    "SAS_TEST_CLIENT_ID",
    "SPECIALITY_URL",
    "STATUS_ACTUAL",
    "AppointmentMessage",
    "DistributionKind",
    "Envelope",
    "ErrorCode",
    "ErrorInfo",
    "InvalidMessage",
    "Method",
    "OrganizationInfo",
    "PractitionerInfo",
    "RegulatorInfo",
    "build_ack",
    "build_error",
    "build_report",
    "distribution_id",
    "embedded_message",
    "error_json",
    "format_hub_datetime",
    "hubex_uri",
    "parse_envelope",
    "rc_de",
    "samu_client_id",
]

# --- Identifiers of the Hub's clients (§5.1) ------------------------------------------------
SAS_CLIENT_ID: Final = "fr.health.ptfsas"
SAS_TEST_CLIENT_ID: Final = "fr.health.test.ptfsas"
HUB_CLIENT_ID: Final = "fr.health.hub"
SAMU_PREFIX: Final = "fr.health.samu"

ADDRESS_SCHEME: Final = "hubex"
LANGUAGE: Final = "fr-FR"
STATUS_ACTUAL: Final = "Actual"


_DEPARTMENT = re.compile(r"^(?:\d{2}|2[AB]|97\d)$", re.IGNORECASE)


class DistributionKind(StrEnum):
    REPORT = "Report"
    ACK = "Ack"
    ERROR = "Error"


class ErrorCode(IntEnum):
    """``errorCode.statusCode``; the member name is the ``statusString``."""

    UNRECOGNIZED_MESSAGE_FORMAT = 102  # hub: not an EDXL-DE/JSON message it knows
    INVALID_MESSAGE = 300  # hub: JSON-schema failure
    EXPIRED_MESSAGE_BEFORE_ROUTING = 400  # hub: dateTimeExpires passed before delivery
    NOT_FOUND = 404  # LRM, older revision: update of an unknown id
    CONFLICT = 409  # LRM: the appointment id to create already exists
    DEAD_LETTERED_QUEUE = 500  # hub: could not be delivered (unknown or unavailable recipient)


# --- Small helpers --------------------------------------------------------------------------
def format_hub_datetime(moment: datetime, tz: tzinfo = PARIS) -> str:
    """``2025-06-17T14:00:00+02:00``: seconds, explicit offset, no milliseconds (Hub schema)."""
    if moment.tzinfo is None:
        raise InvalidInput("INT_L02 date-times need an aware datetime")
    return moment.astimezone(tz).replace(microsecond=0).isoformat()


def samu_client_id(department: str) -> str:
    """Hub client id of the SAMU of a département: ``fr.health.samu`` + 3 characters.

    Rule (from the IG example ``fr.health.samu330`` = SAMU 33, Gironde): a 2-character
    département code gets a trailing ``0`` (``33`` → ``samu330``, ``2A`` → ``samu2A0``); the
    3-digit overseas codes are used as they are (``971`` → ``samu971``).
    """
    code = department.strip().upper()
    if not _DEPARTMENT.match(code):
        raise InvalidInput(f"not a département code: {department!r}")
    return SAMU_PREFIX + (code if len(code) == 3 else code + "0")


def distribution_id(sender_id: str, internal_id: str) -> str:
    """``<senderId>_<internalId>`` (§5.2)."""
    return f"{sender_id}_{internal_id}"


def hubex_uri(client_id: str) -> str:
    return f"{ADDRESS_SCHEME}:{client_id}"


# --- Errors (§5.3) --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ErrorInfo:
    status_code: int
    status_string: str
    cause: str
    source_message: Any
    referenced_distribution_id: str | None

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ErrorInfo:
        code = doc.get("errorCode")
        if not isinstance(code, dict) or not isinstance(code.get("statusCode"), int):
            raise InvalidMessage("error.errorCode.statusCode is missing or not an integer")
        ref = doc.get("referencedDistributionID")
        source = doc.get("sourceMessage")
        if not isinstance(ref, str) and isinstance(source, dict):
            ref = source.get("distributionID")
        return cls(
            status_code=int(code["statusCode"]),
            status_string=str(code.get("statusString", "")),
            cause=str(doc.get("errorCause", "")),
            source_message=source,
            referenced_distribution_id=ref if isinstance(ref, str) else None,
        )


def error_json(
    code: ErrorCode, cause: str, source_message: Any, referenced: str | None
) -> dict[str, Any]:
    return {
        "error": drop_none(
            {
                "errorCode": {"statusCode": int(code), "statusString": code.name},
                "errorCause": cause,
                "sourceMessage": source_message,
                "referencedDistributionID": referenced,
            }
        )
    }


# --- Envelope (§5.2) and RC-DE header (§5.3) ------------------------------------------------
def rc_de(
    distribution: str, sender_id: str, recipient_id: str, sent_at: str, kind: DistributionKind
) -> dict[str, Any]:
    return {
        "messageId": distribution,
        "sender": {"name": sender_id, "URI": hubex_uri(sender_id)},
        "sentAt": sent_at,
        "status": STATUS_ACTUAL,
        "kind": kind.value,
        "recipient": [{"name": recipient_id, "URI": hubex_uri(recipient_id)}],
    }


@dataclass(frozen=True, slots=True)
class Envelope:
    distribution_id: str
    sender_id: str
    recipient_id: str
    sent_at: str
    expires_at: str
    kind: DistributionKind
    message: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "distributionID": self.distribution_id,
            "senderID": self.sender_id,
            "dateTimeSent": self.sent_at,
            "dateTimeExpires": self.expires_at,
            "distributionStatus": STATUS_ACTUAL,
            "distributionKind": self.kind.value,
            "descriptor": {
                "language": LANGUAGE,
                "explicitAddress": {
                    "explicitAddressScheme": ADDRESS_SCHEME,
                    "explicitAddressValue": self.recipient_id,
                },
            },
            "content": [{"jsonContent": {"embeddedJsonContent": {"message": self.message}}}],
        }

    @property
    def appointment(self) -> AppointmentMessage | None:
        doc = self.message.get("appointment")
        return AppointmentMessage.from_json(doc) if isinstance(doc, dict) else None

    @property
    def reference(self) -> str | None:
        """The acknowledged ``distributionID`` of a final ack (RC-REF)."""
        ref = self.message.get("reference")
        value = ref.get("distributionID") if isinstance(ref, dict) else None
        return value if isinstance(value, str) else None

    @property
    def error(self) -> ErrorInfo | None:
        doc = self.message.get("error")
        return ErrorInfo.from_json(doc) if isinstance(doc, dict) else None


def build_report(
    appointment: AppointmentMessage,
    *,
    sender_id: str,
    recipient_id: str,
    internal_id: str,
    sent_at: datetime,
    expires_at: datetime,
) -> dict[str, Any]:
    """A create/update/cancel message from the SAS to a SAMU."""
    return _rc_de_message(
        DistributionKind.REPORT,
        {"appointment": appointment.to_json()},
        sender_id=sender_id,
        recipient_id=recipient_id,
        internal_id=internal_id,
        sent_at=sent_at,
        expires_at=expires_at,
    )


def build_ack(
    acknowledged_distribution_id: str,
    *,
    sender_id: str,
    recipient_id: str,
    internal_id: str,
    sent_at: datetime,
    expires_at: datetime,
) -> dict[str, Any]:
    """The LRM's final acknowledgement (RC-DE + RC-REF) of a received message."""
    return _rc_de_message(
        DistributionKind.ACK,
        {"reference": {"distributionID": acknowledged_distribution_id}},
        sender_id=sender_id,
        recipient_id=recipient_id,
        internal_id=internal_id,
        sent_at=sent_at,
        expires_at=expires_at,
    )


def _rc_de_message(
    kind: DistributionKind,
    content: dict[str, Any],
    *,
    sender_id: str,
    recipient_id: str,
    internal_id: str,
    sent_at: datetime,
    expires_at: datetime,
) -> dict[str, Any]:
    """An RC-DE message of ``kind`` followed by ``content``, in its EDXL-DE envelope."""
    did = distribution_id(sender_id, internal_id)
    sent = format_hub_datetime(sent_at)
    message = rc_de(did, sender_id, recipient_id, sent, kind)
    message.update(content)
    return Envelope(
        did, sender_id, recipient_id, sent, format_hub_datetime(expires_at), kind, message
    ).to_json()


def build_error(
    code: ErrorCode,
    cause: str,
    source_message: Any,
    *,
    sender_id: str,
    recipient_id: str,
    distribution: str,
    sent_at: datetime,
    expires_at: datetime,
    referenced_distribution_id: str | None = None,
) -> dict[str, Any]:
    """A hub or LRM error message; ``distribution`` is the full ``distributionID``.

    The referenced id defaults to the source message's ``distributionID`` when it has one.
    """
    referenced = referenced_distribution_id
    if referenced is None and isinstance(source_message, dict):
        value = source_message.get("distributionID")
        referenced = value if isinstance(value, str) else None
    return Envelope(
        distribution,
        sender_id,
        recipient_id,
        format_hub_datetime(sent_at),
        format_hub_datetime(expires_at),
        DistributionKind.ERROR,
        error_json(code, cause, source_message, referenced),
    ).to_json()


def parse_envelope(doc: Any) -> Envelope:
    """Read an EDXL-DE envelope (tolerantly); raise :class:`InvalidMessage` when it is not one."""
    if not isinstance(doc, dict):
        raise InvalidMessage("an INT_L02 message is a JSON object")
    where = "$"
    did = required_str(doc, "distributionID", where)
    sender = required_str(doc, "senderID", where)
    kind_text = required_str(doc, "distributionKind", where)
    try:
        kind = DistributionKind(kind_text.capitalize())
    except ValueError:
        raise InvalidMessage(f"unknown distributionKind {kind_text!r}") from None
    descriptor = doc.get("descriptor")
    address = descriptor.get("explicitAddress") if isinstance(descriptor, dict) else None
    if not isinstance(address, dict):
        raise InvalidMessage("$.descriptor.explicitAddress is missing")
    scheme = address.get("explicitAddressScheme")
    if not isinstance(scheme, str) or scheme.lower() != ADDRESS_SCHEME:
        raise InvalidMessage(f"explicitAddressScheme must be {ADDRESS_SCHEME!r}, got {scheme!r}")
    recipient = required_str(address, "explicitAddressValue", "$.descriptor.explicitAddress")
    message = embedded_message(doc)
    return Envelope(
        did,
        sender,
        recipient,
        required_str(doc, "dateTimeSent", where),
        required_str(doc, "dateTimeExpires", where),
        kind,
        message,
    )


def embedded_message(doc: Mapping[str, Any]) -> dict[str, Any]:
    """``content[0].jsonContent.embeddedJsonContent.message`` or :class:`InvalidMessage`."""
    content = doc.get("content")
    try:
        message = content[0]["jsonContent"]["embeddedJsonContent"]["message"]  # type: ignore[index]
    except (TypeError, KeyError, IndexError):
        raise InvalidMessage(
            "$.content[0].jsonContent.embeddedJsonContent.message is missing"
        ) from None
    if not isinstance(message, dict):
        raise InvalidMessage(
            "$.content[0].jsonContent.embeddedJsonContent.message is not an object"
        )
    return message
