"""The Hub Santé's checks of an INT_L02 message (IG digest §5.2-5.4), written from the spec.

The real Hub validates every message against JSON schemas (EDXL-DE, RC-DE, ``RS-SAS-RDV``) and
answers ``300 INVALID_MESSAGE`` with a cause listing the issues. :func:`schema_issues` returns the
same kind of issue lines (``appointment.orientationCategory: does not have a value in the
enumeration [CPTS, MSP, CDS, SOS, PS, PDM]``) and :func:`invalid_message_cause` wraps them as
the Hub does. Pure.

Deliberate tolerance: ``appointment.regulator`` is 1..1 in the table but absent from the
official "complete" examples, and the official 300 error about such a message reports only the
orientation category; so a missing regulator is *not* an issue here. The SAS publisher always
writes it (strict writer, tolerant reader).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, Literal

from sasref.lrm.messages import (
    ADDRESS_SCHEME,
    APPOINTMENT_STATUSES,
    ORIENTATION_CATEGORIES,
    DistributionKind,
    Method,
)

HUB_DATETIME: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[\-+]\d{2}:\d{2}$")
RPPS_ID: Final = re.compile(r"^81[0-9]{10}$")
MESSAGE_PATH: Final = "$.content[0].jsonContent.embeddedJsonContent.message"

MessageType = Literal["appointment", "ack", "error"]


def message_type(doc: Any) -> MessageType | None:
    """The known message a document carries, or ``None`` (then: 102 UNRECOGNIZED_MESSAGE_FORMAT)."""
    if not isinstance(doc, dict):
        return None
    try:
        message = doc["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
    except (TypeError, KeyError, IndexError):
        return None
    if not isinstance(message, dict):
        return None
    if "appointment" in message:
        return "appointment"
    if "reference" in message:
        return "ack"
    if "error" in message:
        return "error"
    return None


def _enum_issue(path: str, values: tuple[str, ...]) -> str:
    return f"{path}: does not have a value in the enumeration [{', '.join(values)}]"


def _check_strings(
    doc: Mapping[str, Any], path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[str]:
    issues: list[str] = []
    for key in required:
        if key not in doc:
            issues.append(f"{path}.{key}: is missing but it is required")
        elif not isinstance(doc[key], str):
            issues.append(f"{path}.{key}: {type(doc[key]).__name__} found, string expected")
    for key in optional:
        if key in doc and not isinstance(doc[key], str):
            issues.append(f"{path}.{key}: {type(doc[key]).__name__} found, string expected")
    return issues


def _check_datetimes(doc: Mapping[str, Any], path: str, keys: tuple[str, ...]) -> list[str]:
    return [
        f"{path}.{key}: does not match the regex pattern {HUB_DATETIME.pattern}"
        for key in keys
        if isinstance(doc.get(key), str) and not HUB_DATETIME.match(doc[key])
    ]


def envelope_issues(doc: Mapping[str, Any]) -> list[str]:
    """EDXL-DE level issues (paths from ``$``)."""
    issues = _check_strings(
        doc,
        "$",
        (
            "distributionID",
            "senderID",
            "dateTimeSent",
            "dateTimeExpires",
            "distributionStatus",
            "distributionKind",
        ),
    )
    kind = doc.get("distributionKind")
    if isinstance(kind, str) and kind.capitalize() not in {k.value for k in DistributionKind}:
        issues.append(_enum_issue("$.distributionKind", tuple(k.value for k in DistributionKind)))
    descriptor = doc.get("descriptor")
    if not isinstance(descriptor, dict):
        issues.append("$.descriptor: is missing but it is required")
        return issues
    issues += _check_strings(descriptor, "$.descriptor", ("language",))
    address = descriptor.get("explicitAddress")
    if not isinstance(address, dict):
        issues.append("$.descriptor.explicitAddress: is missing but it is required")
        return issues
    path = "$.descriptor.explicitAddress"
    issues += _check_strings(address, path, ("explicitAddressScheme", "explicitAddressValue"))
    scheme = address.get("explicitAddressScheme")
    if isinstance(scheme, str) and scheme.lower() != ADDRESS_SCHEME:
        issues.append(_enum_issue(f"{path}.explicitAddressScheme", (ADDRESS_SCHEME,)))
    return issues


def header_issues(message: Mapping[str, Any]) -> list[str]:
    """RC-DE header issues (paths relative to the embedded message, as the Hub prints them)."""
    issues = _check_strings(message, "", ("messageId", "sentAt", "status", "kind"))
    for key in ("sender",):
        party = message.get(key)
        if not isinstance(party, dict):
            issues.append(f"{key}: is missing but it is required")
        else:
            issues += _check_strings(party, key, ("name", "URI"))
    recipients = message.get("recipient")
    if not isinstance(recipients, list) or not recipients:
        issues.append("recipient: is missing but it is required")
    else:
        for i, party in enumerate(recipients):
            if not isinstance(party, dict):
                issues.append(f"recipient[{i}]: object expected")
            else:
                issues += _check_strings(party, f"recipient[{i}]", ("name", "URI"))
    return [issue.removeprefix(".") for issue in issues]


def appointment_issues(appointment: Any) -> list[str]:
    """``RS-SAS-RDV`` issues, paths starting with ``appointment``."""
    path = "appointment"
    if not isinstance(appointment, dict):
        return [f"{path}: object expected"]
    issues = _check_strings(
        appointment,
        path,
        ("appointmentId", "method", "created", "start", "status"),
        ("end", "orientationCategory"),
    )
    issues += _check_datetimes(appointment, path, ("created", "start", "end"))
    method = appointment.get("method")
    if isinstance(method, str) and method.lower() not in {m.value.lower() for m in Method}:
        issues.append(_enum_issue(f"{path}.method", tuple(m.value for m in Method)))
    status = appointment.get("status")
    if isinstance(status, str) and status not in APPOINTMENT_STATUSES:
        issues.append(_enum_issue(f"{path}.status", APPOINTMENT_STATUSES))
    category = appointment.get("orientationCategory")
    if isinstance(category, str) and category not in ORIENTATION_CATEGORIES:
        issues.append(_enum_issue(f"{path}.orientationCategory", ORIENTATION_CATEGORIES))
    practitioner = appointment.get("practitioner")
    if practitioner is not None:
        sub = f"{path}.practitioner"
        if not isinstance(practitioner, dict):
            issues.append(f"{sub}: object expected")
        else:
            issues += _check_strings(
                practitioner,
                sub,
                ("rppsId", "lastName", "firstName"),
                ("specialityCode", "specialityUrl", "professionUrl", "professionCode"),
            )
            rpps = practitioner.get("rppsId")
            if isinstance(rpps, str) and not RPPS_ID.match(rpps):
                issues.append(f"{sub}.rppsId: does not match the regex pattern {RPPS_ID.pattern}")
    organization = appointment.get("organization")
    if organization is not None:
        sub = f"{path}.organization"
        if not isinstance(organization, dict):
            issues.append(f"{sub}: object expected")
        else:
            issues += _check_strings(organization, sub, ("organizationId", "name"))
    regulator = appointment.get("regulator")
    if regulator is not None:
        sub = f"{path}.regulator"
        if not isinstance(regulator, dict):
            issues.append(f"{sub}: object expected")
        else:
            issues += _check_strings(
                regulator,
                sub,
                ("regulatorName", "regulatorFirstname", "regulatorEmail"),
                ("regulatorId",),
            )
    return issues


def schema_issues(doc: Mapping[str, Any]) -> list[str]:
    """Every issue of a message whose :func:`message_type` is known; ``[]`` when valid."""
    issues = envelope_issues(doc)
    kind = message_type(doc)
    message = doc["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
    if kind in ("appointment", "ack"):
        issues += header_issues(message)
    if kind == "appointment":
        issues += appointment_issues(message["appointment"])
    elif kind == "ack":
        ref = message.get("reference")
        if not isinstance(ref, dict) or not isinstance(ref.get("distributionID"), str):
            issues.append("reference.distributionID: is missing but it is required")
    elif kind == "error":
        error = message["error"]
        code = error.get("errorCode") if isinstance(error, dict) else None
        if not isinstance(code, dict) or not isinstance(code.get("statusCode"), int):
            issues.append("error.errorCode.statusCode: is missing but it is required")
    return issues


def invalid_message_cause(issues: list[str]) -> str:
    """The Hub's ``errorCause`` text for a ``300 INVALID_MESSAGE``."""
    lines = "".join(f" - {issue}\n" for issue in issues)
    return (
        "Could not validate message against schema : errors occurred. \n"
        f"Issues found on the {MESSAGE_PATH} content: \n{lines}"
    )
