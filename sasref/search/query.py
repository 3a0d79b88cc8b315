"""Build and tolerantly parse the slot-search queries of the SAS IG (digest §2.2–§2.4, §6, §13).

Three searches share one value object, :class:`SlotQuery`:

* INT_R01 (PS à titre individuel): ``GET [base]/Slot`` with ``start=ge…``, ``start=le…``,
  ``schedule.actor:Practitioner.identifier`` (1–25, comma = OR) and ``status=free``, plus
  ``_include=Slot:schedule`` and ``_include:iterate=Schedule:actor``;
* INT_R04 (CPTS): the same plus ``_include=Slot:service-type-reference`` and
  ``_include:iterate=HealthcareService:organization``;
* SOS Médecins: ``GET [base]/Schedule`` with ``_has:Slot:schedule:start`` (ge/le),
  ``_has:Slot:schedule:status=free``, ``actor:Location.organization.identifier`` (SIRET),
  ``_revinclude=Slot:schedule``, ``_include=Schedule:actor:Location`` and
  ``_include:iterate=Location:organization``.

The builder writes exactly the IG's parameter names; the parser is a tolerant reader of what
real clients send (§13): ``|`` or ``%7C``, spaces after commas, raw ``+`` offsets decoded to a
space, dates with or without an offset, prefixed or unprefixed identifiers,
``Location:Organization`` casing, ``_format`` and ``_count``. It never ignores a parameter it
does not support: that is a :class:`QueryError`, answered 400 by a server.

SOS identifier count: the parameter table says 1..25, the functional text 1–10 [INCONSISTENCY];
we accept 25 (the looser bound, the same as INT_R01), so a SAS client batching by 25 works.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal
from urllib.parse import quote

from sasref.errors import InvalidDateTime, InvalidInput
from sasref.fhir.datetimes import format_instant, parse_datetime
from sasref.fhir.systems import IDNPS_SYSTEM, IDNST_SYSTEM

__all__ = [
    "MAX_IDENTIFIERS",
    "PS_ID_PARAM",
    "SOS_ID_PARAM",
    "QueryError",
    "SlotQuery",
    "UseCase",
    "parse_query",
    "parse_schedule_query",
    "parse_slot_query",
]

UseCase = Literal["ps", "cpts", "sos"]
Target = Literal["Slot", "Schedule"]

#: Identifiers per request (INT_R01/R04 1..25; SOS table 1..25, text 1..10 — we take 25).
MAX_IDENTIFIERS = 25

PS_ID_PARAM = "schedule.actor:Practitioner.identifier"
SOS_ID_PARAM = "actor:Location.organization.identifier"
SOS_START = "_has:Slot:schedule:start"
SOS_STATUS = "_has:Slot:schedule:status"

# Canonical include names (what we write) per target, and their accepted spellings.
INC_SLOT_SCHEDULE = "Slot:schedule"
INC_SCHEDULE_ACTOR = "Schedule:actor"
INC_SERVICE_TYPE = "Slot:service-type-reference"
INC_HCS_ORGANIZATION = "HealthcareService:organization"
INC_SCHEDULE_LOCATION = "Schedule:actor:Location"
INC_LOCATION_ORGANIZATION = "Location:organization"
REV_SLOT_SCHEDULE = "Slot:schedule"

_SLOT_INCLUDES = {
    "slot:schedule": INC_SLOT_SCHEDULE,
    "schedule:actor": INC_SCHEDULE_ACTOR,
    "schedule:actor:practitioner": INC_SCHEDULE_ACTOR,
    "schedule:actor:practitionerrole": INC_SCHEDULE_ACTOR,
    "slot:service-type-reference": INC_SERVICE_TYPE,
    "healthcareservice:organization": INC_HCS_ORGANIZATION,
}
_SCHEDULE_INCLUDES = {
    "schedule:actor:location": INC_SCHEDULE_LOCATION,
    "schedule:actor": INC_SCHEDULE_LOCATION,
    "location:organization": INC_LOCATION_ORGANIZATION,  # also "Location:Organization" (§13)
}
_SCHEDULE_REVINCLUDES = {"slot:schedule": REV_SLOT_SCHEDULE}

_FORMATS = frozenset({"json", "application/json", "application/fhir+json", "application/json+fhir"})
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PREFIX = re.compile(r"^([a-z]{2})(?=\d)")


class QueryError(InvalidInput):
    """A search the server cannot execute; ``code`` is the FHIR IssueType, ``param`` the culprit."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


@dataclass(frozen=True, slots=True)
class SlotQuery:
    """One slot search: INT_R01/INT_R04 on ``Slot`` or the SOS search on ``Schedule``.

    ``identifiers`` are ``(system, value)`` pairs, values always prefixed (RPPS ``8…``, SIRET
    ``3…``); ``includes``/``iterate_includes``/``revincludes`` hold canonical names.
    """

    start_ge: datetime
    start_le: datetime
    identifiers: tuple[tuple[str, str], ...]
    target: Target = "Slot"
    status: str = "free"
    includes: tuple[str, ...] = (INC_SLOT_SCHEDULE,)
    iterate_includes: tuple[str, ...] = (INC_SCHEDULE_ACTOR,)
    revincludes: tuple[str, ...] = ()
    format: str | None = None
    count: int | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)  # tolerated deviations

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def ps(
        cls, start_ge: datetime, start_le: datetime, ids: Iterable[str], *, count: int | None = None
    ) -> SlotQuery:
        """An INT_R01 query for prefixed IDNPS ``ids``."""
        return cls(start_ge, start_le, tuple((IDNPS_SYSTEM, i) for i in ids), count=count)

    @classmethod
    def cpts(
        cls, start_ge: datetime, start_le: datetime, ids: Iterable[str], *, count: int | None = None
    ) -> SlotQuery:
        """An INT_R04 query: INT_R01 plus the CPTS includes."""
        return cls(
            start_ge,
            start_le,
            tuple((IDNPS_SYSTEM, i) for i in ids),
            includes=(INC_SLOT_SCHEDULE, INC_SERVICE_TYPE),
            iterate_includes=(INC_SCHEDULE_ACTOR, INC_HCS_ORGANIZATION),
            count=count,
        )

    @classmethod
    def sos(
        cls,
        start_ge: datetime,
        start_le: datetime,
        sirets: Iterable[str],
        *,
        count: int | None = None,
    ) -> SlotQuery:
        """An SOS Médecins ``GET Schedule`` query for prefixed SIRETs."""
        return cls(
            start_ge,
            start_le,
            tuple((IDNST_SYSTEM, s) for s in sirets),
            target="Schedule",
            includes=(INC_SCHEDULE_LOCATION,),
            iterate_includes=(INC_LOCATION_ORGANIZATION,),
            revincludes=(REV_SLOT_SCHEDULE,),
            count=count,
        )

    # -- reading --------------------------------------------------------------------------
    @property
    def use_case(self) -> UseCase:
        if self.target == "Schedule":
            return "sos"
        return "cpts" if INC_SERVICE_TYPE in self.includes else "ps"

    @property
    def ids(self) -> tuple[str, ...]:
        """The prefixed identifier values, in request order."""
        return tuple(v for _, v in self.identifiers)

    def wants(self, include: str) -> bool:
        """Whether an include/iterate/revinclude (canonical name) was asked for."""
        return (
            include in self.includes
            or include in self.iterate_includes
            or include in self.revincludes
        )

    # -- writing --------------------------------------------------------------------------
    def to_params(self) -> list[tuple[str, str]]:
        """The query parameters, with exactly the IG's names and order."""
        ids = ",".join(f"{s}|{v}" for s, v in self.identifiers)
        ge, le = "ge" + format_instant(self.start_ge), "le" + format_instant(self.start_le)
        params: list[tuple[str, str]]
        if self.target == "Schedule":
            params = [("_revinclude", r) for r in self.revincludes]
            params += [("_include", i) for i in self.includes]
            params += [("_include:iterate", i) for i in self.iterate_includes]
            params += [(SOS_START, ge), (SOS_START, le), (SOS_STATUS, self.status)]
            params.append((SOS_ID_PARAM, ids))
        else:
            order = (INC_SLOT_SCHEDULE, INC_SCHEDULE_ACTOR, INC_SERVICE_TYPE, INC_HCS_ORGANIZATION)
            params = []
            for name in order:
                if name in self.includes:
                    params.append(("_include", name))
                if name in self.iterate_includes:
                    params.append(("_include:iterate", name))
            params += [("start", ge), ("start", le), (PS_ID_PARAM, ids), ("status", self.status)]
        if self.format is not None:
            params.append(("_format", self.format))
        if self.count is not None:
            params.append(("_count", str(self.count)))
        return params

    def to_query_string(self) -> str:
        """The percent-encoded query string (``+`` → ``%2B``, ``|`` → ``%7C``)."""
        return "&".join(f"{k}={quote_value(v)}" for k, v in self.to_params())

    def to_url(self, base_url: str) -> str:
        """``[base]/Slot?…`` or ``[base]/Schedule?…``."""
        return f"{base_url.rstrip('/')}/{self.target}?{self.to_query_string()}"


#: A value with nothing to encode but ``|`` and ``+`` (identifiers, instants, include names).
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.\-~:,|+]*")


def quote_value(value: str) -> str:
    """``urllib.parse.quote(value, safe=":,")``, with a shortcut for the values every fan-out
    call sends: quoting 25 identifiers character by character costs about ten times more, once
    per editor call (``tests/unit/test_search_query.py`` checks both agree on any text)."""
    if _PLAIN_VALUE.fullmatch(value):
        return value.replace("|", "%7C").replace("+", "%2B")
    return quote(value, safe=":,")


# --- parsing -------------------------------------------------------------------------------
def parse_slot_query(multi_params: Iterable[tuple[str, str]]) -> SlotQuery:
    """Parse an INT_R01/INT_R04 ``GET Slot`` query (decoded ``(name, value)`` pairs)."""
    return parse_query(multi_params, "Slot")


def parse_schedule_query(multi_params: Iterable[tuple[str, str]]) -> SlotQuery:
    """Parse an SOS Médecins ``GET Schedule`` query."""
    return parse_query(multi_params, "Schedule")


def parse_query(multi_params: Iterable[tuple[str, str]], target: Target) -> SlotQuery:
    """Parse a slot search on ``target``; raise :class:`QueryError` naming the problem."""
    notes: list[str] = []
    starts: list[tuple[str, str]] = []  # (param name, raw value)
    id_values: list[tuple[str, str]] = []
    statuses: list[tuple[str, str]] = []
    includes: list[str] = []
    iterates: list[str] = []
    revincludes: list[str] = []
    fmt: str | None = None
    count: int | None = None
    is_sos = target == "Schedule"
    include_table = _SCHEDULE_INCLUDES if is_sos else _SLOT_INCLUDES
    start_name, id_name = (SOS_START, SOS_ID_PARAM) if is_sos else ("start", PS_ID_PARAM)
    status_names = (SOS_STATUS, "status") if is_sos else ("status",)

    for raw_name, value in multi_params:
        name = raw_name.strip()
        if name == start_name:
            starts.append((name, value))
        elif name == id_name:
            id_values.append((name, value))
        elif name in status_names:
            if name == "status" and is_sos:
                notes.append("'status' accepted for '_has:Slot:schedule:status' (IG table)")
            statuses.append((name, value))
        elif name in ("_include", "_include:iterate"):
            canonical = _canonical_include(value, include_table, name)
            (includes if name == "_include" else iterates).append(canonical)
        elif name == "_revinclude" and is_sos:
            revincludes.append(_canonical_include(value, _SCHEDULE_REVINCLUDES, name))
        elif name == "_format":
            fmt = _parse_format(value)
        elif name == "_count":
            count = _parse_count(value)
        else:
            raise QueryError(
                "not-supported", f"unsupported search parameter '{name}' on {target}", name
            )

    start_ge, start_le = _parse_window(starts, start_name)
    identifiers = _parse_identifiers(id_values, id_name, is_sos, notes)
    status = _parse_status(statuses, status_names[0])
    return SlotQuery(
        start_ge=start_ge,
        start_le=start_le,
        identifiers=identifiers,
        target=target,
        status=status,
        includes=tuple(dict.fromkeys(includes)),
        iterate_includes=tuple(dict.fromkeys(iterates)),
        revincludes=tuple(dict.fromkeys(revincludes)),
        format=fmt,
        count=count,
        notes=tuple(notes),
    )


def _canonical_include(value: str, table: dict[str, str], param: str) -> str:
    key = value.strip().lower()
    if key not in table:
        allowed = ", ".join(sorted(set(table.values())))
        raise QueryError(
            "not-supported", f"unknown {param} value '{value}' (supported: {allowed})", param
        )
    return table[key]


def _parse_format(value: str) -> str:
    fmt = value.strip().replace(" ", "+")  # "application/fhir+json" with its "+" decoded
    if fmt.lower() not in _FORMATS:
        raise QueryError(
            "not-supported", f"_format '{value}' is not supported: JSON only", "_format"
        )
    return fmt


def _parse_count(value: str) -> int:
    try:
        count = int(value.strip())
    except ValueError:
        raise QueryError("invalid", f"_count '{value}' is not an integer", "_count") from None
    if count < 0:
        raise QueryError("invalid", f"_count '{value}' is negative", "_count")
    return count


def _parse_status(statuses: list[tuple[str, str]], name: str) -> str:
    if not statuses:
        raise QueryError("required", f"missing mandatory parameter '{name}' (free)", name)
    if len(statuses) > 1:
        raise QueryError("invalid", f"'{name}' given {len(statuses)} times", name)
    value = statuses[0][1].strip()
    if value != "free":
        raise QueryError("not-supported", f"{name}={value}: only 'free' slots are served", name)
    return value


def _parse_window(starts: list[tuple[str, str]], name: str) -> tuple[datetime, datetime]:
    bounds: dict[str, datetime] = {}
    for _, raw in starts:
        value = raw.strip()
        match = _PREFIX.match(value)
        if match is None:
            raise QueryError("invalid", f"{name}={raw}: a 'ge' or 'le' prefix is required", name)
        prefix = match.group(1)
        if prefix not in ("ge", "le"):
            raise QueryError(
                "not-supported", f"{name}={raw}: prefix '{prefix}' not supported (ge, le)", name
            )
        if prefix in bounds:
            raise QueryError("invalid", f"{name} with prefix '{prefix}' given twice", name)
        bounds[prefix] = _parse_bound(value[2:], upper=prefix == "le", name=name, raw=raw)
    for prefix in ("ge", "le"):
        if prefix not in bounds:
            raise QueryError("required", f"missing mandatory parameter '{name}={prefix}…'", name)
    if bounds["ge"] > bounds["le"]:
        raise QueryError(
            "invalid",
            f"{name}: ge {bounds['ge'].isoformat()} is after le {bounds['le'].isoformat()}",
            name,
        )
    return bounds["ge"], bounds["le"]


def _parse_bound(text: str, *, upper: bool, name: str, raw: str) -> datetime:
    try:
        parsed = parse_datetime(text)
    except (InvalidDateTime, ValueError):
        raise QueryError("invalid", f"{name}={raw}: unreadable date-time", name) from None
    if upper and _DATE_ONLY.match(text.strip()):
        # "le2024-06-12" covers the whole day (FHIR date precision).
        day_end = datetime.combine(parsed.date(), time(23, 59, 59, 999000), parsed.tzinfo)
        return day_end
    return parsed


def _parse_identifiers(
    values: list[tuple[str, str]], name: str, is_sos: bool, notes: list[str]
) -> tuple[tuple[str, str], ...]:
    if not values:
        raise QueryError("required", f"missing mandatory parameter '{name}'", name)
    if len(values) > 1:
        raise QueryError(
            "invalid", f"'{name}' given {len(values)} times: use one comma-separated list", name
        )
    system = IDNST_SYSTEM if is_sos else IDNPS_SYSTEM
    out: dict[tuple[str, str], None] = {}
    for token in values[0][1].split(","):
        token = token.strip()
        if not token:
            continue
        out[(system, _parse_identifier(token, system, name, is_sos, notes))] = None
    if not out:
        raise QueryError("required", f"'{name}' holds no identifier", name)
    if len(out) > MAX_IDENTIFIERS:
        raise QueryError(
            "too-costly",
            f"'{name}' holds {len(out)} identifiers: at most {MAX_IDENTIFIERS} per request",
            name,
        )
    return tuple(out)


def _parse_identifier(token: str, system: str, name: str, is_sos: bool, notes: list[str]) -> str:
    token = re.sub("%7c", "|", token, flags=re.IGNORECASE)
    if "|" in token:
        sys_part, _, value = token.partition("|")
        sys_part, value = sys_part.strip(), value.strip()
        if sys_part and sys_part != system:
            raise QueryError(
                "invalid", f"{name}: identifier system '{sys_part}' is not {system}", name
            )
    elif token.startswith((system + "7C", system + "7c")):
        value = token[len(system) + 2 :]  # the IG narrative's "…4.2.27C3…" typo (§13)
        notes.append(f"'{token}': '%' lost before '7C', read as {system}|{value}")
    elif token.startswith("urn:"):
        raise QueryError("invalid", f"{name}: '{token}' has no '|' between system and value", name)
    else:
        value = token
        notes.append(f"'{token}': no system, {system} assumed")
    if not value:
        raise QueryError("invalid", f"{name}: empty identifier value in '{token}'", name)
    return prefix_structure_id(value) if is_sos else prefix_practitioner_id(value)


def prefix_practitioner_id(value: str) -> str:
    """RPPS 11 digits → ``8…``, ADELI 9 characters → ``0…``; prefixed values unchanged."""
    if value.isdigit() and len(value) == 11:
        return "8" + value
    if len(value) == 9 and value[:1].isdigit():
        return "0" + value
    return value


def prefix_structure_id(value: str) -> str:
    """FINESS 9 → ``1…``, SIRET 14 → ``3…``; prefixed values unchanged."""
    if len(value) == 14 and value.isdigit():
        return "3" + value
    if len(value) == 9 and value[:1].isdigit():
        return "1" + value
    return value


def window_hours(query: SlotQuery) -> float:
    """Width of the search window in hours (for logs and benchmarks)."""
    return (query.start_le - query.start_ge) / timedelta(hours=1)
