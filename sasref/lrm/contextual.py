"""INT_L01 — the LRM contextual search URL (platform spec §3.1, §3.2).

A medical-regulation software (LRM) opens the SAS search page with the regulation file's context::

    GET /sas/recherche?origin=<affectation_authority>&practitioner=<médecin traitant>
        &specialty=<speciality>&streetnumber=<n>&streetname=<street>&inseecode=<INSEE>&city=<city>

This module reads and builds that URL, with the platform's semantics:

* ``origin`` must be the ``affectation_authority`` of a registered, active LRM; anything else is
  rejected (:class:`UnknownOrigin`: the LRM ↔ SAS flow is disabled for it).
* the address is rebuilt as ``"<number> <street>, <city>, <department name>"`` (no department for
  Paris); it is invalid without a city, or with a number but no street (:class:`InvalidLrmAddress`).
* ``specialty``: empty → ``Consultation de médecine générale``; ``urn:oid:<oid>|<code>`` is a
  normalised code whose label is looked up; anything else is free text.
* ``practitioner`` (the médecin traitant): ``urn:oid:1.2.250.1.71.4.2.1|8<11 digits>`` → an RPPS;
  any other value holding ``urn``, ``oid`` or ``:`` → ``sas_pf_001``; missing → ``sas_pf_002``;
  else free text (a name or an RPPS). These two codes do not stop the search: the page explains
  them in a sub-title. ``sas_pf_001`` is also what the search reports when the doctor cannot be
  found in the directory (that part belongs to the search, not to the URL).

Pure functions; the gazetteer (INSEE → commune, département names) is injectable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from urllib.parse import urlencode

from sasref.errors import InvalidInput

RPPS_OID: Final = "urn:oid:1.2.250.1.71.4.2.1"
DEFAULT_SPECIALTY: Final = "Consultation de médecine générale"
SEARCH_PATH: Final = "/sas/recherche"
#: The URL's parameters, in the order the spec lists them.
PARAMETERS: Final = (
    "origin",
    "practitioner",
    "specialty",
    "streetnumber",
    "streetname",
    "inseecode",
    "city",
)

SAS_PF_001: Final = "sas_pf_001"
SAS_PF_002: Final = "sas_pf_002"
#: The sub-titles the search page shows for each code.
PREFERRED_DOCTOR_MESSAGES: Final = {
    SAS_PF_001: "Le médecin traitant transmis par le LRM n'a pas pu être identifié.",
    SAS_PF_002: "Aucun médecin traitant n'a été transmis par le LRM.",
}

_SPECIALTY_CODE = re.compile(r"^urn:oid:(\d+(?:\.\d+)+)\|([A-Za-z0-9]+)$")
_RPPS_VALUE = re.compile(r"^8(\d{11})$")


class UnknownOrigin(InvalidInput):
    """``origin`` is missing or is not a registered, active LRM."""


class InvalidLrmAddress(InvalidInput):
    """The address parameters cannot make a place: no city, or a number without a street."""


class DoctorParamKind(StrEnum):
    RPPS = "rpps"  # a normalised RPPS (urn:oid:1.2.250.1.71.4.2.1|8...)
    TEXT = "text"  # free text: a name or an RPPS typed by the regulator
    INVALID = SAS_PF_001  # a malformed identifier
    MISSING = SAS_PF_002  # no médecin traitant in the URL


@dataclass(frozen=True, slots=True)
class PreferredDoctorParam:
    """The ``practitioner`` parameter, read."""

    kind: DoctorParamKind
    value: str | None = None  # RPPS (11 digits, unprefixed) or the free text
    raw: str | None = None

    @property
    def error_code(self) -> str | None:
        if self.kind in (DoctorParamKind.INVALID, DoctorParamKind.MISSING):
            return self.kind.value
        return None

    @property
    def idnps(self) -> str | None:
        """The prefixed national id ("8" + RPPS) when the URL carried a normalised RPPS."""
        return "8" + self.value if self.kind is DoctorParamKind.RPPS and self.value else None


class SpecialtyKind(StrEnum):
    DEFAULT = "default"
    CODE = "code"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class SpecialtyParam:
    """The ``specialty`` parameter, read: always a label to search with."""

    kind: SpecialtyKind
    text: str  # label to search with
    oid: str | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class LrmAddress:
    """The address rebuilt from ``streetnumber``, ``streetname``, ``inseecode``, ``city``."""

    street_number: str
    street_name: str
    insee: str
    city: str
    department_name: str

    @property
    def text(self) -> str:
        street = " ".join(p for p in (self.street_number, self.street_name) if p)
        parts = [street, self.city, self.department_name]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class ContextualSearch:
    """An LRM contextual search URL, validated."""

    origin: str
    practitioner: PreferredDoctorParam
    specialty: SpecialtyParam
    address: LrmAddress

    def url_formats(self) -> dict[str, dict[str, int]]:
        """The ``LrmPractitionerUrlFormat`` / ``LrmSpecialtyUrlFormat`` log contents (§3.2)."""
        doctor = self.practitioner.kind
        specialty = self.specialty.kind
        return {
            "LrmPractitionerUrlFormat": {
                "notTransmitted": int(doctor is DoctorParamKind.MISSING),
                "fullText": int(doctor is DoctorParamKind.TEXT),
                "normed": int(doctor is DoctorParamKind.RPPS),
            },
            "LrmSpecialtyUrlFormat": {
                "notTransmitted": int(specialty is SpecialtyKind.DEFAULT),
                "fullText": int(specialty is SpecialtyKind.TEXT),
                "normed": int(specialty is SpecialtyKind.CODE),
            },
        }


# --- gazetteer --------------------------------------------------------------------------
Lookup = Callable[[str], str | None]


def _geo_commune_name(insee: str) -> str | None:
    try:
        from sasref.directory import geo
    except ImportError:  # geography not installed in this build
        return None
    commune = geo.commune_by_insee(insee)
    name = getattr(commune, "name", None) if commune is not None else None
    return str(name) if name else None


def _geo_department_name(code: str) -> str | None:
    try:
        from sasref.directory import geo

        department = geo.department(code)
    except (ImportError, KeyError, LookupError, ValueError):
        return None
    name = getattr(department, "name", None) if department is not None else None
    return str(name) if name else None


def affectation_authority(department: str) -> str:
    """The ``origin`` an LRM of the SAMU of ``department`` sends: ``samu69``, ``samu2a`` (the
    convention of :func:`sasref.platform.default_lrm_origins`)."""
    return f"samu{department.strip().lower()}"


def is_contextual(params: Mapping[str, str]) -> bool:
    """The presence of ``origin`` switches the search page to LRM mode."""
    return "origin" in params


def read_preferred_doctor(value: str | None) -> PreferredDoctorParam:
    """The ``practitioner`` parameter's semantics (§3.1)."""
    raw = value
    text = (value or "").strip()
    if not text:
        return PreferredDoctorParam(DoctorParamKind.MISSING, raw=raw)
    if text.startswith(RPPS_OID):
        system, sep, ident = text.partition("|")
        match = _RPPS_VALUE.match(ident.strip())
        if system == RPPS_OID and sep and match:
            return PreferredDoctorParam(DoctorParamKind.RPPS, match.group(1), raw=raw)
        return PreferredDoctorParam(DoctorParamKind.INVALID, raw=raw)
    lowered = text.lower()
    if "urn" in lowered or "oid" in lowered or ":" in text:
        return PreferredDoctorParam(DoctorParamKind.INVALID, raw=raw)
    return PreferredDoctorParam(DoctorParamKind.TEXT, text, raw=raw)


def read_specialty(
    value: str | None, *, label_of: Callable[[str, str], str | None] | None = None
) -> SpecialtyParam:
    """The ``specialty`` parameter's semantics (§3.1); ``label_of(oid, code)`` resolves codes."""
    text = (value or "").strip()
    if not text:
        return SpecialtyParam(SpecialtyKind.DEFAULT, DEFAULT_SPECIALTY)
    match = _SPECIALTY_CODE.match(text)
    if match:
        oid, code = match.group(1), match.group(2)
        label = (label_of or _default_specialty_label)(oid, code)
        return SpecialtyParam(SpecialtyKind.CODE, label or DEFAULT_SPECIALTY, oid=oid, code=code)
    return SpecialtyParam(SpecialtyKind.TEXT, text)


def _default_specialty_label(oid: str, code: str) -> str | None:
    del oid  # the embedded table is keyed by code (TRE_R38 / J239)
    try:
        from sasref.fhir.specialities import speciality_display
    except ImportError:
        return None
    try:
        label = speciality_display(code)
    except (KeyError, LookupError, ValueError):
        return None
    return str(label) if label else None


def _ucwords(text: str) -> str:
    """PHP ``ucwords``: upper-case the first character of each blank-separated word."""
    return re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + m.group(2).upper(), text)


def _big_city(insee: str) -> str | None:
    """Arrondissement codes of Paris, Lyon and Marseille map to the city (§3.1)."""
    if insee == "75056" or (insee.startswith("751") and "75101" <= insee <= "75120"):
        return "Paris"
    if insee == "69123" or "69381" <= insee <= "69389":
        return "Lyon"
    if insee == "13055" or "13201" <= insee <= "13216":
        return "Marseille"
    return None


def department_code_of(insee: str) -> str:
    """The département of an INSEE commune code: 3 digits overseas (97x/98x), else 2."""
    return insee[:3] if insee[:2] in ("97", "98") else insee[:2]


def read_address(
    params: Mapping[str, str],
    *,
    commune_name: Lookup = _geo_commune_name,
    department_name: Lookup = _geo_department_name,
) -> LrmAddress:
    """Rebuild the address (§3.1); raises :class:`InvalidLrmAddress` when unusable."""
    number = re.sub(r"\D", "", params.get("streetnumber", ""))
    street = _ucwords(" ".join(params.get("streetname", "").split()))
    insee = params.get("inseecode", "").strip().upper()
    if insee.isdigit():
        insee = insee.zfill(5)
    city = ""
    department = ""
    if insee:
        city = _big_city(insee) or commune_name(insee) or ""
        if city != "Paris":
            department = department_name(department_code_of(insee)) or ""
    if not city:
        city = " ".join(params.get("city", "").split())
    if not city:
        raise InvalidLrmAddress("LRM address: no city (inseecode or city is required)")
    if number and not street:
        raise InvalidLrmAddress("LRM address: a street number without a street name")
    return LrmAddress(number, street, insee, city, department)


def parse_contextual_url(
    params: Mapping[str, str],
    *,
    known_origins: Collection[str] | None = None,
    commune_name: Lookup = _geo_commune_name,
    department_name: Lookup = _geo_department_name,
    specialty_label: Callable[[str, str], str | None] | None = None,
) -> ContextualSearch:
    """Validate the query parameters of an LRM contextual search URL.

    ``known_origins`` is the registry of active LRMs (their ``affectation_authority``); ``None``
    accepts any non-empty origin. Raises :class:`UnknownOrigin` or :class:`InvalidLrmAddress`;
    ``sas_pf_001``/``sas_pf_002`` are carried in ``practitioner.error_code``, not raised.
    """
    origin = params.get("origin", "").strip()
    if not origin:
        raise UnknownOrigin("origin is missing: not an LRM contextual search")
    if known_origins is not None and origin not in known_origins:
        raise UnknownOrigin(
            f"origin {origin!r} is not a registered LRM: the LRM to SAS flow is disabled for it"
        )
    return ContextualSearch(
        origin=origin,
        practitioner=read_preferred_doctor(params.get("practitioner")),
        specialty=read_specialty(params.get("specialty"), label_of=specialty_label),
        address=read_address(params, commune_name=commune_name, department_name=department_name),
    )


def rpps_param(rpps: str) -> str:
    """The normalised ``practitioner`` value for an RPPS (11 digits, or prefixed with 8)."""
    digits = rpps[1:] if len(rpps) == 12 and rpps.startswith("8") else rpps
    return f"{RPPS_OID}|8{digits}"


def build_contextual_url(
    base: str,
    *,
    origin: str,
    practitioner: str | None = None,
    specialty: str | None = None,
    streetnumber: str | None = None,
    streetname: str | None = None,
    inseecode: str | None = None,
    city: str | None = None,
) -> str:
    """The URL an LRM opens. ``base`` is the platform root (``/sas/recherche`` is appended)."""
    root = base.rstrip("/")
    if not root.endswith(SEARCH_PATH):
        root += SEARCH_PATH
    values = {
        "origin": origin,
        "practitioner": practitioner,
        "specialty": specialty,
        "streetnumber": streetnumber,
        "streetname": streetname,
        "inseecode": inseecode,
        "city": city,
    }
    query = urlencode([(k, v) for k, v in values.items() if v is not None])
    return f"{root}?{query}"
