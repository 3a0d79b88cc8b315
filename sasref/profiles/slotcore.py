"""Rules shared by the three Slot profiles (PS FrSlotAgregateur, CPTS, SOS).

IG digest §2.1 (``status`` always ``free``, ``comment`` = booking URL), §7.1, §7.7, §7.8, base
FHIR R4 Slot (``schedule``, ``status``, ``start``, ``end`` 1..1, instants).
"""

from __future__ import annotations

from typing import Any, Final

from sasref.fhir.codes import TRE_R314_TYPE_CRENEAU
from sasref.profiles.common import (
    as_list,
    check_instant_element,
    check_reference_shape,
    check_specialties,
    is_code_in,
)
from sasref.profiles.outcome import Issues

SLOT_STATUSES: Final = frozenset(
    {"busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error"}
)


def check_slot_core(res: dict[str, Any], name: str, p: str, out: Issues) -> None:
    """Base Slot cardinalities, the ``free`` status, instants, specialty binding, schedule."""
    status = res.get("status")
    if status is None:
        out.error("required", f"{name}: status is required (min 1)", f"{p}.status")
    elif not is_code_in(status, SLOT_STATUSES):
        out.error(
            "code-invalid", f"{name}: status {status!r} is not a slotstatus code", f"{p}.status"
        )
    elif status != "free":
        out.error("value", f"{name}: Slot.status is fixed to free (found {status})", f"{p}.status")
    start = check_instant_element(res, "start", name, p, out)
    end = check_instant_element(res, "end", name, p, out)
    if start is not None and end is not None and end <= start:
        out.warning("value", f"{name}: Slot.end is not after Slot.start", f"{p}.end")
    schedule = res.get("schedule")
    if schedule is None:
        out.error("required", f"{name}: schedule is required (min 1)", f"{p}.schedule")
    else:
        check_reference_shape(schedule, name, f"{p}.schedule", out, ("Schedule",))
    check_specialties(res, name, p, out)
    comment = res.get("comment")
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
        if system != TRE_R314_TYPE_CRENEAU or not is_code_in(code, allowed):
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
