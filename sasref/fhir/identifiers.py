"""French national identifiers of professionals and structures, prefixed the SAS way.

IG digest §9 (identifier systems and prefixes), §13 FAQ 7 ("match ids whatever the stored
prefixing, always answer prefixed") and §7.3/7.4/7.7/7.8/7.10 (identifier ``type`` per profile).

Two namespaces share one-character prefixes:

* **IDNPS** (``urn:oid:1.2.250.1.71.4.2.1``, a person): ``8`` + RPPS (11 digits), ``0`` + ADELI
  (9 characters), and structure-assigned staff ids ``<p><structure id>/<staff number>`` with
  ``p`` = ``3`` FINESS, ``4`` SIREN, ``5`` SIRET, ``6`` RPPS rang (CI-SIS convention; the IG
  regulator examples are ``3456780581/11242343`` and ``3620100057/70326SR``).
* **IDNST** (``urn:oid:1.2.250.1.71.4.2.2``, a structure): ``1`` + FINESS (9 characters), ``3`` +
  SIRET (14 digits), ``4`` + RPPS rang (IG example ``412345678912345``), ``0`` + ADELI rang.

Check keys. RPPS (key = Luhn over the 11 digits), SIREN and SIRET use Luhn; SIRETs of La Poste
(SIREN ``356000000``) are valid when their digit sum is a multiple of 5 instead. FINESS uses Luhn;
Corsican FINESS (``2A``/``2B``) have no published key rule in our sources: the key is checked
with ``2A``→``21``/``2B``→``22`` (the substitution public validators use) or with the legacy
department ``20``. The ADELI key algorithm is not published either: ADELI is checked on format.

**The IG's own examples fail some keys** (``810100050075`` and ``810002673899`` are not Luhn-valid
RPPS, FINESS ``810004421``, ``810004956`` and the regulator's ``456780581`` are not Luhn-valid
either). So the ``is_<kind>`` predicates check keys (strict), while the envelope functions
(``is_idnps``, ``normalize_idnps``, ...) check prefix and format by default and keys only with
``check_key=True``: an aggregator must not drop the IG's own fixtures.
"""

from __future__ import annotations

import re
import uuid
from enum import StrEnum
from typing import Any, Final

from sasref.errors import InvalidIdentifier
from sasref.fhir.systems import (
    FR_LOCATION_IDENTIFIER_TYPE,
    FR_V2_0203,
    IDNPS_SYSTEM,
    IDNST_SYSTEM,
    SAS_SYSTEM,
)

__all__ = [
    "IDNPS_KINDS",
    "IDNST_KINDS",
    "LA_POSTE_SIREN",
    "PREFIX",
    "IdKind",
    "has_valid_key",
    "is_adeli",
    "is_adeli_rang",
    "is_finess",
    "is_idnps",
    "is_idnst",
    "is_rpps",
    "is_rpps_rang",
    "is_siren",
    "is_siret",
    "is_staff_id",
    "is_uuid",
    "location_internal_identifier",
    "luhn_is_valid",
    "luhn_key",
    "make_finess",
    "make_rpps",
    "make_siren",
    "make_siret",
    "normalize_idnps",
    "normalize_idnst",
    "practitioner_identifier",
    "prefixed",
    "regulator_technical_identifier",
    "split_prefixed_idnps",
    "split_prefixed_idnst",
    "structure_identifier",
]


class IdKind(StrEnum):
    """Kinds of national identifiers (the raw value, without prefix)."""

    RPPS = "RPPS"
    ADELI = "ADELI"
    FINESS = "FINESS"
    SIRET = "SIRET"
    RPPS_RANG = "RPPS_RANG"
    ADELI_RANG = "ADELI_RANG"
    #: IDNPS staff ids ``<structure id>/<staff number>``, by the structure id they start with.
    STAFF_FINESS = "STAFF_FINESS"
    STAFF_SIREN = "STAFF_SIREN"
    STAFF_SIRET = "STAFF_SIRET"
    STAFF_RPPS_RANG = "STAFF_RPPS_RANG"


#: Prefix character of each kind (IDNPS and IDNST kinds reuse ``0``, ``3`` and ``4``).
PREFIX: Final[dict[IdKind, str]] = {
    IdKind.RPPS: "8",
    IdKind.ADELI: "0",
    IdKind.FINESS: "1",
    IdKind.SIRET: "3",
    IdKind.RPPS_RANG: "4",
    IdKind.ADELI_RANG: "0",
    IdKind.STAFF_FINESS: "3",
    IdKind.STAFF_SIREN: "4",
    IdKind.STAFF_SIRET: "5",
    IdKind.STAFF_RPPS_RANG: "6",
}
IDNPS_KINDS: Final = frozenset(
    {
        IdKind.RPPS,
        IdKind.ADELI,
        IdKind.STAFF_FINESS,
        IdKind.STAFF_SIREN,
        IdKind.STAFF_SIRET,
        IdKind.STAFF_RPPS_RANG,
    }
)
IDNST_KINDS: Final = frozenset({IdKind.FINESS, IdKind.SIRET, IdKind.RPPS_RANG, IdKind.ADELI_RANG})
LA_POSTE_SIREN: Final = "356000000"
LA_POSTE_HEAD_OFFICE: Final = "35600000000048"

_DEPT = r"(?:\d{2}|2[AB])"
_ADELI = re.compile(_DEPT + r"\d{7}")
_FINESS = re.compile(_DEPT + r"\d{7}")
_RPPS_RANG = re.compile(r"\d{14}")
_ADELI_RANG = re.compile(_DEPT + r"\d{7}\d{3}")
_STAFF_NUMBER = re.compile(r"[0-9A-Za-z._-]{1,64}")
_STRUCTURE_OF_STAFF: Final[dict[IdKind, IdKind | None]] = {
    IdKind.STAFF_FINESS: IdKind.FINESS,
    IdKind.STAFF_SIREN: None,
    IdKind.STAFF_SIRET: IdKind.SIRET,
    IdKind.STAFF_RPPS_RANG: IdKind.RPPS_RANG,
}
_STAFF_BY_PREFIX: Final = {PREFIX[k]: k for k in _STRUCTURE_OF_STAFF}


# --- Luhn --------------------------------------------------------------------------------------
def _luhn_sum(digits: str, *, with_key: bool) -> int:
    total = 0
    # Rightmost digit has weight 1 when it is the key, 2 when we compute the key of a body.
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if (i % 2 == 1) == with_key:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def luhn_is_valid(digits: str) -> bool:
    """True when ``digits`` (all ASCII digits, key last) passes the Luhn check."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    return _luhn_sum(digits, with_key=True) % 10 == 0


def luhn_key(body: str) -> str:
    """The Luhn key digit to append to ``body`` (ASCII digits)."""
    if not body or not body.isascii() or not body.isdigit():
        raise InvalidIdentifier(f"{body!r}: a Luhn body must be ASCII digits")
    return str((10 - _luhn_sum(body, with_key=False) % 10) % 10)


def _is_digits(value: str, n: int) -> bool:
    return len(value) == n and value.isascii() and value.isdigit()


# --- Individual national ids -------------------------------------------------------------------
def is_rpps(value: str) -> bool:
    """RPPS: 11 digits, Luhn key last (unprefixed)."""
    return _is_digits(value, 11) and luhn_is_valid(value)


def make_rpps(body10: str) -> str:
    """The RPPS made of 10 digits and their Luhn key."""
    if not _is_digits(body10, 10):
        raise InvalidIdentifier(f"{body10!r}: an RPPS body is 10 digits")
    return body10 + luhn_key(body10)


def is_adeli(value: str) -> bool:
    """ADELI: 9 characters, department (2 digits, ``2A``/``2B``) + 7 digits. Key not checked."""
    return _ADELI.fullmatch(value) is not None


def _corsica_variants(value: str) -> tuple[str, ...]:
    head, tail = value[:2], value[2:]
    if head == "2A":
        return ("21" + tail, "20" + tail)
    if head == "2B":
        return ("22" + tail, "20" + tail)
    return (value,)


def is_finess(value: str) -> bool:
    """FINESS: 9 characters (department incl. ``2A``/``2B``, 6 digits, Luhn key), unprefixed."""
    if _FINESS.fullmatch(value) is None:
        return False
    return any(luhn_is_valid(v) for v in _corsica_variants(value))


def make_finess(body8: str) -> str:
    """The FINESS made of 8 characters (department first, ``2A``/``2B`` allowed) and a key."""
    if _FINESS.fullmatch(body8 + "0") is None:
        raise InvalidIdentifier(f"{body8!r}: a FINESS body is a department and 6 digits")
    return body8 + luhn_key(_corsica_variants(body8 + "0")[0][:8])


def is_siren(value: str) -> bool:
    """SIREN: 9 digits, Luhn key last."""
    return _is_digits(value, 9) and luhn_is_valid(value)


def make_siren(body8: str) -> str:
    """The SIREN made of 8 digits and their Luhn key."""
    if not _is_digits(body8, 8):
        raise InvalidIdentifier(f"{body8!r}: a SIREN body is 8 digits")
    return body8 + luhn_key(body8)


def is_siret(value: str) -> bool:
    """SIRET: 14 digits (SIREN + NIC), Luhn over all 14.

    La Poste's establishments (SIREN 356000000) are numbered so that the digit sum is a multiple
    of 5 instead; its head office, ``35600000000048``, still follows Luhn.
    """
    if not _is_digits(value, 14):
        return False
    if value.startswith(LA_POSTE_SIREN) and value != LA_POSTE_HEAD_OFFICE:
        return sum(map(int, value)) % 5 == 0
    return luhn_is_valid(value)


def make_siret(siren9: str, nic_body4: str) -> str:
    """The SIRET of establishment ``nic_body4`` (4 digits) of ``siren9``, key computed."""
    if not _is_digits(siren9, 9) or not _is_digits(nic_body4, 4):
        raise InvalidIdentifier(f"{siren9!r}/{nic_body4!r}: a SIRET is a 9-digit SIREN + 4 digits")
    body = siren9 + nic_body4
    if siren9 == LA_POSTE_SIREN:
        return body + str((5 - sum(map(int, body)) % 5) % 5)
    return body + luhn_key(body)


def is_rpps_rang(value: str) -> bool:
    """RPPS rang (unprefixed): 14 digits, an RPPS followed by a 3-digit rank. Format only."""
    return _RPPS_RANG.fullmatch(value) is not None


def is_adeli_rang(value: str) -> bool:
    """ADELI rang (unprefixed): an ADELI followed by a 3-digit rank (like RPPS rang). Format only.

    The IG gives no ADELI rang example; the 3-digit rank mirrors the RPPS rang example and keeps
    the prefixed form (13 characters) apart from raw SIRETs (14 digits).
    """
    return _ADELI_RANG.fullmatch(value) is not None


def has_valid_key(kind: IdKind, raw: str) -> bool:
    """Whether the check key of an unprefixed ``raw`` id of ``kind`` is right.

    Kinds without a known key algorithm (ADELI, ranks) are checked on format only; staff ids on
    the key of their structure part.
    """
    checks = {
        IdKind.RPPS: is_rpps,
        IdKind.ADELI: is_adeli,
        IdKind.FINESS: is_finess,
        IdKind.SIRET: is_siret,
        IdKind.RPPS_RANG: is_rpps_rang,
        IdKind.ADELI_RANG: is_adeli_rang,
    }
    if kind in checks:
        return checks[kind](raw)
    structure = raw.partition("/")[0]
    target = _STRUCTURE_OF_STAFF[kind]
    return is_siren(structure) if target is None else has_valid_key(target, structure)


def _format_ok(kind: IdKind, raw: str) -> bool:
    if kind is IdKind.RPPS:
        return _is_digits(raw, 11)
    if kind is IdKind.SIRET:
        return _is_digits(raw, 14)
    if kind is IdKind.FINESS:
        return _FINESS.fullmatch(raw) is not None
    if kind in _STRUCTURE_OF_STAFF:
        return is_staff_id(PREFIX[kind] + raw)
    return has_valid_key(kind, raw)  # ADELI and ranks: format only anyway


# --- Prefixes ----------------------------------------------------------------------------------
def prefixed(kind: IdKind, raw: str) -> str:
    """``raw`` with the prefix of ``kind`` (no validation)."""
    return PREFIX[kind] + raw


def is_staff_id(value: str) -> bool:
    """A prefixed structure-assigned IDNPS ``<3|4|5|6><structure id>/<staff number>``."""
    if len(value) < 3 or value[0] not in _STAFF_BY_PREFIX:
        return False
    structure, slash, number = value[1:].partition("/")
    if not slash or _STAFF_NUMBER.fullmatch(number) is None:
        return False
    target = _STRUCTURE_OF_STAFF[_STAFF_BY_PREFIX[value[0]]]
    if target is None:
        return _is_digits(structure, 9)
    return _format_ok(target, structure)


def _split_idnps(v: str) -> tuple[IdKind, str] | None:
    if v.startswith("8") and _is_digits(v[1:], 11):
        return IdKind.RPPS, v[1:]
    if v.startswith("0") and is_adeli(v[1:]):
        return IdKind.ADELI, v[1:]
    if is_staff_id(v):
        return _STAFF_BY_PREFIX[v[0]], v[1:]
    return None


def split_prefixed_idnps(value: str) -> tuple[IdKind, str]:
    """Split a prefixed IDNPS into its kind and raw value (format checked, keys not)."""
    found = _split_idnps(value.strip())
    if found is None:
        raise InvalidIdentifier(
            f"{value!r} is not a prefixed IDNPS (8+RPPS 11 digits, 0+ADELI 9 characters, "
            "3/4/5/6+structure id/staff number)"
        )
    return found


def _split_idnst(v: str) -> tuple[IdKind, str] | None:
    head, raw = v[:1], v[1:]
    if head == "1" and _FINESS.fullmatch(raw):
        return IdKind.FINESS, raw
    if head == "3" and _is_digits(raw, 14):
        return IdKind.SIRET, raw
    if head == "4" and is_rpps_rang(raw):
        return IdKind.RPPS_RANG, raw
    if head == "0" and is_adeli_rang(raw):
        return IdKind.ADELI_RANG, raw
    return None


def split_prefixed_idnst(value: str) -> tuple[IdKind, str]:
    """Split a prefixed IDNST into its kind and raw value (format checked, keys not)."""
    found = _split_idnst(value.strip())
    if found is None:
        raise InvalidIdentifier(
            f"{value!r} is not a prefixed IDNST (1+FINESS 9 characters, 3+SIRET 14 digits, "
            "4+RPPS rang 14 digits, 0+ADELI rang)"
        )
    return found


def _check(kind: IdKind, raw: str, value: str, check_key: bool) -> None:
    if check_key and not has_valid_key(kind, raw):
        raise InvalidIdentifier(f"{value!r}: the check key of the {kind.value} {raw!r} is wrong")


def normalize_idnps(value: str, *, check_key: bool = False) -> str:
    """Prefixed IDNPS from a prefixed or raw value; raises :class:`InvalidIdentifier`.

    Raw detection: 11 digits → RPPS; 9 characters with a department → ADELI;
    ``<9 digits>/<n>`` → FINESS staff id; ``<14 digits>/<n>`` → SIRET staff id.
    """
    v = value.strip()
    found = _split_idnps(v)
    if found is not None:
        kind, raw = found
    elif _is_digits(v, 11):
        kind, raw = IdKind.RPPS, v
    elif is_adeli(v):
        kind, raw = IdKind.ADELI, v
    elif "/" in v and is_staff_id("3" + v):
        kind, raw = IdKind.STAFF_FINESS, v
    elif "/" in v and is_staff_id("5" + v):
        kind, raw = IdKind.STAFF_SIRET, v
    else:
        raise InvalidIdentifier(
            f"{value!r} is not an IDNPS: expected 8+RPPS (11 digits), 0+ADELI (9 characters), "
            "3/4/5/6+structure id/staff number, or a raw RPPS, ADELI or staff id"
        )
    _check(kind, raw, value, check_key)
    return PREFIX[kind] + raw


def normalize_idnst(value: str, *, check_key: bool = False) -> str:
    """Prefixed IDNST from a prefixed or raw value; raises :class:`InvalidIdentifier`.

    Raw detection: 9 characters → FINESS; 14 digits → SIRET, or RPPS rang when the SIRET key
    fails and the first 11 digits are a valid RPPS.
    """
    v = value.strip()
    found = _split_idnst(v)
    if found is not None:
        kind, raw = found
    elif _FINESS.fullmatch(v):
        kind, raw = IdKind.FINESS, v
    elif _is_digits(v, 14):
        rang = not is_siret(v) and is_rpps(v[:11])
        kind, raw = (IdKind.RPPS_RANG if rang else IdKind.SIRET), v
    else:
        raise InvalidIdentifier(
            f"{value!r} is not an IDNST: expected 1+FINESS (9 characters), "
            "3+SIRET (14 digits), 4+RPPS rang (14 digits), 0+ADELI rang, "
            "or a raw FINESS or SIRET"
        )
    _check(kind, raw, value, check_key)
    return PREFIX[kind] + raw


def is_idnps(value: str, *, check_key: bool = False) -> bool:
    """True for a well-formed *prefixed* IDNPS (RPPS, ADELI or staff id)."""
    found = _split_idnps(value.strip())
    return found is not None and (not check_key or has_valid_key(*found))


def is_idnst(value: str, *, check_key: bool = False) -> bool:
    """True for a well-formed *prefixed* IDNST (FINESS, SIRET, RPPS rang, ADELI rang)."""
    found = _split_idnst(value.strip())
    return found is not None and (not check_key or has_valid_key(*found))


def is_uuid(value: str) -> bool:
    """True for a UUID in its canonical 8-4-4-4-12 hexadecimal text form (any version)."""
    if len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# --- FHIR Identifier builders ------------------------------------------------------------------
def _typed(type_system: str, code: str, system: str, value: str) -> dict[str, Any]:
    return {
        "type": {"coding": [{"system": type_system, "code": code}]},
        "system": system,
        "value": value,
    }


def practitioner_identifier(idnps: str) -> dict[str, Any]:
    """IDNPS ``Identifier`` (FrPractitionerAgregateur, FrPractitionerRegul, Appointment actor)."""
    return _typed(FR_V2_0203, "IDNPS", IDNPS_SYSTEM, normalize_idnps(idnps))


def regulator_technical_identifier(value: str) -> dict[str, Any]:
    """SAS technical id of a regulator (a UUID): ``fr-v2-0203#INTRN`` + ``SAS_SYSTEM``."""
    if not is_uuid(value):
        raise InvalidIdentifier(f"{value!r}: a SAS technical regulator id is a UUID")
    return _typed(FR_V2_0203, "INTRN", SAS_SYSTEM, value.lower())


def structure_identifier(idnst: str, type_system: str = FR_V2_0203) -> dict[str, Any]:
    """IDNST ``Identifier``; ``type_system`` depends on the profile (digest §13).

    ``FR_V2_0203`` for PractitionerRole.organization, ``FR_LOCATION_IDENTIFIER_TYPE`` for the SOS
    Organization, ``FR_CORE_V2_0203`` for the CPTS Organization.
    """
    return _typed(type_system, "IDNST", IDNST_SYSTEM, normalize_idnst(idnst))


def location_internal_identifier(value: str, system: str) -> dict[str, Any]:
    """Editor-internal Location id: ``fr-location-identifier-type#INTRN`` + the editor system."""
    if not value.strip() or not system.strip():
        raise InvalidIdentifier(f"{value!r}@{system!r}: a location id needs a value and a system")
    return _typed(FR_LOCATION_IDENTIFIER_TYPE, "INTRN", system, value)
