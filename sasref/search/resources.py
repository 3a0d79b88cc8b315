"""FHIR JSON builders for the resources of the aggregator searchsets (digest §2, §7, §13).

Plain ``dict`` output (hot path). Each resource carries its ``meta.profile``; identifiers are
always written prefixed; empty elements are never written (FAQ 14). Resource ids are derived
from the model's identifiers so the same offer always renders the same ids:

===================  =======================  ==========================================
resource             id                       profile
===================  =======================  ==========================================
Practitioner         ``pra-<IDNPS>``          FrPractitionerAgregateur
PractitionerRole     ``role-<place id>``      FrPractitionerRoleExerciceAgregateur
Location (contained) ``loc-<place id>``       FrLocationAgregateur
Schedule (PS)        ``sch-<place id>``       FrScheduleAgregateur (one per PractitionerRole)
HealthcareService    ``hcs-<FINESS>``         sas-cpts-healthcareservice-aggregator
Organization (CPTS)  ``cpts-<FINESS>``        sas-cpts-organization-aggregator
Location (SOS)       ``loc-<fixed point id>`` sas-sos-location-aggregator
Schedule (SOS)       ``sch-<fixed point id>`` sas-sos-schedule-aggregator (one per Location)
Organization (SOS)   ``sos-<SIRET>``          sas-sos-organization-aggregator
===================  =======================  ==========================================
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from sasref.directory.model import (
    Address,
    Cpts,
    FixedPoint,
    Place,
    Practitioner,
    SosAssociation,
)
from sasref.fhir.codes import (
    TRE_R38_SPECIALITE,
    TRE_R66_CATEGORIE_ETABLISSEMENT,
    TRE_R314_TYPE_CRENEAU,
    V2_0276,
    V3_ACT_CODE,
)
from sasref.fhir.datetimes import format_instant as _format_instant
from sasref.fhir.systems import (
    EXT_SLOT_SERVICE_TYPE_R5,
    FR_CORE_V2_0203,
    FR_LOCATION_IDENTIFIER_TYPE,
    FR_V2_0203,
    IDNPS_SYSTEM,
    IDNST_SYSTEM,
    Profile,
)
from sasref.search.views import SlotView

Json = dict[str, Any]

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9.\-]")
PS_SLOT_TYPES = ("PUBLIC", "PRO", "SNP")  # JDV_J165: what INT_R01 may show
SOS_SLOT_TYPES = ("PUBLIC", "SNP")


def format_instant(dt: datetime) -> str:
    """:func:`sasref.fhir.datetimes.format_instant`, memoised: slots share their times."""
    return _format_instant_cached(dt)


_format_instant_cached = lru_cache(maxsize=16384)(_format_instant)


@lru_cache(maxsize=65536)
def fhir_id(*parts: str) -> str:
    """A FHIR id (``[A-Za-z0-9.-]{1,64}``) from ``parts`` joined by ``-``."""
    return _ID_UNSAFE.sub("-", "-".join(parts))[:64]


def practitioner_id(p: Practitioner) -> str:
    return fhir_id("pra", p.id)


def role_id(place: Place) -> str:
    return fhir_id("role", place.id)


def schedule_id(place: Place) -> str:
    return fhir_id("sch", place.id)


def healthcare_service_id(finess: str) -> str:
    return fhir_id("hcs", finess)


def cpts_organization_id(finess: str) -> str:
    return fhir_id("cpts", finess)


def sos_location_id(fp: FixedPoint) -> str:
    return fhir_id("loc", fp.id)


def sos_schedule_id(fp: FixedPoint) -> str:
    return fhir_id("sch", fp.id)


def sos_organization_id(siret: str) -> str:
    return fhir_id("sos", siret)


def _meta(profile: str) -> Json:
    return {"profile": [profile]}


def _coding_cc(system: str, code: str) -> Json:
    return {"coding": [{"system": system, "code": code}]}


def _type(system: str, code: str) -> Json:
    return {"coding": [{"system": system, "code": code}]}


def _phone(value: str) -> list[Json]:
    return [{"system": "phone", "value": value}] if value else []


def _address(a: Address) -> Json:
    return {"line": [a.line], "city": a.city, "postalCode": a.postal_code}


def _prune(resource: Json) -> Json:
    """Drop empty lists/strings (FAQ 14: never send empty elements)."""
    return {k: v for k, v in resource.items() if v not in ([], "", None, {})}


# --- PS / CPTS ------------------------------------------------------------------------------
def practitioner(p: Practitioner) -> Json:
    """FrPractitionerAgregateur: IDNPS identifier, name."""
    return {
        "resourceType": "Practitioner",
        "id": practitioner_id(p),
        "meta": _meta(Profile.PRACTITIONER_PS),
        "identifier": [{"type": _type(FR_V2_0203, "IDNPS"), "system": IDNPS_SYSTEM, "value": p.id}],
        "name": [{"family": p.family, "given": [p.given]}],
    }


def practitioner_role(p: Practitioner, place: Place, location_system: str) -> Json:
    """FrPractitionerRoleExerciceAgregateur with its FrLocationAgregateur **contained**."""
    loc_id = fhir_id("loc", place.id)
    location = _prune(
        {
            "resourceType": "Location",
            "id": loc_id,
            "meta": _meta(Profile.LOCATION_PS),
            "identifier": [
                {
                    "type": _type(FR_LOCATION_IDENTIFIER_TYPE, "INTRN"),
                    "system": location_system,
                    "value": place.id,
                }
            ],
            "name": place.name,
            "address": _address(place.address),
        }
    )
    return _prune(
        {
            "resourceType": "PractitionerRole",
            "id": role_id(place),
            "meta": _meta(Profile.PRACTITIONER_ROLE_PS),
            "contained": [location],
            "practitioner": {"reference": f"Practitioner/{practitioner_id(p)}"},
            "organization": {
                "identifier": {
                    "type": _type(FR_V2_0203, "IDNST"),
                    "system": IDNST_SYSTEM,
                    "value": place.structure_id,
                },
                "display": place.structure_name,
            },
            "location": [{"reference": f"#{loc_id}"}],
            "telecom": _phone(place.phone),
        }
    )


def schedule(p: Practitioner, place: Place) -> Json:
    """FrScheduleAgregateur: actor = the Practitioner **and** the PractitionerRole (GAP rule)."""
    return {
        "resourceType": "Schedule",
        "id": schedule_id(place),
        "meta": _meta(Profile.SCHEDULE_PS),
        "actor": [
            {"reference": f"Practitioner/{practitioner_id(p)}"},
            {"reference": f"PractitionerRole/{role_id(place)}"},
        ],
    }


def ps_slot(
    slot: SlotView,
    p: Practitioner,
    place: Place,
    *,
    cpts: tuple[str, ...] | None = None,
) -> Json:
    """A PS slot (FrSlotAgregateur), or a CPTS slot (sas-cpts-slot-aggregator) when ``cpts`` is
    given: then ``CPTS`` stays in ``meta.security`` and each CPTS adds a 604 ``serviceType``
    carrying the R5 extension that references its HealthcareService."""
    is_cpts = cpts is not None
    allowed = (*PS_SLOT_TYPES, "CPTS") if is_cpts else PS_SLOT_TYPES
    meta: Json = _meta(Profile.SLOT_CPTS if is_cpts else Profile.SLOT_PS)
    meta["security"] = [
        {"system": TRE_R314_TYPE_CRENEAU, "code": t} for t in slot.types if t in allowed
    ]
    service_type: list[Json] = [_coding_cc(V3_ACT_CODE, c) for c in slot.consultation_types]
    for finess in cpts or ():
        reference = {"reference": f"HealthcareService/{healthcare_service_id(finess)}"}
        service_type.append(
            {
                "extension": [{"url": EXT_SLOT_SERVICE_TYPE_R5, "valueReference": reference}],
                "coding": [{"system": TRE_R66_CATEGORIE_ETABLISSEMENT, "code": "604"}],
            }
        )
    service_type += [{"text": m} for m in slot.motifs]
    return _prune(
        {
            "resourceType": "Slot",
            "id": fhir_id(slot.id),
            "meta": meta,
            "serviceType": service_type,
            "specialty": [_coding_cc(TRE_R38_SPECIALITE, p.speciality)] if p.speciality else [],
            "appointmentType": _coding_cc(V2_0276, slot.reason),
            "schedule": {"reference": f"Schedule/{schedule_id(place)}"},
            "status": "free",
            "start": format_instant(slot.start),
            "end": format_instant(slot.end),
            "comment": slot.booking_url,
        }
    )


def cpts_healthcare_service(c: Cpts) -> Json:
    """sas-cpts-healthcareservice-aggregator: one per CPTS Organization (FAQ 6)."""
    return {
        "resourceType": "HealthcareService",
        "id": healthcare_service_id(c.finess),
        "meta": _meta(Profile.HEALTHCARE_SERVICE_CPTS),
        "providedBy": {"reference": f"Organization/{cpts_organization_id(c.finess)}"},
    }


def cpts_organization(c: Cpts) -> Json:
    """sas-cpts-organization-aggregator: FINESS typed IDNST with the **FrCore-2** type system."""
    return _prune(
        {
            "resourceType": "Organization",
            "id": cpts_organization_id(c.finess),
            "meta": _meta(Profile.ORGANIZATION_CPTS),
            "identifier": [
                {"type": _type(FR_CORE_V2_0203, "IDNST"), "system": IDNST_SYSTEM, "value": c.finess}
            ],
            "name": c.name,
            "telecom": _phone(c.phone),
        }
    )


# --- SOS ------------------------------------------------------------------------------------
def sos_slot(slot: SlotView, fp: FixedPoint) -> Json:
    """sas-sos-slot-aggregator: PUBLIC/SNP only, consultation types coded, no specialty."""
    meta = _meta(Profile.SLOT_SOS)
    meta["security"] = [
        {"system": TRE_R314_TYPE_CRENEAU, "code": t} for t in slot.types if t in SOS_SLOT_TYPES
    ]
    return _prune(
        {
            "resourceType": "Slot",
            "id": fhir_id(slot.id),
            "meta": meta,
            "serviceType": [_coding_cc(V3_ACT_CODE, c) for c in slot.consultation_types],
            "appointmentType": _coding_cc(V2_0276, slot.reason),
            "schedule": {"reference": f"Schedule/{sos_schedule_id(fp)}"},
            "status": "free",
            "start": format_instant(slot.start),
            "end": format_instant(slot.end),
            "comment": slot.booking_url,
        }
    )


def sos_schedule(fp: FixedPoint) -> Json:
    """sas-sos-schedule-aggregator: one per fixed point, actor = its Location."""
    return {
        "resourceType": "Schedule",
        "id": sos_schedule_id(fp),
        "meta": _meta(Profile.SCHEDULE_SOS),
        "actor": [{"reference": f"Location/{sos_location_id(fp)}"}],
    }


def sos_location(fp: FixedPoint, association: SosAssociation, location_system: str) -> Json:
    """sas-sos-location-aggregator: INTRN identifier (the profile fixes it), hours of operation."""
    return _prune(
        {
            "resourceType": "Location",
            "id": sos_location_id(fp),
            "meta": _meta(Profile.LOCATION_SOS),
            "identifier": [
                {
                    "type": _type(FR_LOCATION_IDENTIFIER_TYPE, "INTRN"),
                    "system": location_system,
                    "value": fp.id,
                }
            ],
            "name": fp.name,
            "telecom": _phone(fp.phone),
            "address": _address(fp.address),
            "managingOrganization": {
                "reference": f"Organization/{sos_organization_id(association.siret)}"
            },
            "hoursOfOperation": [
                {
                    "daysOfWeek": list(h.days),
                    "openingTime": h.opening.strftime("%H:%M:%S"),
                    "closingTime": h.closing.strftime("%H:%M:%S"),
                }
                for h in fp.hours
            ],
        }
    )


def sos_organization(association: SosAssociation) -> Json:
    """sas-sos-organization-aggregator: SIRET typed IDNST (fr-location-identifier-type)."""
    return _prune(
        {
            "resourceType": "Organization",
            "id": sos_organization_id(association.siret),
            "meta": _meta(Profile.ORGANIZATION_SOS),
            "identifier": [
                {
                    "type": _type(FR_LOCATION_IDENTIFIER_TYPE, "IDNST"),
                    "system": IDNST_SYSTEM,
                    "value": association.siret,
                }
            ],
            "name": association.name,
            "telecom": _phone(association.phone),
        }
    )
