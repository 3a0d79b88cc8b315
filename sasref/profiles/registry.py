"""Which check function implements which profile canonical (IG digest §7).

Bundle profiles are dispatched by :mod:`sasref.profiles.bundle`, which uses this table for the
resources of its entries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from sasref.fhir.systems import PROFILE_RESOURCE_TYPES, Profile
from sasref.profiles import appointment, cpts, ps, regulator, sos
from sasref.profiles.outcome import Issues

Checker = Callable[[dict[str, Any], str, Issues], None]

#: profile canonical → check(resource, location, issues), for every non-Bundle profile.
CHECKERS: Final[dict[str, Checker]] = {
    Profile.SLOT_PS: ps.check_slot,
    Profile.SCHEDULE_PS: ps.check_schedule,
    Profile.PRACTITIONER_PS: ps.check_practitioner,
    Profile.PRACTITIONER_ROLE_PS: ps.check_role,
    Profile.LOCATION_PS: ps.check_location,
    Profile.SLOT_CPTS: cpts.check_slot,
    Profile.HEALTHCARE_SERVICE_CPTS: cpts.check_service,
    Profile.ORGANIZATION_CPTS: cpts.check_organization,
    Profile.SLOT_SOS: sos.check_slot,
    Profile.SCHEDULE_SOS: sos.check_schedule,
    Profile.LOCATION_SOS: sos.check_location,
    Profile.ORGANIZATION_SOS: sos.check_organization,
    Profile.APPOINTMENT: appointment.check_appointment,
    Profile.APPOINTMENT_SOS: appointment.check_sos_appointment,
    Profile.PRACTITIONER_REGUL: regulator.check_regulator,
}

BUNDLE_PROFILES: Final = frozenset({Profile.BUNDLE_PS, Profile.BUNDLE_CPTS, Profile.BUNDLE_SOS})

#: Known wrong spellings of a canonical → the canonical meant (§4.3).
PROFILE_ALIASES: Final[dict[str, str]] = {appointment.APPOINTMENT_ALIAS: Profile.APPOINTMENT}


def profile_name(canonical: str) -> str:
    """The short name of a profile (the last segment of its canonical)."""
    return canonical.rsplit("/", 1)[-1]


def declared_profile(resource: dict[str, Any]) -> str | None:
    """The first SAS profile of ``meta.profile`` that constrains this resource type."""
    meta = resource.get("meta")
    profiles = meta.get("profile") if isinstance(meta, dict) else None
    if not isinstance(profiles, list):
        return None
    rtype = resource.get("resourceType")
    for url in profiles:
        if not isinstance(url, str):
            continue
        canonical = PROFILE_ALIASES.get(url, url).split("|", 1)[0]
        if PROFILE_RESOURCE_TYPES.get(canonical) == rtype:
            return canonical
    return None
