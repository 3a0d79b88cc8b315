"""Conformance rules of every SAS IG 1.2.0 profile, as pure functions over FHIR JSON dicts.

IG digest §7 (profiles), §2-§4 (flows), §13 (contradictions; decisions in
``docs/ig-decisions.md``). Two modes:

* ``strict``: what the ANS validator reports (text-only specialties break the required
  binding, empty CPTS/SOS Bundles break ``entry`` min 4, ...);
* ``tolerant``: what the SAS platform should accept from real editors — the IG's own
  contradictions are downgraded to warnings.

Usage::

    from sasref.profiles import validate, has_errors
    outcome = validate(bundle, mode="tolerant")   # an OperationOutcome dict
    if has_errors(outcome): ...

The default path never builds ``fhir.resources`` models (a 150-slot PS Bundle validates in a
few milliseconds); ``base=True`` adds the full base-spec validation through them.
"""

from __future__ import annotations

from typing import Any

from sasref.errors import InvalidInput
from sasref.fhir.systems import PROFILE_RESOURCE_TYPES
from sasref.profiles.base import RESOURCE_TYPES, check_base_models, check_envelope
from sasref.profiles.bundle import check_bundle_resource
from sasref.profiles.detect import detect_profile
from sasref.profiles.outcome import (
    MODES,
    STRICT,
    TOLERANT,
    Issues,
    Mode,
    build_outcome,
    has_errors,
    issues_table,
)
from sasref.profiles.registry import (
    BUNDLE_PROFILES,
    CHECKERS,
    PROFILE_ALIASES,
    declared_profile,
    profile_name,
)

__all__ = [
    "MODES",
    "STRICT",
    "TOLERANT",
    "Mode",
    "build_outcome",
    "detect_profile",
    "has_errors",
    "issues_table",
    "known_profile",
    "profile_name",
    "validate",
    "validation_issues",
]


def known_profile(url: str) -> str:
    """The canonical for ``url`` (a canonical or a known alias); raises InvalidInput."""
    if not isinstance(url, str):
        raise InvalidInput(f"a profile is a canonical URL, not {url!r}")
    canonical = PROFILE_ALIASES.get(url, url).split("|", 1)[0]
    if canonical not in PROFILE_RESOURCE_TYPES:
        raise InvalidInput(f"unknown SAS profile {url!r}")
    return canonical


def validate(
    resource: Any,
    *,
    profile: str | None = None,
    mode: Mode = "strict",
    base: bool = False,
) -> dict[str, Any]:
    """Validate a FHIR JSON resource against a SAS profile; return an OperationOutcome dict.

    ``profile`` = a canonical of :class:`sasref.fhir.systems.Profile` (else detected from
    ``meta.profile``, then from the shape; the applied profile is reported as an
    ``information`` issue). Raises :class:`~sasref.errors.InvalidInput` for an unknown profile
    URL or mode; every problem of the resource itself is an issue, never an exception.
    """
    return build_outcome(validation_issues(resource, profile=profile, mode=mode, base=base))


def validation_issues(
    resource: Any,
    *,
    profile: str | None = None,
    mode: Mode = "strict",
    base: bool = False,
) -> list[dict[str, Any]]:
    """The issues :func:`validate` reports, in the order found (before the OperationOutcome
    sorts them by severity and adds its "OK" issue when there is none): for callers that only
    count or filter them."""
    out = Issues(mode)
    if not isinstance(resource, dict):
        out.error("structure", "FHIR: a resource must be a JSON object", None)
        return out.issues
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str):
        out.error("structure", "FHIR: resourceType is missing: not a FHIR resource", None)
        return out.issues
    if rtype not in RESOURCE_TYPES:
        out.error("structure", f"FHIR: unknown resourceType {rtype!r}", "resourceType")
        return out.issues
    if profile is None:
        applied = detect_profile(resource)
        if applied is None:
            out.info(
                "not-supported", f"no SAS profile applies to a {rtype}; base checks only", None
            )
        else:
            how = "meta.profile" if declared_profile(resource) == applied else "its shape"
            out.info(
                "informational",
                f"validated against {profile_name(applied)} ({applied}), chosen from {how}",
                None,
            )
    else:
        applied = known_profile(profile)
        expected = PROFILE_RESOURCE_TYPES[applied]
        if expected != rtype:
            out.error(
                "structure",
                f"{profile_name(applied)} constrains {expected}, not {rtype}",
                "resourceType",
            )
            return out.issues
        out.info(
            "informational",
            f"validated against {profile_name(applied)} ({applied}), as requested",
            None,
        )
    if applied in BUNDLE_PROFILES:
        # check_envelope + check_bundle, sharing the per-entry work (same issues, same order)
        check_bundle_resource(resource, applied, out, rtype)
    else:
        check_envelope(resource, rtype, out)
        if applied is not None:
            CHECKERS[applied](resource, rtype, out)
    if base:
        check_base_models(resource, out)
    return out.issues
