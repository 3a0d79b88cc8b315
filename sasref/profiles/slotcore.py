"""Rules shared by the three Slot profiles (PS FrSlotAgregateur, CPTS, SOS).

IG digest §2.1 (``status`` always ``free``, ``comment`` = booking URL), §7.1, §7.7, §7.8, base
FHIR R4 Slot (``schedule``, ``status``, ``start``, ``end`` 1..1, instants).
"""

from __future__ import annotations

from typing import Any, Final

from sasref.fhir.codes import TRE_R314_TYPE_CRENEAU
from sasref.profiles.common import (
    _parse_instant_text,
    as_list,
    check_reference_shape,
    check_specialties,
    reference_type,
)
from sasref.profiles.outcome import Issues

_SCHEDULE: Final = ("Schedule",)
SLOT_STATUSES: Final = frozenset(
    {"busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error"}
)


def check_slot_core(res: dict[str, Any], name: str, p: str, out: Issues) -> None:
    """Base Slot cardinalities, the ``free`` status, instants, specialty binding, schedule."""
    get = res.get
    status = get("status")
    if status is None:
        out.error("required", f"{name}: status is required (min 1)", f"{p}.status")
    elif status.__class__ is not str or status not in SLOT_STATUSES:  # is_code_in
        out.error(
            "code-invalid", f"{name}: status {status!r} is not a slotstatus code", f"{p}.status"
        )
    elif status != "free":
        out.error("value", f"{name}: Slot.status is fixed to free (found {status})", f"{p}.status")
    # check_instant_element(res, "start"/"end", ...), inlined: every Slot of a Bundle runs it
    instants: list[Any] = []
    for key in ("start", "end"):
        value = get(key)
        if value is None:
            out.error("required", f"{name}: {key} is required (min 1)", f"{p}.{key}")
            instants.append(None)
            continue
        parsed = _parse_instant_text(value) if isinstance(value, str) else None
        if parsed is None:
            out.error(
                "value",
                f"{name}: {key} {value!r} is not a valid FHIR instant (offset mandatory)",
                f"{p}.{key}",
            )
        instants.append(parsed)
    start, end = instants
    if start is not None and end is not None and end <= start:
        out.warning("value", f"{name}: Slot.end is not after Slot.start", f"{p}.end")
    schedule = get("schedule")
    if schedule is None:
        out.error("required", f"{name}: schedule is required (min 1)", f"{p}.schedule")
    else:
        literal = schedule.get("reference") if schedule.__class__ is dict else None
        # the well-formed case (a Schedule/id, or #id) reports nothing: no location to build
        if literal.__class__ is not str or not (
            literal.startswith("#") or reference_type(literal) in (None, "Schedule")
        ):
            check_reference_shape(schedule, name, f"{p}.schedule", out, _SCHEDULE)
    check_specialties(res, name, p, out)
    comment = get("comment")
    if comment is not None and not (
        isinstance(comment, str) and comment.startswith(("http://", "https://"))
    ):
        out.warning("value", f"{name}: comment should be the booking URL (§2.1)", f"{p}.comment")


def check_security(
    res: dict[str, Any],
    allowed: frozenset[str],
    vs_name: str,
    name: str,
    p: str,
    out: Issues,
) -> list[str]:
    """``meta.security`` bound (required) to a TRE_R314 slot-type value set; returns the codes."""
    meta = res.get("meta")
    security = as_list(meta.get("security")) if isinstance(meta, dict) else []
    found: list[str] = []
    for i, coding in enumerate(security):
        if not isinstance(coding, dict):
            continue
        system, code = coding.get("system"), coding.get("code")
        if system != TRE_R314_TYPE_CRENEAU or code.__class__ is not str or code not in allowed:
            out.error(
                "code-invalid",
                f"{name}: meta.security {system}#{code} is not in the required value set "
                f"{vs_name} ({', '.join(sorted(allowed))} of TRE_R314)",
                f"{p}.meta.security[{i}]",
            )
        else:
            found.append(code)
    if not found:
        out.warning(
            "required",
            f"{name}: no slot type (TRE_R314) in meta.security; send every applicable type "
            "(FAQ 10)",
            f"{p}.meta.security",
        )
    return found
