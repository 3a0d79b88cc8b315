"""PS à titre individuel profiles (INT_R01): Slot, Schedule, Practitioner, PractitionerRole and
the contained Location.

IG digest §2.2 (response shape: Location contained in PractitionerRole, ``#id`` reference),
§7.1 FrSlotAgregateur, §7.2 FrScheduleAgregateur, §7.3 FrPractitionerAgregateur, §7.4
FrPractitionerRoleExerciceAgregateur, §7.5 FrLocationAgregateur, §13 (FAQ 2, 4, 7, 8, 9).
"""

from __future__ import annotations

import re
from typing import Any, Final

from sasref.fhir.codes import (
    ACT_ENCOUNTER_CODES,
    DAYS,
    SLOT_PRO,
    SLOT_PUBLIC,
    SLOT_SNP,
    V2_0276,
    V2_0276_CODES,
    V3_ACT_CODE,
)
from sasref.fhir.systems import (
    FR_CORE_V2_0203,
    FR_LOCATION_IDENTIFIER_TYPE,
    FR_V2_0203,
    IDNPS_SYSTEM,
    IDNST_SYSTEM,
    Profile,
)
from sasref.profiles.common import (
    as_dict,
    as_list,
    check_meta_profile,
    check_phones,
    check_reference_shape,
    check_specialties,
    codings,
    has_coding,
    is_code_in,
    max_one,
    require_list,
)
from sasref.profiles.idcheck import warn_idnps, warn_idnst
from sasref.profiles.outcome import Issues
from sasref.profiles.slotcore import check_security, check_slot_core

SLOT: Final = "FrSlotAgregateur"
SCHEDULE: Final = "FrScheduleAgregateur"
PRACTITIONER: Final = "FrPractitionerAgregateur"
ROLE: Final = "FrPractitionerRoleExerciceAgregateur"
LOCATION: Final = "FrLocationAgregateur"

_SLOT_PS: Final = Profile.SLOT_PS
#: The consultation types the SAS uses (all in v3-ActEncounterCode: no issue for them).
_SAS_ACT_CODES: Final = frozenset({"AMB", "HH", "VR"}) & ACT_ENCOUNTER_CODES
_J165: Final = frozenset({SLOT_PUBLIC.code, SLOT_PRO.code, SLOT_SNP.code})
_POSTAL: Final = re.compile(r"[0-9]{5}")
#: The three identifier-type systems the IG uses for IDNST across its profiles (§13).
IDNST_TYPE_SYSTEMS: Final = (FR_V2_0203, FR_LOCATION_IDENTIFIER_TYPE, FR_CORE_V2_0203)


def check_service_types_act(
    res: dict[str, Any], name: str, p: str, out: Issues, *, r5_forbidden: bool = False
) -> None:
    """Slice ``TypeConsultation`` (discriminator ``coding.system`` = v3-ActCode): required
    binding to v3-ActEncounterCode. Motifs are text-only entries (FAQ 11)."""
    service_types = res.get("serviceType")
    if service_types.__class__ is not list:
        return
    for i, cc in enumerate(service_types):
        if cc.__class__ is not dict:  # no coding: nothing to check
            continue
        cs = cc.get("coding")
        if cs.__class__ is not list:
            continue
        if len(cs) == 1:  # the usual AMB/HH/VR coding reports nothing: checked without calls
            c = cs[0]
            if c.__class__ is dict and c.get("system") == V3_ACT_CODE:
                code = c.get("code")
                if (
                    code.__class__ is str
                    and code in _SAS_ACT_CODES
                    and not (r5_forbidden and cc.get("extension"))
                ):
                    continue
        for j, c in enumerate(codings(cc)):
            system = c.get("system")
            if system is None:
                out.warning(
                    "value",
                    f"{name}: serviceType[{i}].coding[{j}] has no system (consultation types are "
                    f"coded in {V3_ACT_CODE})",
                    f"{p}.serviceType[{i}].coding[{j}]",
                )
            elif system == V3_ACT_CODE:
                code = c.get("code")
                if not is_code_in(code, ACT_ENCOUNTER_CODES):
                    out.error(
                        "code-invalid",
                        f"{name}: serviceType[{i}] {V3_ACT_CODE}#{code} is not in the required "
                        "value set v3-ActEncounterCode",
                        f"{p}.serviceType[{i}].coding[{j}]",
                    )
                elif code not in ("AMB", "HH", "VR"):
                    out.warning(
                        "code-invalid",
                        f"{name}: consultation type {code} is legal but the SAS uses AMB, HH, VR",
                        f"{p}.serviceType[{i}].coding[{j}]",
                    )
                if r5_forbidden and isinstance(cc, dict) and cc.get("extension"):
                    out.error(
                        "structure",
                        f"{name}: serviceType:TypeConsultation allows no extension "
                        "(sas-servicetype-r5 0..0)",
                        f"{p}.serviceType[{i}].extension",
                    )


def check_slot(res: dict[str, Any], p: str, out: Issues) -> None:
    """FrSlotAgregateur (§7.1)."""
    meta = res.get("meta")
    profiles = meta.get("profile") if meta.__class__ is dict else None
    if profiles.__class__ is not list or _SLOT_PS not in profiles:  # else nothing to report
        check_meta_profile(res, _SLOT_PS, SLOT, p, out)
    check_slot_core(res, SLOT, p, out)
    check_security(res, _J165, "JDV_J165-TypeCreneau-SAS", SLOT, p, out)
    check_service_types_act(res, SLOT, p, out)
    appointment_type = res.get("appointmentType")
    if appointment_type is None:
        return
    for j, c in enumerate(codings(appointment_type)):  # preferred binding: never an error
        code = c.get("code")
        if c.get("system") != V2_0276 or code.__class__ is not str or code not in V2_0276_CODES:
            out.warning(
                "code-invalid",
                f"{SLOT}: appointmentType {c.get('system')}#{c.get('code')} is not in the "
                "preferred value set v2-0276 (ROUTINE / WALKIN)",
                f"{p}.appointmentType.coding[{j}]",
            )


def check_schedule(res: dict[str, Any], p: str, out: Issues) -> None:
    """FrScheduleAgregateur (§7.2): actor 1..*, literal references (referenced + bundled)."""
    check_meta_profile(res, Profile.SCHEDULE_PS, SCHEDULE, p, out)
    check_schedule_common(res, SCHEDULE, p, out)
    for i, actor in enumerate(as_list(res.get("actor"))):
        check_reference_shape(actor, SCHEDULE, f"{p}.actor[{i}]", out)


def check_schedule_common(res: dict[str, Any], name: str, p: str, out: Issues) -> None:
    require_list(res, "actor", name, p, out)
    if res.get("serviceType") is not None:
        out.error(
            "structure",
            f"{name}: serviceType is not allowed (max 0, FrSchedule)",
            f"{p}.serviceType",
        )
    check_specialties(res, name, p, out)


def check_practitioner(res: dict[str, Any], p: str, out: Issues) -> None:
    """FrPractitionerAgregateur (§7.3): every identifier is an IDNPS."""
    check_meta_profile(res, Profile.PRACTITIONER_PS, PRACTITIONER, p, out)
    for i, ident in enumerate(require_list(res, "identifier", PRACTITIONER, p, out)):
        ip = f"{p}.identifier[{i}]"
        ident = as_dict(ident)
        id_type = ident.get("type")
        if id_type is None:
            out.error("required", f"{PRACTITIONER}: identifier.type is required", f"{ip}.type")
        else:
            if not has_coding(id_type, FR_V2_0203, "IDNPS"):
                out.error(
                    "value",
                    f"{PRACTITIONER}: identifier.type must match the pattern {FR_V2_0203}#IDNPS",
                    f"{ip}.type",
                )
            max_one(codings(id_type), PRACTITIONER, f"{ip}.type.coding", out)
        system = ident.get("system")
        if system is None:
            out.error("required", f"{PRACTITIONER}: identifier.system is required", f"{ip}.system")
        elif system != IDNPS_SYSTEM:
            out.error(
                "value",
                f"{PRACTITIONER}: identifier.system must be {IDNPS_SYSTEM} (found {system})",
                f"{ip}.system",
            )
        value = ident.get("value")
        if value is None:
            out.error("required", f"{PRACTITIONER}: identifier.value is required", f"{ip}.value")
        else:
            warn_idnps(value, PRACTITIONER, f"{ip}.value", out)
    if not as_list(res.get("name")):
        out.warning(
            "required", f"{PRACTITIONER}: name (family, given) expected by the SAS", f"{p}.name"
        )
    check_phones(res, PRACTITIONER, p, out)


def check_structure_identifier(
    ident: dict[str, Any], expected_type_system: str, name: str, ip: str, out: Issues
) -> None:
    """An IDNST identifier typed with ``expected_type_system``#IDNST; the other IG variants of
    the type system are tolerated (digest §13)."""
    id_type = ident.get("type")
    if id_type is not None and not has_coding(id_type, expected_type_system, "IDNST"):
        variant = next((s for s in IDNST_TYPE_SYSTEMS if has_coding(id_type, s, "IDNST")), None)
        message = f"{name}: identifier.type must match the pattern {expected_type_system}#IDNST" + (
            f" (found the {variant} variant)" if variant else ""
        )
        if variant:
            out.relaxed("value", message, f"{ip}.type", "the IG itself uses 3 IDNST type systems")
        else:
            out.error("value", message, f"{ip}.type")
    system = ident.get("system")
    if system is not None and system != IDNST_SYSTEM:
        out.error(
            "value",
            f"{name}: identifier.system must be {IDNST_SYSTEM} (found {system})",
            f"{ip}.system",
        )


def check_role(res: dict[str, Any], p: str, out: Issues) -> None:
    """FrPractitionerRoleExerciceAgregateur (§7.4) and its contained FrLocationAgregateur."""
    check_meta_profile(res, Profile.PRACTITIONER_ROLE_PS, ROLE, p, out)
    contained = require_list(res, "contained", ROLE, p, out)
    practitioner = res.get("practitioner")
    if practitioner is not None:
        check_reference_shape(practitioner, ROLE, f"{p}.practitioner", out, ("Practitioner",))
    organization = res.get("organization")
    if isinstance(organization, dict) and isinstance(organization.get("identifier"), dict):
        ident = organization["identifier"]
        ip = f"{p}.organization.identifier"
        check_structure_identifier(ident, FR_V2_0203, ROLE, ip, out)
        value = ident.get("value")
        warn_idnst(value, ROLE, f"{ip}.value", out)
        if isinstance(value, str) and value[:1] not in ("1", "3", "4"):
            out.warning(
                "value",
                f"{ROLE}: organization id must be a FINESS, SIRET or RPPS rang",
                f"{ip}.value",
            )
    for i, cc in enumerate(as_list(res.get("code"))):
        if not codings(cc):
            out.relaxed(
                "code-invalid",
                f"{ROLE}: code[{i}] has no coding but is bound (required) to "
                "fr-practioner-role-exercice",
                f"{p}.code[{i}]",
                "text-only codes carry the information",
            )
    check_specialties(res, ROLE, p, out)
    check_phones(res, ROLE, p, out)
    locations = res.get("location")
    if locations is None:
        out.error("required", f"{ROLE}: location is required (1..1, contained)", f"{p}.location")
        return
    locations = as_list(locations)
    max_one(locations, ROLE, f"{p}.location", out)
    by_id = {
        c["id"]: (i, c)
        for i, c in enumerate(contained)
        if isinstance(c, dict) and isinstance(c.get("id"), str)
    }
    for i, loc in enumerate(locations):
        lp = f"{p}.location[{i}]"
        literal = check_reference_shape(loc, ROLE, lp, out)
        if literal is None:
            continue
        if not literal.startswith("#"):
            out.error(
                "value",
                f"{ROLE}: location must reference the contained Location as #id "
                f"(aggregation contained, FAQ 4), found {literal!r}",
                f"{lp}.reference",
            )
            continue
        target = by_id.get(literal[1:])
        if target is None:
            out.error(
                "not-found",
                f"{ROLE}: ref-1 {literal} does not resolve to a contained resource",
                f"{lp}.reference",
            )
            continue
        ci, location = target
        if location.get("resourceType") != "Location":
            out.error("value", f"{ROLE}: {literal} must be a Location", f"{lp}.reference")
            continue
        check_location(location, f"{p}.contained[{ci}]", out)


def check_location(res: dict[str, Any], p: str, out: Issues) -> None:
    """FrLocationAgregateur (§7.5): identifier type/system/value, address line/city/postalCode."""
    check_meta_profile(res, Profile.LOCATION_PS, LOCATION, p, out)
    check_location_common(res, LOCATION, p, out)


def check_location_common(res: dict[str, Any], name: str, p: str, out: Issues) -> None:
    for i, ident in enumerate(require_list(res, "identifier", name, p, out)):
        ident = as_dict(ident)
        for key in ("type", "system", "value"):
            if ident.get(key) is None:
                out.error(
                    "required",
                    f"{name}: identifier.{key} is required (FAQ 2)",
                    f"{p}.identifier[{i}].{key}",
                )
    address = res.get("address")
    if not isinstance(address, dict):
        out.error("required", f"{name}: address is required (min 1)", f"{p}.address")
    else:
        ap = f"{p}.address"
        lines = as_list(address.get("line"))
        if not lines:
            out.error("required", f"{name}: address.line is required (1..1)", f"{ap}.line")
        max_one(lines, name, f"{ap}.line", out)
        if address.get("city") is None:
            out.error("required", f"{name}: address.city is required", f"{ap}.city")
        postal = address.get("postalCode")
        if postal is None:
            out.error("required", f"{name}: address.postalCode is required", f"{ap}.postalCode")
        elif not (isinstance(postal, str) and _POSTAL.fullmatch(postal)):
            out.warning(
                "value", f"{name}: postalCode {postal!r} is not 5 digits", f"{ap}.postalCode"
            )
    position = res.get("position")
    if isinstance(position, dict):
        for key in ("longitude", "latitude"):
            if position.get(key) is None:
                out.error("required", f"{name}: position.{key} is required", f"{p}.position.{key}")
    for i, hours in enumerate(as_list(res.get("hoursOfOperation"))):
        for j, day in enumerate(as_list(as_dict(hours).get("daysOfWeek"))):
            if day not in DAYS:
                path = f"{p}.hoursOfOperation[{i}].daysOfWeek[{j}]"
                message = f"{name}: daysOfWeek {day!r} is not a days-of-week code (mon..sun)"
                if isinstance(day, str) and day.lower() in DAYS:
                    out.relaxed("code-invalid", message, path, "the narrative prints MON..SUN")
                else:
                    out.error("code-invalid", message, path)
    check_phones(res, name, p, out)
