"""``GET [base]/metadata``: what the editor says it serves (IG digest §8), and whether it is what
it serves. Pure.

A use case is declared by the IG CapabilityStatement the editor's statement ``instantiates``
(``SAS-GestionnaireAgenda-PsIndiv``, ``-CPTS``, ``-SOS``, ``SAS-GestionnaireStructure``) or, when
it instantiates none, by its resources: a ``Slot`` search (INT_R01; INT_R04 when it includes
``Slot:service-type-reference``), a ``Schedule`` search with ``_revinclude=Slot:schedule`` (SOS),
``Practitioner`` create/update (INT_R02).

**Discovery.** The IG's editor CapabilityStatements declare ``search-type`` on ``Practitioner``
(``FrPractitionerAgregateur``) and, for SOS, ``Organization`` (``sas-sos-organization-
aggregator``): when the editor's statement declares those searches, :func:`discovery_steps`
lists its practitioners and associations (``_count=25``) and :func:`discovered_ids` keeps their
identifiers. Nothing else in the IG lets a client enumerate an editor's offer: otherwise the
identifiers must be given (``--rpps``, ``--siret``).
"""

from __future__ import annotations

from typing import Any, Final

from sasref.conformance.catalog import judged
from sasref.conformance.exchange import Exchange, Step
from sasref.conformance.model import CheckResult, Verdict
from sasref.fhir.identifiers import is_idnps, is_idnst
from sasref.fhir.systems import (
    IDNPS_SYSTEM,
    IDNST_SYSTEM,
    IG_CANONICAL,
    Profile,
)
from sasref.search.query import (
    INC_HCS_ORGANIZATION,
    INC_LOCATION_ORGANIZATION,
    INC_SCHEDULE_ACTOR,
    INC_SCHEDULE_LOCATION,
    INC_SERVICE_TYPE,
    INC_SLOT_SCHEDULE,
    REV_SLOT_SCHEDULE,
)

__all__ = [
    "CAPABILITY_STATEMENTS",
    "declared_use_cases",
    "discovered_ids",
    "discovery_steps",
    "evaluate_capability",
    "evaluate_ig_profiles",
    "evaluate_matches_served",
    "evaluate_use_cases",
    "metadata_step",
]

Json = dict[str, Any]
_CS: Final = IG_CANONICAL + "/CapabilityStatement/"
#: The IG CapabilityStatement an editor instantiates for each use case.
CAPABILITY_STATEMENTS: Final = {
    "ps": _CS + "SAS-GestionnaireAgenda-PsIndiv",
    "cpts": _CS + "SAS-GestionnaireAgenda-CPTS",
    "sos": _CS + "SAS-GestionnaireAgenda-SOS",
    "accounts": _CS + "SAS-GestionnaireStructure",
}
#: What each use case's IG query includes, by searched resource.
_INCLUDES: Final = {
    "ps": ("Slot", {INC_SLOT_SCHEDULE, INC_SCHEDULE_ACTOR}, set()),
    "cpts": (
        "Slot",
        {INC_SLOT_SCHEDULE, INC_SCHEDULE_ACTOR, INC_SERVICE_TYPE, INC_HCS_ORGANIZATION},
        set(),
    ),
    "sos": ("Schedule", {INC_SCHEDULE_LOCATION, INC_LOCATION_ORGANIZATION}, {REV_SLOT_SCHEDULE}),
}
_NAMES: Final = {"ps": "INT_R01", "cpts": "INT_R04", "sos": "SOS", "accounts": "INT_R02"}


def metadata_step(base_url: str) -> Step:
    return Step("metadata", "GET", f"{base_url.rstrip('/')}/metadata", "the CapabilityStatement")


def _resources(cs: Json) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for rest in cs.get("rest") or []:
        if isinstance(rest, dict) and rest.get("mode", "server") == "server":
            for resource in rest.get("resource") or []:
                if isinstance(resource, dict) and isinstance(resource.get("type"), str):
                    out.setdefault(resource["type"], resource)
    return out


def _interactions(resource: Json) -> set[str]:
    return {str(i.get("code")) for i in resource.get("interaction") or [] if isinstance(i, dict)}


def _profiles(resource: Json) -> set[str]:
    named = [resource.get("profile"), *(resource.get("supportedProfile") or [])]
    return {str(p).split("|", 1)[0] for p in named if p}


def _lower(values: Any) -> set[str]:
    return {v.lower() for v in values or [] if isinstance(v, str)}


def declared_use_cases(cs: Json | None) -> dict[str, str]:
    """``{use case: how it is declared}`` (empty for no usable CapabilityStatement)."""
    if cs is None:
        return {}
    instantiates = {str(u).split("|", 1)[0] for u in cs.get("instantiates") or []}
    found = {uc: f"instantiates {url.rsplit('/', 1)[1]}"
             for uc, url in CAPABILITY_STATEMENTS.items() if url in instantiates}  # fmt: skip
    if found:
        return found
    resources = _resources(cs)
    slot, schedule = resources.get("Slot"), resources.get("Schedule")
    practitioner = resources.get("Practitioner")
    if slot and "search-type" in _interactions(slot):
        profiles = _profiles(slot)
        includes = _lower(slot.get("searchInclude"))
        cpts = INC_SERVICE_TYPE.lower() in includes or Profile.SLOT_CPTS in profiles
        named = profiles & {Profile.SLOT_PS, Profile.SLOT_CPTS, Profile.SLOT_SOS}
        if Profile.SLOT_PS in profiles or (
            not named and not cpts and INC_SLOT_SCHEDULE.lower() in includes
        ):
            found["ps"] = "a Slot search (FrSlotAgregateur, Slot:schedule)"
        if cpts:
            found["cpts"] = "a Slot search (sas-cpts-slot-aggregator, Slot:service-type-reference)"
    if schedule and REV_SLOT_SCHEDULE.lower() in _lower(schedule.get("searchRevInclude")):
        found["sos"] = "a Schedule search with _revinclude=Slot:schedule"
    if practitioner and {"create", "update"} <= _interactions(practitioner):
        found["accounts"] = "Practitioner create and update"
    return found


def evaluate_capability(exchange: Exchange) -> CheckResult:
    """``metadata.capability-statement``: 200, a CapabilityStatement, FHIR 4.0.x, JSON, server."""
    check_id = "metadata.capability-statement"
    cs = exchange.resource("CapabilityStatement") if exchange.status == 200 else None
    if cs is None:
        why = exchange.describe() if exchange.status != 200 else exchange.json_error or (
            "the body is not a CapabilityStatement")  # fmt: skip
        return judged(check_id, Verdict.FAIL, f"GET /metadata: {why}", [exchange.evidence()])
    problems = []
    version = cs.get("fhirVersion")
    if not (isinstance(version, str) and version.startswith("4.0")):
        problems.append(f"fhirVersion {version!r}, not 4.0.1")
    formats = _lower(cs.get("format"))
    if not any("json" in f for f in formats):
        problems.append(f"format {sorted(formats)} has no JSON")
    if not _resources(cs):
        problems.append("no rest entry of mode 'server' with resources")
    if problems:
        return judged(check_id, Verdict.FAIL, "; ".join(problems), [exchange.evidence()])
    kind = cs.get("kind")
    note = "" if kind in ("instance", "capability") else f" (kind {kind!r}: 'instance' expected)"
    return judged(check_id, Verdict.PASS, f"FHIR {version}, {len(_resources(cs))} resources{note}")


def evaluate_use_cases(
    declared: dict[str, str], checked: tuple[str, ...], explicit: bool, has_cs: bool
) -> CheckResult:
    """``metadata.use-cases``: every use case checked is declared."""
    check_id = "metadata.use-cases"
    if not has_cs:
        return judged(check_id, Verdict.FAIL, "no CapabilityStatement: every use case is "
                      "checked, none is declared")  # fmt: skip
    if not declared:
        return judged(check_id, Verdict.FAIL, "the CapabilityStatement declares no SAS use case "
                      f"(instantiates none of {sorted(CAPABILITY_STATEMENTS)})")  # fmt: skip
    missing = [uc for uc in checked if uc not in declared]
    if missing and explicit:
        names = ", ".join(_NAMES[m] for m in missing)
        return judged(check_id, Verdict.FAIL, f"asked to check {names}, which the "
                      "CapabilityStatement does not declare")  # fmt: skip
    shown = "; ".join(f"{_NAMES[uc]} ({how})" for uc, how in declared.items())
    return judged(check_id, Verdict.PASS, f"declares {shown}")


def evaluate_matches_served(
    cs: Json | None,
    declared: dict[str, str],
    served: dict[str, Exchange],
) -> CheckResult:
    """``metadata.matches-served``: each use case searched (``served``: its answer to a valid
    search) is declared with the IG's includes, and each declared one answered."""
    check_id = "metadata.matches-served"
    if cs is None:
        return judged(check_id, Verdict.SKIP, "no CapabilityStatement to compare")
    if not served:
        return judged(check_id, Verdict.SKIP, "no search was made")
    resources = _resources(cs)
    problems: list[str] = []
    evidence = []
    for uc, exchange in served.items():
        ok = exchange.status == 200
        if uc not in declared:
            if ok:
                problems.append(f"{_NAMES[uc]} is served but not declared")
                evidence.append(exchange.evidence(f"{_NAMES[uc]} answered"))
            continue
        if not ok:
            problems.append(f"{_NAMES[uc]} is declared but {exchange.describe()}")
            evidence.append(exchange.evidence(f"{_NAMES[uc]} refused"))
            continue
        rtype, includes, revincludes = _INCLUDES[uc]
        resource = resources.get(rtype)
        if resource is None or "search-type" not in _interactions(resource):
            problems.append(f"{_NAMES[uc]} is served but no {rtype} search-type is declared")
            continue
        lacking = sorted(i for i in includes if i.lower() not in _lower(resource.get(
            "searchInclude")))  # fmt: skip
        lacking += sorted(f"_revinclude={r}" for r in revincludes
                          if r.lower() not in _lower(resource.get("searchRevInclude")))  # fmt: skip
        if lacking:
            problems.append(f"{rtype} does not declare {lacking}, which {_NAMES[uc]} uses")
    if problems:
        return judged(check_id, Verdict.FAIL, "; ".join(problems), evidence)
    names = ", ".join(_NAMES[uc] for uc in served)
    return judged(check_id, Verdict.PASS, f"{names}: declared and served alike")


_IG_PROFILES: Final = {
    "Slot": {Profile.SLOT_PS, Profile.SLOT_CPTS, Profile.SLOT_SOS},
    "Schedule": {Profile.SCHEDULE_PS, Profile.SCHEDULE_SOS},
    "Practitioner": {Profile.PRACTITIONER_PS, Profile.PRACTITIONER_REGUL},
}


def evaluate_ig_profiles(cs: Json | None) -> CheckResult:
    """``metadata.ig-profiles``: the served resources name the IG's profiles."""
    check_id = "metadata.ig-profiles"
    if cs is None:
        return judged(check_id, Verdict.SKIP, "no CapabilityStatement")
    problems = []
    for rtype, resource in _resources(cs).items():
        wanted = _IG_PROFILES.get(rtype)
        if wanted is None:
            continue
        canonicals = _profiles(resource)
        if not canonicals & wanted:
            problems.append(f"{rtype} names {sorted(canonicals) or 'no profile'}")
    if problems:
        return judged(check_id, Verdict.FAIL, "; ".join(problems) + " — no IG profile")
    return judged(check_id, Verdict.PASS, "Slot, Schedule and Practitioner name IG profiles")


# --- discovery --------------------------------------------------------------------------------
_DISCOVERABLE: Final = {
    "ps": ("Practitioner", Profile.PRACTITIONER_PS),
    "sos": ("Organization", Profile.ORGANIZATION_SOS),
}


def discovery_steps(cs: Json | None, base_url: str) -> dict[str, Step]:
    """``{use case: step}`` listing an editor's practitioners (``ps``, used for CPTS too) or
    SOS associations, when its CapabilityStatement declares that search for the IG profile."""
    if cs is None:
        return {}
    resources = _resources(cs)
    steps = {}
    for uc, (rtype, profile) in _DISCOVERABLE.items():
        resource = resources.get(rtype)
        if resource is None or "search-type" not in _interactions(resource):
            continue
        if profile in _profiles(resource):
            url = f"{base_url.rstrip('/')}/{rtype}?_count=25"
            steps[uc] = Step(f"discovery:{rtype}", "GET", url, f"list the {rtype} resources")
    return steps


def discovered_ids(exchange: Exchange, use_case: str) -> tuple[str, ...]:
    """Prefixed IDNPS (``ps``) or SIRET (``sos``) of a searchset's resources, at most 25."""
    bundle = exchange.resource("Bundle") if exchange.status == 200 else None
    if bundle is None:
        return ()
    rtype = _DISCOVERABLE[use_case][0]
    system, valid = (IDNST_SYSTEM, is_idnst) if use_case == "sos" else (IDNPS_SYSTEM, is_idnps)
    found: dict[str, None] = {}
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != rtype:
            continue
        declared = (resource.get("meta") or {}).get("profile") or []
        if Profile.PRACTITIONER_REGUL in declared:  # a regulator account, not a practitioner
            continue
        for ident in resource.get("identifier") or []:
            value = ident.get("value") if isinstance(ident, dict) else None
            sos_ok = use_case != "sos" or str(value).startswith("3")  # a SIRET, not a FINESS
            if ident.get("system") == system and isinstance(value, str) and valid(value) and sos_ok:
                found[value] = None
    return tuple(found)[:25]
