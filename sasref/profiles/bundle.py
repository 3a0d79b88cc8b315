"""The three searchset Bundle profiles and the checks across their entries.

IG digest §2.1 (searchset, ``total``, self link, empty Bundle with ``total: 0`` when nothing is
found), §7.6 BundleAgregateur (entries sliced by *type*: every Slot/Schedule/Practitioner/
PractitionerRole entry must follow the PS profile), §7.7/§7.8 CPTS and SOS bundles (``total``
1..1, ``link`` 1..1, ``entry`` min 4 sliced by *profile*, ``fullUrl`` 1..1), §13 (empty
CPTS/SOS Bundle, ``total`` counting Slots, missing ``search.mode``). Base FHIR R4 Bundle
invariants bdl-3/4/5/7/8.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from sasref.fhir.systems import PROFILE_RESOURCE_TYPES, Profile
from sasref.profiles.base import RESOURCE_TYPES, check_shapes
from sasref.profiles.common import as_dict, as_list, check_id, check_meta_profile, is_code_in
from sasref.profiles.cpts import cpts_references
from sasref.profiles.detect import is_cpts_slot
from sasref.profiles.outcome import STRICT, TOLERANT, Issues
from sasref.profiles.references import BundleIndex
from sasref.profiles.registry import CHECKERS, declared_profile, profile_name

_MODES: Final = frozenset({"match", "include", "outcome"})
_PS_TYPED: Final = {
    "Slot": Profile.SLOT_PS,
    "Schedule": Profile.SCHEDULE_PS,
    "Practitioner": Profile.PRACTITIONER_PS,
    "PractitionerRole": Profile.PRACTITIONER_ROLE_PS,
}
_CPTS_DEFAULTS: Final = {
    **_PS_TYPED,
    "HealthcareService": Profile.HEALTHCARE_SERVICE_CPTS,
    "Organization": Profile.ORGANIZATION_CPTS,
}
_SOS_DEFAULTS: Final = {
    "Slot": Profile.SLOT_SOS,
    "Schedule": Profile.SCHEDULE_SOS,
    "Location": Profile.LOCATION_SOS,
    "Organization": Profile.ORGANIZATION_SOS,
}
#: Bundle profile → its required slices (name, entry profile).
_SLICES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    Profile.BUNDLE_CPTS: (
        ("slotAgregateurCPTS", Profile.SLOT_CPTS),
        ("scheduleAgregateurCPTS", Profile.SCHEDULE_PS),
        ("practitionerAgregateur", Profile.PRACTITIONER_PS),
        ("practitionerRole", Profile.PRACTITIONER_ROLE_PS),
    ),
    Profile.BUNDLE_SOS: (
        ("slotAgregateurSOS", Profile.SLOT_SOS),
        ("scheduleAgregateurSOS", Profile.SCHEDULE_SOS),
        ("locationAgregateurSOS", Profile.LOCATION_SOS),
        ("organizationAgregateurSOS", Profile.ORGANIZATION_SOS),
    ),
}
#: Which entry types are sliced (so need a ``fullUrl``) in the CPTS and SOS bundles.
_SLICED_TYPES: Final = {
    Profile.BUNDLE_CPTS: frozenset(_CPTS_DEFAULTS),
    Profile.BUNDLE_SOS: frozenset(_SOS_DEFAULTS),
}


def entry_profile(bundle_profile: str, resource: dict[str, Any]) -> str | None:
    """The profile an entry resource is validated against inside ``bundle_profile``."""
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str):
        return None
    if bundle_profile == Profile.BUNDLE_PS:
        # type-discriminated slices: a Slot entry IS an FrSlotAgregateur entry
        return _PS_TYPED.get(rtype) or declared_profile(resource)
    declared = declared_profile(resource)
    if declared is not None:
        return declared
    if bundle_profile == Profile.BUNDLE_CPTS:
        if rtype == "Slot":
            return Profile.SLOT_CPTS if is_cpts_slot(resource) else Profile.SLOT_PS
        return _CPTS_DEFAULTS.get(rtype)
    return _SOS_DEFAULTS.get(rtype)


def check_bundle(res: dict[str, Any], profile: str, out: Issues) -> None:
    """A searchset Bundle against BundleAgregateur / sas-cpts-bundle / sas-sos-bundle."""
    name = profile_name(profile)
    p = "Bundle"
    check_meta_profile(res, profile, name, p, out)
    strict_bundle = profile != Profile.BUNDLE_PS
    btype = res.get("type")
    if btype is None:
        out.error("required", f"{name}: type is required", f"{p}.type")
    elif btype != "searchset":
        out.error(
            "value",
            f"{name}: Bundle.type is fixed by pattern to searchset (found {btype})",
            f"{p}.type",
        )
    total = res.get("total")
    if total is None:
        if strict_bundle:
            out.error("required", f"{name}: total is required (1..1)", f"{p}.total")
    elif not isinstance(total, int) or isinstance(total, bool) or total < 0:
        out.error("value", f"{name}: total must be an unsignedInt (found {total!r})", f"{p}.total")
        total = None
    _check_links(res, name, p, out, strict_bundle)
    entries = as_list(res.get("entry"))
    if res.get("entry") is not None and not isinstance(res.get("entry"), list):
        out.error("structure", f"{name}: entry must be an array", f"{p}.entry")
    index = BundleIndex(entries)
    chosen: list[str | None] = []
    matches = slots = 0
    seen_urls: dict[str, int] = {}
    for i, entry in enumerate(entries):
        ep = f"{p}.entry[{i}]"
        if not isinstance(entry, dict):
            out.error("structure", f"{name}: entry[{i}] must be an object", ep)
            chosen.append(None)
            continue
        resource = entry.get("resource")
        chosen.append(None)
        if not isinstance(resource, dict):
            out.error(
                "invariant", f"{name}: bdl-5 entry[{i}] must hold a resource", f"{ep}.resource"
            )
            continue
        for key, rule in (("request", "bdl-3"), ("response", "bdl-4")):
            if key in entry:
                out.error(
                    "invariant", f"{name}: {rule} a searchset entry has no {key}", f"{ep}.{key}"
                )
        rtype = resource.get("resourceType")
        full_url = entry.get("fullUrl")
        if full_url is None:
            if strict_bundle and is_code_in(rtype, _SLICED_TYPES[profile]):
                out.error("required", f"{name}: entry.fullUrl is required (1..1)", f"{ep}.fullUrl")
            elif not strict_bundle:
                out.warning(
                    "required",
                    f"{name}: entry.fullUrl missing (references resolve by Type/id only)",
                    f"{ep}.fullUrl",
                )
        elif isinstance(full_url, str):
            if "/_history/" in full_url:
                out.error(
                    "invariant",
                    f"{name}: bdl-8 fullUrl must not be a version-specific URL",
                    f"{ep}.fullUrl",
                )
            if full_url in seen_urls:
                out.error(
                    "invariant",
                    f"{name}: bdl-7 fullUrl {full_url} is repeated (entry {seen_urls[full_url]})",
                    f"{ep}.fullUrl",
                )
            seen_urls.setdefault(full_url, i)
        mode = as_dict(entry.get("search")).get("mode")
        if mode is None:
            message = f"{name}: entry.search.mode is missing (IG 1.2.0 examples carry it)"
            if out.strict:
                out.warning("required", message, f"{ep}.search.mode")
            else:
                out.info("required", message, f"{ep}.search.mode")
        elif not is_code_in(mode, _MODES):
            out.error(
                "code-invalid",
                f"{name}: search.mode {mode!r} is not match/include/outcome",
                f"{ep}.search.mode",
            )
        elif mode == "match":
            matches += 1
        if rtype == "Slot":
            slots += 1
        if not isinstance(rtype, str) or rtype not in RESOURCE_TYPES:
            out.error(
                "structure",
                f"{name}: entry[{i}] resourceType {rtype!r} is unknown",
                f"{ep}.resource.resourceType",
            )
            continue
        rp = f"{ep}.resource"
        target = entry_profile(profile, resource)
        chosen[i] = target
        _check_entry_resource(resource, rtype, target, rp, out)
        if target is None:
            out.info(
                "informational",
                f"{name}: {rtype} entries are not profiled by the IG, not validated",
                rp,
            )
    _check_cardinalities(profile, name, entries, chosen, total, out)
    _check_total(name, total, matches, slots, out)
    _check_references(name, index, chosen, out)


#: Verdicts of the entry-local checks (id, shapes, the entry's own profile), by the resource's
#: JSON, its profile and the mode. Those checks are pure functions of the resource: an editor
#: sends the same Practitioner, PractitionerRole, Schedule and mostly the same Slots search after
#: search, and each distinct resource is checked once. The issues are kept with a placeholder
#: for the entry's location and replayed with the real one.
_ENTRY_VERDICTS: dict[tuple[bytes, str | None, bool], tuple[tuple[Any, str, str, Any], ...]] = {}
_ENTRY_VERDICTS_MAX: Final = 20_000
_HERE: Final = "\x00"  # the entry's location while its verdict is computed


def _check_entry_resource(
    resource: dict[str, Any], rtype: str, target: str | None, rp: str, out: Issues
) -> None:
    """check_id, check_shapes and the entry's profile checker, at most once per distinct
    resource (see :data:`_ENTRY_VERDICTS`)."""
    try:
        body = orjson.dumps(resource)
    except (TypeError, orjson.JSONEncodeError):  # not plain JSON: no key, check directly
        body = b"\\u0000"
    if b"\\u0000" in body:  # a NUL in the data would clash with the placeholder
        check_id(resource, rp, out)
        check_shapes(resource, rtype, rp, out)
        if target is not None:
            CHECKERS[target](resource, rp, out)
        return
    key = (body, target, out.strict)
    verdict = _ENTRY_VERDICTS.get(key)
    if verdict is None:
        local = Issues(STRICT if out.strict else TOLERANT)
        check_id(resource, _HERE, local)
        check_shapes(resource, rtype, _HERE, local)
        if target is not None:
            CHECKERS[target](resource, _HERE, local)
        verdict = tuple(
            (i["severity"], i["code"], i["diagnostics"], (i.get("expression") or (None,))[0])
            for i in local.issues
        )
        if len(_ENTRY_VERDICTS) >= _ENTRY_VERDICTS_MAX:
            _ENTRY_VERDICTS.clear()
        _ENTRY_VERDICTS[key] = verdict
    for severity, code, message, path in verdict:
        out.add(
            severity,
            code,
            message.replace(_HERE, rp),
            path.replace(_HERE, rp) if path else path,
        )


def _check_links(res: dict[str, Any], name: str, p: str, out: Issues, strict_bundle: bool) -> None:
    links = as_list(res.get("link"))
    if strict_bundle and len(links) != 1:
        out.error(
            "required" if not links else "structure",
            f"{name}: link is 1..1 (found {len(links)})",
            f"{p}.link",
        )
    for i, link in enumerate(links):
        link = as_dict(link)
        for key in ("relation", "url"):
            if link.get(key) is None:
                out.error("required", f"{name}: link.{key} is required", f"{p}.link[{i}].{key}")
    if not any(as_dict(link).get("relation") == "self" for link in links) and not strict_bundle:
        out.warning("required", f"{name}: a self link is expected (§2.1)", f"{p}.link")


def _check_cardinalities(
    profile: str,
    name: str,
    entries: list[Any],
    chosen: list[str | None],
    total: int | None,
    out: Issues,
) -> None:
    if profile not in _SLICES:
        return
    if not entries:
        out.relaxed(
            "required",
            f"{name}: entry is min 4 (one Slot, Schedule, ... each); an empty searchset "
            f"breaks the profile (total {total})",
            "Bundle.entry",
            "FAQ 13 mandates an empty searchset with total 0 when nothing is found",
        )
        return
    if len(entries) < 4:
        out.error("required", f"{name}: entry is min 4 (found {len(entries)})", "Bundle.entry")
    for slice_name, slice_profile in _SLICES[profile]:
        if slice_profile not in chosen:
            out.error(
                "required",
                f"{name}: slice entry:{slice_name} is 1..* (no {profile_name(slice_profile)} "
                "entry)",
                "Bundle.entry",
            )


def _check_total(name: str, total: int | None, matches: int, slots: int, out: Issues) -> None:
    if total is None or total == matches:
        return
    if total == slots:
        message = (
            f"{name}: total {total} counts the Slots, not the {matches} match entries "
            "(the SOS example does so)"
        )
        if out.strict:
            out.warning("value", message, "Bundle.total")
        else:
            out.info("value", message, "Bundle.total")
        return
    out.warning(
        "value",
        f"{name}: total {total} but {matches} match entries and {slots} Slots",
        "Bundle.total",
    )


_ACTOR_TYPES: Final = {
    Profile.SCHEDULE_PS: ("Practitioner", "PractitionerRole"),
    Profile.SCHEDULE_SOS: ("Location",),
}


def _check_references(name: str, index: BundleIndex, chosen: list[str | None], out: Issues) -> None:
    """Resolve every reference the SAS flows follow; unresolved or mistyped → error."""
    for i, profile in enumerate(chosen):
        if profile is None:
            continue
        entry = as_dict(index.entries[i])
        res = as_dict(entry.get("resource"))
        full_url = entry.get("fullUrl")
        rp = f"Bundle.entry[{i}].resource"
        rtype = PROFILE_RESOURCE_TYPES.get(profile)
        if rtype == "Slot":
            _follow(
                index, res.get("schedule"), full_url, ("Schedule",), name, f"{rp}.schedule", out
            )
            cpts_refs = cpts_references(res) if profile == Profile.SLOT_CPTS else ()
            for si, ej, ref in cpts_refs:
                _follow(
                    index,
                    ref,
                    full_url,
                    ("HealthcareService",),
                    name,
                    f"{rp}.serviceType[{si}].extension[{ej}].valueReference",
                    out,
                )
        elif rtype == "Schedule":
            targets = [
                _follow(
                    index,
                    actor,
                    full_url,
                    _ACTOR_TYPES.get(profile, ()),
                    name,
                    f"{rp}.actor[{ai}]",
                    out,
                    strict_type=profile == Profile.SCHEDULE_SOS,
                )
                for ai, actor in enumerate(as_list(res.get("actor")))
            ]
            if profile == Profile.SCHEDULE_PS:
                _check_ps_schedule_pair(index, targets, name, rp, out)
        elif rtype == "PractitionerRole" and res.get("practitioner") is not None:
            _follow(
                index,
                res.get("practitioner"),
                full_url,
                ("Practitioner",),
                name,
                f"{rp}.practitioner",
                out,
            )
        elif rtype == "HealthcareService":
            _follow(
                index,
                res.get("providedBy"),
                full_url,
                ("Organization",),
                name,
                f"{rp}.providedBy",
                out,
            )
        elif rtype == "Location" and res.get("managingOrganization") is not None:
            _follow(
                index,
                res.get("managingOrganization"),
                full_url,
                ("Organization",),
                name,
                f"{rp}.managingOrganization",
                out,
            )


def _follow(
    index: BundleIndex,
    ref: Any,
    full_url: Any,
    types: tuple[str, ...],
    name: str,
    path: str,
    out: Issues,
    *,
    strict_type: bool = True,
) -> int | None:
    literal = as_dict(ref).get("reference")
    if not isinstance(literal, str) or literal.startswith("#"):
        return None  # shape problems are reported by the resource's own profile
    hit = index.resolve(literal, full_url)
    if hit is None:
        out.error(
            "not-found",
            f"{name}: reference {literal!r} does not resolve to an entry of the Bundle",
            f"{path}.reference",
        )
        return None
    target_type = index.resource(hit).get("resourceType")
    if types and target_type not in types:
        report = out.error if strict_type else out.warning
        report(
            "value",
            f"{name}: {literal!r} resolves to a {target_type}, expected {' or '.join(types)}",
            f"{path}.reference",
        )
    return hit


def _check_ps_schedule_pair(
    index: BundleIndex, targets: list[int | None], name: str, rp: str, out: Issues
) -> None:
    """§2.2 / GAP: Schedule.actor = the Practitioner AND its PractitionerRole (FAQ 12)."""
    resolved = [(t, index.resource(t)) for t in targets if t is not None]
    practitioners = [t for t, r in resolved if r.get("resourceType") == "Practitioner"]
    roles = [r for _, r in resolved if r.get("resourceType") == "PractitionerRole"]
    if resolved and (not practitioners or not roles):
        out.warning(
            "required",
            f"{name}: Schedule.actor should reference both the Practitioner "
            "and the PractitionerRole (§2.2)",
            f"{rp}.actor",
        )
        return
    for role in roles:
        literal = as_dict(role.get("practitioner")).get("reference")
        if not isinstance(literal, str):
            continue
        role_entry = index.by_type_id.get(f"PractitionerRole/{role.get('id')}")
        role_url = (
            as_dict(index.entries[role_entry]).get("fullUrl") if role_entry is not None else None
        )
        if index.resolve(literal, role_url) not in practitioners:
            out.warning(
                "value",
                f"{name}: the PractitionerRole of this Schedule belongs to "
                "another Practitioner than its Practitioner actor (FAQ 12)",
                f"{rp}.actor",
            )
