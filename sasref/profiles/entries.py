"""What one searchset entry says on its own, checked once per distinct entry (digest §2.1, §7.6-8).

A Bundle's checks split in two: what an entry says alone (its ``fullUrl``, ``search.mode``,
bdl-3/4/5/8, its resource's id, shapes and profile, the references it asks to follow) and what
only the whole Bundle can say (bdl-7, ``total``, slices, whether references resolve:
:mod:`sasref.profiles.bundle`). The first part is a pure function of the entry's JSON, the
Bundle profile and the mode, so it is kept as a :class:`Verdict`: an editor sends the same
Practitioner, PractitionerRole, Schedule and mostly the same Slots search after search, and the
aggregator reads hundreds of answers a second (issue 4's fan-out targets).
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from sasref.fhir.systems import PROFILE_RESOURCE_TYPES, Profile
from sasref.profiles.base import RESOURCE_TYPES, check_shapes
from sasref.profiles.common import (
    _has_empty,
    as_dict,
    as_list,
    check_id,
    has_empty_dumped,
    is_code_in,
)
from sasref.profiles.cpts import cpts_references
from sasref.profiles.detect import is_cpts_slot
from sasref.profiles.outcome import Issues
from sasref.profiles.references import lookup_keys
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
#: Which entry types are sliced (so need a ``fullUrl``) in the CPTS and SOS bundles.
SLICED_TYPES: Final = {
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


#: The index placeholder of a cached verdict's messages and locations (``entry[\x00]``).
HERE: Final = "\x00"
Issue = tuple[Any, str, str, Any]


class Verdict:
    """What one entry alone says: its issues (with the entry's index as :data:`HERE` when
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
        self.before: tuple[Issue, ...] = ()  # before the bdl-7 check
        self.after: tuple[Issue, ...] = ()  # after it
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
ENTRY_VERDICTS: dict[tuple[bytes, str, bool], Verdict] = {}
_ENTRY_VERDICTS_MAX: Final = 20_000
_DUMPS: Final = orjson.dumps
#: A key must be the JSON of plain JSON values: datetimes and subclasses of str/int/dict/list
#: (serialised like their base, checked differently) make orjson raise, and go uncached.
_EXACT: Final = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
_JSON_ERRORS: Final = (TypeError, orjson.JSONEncodeError)


def entry_verdicts(entries: list[Any], profile: str, strict: bool) -> list[Verdict | None]:
    """The verdict of every entry (None for an entry that is not an object)."""
    out: list[Verdict | None] = []
    cache = ENTRY_VERDICTS
    for i, entry in enumerate(entries):
        if entry.__class__ is not dict:
            out.append(None)
            continue
        try:
            body = _DUMPS(entry, option=_EXACT)
        except _JSON_ERRORS:  # not plain JSON: no key, check directly
            body = None
        # a NUL would clash with the placeholder (a 1-byte search first: no escape, no NUL)
        if body is None or (b"\\" in body and b"\\u0000" in body):
            out.append(_entry_verdict(entry, str(i), profile, strict, body))
            continue
        key = (body, profile, strict)
        verdict = cache.get(key)
        if verdict is None:
            verdict = _entry_verdict(entry, HERE, profile, strict, body)
            if len(cache) >= _ENTRY_VERDICTS_MAX:
                cache.clear()
            cache[key] = verdict
        out.append(verdict)
    return out


def replay(add: Any, issues: tuple[Issue, ...], templated: bool, i: int) -> None:
    if not templated:
        for severity, code, message, path in issues:
            add(severity, code, message, path)
        return
    here = str(i)
    for severity, code, message, path in issues:
        add(
            severity,
            code,
            message.replace(HERE, here),
            path.replace(HERE, here) if path else path,
        )


class _Collected(Issues):
    """An :class:`Issues` keeping each issue as the :data:`Issue` tuple a verdict stores (what
    :meth:`Issues.add` would build, then freeze: ``expression`` only when ``path`` is truthy)."""

    __slots__ = ()

    def __init__(self, strict: bool) -> None:  # the mode is known valid: no check
        self.strict = strict
        self.issues = []

    def add(self, severity: Any, code: str, message: str, path: str | None) -> None:
        self.issues.append((severity, code, message, path if path else None))  # type: ignore[arg-type]


#: The short name of each Bundle profile seen (a function of the canonical: never forgotten).
_NAMES: dict[str, str] = {}


#: The locations of an entry with the index placeholder (a cached verdict's usual case).
_EP_HERE: Final = f"Bundle.entry[{HERE}]"
_RP_HERE: Final = f"{_EP_HERE}.resource"
_BUNDLE_PS: Final = Profile.BUNDLE_PS
_SLOT_CPTS: Final = Profile.SLOT_CPTS
_SCHEDULE_TYPES: Final = ("Schedule",)


def _entry_verdict(
    entry: dict[str, Any], ix: str, profile: str, strict: bool, body: bytes | None
) -> Verdict:
    """Check one entry on its own; ``ix`` is its index (or :data:`HERE`), ``body`` its JSON.

    Locations and messages are only formatted when an issue is recorded (the hot path of a
    well-formed entry builds no string but its ``Type/id``)."""
    v = Verdict()
    templated = v.templated = ix == HERE
    name = _NAMES.get(profile)
    if name is None:
        name = profile_name(profile)
        if len(_NAMES) < 64:
            _NAMES[profile] = name
    strict_bundle = profile != _BUNDLE_PS
    local = _Collected(strict)
    issues: list[Any] = local.issues  # Issue tuples (_Collected)
    if templated:
        ep, rp = _EP_HERE, _RP_HERE
    else:
        ep = f"Bundle.entry[{ix}]"
        rp = f"{ep}.resource"
    get = entry.get
    full_url = get("fullUrl")
    if isinstance(full_url, str):
        v.full_url = full_url
    resource = get("resource")
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
        v.before = tuple(issues)
        return v
    v.has_resource = True
    if "request" in entry:
        local.error("invariant", f"{name}: bdl-3 a searchset entry has no request", f"{ep}.request")
    if "response" in entry:
        local.error(
            "invariant", f"{name}: bdl-4 a searchset entry has no response", f"{ep}.response"
        )
    rtype = resource.get("resourceType")
    if full_url is None:
        if strict_bundle and is_code_in(rtype, SLICED_TYPES[profile]):
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
    if issues:
        v.before = tuple(issues)
        issues.clear()
    search = get("search")
    mode = search.get("mode") if search.__class__ is dict else None
    if mode is None:
        message = f"{name}: entry.search.mode is missing (IG 1.2.0 examples carry it)"
        if strict:
            local.warning("required", message, f"{ep}.search.mode")
        else:
            local.info("required", message, f"{ep}.search.mode")
    elif mode == "match" and mode.__class__ is str:
        v.match = 1
    elif not is_code_in(mode, _MODES):
        local.error(
            "code-invalid",
            f"{name}: search.mode {mode!r} is not match/include/outcome",
            f"{ep}.search.mode",
        )
    if rtype == "Slot":
        v.slot = 1
    if not isinstance(rtype, str) or rtype not in RESOURCE_TYPES:
        local.error(
            "structure",
            f"{name}: entry[{ix}] resourceType {rtype!r} is unknown",
            f"{ep}.resource.resourceType",
        )
        v.after = tuple(issues)
        return v
    if profile == _BUNDLE_PS:  # entry_profile, inlined for the usual Bundle
        target = _PS_TYPED.get(rtype) or declared_profile(resource)
    else:
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
    if issues:
        v.after = tuple(issues)
    if target is not None:
        _plan_references(v, resource, target, rp)
    return v


def _plan_references(v: Verdict, res: dict[str, Any], profile: str, rp: str) -> None:
    """The references :func:`_check_references` follows for this entry, in its order."""
    rtype = PROFILE_RESOURCE_TYPES.get(profile)
    if rtype == "Slot" and profile != _SLOT_CPTS:  # the usual entry: one reference
        ref = res.get("schedule")
        literal = ref.get("reference") if ref.__class__ is dict else None
        if isinstance(literal, str) and not literal.startswith("#"):
            keys = lookup_keys(literal, v.full_url)
            v.follow = ((literal, keys, _SCHEDULE_TYPES, f"{rp}.schedule", True),)
        return
    follow: list[tuple[Any, tuple[str, ...], str, bool]] = []
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
    full_url = v.full_url
    for ref, types, path, strict_type in follow:
        literal = ref.get("reference") if ref.__class__ is dict else None
        if isinstance(literal, str) and not literal.startswith("#"):
            planned.append((literal, lookup_keys(literal, full_url), types, path, strict_type))
        elif v.pair:
            planned.append(("", (), types, path, strict_type))  # an actor that resolves to None
    v.follow = tuple(planned)


def bundle_has_empty(res: dict[str, Any], verdicts: list[Verdict | None] | None) -> bool:
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


_ACTOR_TYPES: Final = {
    Profile.SCHEDULE_PS: ("Practitioner", "PractitionerRole"),
    Profile.SCHEDULE_SOS: ("Location",),
}
