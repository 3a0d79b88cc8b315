"""Which SAS profile a resource claims, or looks like (IG digest §2, §7).

``meta.profile`` wins; failing that the shape decides: a Bundle holding a Schedule whose actor
is a Location is SOS, one with a CPTS slot (``CPTS`` in ``meta.security`` or the R5 serviceType
extension) or a HealthcareService is CPTS, else PS; a Practitioner with ``meta.source`` = SAS, a
SAS technical id or ``active`` is a regulator account; and so on.
"""

from __future__ import annotations

from typing import Any

from sasref.fhir.codes import TRE_R314_TYPE_CRENEAU
from sasref.fhir.systems import EXT_SLOT_SERVICE_TYPE_R5, SAS_SYSTEM, Profile
from sasref.profiles.common import as_dict, as_list, codings, reference_type
from sasref.profiles.registry import declared_profile

_SEARCH_TYPES = frozenset(
    {
        "Slot",
        "Schedule",
        "Practitioner",
        "PractitionerRole",
        "Location",
        "Organization",
        "HealthcareService",
    }
)


def detect_profile(resource: Any) -> str | None:
    """The profile canonical to validate ``resource`` against, or None when none applies."""
    if not isinstance(resource, dict):
        return None
    declared = declared_profile(resource)
    if declared is not None:
        return declared
    return shape_profile(resource)


def is_cpts_slot(slot: dict[str, Any]) -> bool:
    security = as_list(as_dict(slot.get("meta")).get("security"))
    if any(
        isinstance(c, dict) and c.get("system") == TRE_R314_TYPE_CRENEAU and c.get("code") == "CPTS"
        for c in security
    ):
        return True
    return any(
        isinstance(e, dict) and e.get("url") == EXT_SLOT_SERVICE_TYPE_R5
        for cc in as_list(slot.get("serviceType"))
        for e in as_list(as_dict(cc).get("extension"))
    )


def _schedule_on_location(schedule: dict[str, Any]) -> bool:
    for actor in as_list(schedule.get("actor")):
        literal = as_dict(actor).get("reference")
        if isinstance(literal, str) and reference_type(literal) == "Location":
            return True
    return False


def shape_profile(resource: dict[str, Any]) -> str | None:
    """The profile a resource without a (known) ``meta.profile`` most likely follows."""
    rtype = resource.get("resourceType")
    if rtype == "Bundle":
        return _bundle_shape(resource)
    if rtype == "Slot":
        return Profile.SLOT_CPTS if is_cpts_slot(resource) else Profile.SLOT_PS
    if rtype == "Schedule":
        return Profile.SCHEDULE_SOS if _schedule_on_location(resource) else Profile.SCHEDULE_PS
    if rtype == "Practitioner":
        regulator = (
            as_dict(resource.get("meta")).get("source") == SAS_SYSTEM
            or "active" in resource
            or any(
                as_dict(i).get("system") == SAS_SYSTEM for i in as_list(resource.get("identifier"))
            )
        )
        return Profile.PRACTITIONER_REGUL if regulator else Profile.PRACTITIONER_PS
    if rtype == "PractitionerRole":
        return Profile.PRACTITIONER_ROLE_PS
    if rtype == "Location":
        return Profile.LOCATION_SOS if "managingOrganization" in resource else Profile.LOCATION_PS
    if rtype == "Organization":
        return Profile.ORGANIZATION_SOS if _looks_sos(resource) else Profile.ORGANIZATION_CPTS
    if rtype == "HealthcareService":
        return Profile.HEALTHCARE_SERVICE_CPTS
    if rtype == "Appointment":
        return Profile.APPOINTMENT_SOS if _looks_sos_appointment(resource) else Profile.APPOINTMENT
    return None


def _looks_sos(organization: dict[str, Any]) -> bool:
    for ident in as_list(organization.get("identifier")):
        value = as_dict(ident).get("value")
        if isinstance(value, str) and value.startswith("3") and len(value) == 15:
            return True
    return False


def _looks_sos_appointment(appointment: dict[str, Any]) -> bool:
    for part in as_list(appointment.get("participant")):
        part = as_dict(part)
        if part.get("actor") is None and any(
            c.get("code") == "ADM" for cc in as_list(part.get("type")) for c in codings(cc)
        ):
            return True
    return False


def _bundle_shape(bundle: dict[str, Any]) -> str | None:
    resources = [as_dict(as_dict(e).get("resource")) for e in as_list(bundle.get("entry"))]
    if not resources:
        return Profile.BUNDLE_PS if bundle.get("type") == "searchset" else None
    types = {r.get("resourceType") for r in resources if isinstance(r.get("resourceType"), str)}
    if not types & _SEARCH_TYPES:
        return None
    for r in resources:
        declared = declared_profile(r)
        if declared in (Profile.SLOT_SOS, Profile.SCHEDULE_SOS, Profile.LOCATION_SOS):
            return Profile.BUNDLE_SOS
        if r.get("resourceType") == "Schedule" and _schedule_on_location(r):
            return Profile.BUNDLE_SOS
    if "HealthcareService" in types or any(
        r.get("resourceType") == "Slot" and is_cpts_slot(r) for r in resources
    ):
        return Profile.BUNDLE_CPTS
    return Profile.BUNDLE_PS
