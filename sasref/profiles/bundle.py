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
from sasref.profiles.common import (
    _has_empty,
    _report_empty,
    as_dict,
    as_list,
    check_id,
    check_meta_profile,
    has_empty_dumped,
    is_code_in,
)
from sasref.profiles.cpts import cpts_references
from sasref.profiles.detect import is_cpts_slot
from sasref.profiles.outcome import STRICT, TOLERANT, Issues
from sasref.profiles.references import BundleIndex, lookup_keys
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


def check_bundle_resource(
    res: dict[str, Any], profile: str, out: Issues, p: str = "Bundle"
) -> None:
    """The envelope checks (:func:`sasref.profiles.base.check_envelope`: id, shapes, no empty
    element) then :func:`check_bundle`, sharing the per-entry work between them.

    Same issues, in the same order, as ``check_envelope(res, p, out)`` followed by
    ``check_bundle(res, profile, out)`` (``p`` = the resourceType): the "no empty element"
    screen of the whole Bundle is derived from the entries' cached verdicts instead of
    serialising the Bundle once more.
    """
    raw = res.get("entry")
    verdicts = _verdicts(raw, profile, out.strict) if raw.__class__ is list else None
    check_id(res, p, out)
    check_shapes(res, str(res.get("resourceType")), p, out)
    if _bundle_has_empty(res, verdicts):
        _report_empty(res, p, out)
    check_bundle(res, profile, out, verdicts)


def check_bundle(
    res: dict[str, Any],
    profile: str,
    out: Issues,
    verdicts: list[_Verdict | None] | None = None,
) -> None:
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
    if verdicts is None:
        verdicts = _verdicts(entries, profile, out.strict)
    index = BundleIndex(entries, index=False)
    by_url, by_type_id = index.by_url, index.by_type_id
    chosen: list[str | None] = []
    matches = slots = 0
    seen_urls: dict[str, int] = {}
    add = out.add
    for i, v in enumerate(verdicts):
        if v is None:
            out.error("structure", f"{name}: entry[{i}] must be an object", f"{p}.entry[{i}]")
            chosen.append(None)
            continue
        full_url = v.full_url
        if full_url is not None:
            by_url.setdefault(full_url, i)
        if v.type_id is not None:
            by_type_id.setdefault(v.type_id, i)
        if v.before:
            _replay(add, v.before, v.templated, i)
        if v.has_resource:
            if full_url is not None:
                if full_url in seen_urls:
                    out.error(
                        "invariant",
                        f"{name}: bdl-7 fullUrl {full_url} is repeated "
                        f"(entry {seen_urls[full_url]})",
                        f"{p}.entry[{i}].fullUrl",
                    )
                else:
                    seen_urls[full_url] = i
            if v.after:
                _replay(add, v.after, v.templated, i)
            matches += v.match
            slots += v.slot
        chosen.append(v.target)
    _check_cardinalities(profile, name, entries, chosen, total, out)
    _check_total(name, total, matches, slots, out)
    _check_references(name, index, verdicts, out)


#: The index placeholder of a cached verdict's messages and locations (``entry[\x00]``).
_HERE: Final = "\x00"
_Issue = tuple[Any, str, str, Any]


class _Verdict:
    """What one entry alone says: its issues (with the entry's index as :data:`_HERE` when
    ``templated``), what the Bundle-level checks need from it, and the references to follow."""

    __slots__ = (
        "after",
        "before",
        "follow",
        "full_url",
        "has_empty",
        "has_resource",
        "match",
        "pair",
        "role_key",
        "role_practitioner",
        "rtype",
        "slot",
        "target",
        "templated",
        "type_id",
    )

    def __init__(self) -> None:
        self.before: tuple[_Issue, ...] = ()  # before the bdl-7 check
        self.after: tuple[_Issue, ...] = ()  # after it
        self.templated = True
        self.full_url: str | None = None
        self.type_id: str | None = None
        self.rtype: Any = None  # resource.resourceType as sent (any JSON), None without one
        self.has_resource = False
        self.has_empty = False
        self.match = 0
        self.slot = 0
        self.target: str | None = None
        #: (literal, its lookup keys, expected types, location (templated), strict type)
        self.follow: tuple[
            tuple[str, tuple[tuple[bool, str], ...], tuple[str, ...], str, bool], ...
        ] = ()
        self.pair = False  # a PS Schedule: check its actors pair up (FAQ 12)
        #: a PractitionerRole's practitioner.reference when it is a string, and its Type/id key
        self.role_practitioner: str | None = None
        self.role_key = ""


#: Verdicts of the entry-local checks (the entry's own fields, its resource's id, shapes and
#: profile, its references to follow), by the entry's JSON, the Bundle profile and the mode.
#: Those checks are pure functions of the entry: an editor sends the same Practitioner,
#: PractitionerRole, Schedule and mostly the same Slots search after search, and each distinct
#: entry is checked once. The issues are kept with a placeholder for the entry's index and
#: replayed with the real one.
_ENTRY_VERDICTS: dict[tuple[bytes, str, bool], _Verdict] = {}
_ENTRY_VERDICTS_MAX: Final = 20_000
_DUMPS: Final = orjson.dumps
#: A key must be the JSON of plain JSON values: datetimes and subclasses of str/int/dict/list
#: (serialised like their base, checked differently) make orjson raise, and go uncached.
_EXACT: Final = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
_JSON_ERRORS: Final = (TypeError, orjson.JSONEncodeError)


def _verdicts(entries: list[Any], profile: str, strict: bool) -> list[_Verdict | None]:
    """The verdict of every entry (None for an entry that is not an object)."""
    out: list[_Verdict | None] = []
    cache = _ENTRY_VERDICTS
    for i, entry in enumerate(entries):
        if entry.__class__ is not dict:
            out.append(None)
            continue
        try:
            body = _DUMPS(entry, option=_EXACT)
        except _JSON_ERRORS:  # not plain JSON: no key, check directly
            body = None
        if body is None or b"\\u0000" in body:  # a NUL would clash with the placeholder
            out.append(_entry_verdict(entry, str(i), profile, strict, body))
            continue
        key = (body, profile, strict)
        verdict = cache.get(key)
        if verdict is None:
            verdict = _entry_verdict(entry, _HERE, profile, strict, body)
            if len(cache) >= _ENTRY_VERDICTS_MAX:
                cache.clear()
            cache[key] = verdict
        out.append(verdict)
    return out


def _replay(add: Any, issues: tuple[_Issue, ...], templated: bool, i: int) -> None:
    if not templated:
        for severity, code, message, path in issues:
            add(severity, code, message, path)
        return
    here = str(i)
    for severity, code, message, path in issues:
        add(
            severity,
            code,
            message.replace(_HERE, here),
            path.replace(_HERE, here) if path else path,
        )


def _frozen(issues: list[dict[str, Any]]) -> tuple[_Issue, ...]:
    return tuple(
        (i["severity"], i["code"], i["diagnostics"], (i.get("expression") or (None,))[0])
        for i in issues
    )


def _entry_verdict(
    entry: dict[str, Any], ix: str, profile: str, strict: bool, body: bytes | None
) -> _Verdict:
    """Check one entry on its own; ``ix`` is its index (or :data:`_HERE`), ``body`` its JSON."""
    v = _Verdict()
    v.templated = ix == _HERE
    name = profile_name(profile)
    strict_bundle = profile != Profile.BUNDLE_PS
    local = Issues(STRICT if strict else TOLERANT)
    ep = f"Bundle.entry[{ix}]"
    full_url = entry.get("fullUrl")
    if isinstance(full_url, str):
        v.full_url = full_url
    resource = entry.get("resource")
    if resource.__class__ is dict:
        rtype, rid = resource.get("resourceType"), resource.get("id")
        v.rtype = rtype
        if isinstance(rtype, str) and isinstance(rid, str):
            v.type_id = f"{rtype}/{rid}"
        if rtype == "PractitionerRole":
            literal = as_dict(resource.get("practitioner")).get("reference")
            v.role_practitioner = literal if isinstance(literal, str) else None
            v.role_key = f"PractitionerRole/{rid}"
    v.has_empty = _has_empty(entry) if body is None else has_empty_dumped(entry, body)
    if not isinstance(resource, dict):
        local.error(
            "invariant", f"{name}: bdl-5 entry[{ix}] must hold a resource", f"{ep}.resource"
        )
        v.before = _frozen(local.issues)
        return v
    v.has_resource = True
    for key, rule in (("request", "bdl-3"), ("response", "bdl-4")):
        if key in entry:
            local.error(
                "invariant", f"{name}: {rule} a searchset entry has no {key}", f"{ep}.{key}"
            )
    rtype = resource.get("resourceType")
    if full_url is None:
        if strict_bundle and is_code_in(rtype, _SLICED_TYPES[profile]):
            local.error("required", f"{name}: entry.fullUrl is required (1..1)", f"{ep}.fullUrl")
        elif not strict_bundle:
            local.warning(
                "required",
                f"{name}: entry.fullUrl missing (references resolve by Type/id only)",
                f"{ep}.fullUrl",
            )
    elif isinstance(full_url, str) and "/_history/" in full_url:
        local.error(
            "invariant",
            f"{name}: bdl-8 fullUrl must not be a version-specific URL",
            f"{ep}.fullUrl",
        )
    v.before = _frozen(local.issues)
    local.issues.clear()
    mode = as_dict(entry.get("search")).get("mode")
    if mode is None:
        message = f"{name}: entry.search.mode is missing (IG 1.2.0 examples carry it)"
        if local.strict:
            local.warning("required", message, f"{ep}.search.mode")
        else:
            local.info("required", message, f"{ep}.search.mode")
    elif not is_code_in(mode, _MODES):
        local.error(
            "code-invalid",
            f"{name}: search.mode {mode!r} is not match/include/outcome",
            f"{ep}.search.mode",
        )
    elif mode == "match":
        v.match = 1
    if rtype == "Slot":
        v.slot = 1
    if not isinstance(rtype, str) or rtype not in RESOURCE_TYPES:
        local.error(
            "structure",
            f"{name}: entry[{ix}] resourceType {rtype!r} is unknown",
            f"{ep}.resource.resourceType",
        )
        v.after = _frozen(local.issues)
        return v
    rp = f"{ep}.resource"
    target = entry_profile(profile, resource)
    v.target = target
    check_id(resource, rp, local)
    check_shapes(resource, rtype, rp, local)
    if target is not None:
        CHECKERS[target](resource, rp, local)
    else:
        local.info(
            "informational",
            f"{name}: {rtype} entries are not profiled by the IG, not validated",
            rp,
        )
    v.after = _frozen(local.issues)
    if target is not None:
        _plan_references(v, resource, target, rp)
    return v


def _plan_references(v: _Verdict, res: dict[str, Any], profile: str, rp: str) -> None:
    """The references :func:`_check_references` follows for this entry, in its order."""
    follow: list[tuple[Any, tuple[str, ...], str, bool]] = []
    rtype = PROFILE_RESOURCE_TYPES.get(profile)
    if rtype == "Slot":
        follow.append((res.get("schedule"), ("Schedule",), f"{rp}.schedule", True))
        if profile == Profile.SLOT_CPTS:
            for si, ej, ref in cpts_references(res):
                path = f"{rp}.serviceType[{si}].extension[{ej}].valueReference"
                follow.append((ref, ("HealthcareService",), path, True))
    elif rtype == "Schedule":
        types = _ACTOR_TYPES.get(profile, ())
        strict_type = profile == Profile.SCHEDULE_SOS
        for ai, actor in enumerate(as_list(res.get("actor"))):
            follow.append((actor, types, f"{rp}.actor[{ai}]", strict_type))
        v.pair = profile == Profile.SCHEDULE_PS
    elif rtype == "PractitionerRole" and res.get("practitioner") is not None:
        follow.append((res.get("practitioner"), ("Practitioner",), f"{rp}.practitioner", True))
    elif rtype == "HealthcareService":
        follow.append((res.get("providedBy"), ("Organization",), f"{rp}.providedBy", True))
    elif rtype == "Location" and res.get("managingOrganization") is not None:
        follow.append(
            (
                res.get("managingOrganization"),
                ("Organization",),
                f"{rp}.managingOrganization",
                True,
            )
        )
    planned = []
    for ref, types, path, strict_type in follow:
        literal = as_dict(ref).get("reference")
        if isinstance(literal, str) and not literal.startswith("#"):
            planned.append((literal, lookup_keys(literal, v.full_url), types, path, strict_type))
        elif v.pair:
            planned.append(("", (), types, path, strict_type))  # an actor that resolves to None
    v.follow = tuple(planned)


def _bundle_has_empty(res: dict[str, Any], verdicts: list[_Verdict | None] | None) -> bool:
    """``_has_empty(res)`` from the entries' verdicts (exact: a Bundle's compact JSON is its
    other members and its entries' JSON, no empty element spans them)."""
    if verdicts is None or not verdicts or None in verdicts:
        return _has_empty(res)
    for key, value in res.items():
        if key == "entry":
            continue
        cls = value.__class__
        if cls is str:
            if not value:
                return True
        elif cls is dict or cls is list:
            # walked without the serialising screen: a Bundle's own members are small
            if has_empty_dumped(value, b'""'):
                return True
        elif value is None:
            return True
    return any(v.has_empty for v in verdicts if v is not None)


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


def _check_references(
    name: str, index: BundleIndex, verdicts: list[_Verdict | None], out: Issues
) -> None:
    """Resolve every reference the SAS flows follow; unresolved or mistyped → error."""
    by_url, by_type_id = index.by_url, index.by_type_id
    for i, v in enumerate(verdicts):
        if v is None or not v.follow:
            continue
        targets: list[int | None] = []
        for literal, keys, types, path, strict_type in v.follow:
            hit = None
            for is_url, key in keys:  # BundleIndex.resolve, with the keys known
                hit = by_url.get(key) if is_url else by_type_id.get(key)
                if hit is not None:
                    break
            targets.append(hit)
            if not literal:
                continue
            if hit is None:
                out.error(
                    "not-found",
                    f"{name}: reference {literal!r} does not resolve to an entry of the Bundle",
                    _at(path, v, i) + ".reference",
                )
                continue
            target = verdicts[hit]
            target_type = target.rtype if target is not None else None
            if types and target_type not in types:
                report = out.error if strict_type else out.warning
                report(
                    "value",
                    f"{name}: {literal!r} resolves to a {target_type}, expected "
                    f"{' or '.join(types)}",
                    _at(path, v, i) + ".reference",
                )
        if v.pair:
            _check_ps_schedule_pair(
                index, verdicts, targets, name, f"Bundle.entry[{i}].resource", out
            )


def _at(path: str, v: _Verdict, i: int) -> str:
    return path.replace(_HERE, str(i)) if v.templated else path


def _check_ps_schedule_pair(
    index: BundleIndex,
    verdicts: list[_Verdict | None],
    targets: list[int | None],
    name: str,
    rp: str,
    out: Issues,
) -> None:
    """§2.2 / GAP: Schedule.actor = the Practitioner AND its PractitionerRole (FAQ 12)."""
    resolved = [(t, verdicts[t]) for t in targets if t is not None]
    practitioners = [t for t, r in resolved if r is not None and r.rtype == "Practitioner"]
    roles = [r for _, r in resolved if r is not None and r.rtype == "PractitionerRole"]
    if resolved and (not practitioners or not roles):
        out.warning(
            "required",
            f"{name}: Schedule.actor should reference both the Practitioner "
            "and the PractitionerRole (§2.2)",
            f"{rp}.actor",
        )
        return
    for role in roles:
        literal = role.role_practitioner
        if literal is None:
            continue
        # the role is looked up again by Type/id: its first entry gives the fullUrl
        role_entry = index.by_type_id.get(role.role_key)
        role_verdict = verdicts[role_entry] if role_entry is not None else None
        role_url = role_verdict.full_url if role_verdict is not None else None
        if index.resolve(literal, role_url) not in practitioners:
            out.warning(
                "value",
                f"{name}: the PractitionerRole of this Schedule belongs to "
                "another Practitioner than its Practitioner actor (FAQ 12)",
                f"{rp}.actor",
            )
