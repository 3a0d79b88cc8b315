"""The slot searches the kit sends, per use case (IG digest §2.2–§2.4, §13). Pure.

:func:`search_plan` writes the IG's query (``basic``, built by :class:`sasref.search.SlotQuery`)
and its variants, each named after the check that reads it:

* identifiers: ``id-pipe`` (``|`` raw; ``basic`` encodes it ``%7C``), ``id-unprefixed``,
  ``id-spaces`` (a space after each comma, as the IG's example), ``id-one``, ``id-25`` and
  ``id-26`` (completed with :func:`filler_ids`: valid identifiers no editor has), ``unknown``;
* dates: ``date-utc`` (``Z``), ``date-no-millis``, ``date-no-offset`` (Paris wall time);
* includes: ``include-order`` (every parameter in reverse order), ``include-none``,
  ``include-plain-actor`` (``_include=Schedule:actor``, GAP's form) or, for SOS,
  ``include-casing`` (``Location:Organization``, the IG narrative's);
* ``bad-request`` (an unreadable date) and ``accept-legacy`` (``Accept:
  application/json+fhir``, the header the IG documents).

Without identifiers only what needs none is planned (``unknown``, ``id-25``, ``id-26``,
``bad-request``, ``accept-legacy``).

The window starts 5 minutes from now (a slot starting during the run must not leave the answers
between two requests) and lasts 71 hours: inside the 72 hours the SAS asks for, so an agenda
whose window rolls with the clock answers the same all along the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import quote

from sasref.clock import PARIS
from sasref.conformance.exchange import Step
from sasref.fhir.datetimes import format_instant
from sasref.fhir.identifiers import make_rpps, make_siren, make_siret
from sasref.fhir.systems import IDNPS_SYSTEM, IDNST_SYSTEM
from sasref.search import MAX_IDENTIFIERS, SlotQuery
from sasref.search.query import PS_ID_PARAM, SOS_ID_PARAM, SOS_START

__all__ = ["SearchPlan", "filler_ids", "search_plan", "search_window", "unprefixed"]

Params = list[tuple[str, str]]
LEGACY_ACCEPT: Final = "application/json+fhir"
WINDOW_DELAY: Final = timedelta(minutes=5)
WINDOW_LENGTH: Final = timedelta(hours=71)
_BAD_DATE: Final = "ge2024-13-45T99:00:00"


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """The steps of one use case, by name (``basic``, ``id-pipe``…), and what they ask."""

    use_case: str
    ids: tuple[str, ...]
    window: tuple[datetime, datetime]
    steps: dict[str, Step]

    @property
    def target(self) -> str:
        return "Schedule" if self.use_case == "sos" else "Slot"


def search_window(now: datetime) -> tuple[datetime, datetime]:
    """``(ge, le)``: from 5 minutes from now, on a whole minute, for 71 hours (Paris)."""
    start = (now.astimezone(PARIS) + WINDOW_DELAY).replace(second=0, microsecond=0)
    return start, start + WINDOW_LENGTH


def filler_ids(use_case: str, n: int, exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    """``n`` valid prefixed identifiers no editor should know (RPPS ``8`` + ``99…``; SIRET
    ``3`` + SIREN ``99…``): to complete a list to 25 or 26, or to ask for nobody."""
    out: list[str] = []
    i = 0
    while len(out) < n:
        if use_case == "sos":
            value = "3" + make_siret(make_siren(f"{99_000_000 + i:08d}"), "0001")
        else:
            value = "8" + make_rpps(f"{9_900_000_000 + i:010d}")
        if value not in exclude:
            out.append(value)
        i += 1
    return tuple(out)


def unprefixed(value: str, use_case: str) -> str | None:
    """The identifier without its type prefix (RPPS 11 digits, ADELI 9, SIRET 14), ``None``
    when it has no unprefixed form (a structure-assigned staff id)."""
    head, raw = value[:1], value[1:]
    if use_case == "sos":
        return raw if head == "3" and len(raw) == 14 else None
    if (head, len(raw)) in (("8", 11), ("0", 9)):
        return raw
    return None


def _query(use_case: str, window: tuple[datetime, datetime], ids: tuple[str, ...]) -> SlotQuery:
    build = {"ps": SlotQuery.ps, "cpts": SlotQuery.cpts, "sos": SlotQuery.sos}[use_case]
    return build(window[0], window[1], ids)


def _encode(params: Params, safe: str = ":,") -> str:
    return "&".join(f"{k}={quote(v, safe=safe)}" for k, v in params)


def _replace(params: Params, name: str, values: list[str]) -> Params:
    """``params`` with the values of ``name`` replaced, in place of the first occurrence."""
    out: Params = []
    for key, value in params:
        if key != name:
            out.append((key, value))
        elif values:
            out += [(name, v) for v in values]
            values = []
    return out


def _id_value(use_case: str, values: list[str], sep: str = ",") -> str:
    system = IDNST_SYSTEM if use_case == "sos" else IDNPS_SYSTEM
    return sep.join(f"{system}|{v}" for v in values)


def search_plan(use_case: str, base_url: str, ids: tuple[str, ...], now: datetime) -> SearchPlan:
    """Every step of ``use_case`` against ``base_url`` for the prefixed ``ids`` (at most 25)."""
    window = search_window(now)
    ge, le = window
    base = base_url.rstrip("/")
    target = "Schedule" if use_case == "sos" else "Slot"
    id_param = SOS_ID_PARAM if use_case == "sos" else PS_ID_PARAM
    start_param = SOS_START if use_case == "sos" else "start"
    steps: dict[str, Step] = {}
    ids = ids[:MAX_IDENTIFIERS]
    fill = filler_ids(use_case, MAX_IDENTIFIERS + 1, ids)
    canonical = _query(use_case, window, ids or fill[:1]).to_params()

    def add(
        name: str,
        params: Params,
        purpose: str,
        *,
        asked: tuple[str, ...] = ids,
        expect: str = "200",
        optional: bool = False,
        safe: str = ":,",
        accept: str = "application/fhir+json",
        bounds: tuple[datetime, datetime] | None = window,
    ) -> None:
        url = f"{base}/{target}?{_encode(params, safe)}"
        steps[name] = Step(f"{use_case}:{name}", "GET", url, purpose, (("Accept", accept),),
                           expect=expect, optional=optional, window=bounds, ids=asked)  # fmt: skip

    def with_ids(values: list[str], sep: str = ",") -> Params:
        return _replace(canonical, id_param, [_id_value(use_case, values, sep)])

    def with_dates(lower: str, upper: str) -> Params:
        return _replace(canonical, start_param, [f"ge{lower}", f"le{upper}"])

    unknown = with_ids([fill[0]])
    padded = list(ids) + [f for f in fill if f not in ids]
    if ids:
        add("basic", canonical, "the IG's query")
    add("unknown", unknown, "an identifier nobody has", asked=fill[:1])
    if ids:
        add("id-pipe", canonical, "'|' not percent-encoded", safe=":,|")
        bare = [unprefixed(v, use_case) for v in ids]
        if any(b is not None for b in bare):
            add("id-unprefixed", with_ids([b or v for b, v in zip(bare, ids, strict=True)]),
                "identifiers without their prefix")  # fmt: skip
        if len(ids) > 1:
            add("id-spaces", with_ids(list(ids), ", "), "a space after each comma", optional=True)
        add("id-one", with_ids(list(ids[:1])), "one identifier", asked=ids[:1])
    add("id-25", with_ids(padded[:MAX_IDENTIFIERS]), "25 identifiers", asked=tuple(padded[:25]),
        optional=use_case == "sos")  # fmt: skip
    add("id-26", with_ids(padded[: MAX_IDENTIFIERS + 1]), "26 identifiers: one too many",
        asked=tuple(padded[:26]), expect="4xx")  # fmt: skip
    if ids:
        add("date-utc", with_dates(_utc(ge), _utc(le)), "the window in UTC (Z)")
        add("date-no-millis", with_dates(ge.isoformat(timespec="seconds"),
                                         le.isoformat(timespec="seconds")),
            "the window without milliseconds")  # fmt: skip
        add("date-no-offset", with_dates(_wall(ge), _wall(le)), "the window in Paris wall time",
            optional=True)  # fmt: skip
        add("include-order", list(reversed(canonical)), "every parameter in reverse order")
        includes = ("_include", "_include:iterate", "_revinclude")
        add("include-none", [(k, v) for k, v in canonical if k not in includes],
            "no _include nor _revinclude", optional=True)  # fmt: skip
        if use_case == "sos":
            cased = _swap(canonical, ("_include:iterate", "Location:organization"),
                          ("_include:iterate", "Location:Organization"))  # fmt: skip
            add("include-casing", cased, "Location:Organization as the IG narrative writes it",
                optional=True)  # fmt: skip
        else:
            plain = _swap(canonical, ("_include:iterate", "Schedule:actor"),
                          ("_include", "Schedule:actor"))  # fmt: skip
            add("include-plain-actor", plain, "_include=Schedule:actor (GAP's form)",
                optional=True)  # fmt: skip
    add("bad-request", _replace(canonical, start_param, [_BAD_DATE, "le" + format_instant(le)]),
        "an unreadable date", expect="4xx", bounds=None)  # fmt: skip
    add("accept-legacy", canonical if ids else unknown, "the IG's Accept header",
        asked=ids or fill[:1], optional=True, accept=LEGACY_ACCEPT)  # fmt: skip
    return SearchPlan(use_case, ids, window, steps)


def _utc(dt: datetime) -> str:
    return f"{dt.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.000Z"


def _wall(dt: datetime) -> str:
    return dt.astimezone(PARIS).replace(tzinfo=None).isoformat(timespec="seconds")


def _swap(params: Params, old: tuple[str, str], new: tuple[str, str]) -> Params:
    return [new if p == old else p for p in params]
