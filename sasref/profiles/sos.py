"""SOS Médecins profiles: sas-sos-slot-, -schedule-, -location-, -organization-aggregator.

IG digest §2.4 (Schedule = 1 fixed consultation place Location → managingOrganization = the SOS
association; slot types PUBLIC and SNP only; PFG identifier IDNST or INTRN in the narrative but
``INTRN`` fixed by the profile), §7.8, §13.
"""

from __future__ import annotations

import re
from typing import Any, Final

from sasref.fhir.codes import VS_TYPE_CONSULTATION, VS_TYPE_CRENEAU_SOS
from sasref.fhir.systems import FR_LOCATION_IDENTIFIER_TYPE, IDNST_SYSTEM, Profile
from sasref.profiles.common import (
    as_dict,
    as_list,
    check_meta_profile,
    check_reference_shape,
    check_required_codings,
    codings,
    has_coding,
)
from sasref.profiles.cpts import REASONS, check_single_structure_identifier
from sasref.profiles.outcome import Issues
from sasref.profiles.ps import check_location_common, check_schedule_common
from sasref.profiles.slotcore import check_security, check_slot_core

SLOT: Final = "sas-sos-slot-aggregator"
SCHEDULE: Final = "sas-sos-schedule-aggregator"
LOCATION: Final = "sas-sos-location-aggregator"
ORGANIZATION: Final = "sas-sos-organization-aggregator"

_SECURITY: Final = frozenset(VS_TYPE_CRENEAU_SOS.codes)
_CONSULTATION: Final = frozenset((c.system, c.code) for c in VS_TYPE_CONSULTATION.concepts)
_SIRET_INVARIANT: Final = re.compile(r"3[0-9]{14}")


def check_slot(res: dict[str, Any], p: str, out: Issues) -> None:
    """sas-sos-slot-aggregator (§7.8)."""
    check_meta_profile(res, Profile.SLOT_SOS, SLOT, p, out)
    check_slot_core(res, SLOT, p, out)
    check_security(res, _SECURITY, "sas-sos-valueset-typecreneau", SLOT, p, out)
    for i, cc in enumerate(as_list(res.get("serviceType"))):
        check_required_codings(
            cc, _CONSULTATION, "sas-valueset-typeconsultation", SLOT, f"{p}.serviceType[{i}]", out
        )
    appointment_type = res.get("appointmentType")
    check_required_codings(
        appointment_type,
        REASONS,
        "sas-valueset-appointmentreason",
        SLOT,
        f"{p}.appointmentType",
        out,
    )
    if any(c.get("code") == "ROUTINE" for c in codings(appointment_type)) and not res.get(
        "comment"
    ):
        out.warning(
            "required",
            f"{SLOT}: a ROUTINE slot should carry the booking URL in comment (FSH note)",
            f"{p}.comment",
        )


def check_schedule(res: dict[str, Any], p: str, out: Issues) -> None:
    """sas-sos-schedule-aggregator (§7.8): actor = Reference(Location), reference 1..1."""
    check_meta_profile(res, Profile.SCHEDULE_SOS, SCHEDULE, p, out)
    check_schedule_common(res, SCHEDULE, p, out)
    for i, actor in enumerate(as_list(res.get("actor"))):
        check_reference_shape(actor, SCHEDULE, f"{p}.actor[{i}]", out, ("Location",))


def check_location(res: dict[str, Any], p: str, out: Issues) -> None:
    """sas-sos-location-aggregator (§7.8): INTRN identifier, name, address, managingOrganization."""
    check_meta_profile(res, Profile.LOCATION_SOS, LOCATION, p, out)
    check_location_common(res, LOCATION, p, out)
    for i, ident in enumerate(as_list(res.get("identifier"))):
        id_type = as_dict(ident).get("type")
        if id_type is None or has_coding(id_type, FR_LOCATION_IDENTIFIER_TYPE, "INTRN"):
            continue
        path = f"{p}.identifier[{i}].type"
        message = (
            f"{LOCATION}: identifier.type is fixed by pattern to "
            f"{FR_LOCATION_IDENTIFIER_TYPE}#INTRN"
        )
        idnst = any(c.get("code") == "IDNST" for c in codings(id_type))
        if idnst and as_dict(ident).get("system") == IDNST_SYSTEM:
            out.relaxed(
                "value",
                message + " (found IDNST)",
                path,
                "the narrative allows a known IDNST for the PFG (§2.4)",
            )
        else:
            out.error("value", message, path)
    if res.get("name") is None:
        out.error("required", f"{LOCATION}: name is required (min 1)", f"{p}.name")
    address = res.get("address")
    if isinstance(address, dict):
        postal = address.get("postalCode")
        if isinstance(postal, str) and len(postal) > 5:
            out.error(
                "value", f"{LOCATION}: address.postalCode maxLength is 5", f"{p}.address.postalCode"
            )
    managing = res.get("managingOrganization")
    if managing is None:
        out.error(
            "required",
            f"{LOCATION}: managingOrganization is required (the SOS association)",
            f"{p}.managingOrganization",
        )
    else:
        check_reference_shape(
            managing, LOCATION, f"{p}.managingOrganization", out, ("Organization",)
        )


def check_organization(res: dict[str, Any], p: str, out: Issues) -> None:
    """sas-sos-organization-aggregator (§7.8): one SIRET identifier, SIRET-invariant."""
    check_meta_profile(res, Profile.ORGANIZATION_SOS, ORGANIZATION, p, out)
    check_single_structure_identifier(
        res,
        ORGANIZATION,
        FR_LOCATION_IDENTIFIER_TYPE,
        _SIRET_INVARIANT,
        "SIRET-invariant",
        "Le numéro SIRET doit être préfixé par 3 suivi de 14 caractères numériques",
        p,
        out,
    )
    if res.get("name") is None:
        out.warning(
            "required", f"{ORGANIZATION}: name of the SOS association expected", f"{p}.name"
        )
