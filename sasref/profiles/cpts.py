"""CPTS profiles (INT_R04): sas-cpts-slot-aggregator, -healthcareservice-, -organization-.

IG digest §2.3 (per CPTS one extra ``serviceType`` TRE_R66 ``604`` carrying the R5
``extension-Slot.serviceType`` reference to a HealthcareService), §6 (extension), §7.7.
"""

from __future__ import annotations

import re
from typing import Any, Final

from sasref.fhir.codes import (
    SLOT_CPTS,
    TRE_R66_CATEGORIE_ETABLISSEMENT,
    VS_APPOINTMENT_REASON,
    VS_TYPE_CRENEAU_CPTS,
)
from sasref.fhir.systems import EXT_SLOT_SERVICE_TYPE_R5, FR_CORE_V2_0203, Profile
from sasref.profiles.common import (
    as_dict,
    as_list,
    check_meta_profile,
    check_phones,
    check_reference_shape,
    check_required_codings,
    check_specialties,
    codings,
)
from sasref.profiles.idcheck import warn_idnst
from sasref.profiles.outcome import Issues
from sasref.profiles.ps import check_service_types_act, check_structure_identifier
from sasref.profiles.slotcore import check_security, check_slot_core

SLOT: Final = "sas-cpts-slot-aggregator"
SERVICE: Final = "sas-cpts-healthcareservice-aggregator"
ORGANIZATION: Final = "sas-cpts-organization-aggregator"

_SECURITY: Final = frozenset(VS_TYPE_CRENEAU_CPTS.codes)
REASONS: Final = frozenset((c.system, c.code) for c in VS_APPOINTMENT_REASON.concepts)
_FINESS_INVARIANT: Final = re.compile(r"1[0-9]{9}")


def cpts_references(res: dict[str, Any]) -> list[tuple[int, int, Any]]:
    """``(serviceType index, extension index, valueReference)`` of every R5 extension."""
    found = []
    for i, cc in enumerate(as_list(res.get("serviceType"))):
        if not isinstance(cc, dict):
            continue
        for j, ext in enumerate(as_list(cc.get("extension"))):
            if isinstance(ext, dict) and ext.get("url") == EXT_SLOT_SERVICE_TYPE_R5:
                found.append((i, j, ext.get("valueReference")))
    return found


def check_slot(res: dict[str, Any], p: str, out: Issues) -> None:
    """sas-cpts-slot-aggregator (§7.7)."""
    check_meta_profile(res, Profile.SLOT_CPTS, SLOT, p, out)
    check_slot_core(res, SLOT, p, out)
    security = check_security(res, _SECURITY, "sas-cpts-valueset-typecreneau", SLOT, p, out)
    check_service_types_act(res, SLOT, p, out, r5_forbidden=True)
    references = 0
    for i, cc in enumerate(as_list(res.get("serviceType"))):
        if not isinstance(cc, dict):
            continue
        sp = f"{p}.serviceType[{i}]"
        r66 = [c for c in codings(cc) if c.get("system") == TRE_R66_CATEGORIE_ETABLISSEMENT]
        extensions = [
            (j, e)
            for j, e in enumerate(as_list(cc.get("extension")))
            if isinstance(e, dict) and e.get("url") == EXT_SLOT_SERVICE_TYPE_R5
        ]
        for c in r66:
            if c.get("code") != "604":
                out.error(
                    "code-invalid",
                    f"{SLOT}: serviceType:referencecpts {c.get('code')!r} is not in the required "
                    "value set sas-valueset-categorieetablissement (604 = CPTS)",
                    sp,
                )
        if extensions and not r66:
            out.error(
                "structure",
                f"{SLOT}: the sas-servicetype-r5 extension belongs to a serviceType coded "
                f"{TRE_R66_CATEGORIE_ETABLISSEMENT}#604 (slice referencecpts)",
                sp,
            )
        if r66 and not extensions:
            out.error(
                "required",
                f"{SLOT}: serviceType:referencecpts needs its extension sas-servicetype-r5 "
                "(1..1, reference to the CPTS HealthcareService)",
                f"{sp}.extension",
            )
        if len(extensions) > 1:
            out.error(
                "structure",
                f"{SLOT}: sas-servicetype-r5 is 0..1 per serviceType",
                f"{sp}.extension",
            )
        for j, ext in extensions:
            ep = f"{sp}.extension[{j}]"
            if as_list(ext.get("extension")):
                out.error("structure", f"{SLOT}: sas-servicetype-r5 has no sub-extension", ep)
            if "valueReference" not in ext:
                out.error(
                    "structure",
                    f"{SLOT}: sas-servicetype-r5 value[x] must be a "
                    "valueReference (HealthcareService)",
                    ep,
                )
                continue
            check_reference_shape(
                ext["valueReference"], SLOT, f"{ep}.valueReference", out, ("HealthcareService",)
            )
            references += 1
    if SLOT_CPTS.code in security and references == 0:
        out.warning(
            "required",
            f"{SLOT}: a slot open to CPTS carries one serviceType 604 + HealthcareService "
            "reference per CPTS (§2.3)",
            f"{p}.serviceType",
        )
    check_required_codings(
        res.get("appointmentType"),
        REASONS,
        "sas-valueset-appointmentreason",
        SLOT,
        f"{p}.appointmentType",
        out,
    )


def check_service(res: dict[str, Any], p: str, out: Issues) -> None:
    """sas-cpts-healthcareservice-aggregator (§7.7): id and providedBy 1..1 (must-support)."""
    check_meta_profile(res, Profile.HEALTHCARE_SERVICE_CPTS, SERVICE, p, out)
    if res.get("id") is None:
        out.error("required", f"{SERVICE}: id is required (min 1)", f"{p}.id")
    provided_by = res.get("providedBy")
    if provided_by is None:
        out.error(
            "required",
            f"{SERVICE}: providedBy is required (the CPTS Organization)",
            f"{p}.providedBy",
        )
    else:
        check_reference_shape(provided_by, SERVICE, f"{p}.providedBy", out, ("Organization",))
    check_specialties(res, SERVICE, p, out)


def check_organization(res: dict[str, Any], p: str, out: Issues) -> None:
    """sas-cpts-organization-aggregator (§7.7): one FINESS identifier, FINESS-invariant."""
    check_meta_profile(res, Profile.ORGANIZATION_CPTS, ORGANIZATION, p, out)
    check_single_structure_identifier(
        res,
        ORGANIZATION,
        FR_CORE_V2_0203,
        _FINESS_INVARIANT,
        "FINESS-invariant",
        "Le numéro FINESS doit être préfixé par 1 suivi de 9 caractères numériques",
        p,
        out,
    )
    if res.get("name") is None:
        out.warning(
            "required", f"{ORGANIZATION}: name is must-support (the CPTS name)", f"{p}.name"
        )
    check_phones(res, ORGANIZATION, p, out)


def check_single_structure_identifier(
    res: dict[str, Any],
    name: str,
    type_system: str,
    invariant: re.Pattern[str],
    key: str,
    human: str,
    p: str,
    out: Issues,
) -> None:
    """Organization.identifier 1..1 with type, system, value and a value-format invariant."""
    identifiers = as_list(res.get("identifier"))
    if not identifiers:
        out.error("required", f"{name}: identifier is required (1..1)", f"{p}.identifier")
        return
    if len(identifiers) > 1:
        out.error(
            "structure", f"{name}: identifier is 1..1 (found {len(identifiers)})", f"{p}.identifier"
        )
    for i, ident in enumerate(identifiers):
        ident = as_dict(ident)
        ip = f"{p}.identifier[{i}]"
        for field in ("type", "system", "value"):
            if ident.get(field) is None:
                out.error(
                    "required", f"{name}: identifier.{field} is required (FAQ 2)", f"{ip}.{field}"
                )
        check_structure_identifier(ident, type_system, name, ip, out)
        value = ident.get("value")
        if isinstance(value, str):
            if invariant.fullmatch(value) is None:
                out.error(
                    "invariant", f"{name}: {key} failed: {human} (found {value!r})", f"{ip}.value"
                )
            else:
                warn_idnst(value, name, f"{ip}.value", out)
