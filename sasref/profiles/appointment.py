"""Appointment profiles (INT_R03, editor → SAS): FrAppointmentSAS and sas-sos-appointment.

IG digest §4.3 (content rules: identifier 1..1, FrAppointmentOperator = the regulator id as sent
by INT_R02, effector PS by IDNPS, participant status ``accepted``/``needs-action``), §7.9, and
base FHIR R4 Appointment invariants app-1..app-4.
"""

from __future__ import annotations

from typing import Any, Final

from sasref.fhir.codes import (
    APPOINTMENT_STATUSES,
    SAS_APPOINTMENT_STATUSES,
    VS_PARTICIPANT_STATUS,
    VS_TYPE_IDENTIFIANT,
)
from sasref.fhir.identifiers import is_uuid
from sasref.fhir.systems import (
    EXT_APPOINTMENT_OPERATOR,
    FR_V2_0203,
    IDNPS_SYSTEM,
    SAS_SYSTEM,
    Profile,
)
from sasref.profiles.common import (
    as_dict,
    as_list,
    check_instant_element,
    check_meta_profile,
    check_specialties,
    codings,
    has_coding,
    is_code_in,
    is_coding_in,
    is_datetime,
)
from sasref.profiles.idcheck import warn_idnps
from sasref.profiles.outcome import Issues

SAS: Final = "FrAppointmentSAS"
SOS: Final = "sas-sos-appointment"
#: The wrong canonical printed by the INT_R03 page (§4.3).
APPOINTMENT_ALIAS: Final = "http://interopsante.org/fhir/StructureDefinition/FrAppointmentSAS"
_PARTICIPANT_STATUSES: Final = frozenset(VS_PARTICIPANT_STATUS.codes)
_TYPE_IDENTIFIANT: Final = frozenset((c.system, c.code) for c in VS_TYPE_IDENTIFIANT.concepts)


def check_appointment(res: dict[str, Any], p: str, out: Issues) -> None:
    """FrAppointmentSAS (PS individuel and CPTS)."""
    check_meta_profile(res, Profile.APPOINTMENT, SAS, p, out, (APPOINTMENT_ALIAS,))
    _check_common(res, SAS, p, out, sos=False)


def check_sos_appointment(res: dict[str, Any], p: str, out: Issues) -> None:
    """sas-sos-appointment."""
    check_meta_profile(res, Profile.APPOINTMENT_SOS, SOS, p, out)
    _check_common(res, SOS, p, out, sos=True)


def _check_common(res: dict[str, Any], name: str, p: str, out: Issues, *, sos: bool) -> None:
    _check_operator(res, name, p, out, sos=sos)
    identifiers = as_list(res.get("identifier"))
    if not identifiers:
        out.error(
            "required",
            f"{name}: identifier is required (1..1, the editor's RDV id)",
            f"{p}.identifier",
        )
    elif len(identifiers) > 1:
        out.error(
            "structure", f"{name}: identifier is 1..1 (found {len(identifiers)})", f"{p}.identifier"
        )
    for i, ident in enumerate(identifiers):
        for key in ("system", "value"):
            if as_dict(ident).get(key) is None:
                out.error(
                    "required",
                    f"{name}: identifier.{key} is required",
                    f"{p}.identifier[{i}].{key}",
                )
    status = res.get("status")
    if status is None:
        out.error("required", f"{name}: status is required", f"{p}.status")
    elif not is_code_in(status, APPOINTMENT_STATUSES):
        out.error(
            "code-invalid",
            f"{name}: status {status!r} is not an AppointmentStatus code",
            f"{p}.status",
        )
    elif status not in SAS_APPOINTMENT_STATUSES:
        out.warning(
            "value",
            f"{name}: status {status!r} is not one the SAS uses "
            f"({', '.join(SAS_APPOINTMENT_STATUSES)})",
            f"{p}.status",
        )
    start = check_instant_element(res, "start", name, p, out)
    end = check_instant_element(res, "end", name, p, out)
    if start is not None and end is not None and end < start:
        out.warning("value", f"{name}: end is before start", f"{p}.end")
    if (res.get("start") is None) != (res.get("end") is None):
        out.error("invariant", f"{name}: app-2 start and end must both be present or absent", p)
    if res.get("cancelationReason") is not None and status not in ("noshow", "cancelled"):
        out.error(
            "invariant",
            f"{name}: app-4 cancelationReason only when cancelled/noshow",
            f"{p}.cancelationReason",
        )
    created = res.get("created")
    if created is None:
        out.warning("required", f"{name}: created is must-support (booking time)", f"{p}.created")
    elif not is_datetime(created):
        out.error("value", f"{name}: created {created!r} is not a valid dateTime", f"{p}.created")
    check_specialties(res, name, p, out)
    participants = as_list(res.get("participant"))
    if not participants:
        out.error("required", f"{name}: participant is required (min 1)", f"{p}.participant")
    for i, part in enumerate(participants):
        _check_participant(as_dict(part), name, f"{p}.participant[{i}]", out, sos=sos)


def _check_participant(part: dict[str, Any], name: str, pp: str, out: Issues, *, sos: bool) -> None:
    if part.get("type") is None and part.get("actor") is None:
        out.error("invariant", f"{name}: app-1 a participant needs a type or an actor", pp)
    status = part.get("status")
    if status is None:
        out.error("required", f"{name}: participant.status is required", f"{pp}.status")
    elif not is_code_in(status, _PARTICIPANT_STATUSES):
        out.error(
            "code-invalid",
            f"{name}: participant.status {status!r} is not in the required value set "
            "sas-valueset-participant-status (accepted, needs-action)",
            f"{pp}.status",
        )
    ident = as_dict(part.get("actor")).get("identifier")
    if not isinstance(ident, dict):
        return
    ip = f"{pp}.actor.identifier"
    # the IDNPS pattern is part of FrAppointmentSAS only; the SOS profile leaves it open
    report = out.warning if sos else out.error
    id_type = ident.get("type")
    if id_type is None:
        report("required", f"{name}: actor.identifier.type is required", f"{ip}.type")
    else:
        if not has_coding(id_type, FR_V2_0203, "IDNPS"):
            report(
                "value",
                f"{name}: actor.identifier.type must match {FR_V2_0203}#IDNPS",
                f"{ip}.type",
            )
        if len(codings(id_type)) > 1:
            report("structure", f"{name}: actor.identifier.type.coding is 1..1", f"{ip}.type")
    system = ident.get("system")
    if system is None:
        report("required", f"{name}: actor.identifier.system is required", f"{ip}.system")
    elif system != IDNPS_SYSTEM:
        report("value", f"{name}: actor.identifier.system must be {IDNPS_SYSTEM}", f"{ip}.system")
    value = ident.get("value")
    if value is None:
        report("required", f"{name}: actor.identifier.value is required", f"{ip}.value")
    else:
        warn_idnps(value, name, f"{ip}.value", out)


def _check_operator(res: dict[str, Any], name: str, p: str, out: Issues, *, sos: bool) -> None:
    """extension:appointmentOperator 1..1 — the regulator, by IDNPS or SAS technical id."""
    extensions = as_list(res.get("extension"))
    if not extensions:
        out.error(
            "required", f"{name}: extension is required (FrAppointmentOperator)", f"{p}.extension"
        )
        return
    if sos and len(extensions) > 1:
        out.error("structure", f"{name}: extension is 1..1", f"{p}.extension")
    operators = [
        (i, e)
        for i, e in enumerate(extensions)
        if isinstance(e, dict) and e.get("url") == EXT_APPOINTMENT_OPERATOR
    ]
    if not operators:
        out.error(
            "required",
            f"{name}: extension:appointmentOperator ({EXT_APPOINTMENT_OPERATOR})"
            " is required (1..1)",
            f"{p}.extension",
        )
        return
    if len(operators) > 1:
        out.error("structure", f"{name}: extension:appointmentOperator is 1..1", f"{p}.extension")
    for i, ext in operators:
        ep = f"{p}.extension[{i}]"
        if as_list(ext.get("extension")):
            out.error(
                "structure", f"{name}: appointmentOperator has no sub-extension", f"{ep}.extension"
            )
        value = ext.get("valueReference")
        if not isinstance(value, dict):
            out.error(
                "required",
                f"{name}: appointmentOperator.valueReference is required",
                f"{ep}.valueReference",
            )
            continue
        ident = value.get("identifier")
        ip = f"{ep}.valueReference.identifier"
        if not isinstance(ident, dict):
            report = out.warning if sos else out.error
            report(
                "required",
                f"{name}: appointmentOperator identifies the regulator by "
                "valueReference.identifier",
                ip,
            )
            continue
        type_codings = codings(ident.get("type"))
        if not type_codings:
            out.error(
                "required",
                f"{name}: appointmentOperator identifier.type.coding is required (1..1)",
                f"{ip}.type",
            )
        elif len(type_codings) > 1:
            out.error("structure", f"{name}: identifier.type.coding is 1..1", f"{ip}.type")
        code = None
        for coding in type_codings[:1]:
            code = coding.get("code")
            if code is None:
                out.error(
                    "required",
                    f"{name}: identifier.type.coding.code is required",
                    f"{ip}.type.coding[0].code",
                )
            if sos:
                if not is_coding_in(coding, _TYPE_IDENTIFIANT):
                    out.error(
                        "code-invalid",
                        f"{name}: {coding.get('system')}#{code} is not in "
                        "the required value set sas-valueset-typeidentifiant (IDNPS, INTRN)",
                        f"{ip}.type.coding[0]",
                    )
            elif coding.get("system") != FR_V2_0203:
                out.error(
                    "value",
                    f"{name}: identifier.type.coding.system must be {FR_V2_0203}",
                    f"{ip}.type.coding[0].system",
                )
        system, id_value = ident.get("system"), ident.get("value")
        for key, val in (("system", system), ("value", id_value)):
            if val is None:
                out.error(
                    "required",
                    f"{name}: appointmentOperator identifier.{key} is required",
                    f"{ip}.{key}",
                )
        # §4.3: national id ↔ IDNPS system, SAS technical id ↔ SAS system + UUID
        if code == "IDNPS" and system is not None and system != IDNPS_SYSTEM:
            out.warning(
                "value", f"{name}: an IDNPS regulator id uses system {IDNPS_SYSTEM}", f"{ip}.system"
            )
        if code == "INTRN":
            if system is not None and system != SAS_SYSTEM:
                out.warning(
                    "value",
                    f"{name}: a SAS technical regulator id uses system {SAS_SYSTEM}",
                    f"{ip}.system",
                )
            if isinstance(id_value, str) and not is_uuid(id_value):
                out.warning(
                    "value", f"{name}: a SAS technical regulator id is a UUID", f"{ip}.value"
                )
