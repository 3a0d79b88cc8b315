"""Regulator account profile (INT_R02, SAS → editor): FrPractitionerRegul.

IG digest §3.3 (meta.source = SAS, identifiers IDNPS or SAS technical UUID, ``active`` 1..1,
``name.family``/``name.given`` 1..1, ``telecom`` e-mail = SAS login), §7.10.
"""

from __future__ import annotations

from typing import Any, Final

from sasref.fhir.identifiers import is_uuid
from sasref.fhir.systems import FR_V2_0203, IDNPS_SYSTEM, SAS_SYSTEM, Profile
from sasref.profiles.common import (
    as_dict,
    as_list,
    check_meta_profile,
    has_coding,
    is_code_in,
    is_email,
    require_list,
)
from sasref.profiles.idcheck import warn_idnps
from sasref.profiles.outcome import Issues

NAME: Final = "FrPractitionerRegul"
#: identifier slices (discriminator: value of ``system``) → required type code.
_SLICES: Final = {
    IDNPS_SYSTEM: ("IdentifiantNatPS", "IDNPS"),
    SAS_SYSTEM: ("IdentifiantInterne", "INTRN"),
}


def check_regulator(res: dict[str, Any], p: str, out: Issues) -> None:
    """FrPractitionerRegul (§3.3, §7.10)."""
    check_meta_profile(res, Profile.PRACTITIONER_REGUL, NAME, p, out)
    meta = as_dict(res.get("meta"))
    source = meta.get("source")
    if source is None:
        out.warning(
            "required", f"{NAME}: meta.source is always {SAS_SYSTEM} (§3.3)", f"{p}.meta.source"
        )
    elif source != SAS_SYSTEM:
        out.error(
            "value",
            f"{NAME}: meta.source must be {SAS_SYSTEM} (found {source})",
            f"{p}.meta.source",
        )
    seen: dict[str, int] = {}
    for i, ident in enumerate(require_list(res, "identifier", NAME, p, out)):
        ident = as_dict(ident)
        ip = f"{p}.identifier[{i}]"
        for key in ("type", "system", "value"):
            if ident.get(key) is None:
                out.error("required", f"{NAME}: identifier.{key} is required", f"{ip}.{key}")
        system = ident.get("system")
        if not is_code_in(system, _SLICES):
            if system is not None:
                out.warning(
                    "value",
                    f"{NAME}: identifier system {system} is neither the IDNPS "
                    "nor the SAS technical id",
                    f"{ip}.system",
                )
            continue
        slice_name, code = _SLICES[system]
        seen[slice_name] = seen.get(slice_name, 0) + 1
        if seen[slice_name] == 2:
            out.error("structure", f"{NAME}: identifier:{slice_name} is 0..1", ip)
        if ident.get("type") is not None and not has_coding(ident.get("type"), FR_V2_0203, code):
            out.error(
                "value",
                f"{NAME}: identifier:{slice_name}.type must match {FR_V2_0203}#{code}",
                f"{ip}.type",
            )
        value = ident.get("value")
        if code == "INTRN" and isinstance(value, str) and not is_uuid(value):
            out.warning(
                "value", f"{NAME}: the SAS technical id is a UUID (found {value!r})", f"{ip}.value"
            )
        if code == "IDNPS":
            warn_idnps(value, NAME, f"{ip}.value", out)
    active = res.get("active")
    if active is None:
        out.error("required", f"{NAME}: active is required (true = account enabled)", f"{p}.active")
    elif not isinstance(active, bool):
        out.error("structure", f"{NAME}: active must be a boolean", f"{p}.active")
    names = as_list(res.get("name"))
    if not names:
        out.warning(
            "required", f"{NAME}: name.family and name.given are expected (§3.3)", f"{p}.name"
        )
    for i, name in enumerate(names):
        name = as_dict(name)
        if name.get("family") is None:
            out.error("required", f"{NAME}: name.family is required", f"{p}.name[{i}].family")
        given = as_list(name.get("given"))
        if not given:
            out.error("required", f"{NAME}: name.given is required (1..1)", f"{p}.name[{i}].given")
        elif len(given) > 1:
            out.error("structure", f"{NAME}: name.given is 1..1", f"{p}.name[{i}].given")
    emails = 0
    for i, telecom in enumerate(as_list(res.get("telecom"))):
        telecom = as_dict(telecom)
        tp = f"{p}.telecom[{i}]"
        if telecom.get("system") != "email":
            out.error(
                "value",
                f"{NAME}: telecom.system is fixed by pattern to email "
                f"(found {telecom.get('system')})",
                f"{tp}.system",
            )
        value = telecom.get("value")
        if value is None:
            out.error("required", f"{NAME}: telecom.value is required", f"{tp}.value")
        elif not is_email(value):
            out.warning(
                "value", f"{NAME}: {value!r} does not look like an e-mail address", f"{tp}.value"
            )
        else:
            emails += 1
    if not emails:
        out.warning(
            "required",
            f"{NAME}: the regulator's SAS login e-mail is expected (§3.3)",
            f"{p}.telecom",
        )
