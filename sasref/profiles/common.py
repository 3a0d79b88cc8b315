"""Shared checks of the SAS profiles: meta.profile, datatypes, bindings, identifiers, phones.

IG digest §2.1 (meta.profile on every resource, phones ``+33XXXXXXXXX``, no empty element),
§7 (profiles), §9 (identifiers and prefixes), §10 (terminologies), §13 (FAQ 2, 8, 9, 14).
Functions take the resource (a plain dict), the FHIRPath-like location of that resource
(``Slot`` or ``Bundle.entry[3].resource``), the profile's short name for the messages and the
:class:`~sasref.profiles.outcome.Issues` collector. They only build strings when a rule fails:
the hot path is dict lookups.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, TypeGuard

import orjson

from sasref.fhir.codes import TRE_R38_SPECIALITE
from sasref.fhir.specialities import SPECIALITIES
from sasref.profiles.outcome import Issues

_INSTANT: Final = re.compile(
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)
_DATETIME: Final = re.compile(
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
    r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?"
)
_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_PHONE: Final = re.compile(r"\+33[0-9]{9}")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# --- small accessors ------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    """A JSON array as a list (anything else → empty: the base checks report wrong shapes)."""
    return value if value.__class__ is list else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if value.__class__ is dict else {}


def codings(cc: Any) -> list[dict[str, Any]]:
    """The ``coding`` dicts of a CodeableConcept (class checks, not isinstance: hot path)."""
    if cc.__class__ is not dict:
        return []
    cs = cc.get("coding")
    if cs.__class__ is not list:
        return []
    for c in cs:
        if c.__class__ is not dict:
            return [c for c in cs if c.__class__ is dict]
    return cs


def has_coding(cc: Any, system: str, code: str | None = None) -> bool:
    for c in codings(cc):
        if c.get("system") == system and (code is None or c.get("code") == code):
            return True
    return False


def parse_instant(value: Any) -> datetime | None:
    """A FHIR ``instant`` (offset mandatory) as an aware datetime, None when malformed."""
    if not isinstance(value, str):
        return None
    return _parse_instant_text(value)


@lru_cache(maxsize=16384)
def _parse_instant_text(value: str) -> datetime | None:
    # Cached: an editor's answers repeat the same instants search after search (datetimes are
    # immutable, sharing them is safe).
    if _INSTANT.fullmatch(value) is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:  # e.g. 2024-02-30, or a leap second
        return None


def is_datetime(value: Any) -> bool:
    return isinstance(value, str) and _DATETIME.fullmatch(value) is not None


# --- resource-level checks --------------------------------------------------------------------


def check_meta_profile(
    res: dict[str, Any],
    expected: str,
    name: str,
    p: str,
    out: Issues,
    aliases: tuple[str, ...] = (),
) -> None:
    """``meta.profile`` must declare ``expected`` exactly (§2.1: the EVS validator needs it).

    ``aliases`` are known wrong spellings (e.g. the interopsante.org FrAppointmentSAS of §4.3),
    tolerated with a warning.
    """
    meta = res.get("meta")
    profiles = meta.get("profile") if isinstance(meta, dict) else None
    if profiles is None:
        out.relaxed(
            "required",
            f"{name}: meta.profile is required and must declare {expected} (IG §2.1)",
            f"{p}.meta.profile",
            "the profile is known from the flow",
        )
        return
    if not isinstance(profiles, list):
        out.error("structure", f"{name}: meta.profile must be an array", f"{p}.meta.profile")
        return
    if expected in profiles:
        return
    found = ", ".join(str(x) for x in profiles) or "nothing"
    for alias in aliases:
        if alias in profiles:
            out.relaxed(
                "value",
                f"{name}: meta.profile must be {expected} (found the wrong canonical {alias})",
                f"{p}.meta.profile",
                "a spelling printed by the IG narrative",
            )
            return
    out.relaxed(
        "value",
        f"{name}: meta.profile must declare {expected} (found {found})",
        f"{p}.meta.profile",
        "validated against the profile of the flow",
    )


def check_id(res: dict[str, Any], p: str, out: Issues) -> None:
    rid = res.get("id")
    if rid is not None and (not isinstance(rid, str) or _ID.fullmatch(rid) is None):
        out.error("value", f"FHIR: id {rid!r} is not a valid id ([A-Za-z0-9-.]{{1,64}})", f"{p}.id")


def _has_empty(root: Any) -> bool:
    """Fast pre-check: any empty string, array, object or null anywhere below ``root``.

    Iterative and class-identity based: this walk visits every node of a Bundle, it is the
    single most expensive rule of a validation run. A C-speed screen runs first: compact JSON
    of a tree holding an empty string, array, object or a null necessarily contains ``""``,
    ``[]``, ``{}`` or ``null`` (quotes inside strings are escaped, so ``""`` is only ever an
    empty string or key); when none of the four is there, nothing is empty. Any hit (also a
    harmless one, e.g. ``"[]"`` inside a text) or a value orjson cannot serialise falls back to
    the exact walk below.
    """
    try:
        dumped = orjson.dumps(root)
    except (TypeError, orjson.JSONEncodeError):
        dumped = b'""'
    return has_empty_dumped(root, dumped)


def has_empty_dumped(root: Any, dumped: bytes) -> bool:
    """:func:`_has_empty` when the compact JSON of ``root`` (``orjson.dumps(root)``) is known.

    ``dumped`` must be exactly that (or any bytes holding ``""``, which forces the walk).
    """
    # searched as text: CPython scans a 1-byte str for a 2-4 char needle faster than bytes, and
    # latin-1 decodes any bytes one to one (the needles are ASCII: same hits)
    text = dumped.decode("latin-1")
    if '""' not in text and "null" not in text and "[]" not in text and "{}" not in text:
        return False
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        values = node.values() if node.__class__ is dict else node
        if not values:
            return True
        for v in values:
            cls = v.__class__
            if cls is str:
                if not v:
                    return True
            elif cls is dict or cls is list:
                push(v)
            elif v is None:
                return True
    return False


def _report_empty(node: Any, path: str, out: Issues, allow_null: bool = False) -> None:
    if isinstance(node, dict):
        if not node:
            out.relaxed("structure", f"FHIR: empty object at {path} (FAQ 14)", path, "ignored")
            return
        for key, value in node.items():
            sub = f"{path}.{key}"
            if value is None:
                out.relaxed("structure", f"FHIR: null value at {sub} (FAQ 14)", sub, "ignored")
            elif value == "" or value == []:
                kind = "string" if value == "" else "array"
                out.relaxed("structure", f"FHIR: empty {kind} at {sub} (FAQ 14)", sub, "ignored")
            elif isinstance(value, list):
                # primitive extensions (`_given: [null, {...}]`) legitimately hold nulls
                nulls_ok = str(key).startswith("_") or f"_{key}" in node
                for i, item in enumerate(value):
                    _report_empty(item, f"{sub}[{i}]", out, nulls_ok)
            elif isinstance(value, dict):
                _report_empty(value, sub, out)
    elif node is None and not allow_null:
        out.relaxed("structure", f"FHIR: null value at {path} (FAQ 14)", path, "ignored")
    elif node == "":
        out.relaxed("structure", f"FHIR: empty string at {path} (FAQ 14)", path, "ignored")


def check_no_empty(res: dict[str, Any], p: str, out: Issues) -> None:
    """FHIR JSON forbids empty strings, arrays and objects (and the FAQ says never send them)."""
    if _has_empty(res):
        _report_empty(res, p, out)


def require(res: dict[str, Any], key: str, name: str, p: str, out: Issues) -> Any:
    """Report a missing 1..1 element; return its value."""
    value = res.get(key)
    if value is None:
        out.error("required", f"{name}: {key} is required (min 1)", f"{p}.{key}")
    return value


def require_list(res: dict[str, Any], key: str, name: str, p: str, out: Issues) -> list[Any]:
    value = res.get(key)
    if value is None:
        out.error("required", f"{name}: {key} is required (min 1)", f"{p}.{key}")
        return []
    if not isinstance(value, list):
        out.error("structure", f"{name}: {key} must be an array", f"{p}.{key}")
        return []
    return value


def max_one(items: list[Any], name: str, path: str, out: Issues) -> None:
    if len(items) > 1:
        out.error("structure", f"{name}: at most one {path.rsplit('.', 1)[-1]} allowed", path)


def check_instant_element(
    res: dict[str, Any], key: str, name: str, p: str, out: Issues, *, required: bool = True
) -> datetime | None:
    value = res.get(key)
    if value is None:
        if required:
            out.error("required", f"{name}: {key} is required (min 1)", f"{p}.{key}")
        return None
    parsed = parse_instant(value)
    if parsed is None:
        out.error(
            "value",
            f"{name}: {key} {value!r} is not a valid FHIR instant (offset mandatory)",
            f"{p}.{key}",
        )
    return parsed


# --- bindings ---------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _speciality_known(code: str) -> bool:
    return code in SPECIALITIES


def check_specialties(res: dict[str, Any], name: str, p: str, out: Issues) -> None:
    """``specialty`` is bound *required* to fr-practitioner-specialty (TRE_R38).

    A text-only specialty (FAQ 9) breaks the required binding: an error for the ANS validator,
    tolerated by the SAS (digest §13).
    """
    specialties = res.get("specialty")
    if specialties.__class__ is not list:
        return
    for i, cc in enumerate(specialties):
        # the usual specialty, one known TRE_R38 coding, reports nothing: checked without calls
        if cc.__class__ is dict:
            cs = cc.get("coding")
            if cs.__class__ is list and len(cs) == 1:
                c = cs[0]
                if c.__class__ is dict and c.get("system") == TRE_R38_SPECIALITE:
                    code = c.get("code")
                    if code.__class__ is str and code in SPECIALITIES:
                        continue
        cs = codings(cc)
        if not cs:
            out.relaxed(
                "code-invalid",
                f"{name}: specialty[{i}] has no coding but is bound (required) to "
                "fr-practitioner-specialty (TRE_R38); a text-only specialty breaks the binding",
                f"{p}.specialty[{i}]",
                "FAQ 9 asks for the specialty as text when it cannot be coded",
            )
            continue
        in_r38 = [c for c in cs if c.get("system") == TRE_R38_SPECIALITE]
        if not in_r38:
            systems = ", ".join(str(c.get("system")) for c in cs)
            out.error(
                "code-invalid",
                f"{name}: specialty[{i}] must be coded in TRE_R38 {TRE_R38_SPECIALITE} "
                f"(found {systems})",
                f"{p}.specialty[{i}]",
            )
            continue
        for c in in_r38:
            code = c.get("code")
            if code.__class__ is str and code in SPECIALITIES:  # _speciality_known, no call
                continue
            if not isinstance(code, str):
                out.error(
                    "required", f"{name}: specialty[{i}] coding has no code", f"{p}.specialty[{i}]"
                )
            elif not _speciality_known(code):
                # sasref embeds the SAS subset of TRE_R38, not all of it: informational only
                out.info(
                    "code-invalid",
                    f"{name}: specialty[{i}] code {code!r} is not among the TRE_R38 codes "
                    "sasref knows (sasref.fhir.specialities)",
                    f"{p}.specialty[{i}]",
                )


def check_required_codings(
    cc: Any,
    allowed: frozenset[tuple[str, str]],
    vs_name: str,
    name: str,
    path: str,
    out: Issues,
) -> None:
    """A ``coding`` element bound *required*: every coding must be in the value set."""
    for j, c in enumerate(codings(cc)):
        key = (c.get("system"), c.get("code"))
        if not is_coding_in(c, allowed):
            out.error(
                "code-invalid",
                f"{name}: {key[0]}#{key[1]} is not in the required value set {vs_name}",
                f"{path}.coding[{j}]",
            )


def is_code_in(value: Any, allowed: frozenset[str] | dict[str, Any]) -> TypeGuard[str]:
    """``value in allowed`` for a JSON value that may be unhashable (a list, an object)."""
    return value.__class__ is str and value in allowed


def is_coding_in(coding: dict[str, Any], allowed: frozenset[tuple[str, str]]) -> bool:
    system, code = coding.get("system"), coding.get("code")
    return system.__class__ is str and code.__class__ is str and (system, code) in allowed


def check_phones(res: dict[str, Any], name: str, p: str, out: Issues) -> None:
    """FAQ 8: phone numbers as ``+33XXXXXXXXX``."""
    for i, t in enumerate(as_list(res.get("telecom"))):
        if not isinstance(t, dict):
            continue
        if t.get("value") is not None and t.get("system") is None:
            out.error(
                "invariant",
                f"{name}: cpt-2 telecom with a value needs a system",
                f"{p}.telecom[{i}]",
            )
        if t.get("system") == "phone":
            value = t.get("value")
            if isinstance(value, str) and _PHONE.fullmatch(value) is None:
                out.warning(
                    "value",
                    f"{name}: phone {value!r} should be written +33XXXXXXXXX (FAQ 8)",
                    f"{p}.telecom[{i}].value",
                )


def is_email(value: Any) -> bool:
    return isinstance(value, str) and _EMAIL.fullmatch(value) is not None


# --- references -------------------------------------------------------------------------------


def check_reference_shape(
    ref: Any, name: str, path: str, out: Issues, types: tuple[str, ...] = ()
) -> str | None:
    """A Reference with aggregation ``referenced``/``bundled``: it needs a literal
    ``reference``; when it is ``Type/id`` the type must be one of ``types``. Returns it."""
    if not isinstance(ref, dict):
        out.error("structure", f"{name}: {path.rsplit('.', 1)[-1]} must be a Reference", path)
        return None
    literal = ref.get("reference")
    if not isinstance(literal, str):
        out.error("required", f"{name}: a literal reference is required", f"{path}.reference")
        return None
    if types and not literal.startswith("#"):
        rtype = reference_type(literal)
        if rtype is not None and rtype not in types:
            out.error(
                "value",
                f"{name}: reference {literal!r} must target {' or '.join(types)}",
                f"{path}.reference",
            )
    return literal


_REF_TAIL: Final = re.compile(
    r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$"
)


@lru_cache(maxsize=8192)
def split_reference(literal: str) -> tuple[str, str] | None:
    """``(type, id)`` of a ``Type/id`` or ``http://base/Type/id`` reference, else None."""
    m = _REF_TAIL.search(literal)
    return (m.group(1), m.group(2)) if m else None


def reference_type(literal: str) -> str | None:
    parts = split_reference(literal)
    return parts[0] if parts else None
