"""FHIR instants written the IG way, read tolerantly.

IG digest §2 (slot search ``start``/``end`` parameters), §12 (examples) and §13 (query text errors:
"raw ``+`` offsets"). Every IG example writes instants as ``2024-06-12T16:20:00.000+02:00``: an
explicit offset, exactly three fractional digits, Europe/Paris wall time. :func:`format_instant`
writes exactly that.

:func:`parse_datetime` reads what editors and the platform actually send:

* an explicit offset (``+02:00``, ``+0200``, ``-05:00``) or ``Z``;
* an offset whose ``+`` was decoded to a space by URL decoding (``…00.000 02:00``), or left
  percent-encoded (``%2B02:00``);
* no offset: the wall time is read in ``default_tz`` (Europe/Paris);
* with or without seconds, with 0 to 9 fractional digits (kept to the microsecond, truncated);
* a date only (``2024-06-12``): the start of that day in ``default_tz``.

Daylight saving time, for wall times read without an offset (PEP 495 semantics, ``fold=0``):

* **gap** (last Sunday of March, 02:00-03:00 does not exist in Paris): the offset in force
  before the gap (+01:00) applies, so ``02:30`` is the instant ``03:30+02:00``;
* **fold** (last Sunday of October, 02:00-03:00 happens twice): the first occurrence (+02:00).

The result is an aware datetime carrying the *fixed* UTC offset ``default_tz`` has at that
instant (``+02:00`` in Paris summer): its wall time is the Paris one, and arithmetic on it is
absolute (``end - start``, ``start + timedelta(minutes=30)`` across a DST change are right; with a
``ZoneInfo`` tzinfo Python would compute on wall clocks). :func:`format_instant` converts back
to Europe/Paris, so ``start + 90 min`` from ``01:45+02:00`` on 27 October prints ``02:15+01:00``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from urllib.parse import unquote

from sasref.clock import PARIS
from sasref.errors import InvalidDateTime

__all__ = ["format_date", "format_instant", "parse_date", "parse_datetime"]

_DATETIME = re.compile(
    r"""
    (?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})
    (?:
        [Tt ]
        (?P<h>\d{2}):(?P<mi>\d{2})
        (?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?
        (?P<tz>[Zz]|[+\- ]\d{2}:?\d{2})?
    )?
    """,
    re.VERBOSE,
)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def format_instant(dt: datetime) -> str:
    """``2024-06-12T16:20:00.000+02:00``: Europe/Paris, explicit offset, 3-digit milliseconds.

    A naive ``dt`` is taken as a Paris wall time (same DST rules as :func:`parse_datetime`).
    Sub-millisecond digits are truncated, not rounded, so formatting never moves an instant
    into the next millisecond (or the next day).
    """
    aware = dt.replace(tzinfo=PARIS) if dt.tzinfo is None else dt
    # Through UTC: astimezone() to the datetime's own zone would keep a non-existent wall time.
    return aware.astimezone(UTC).astimezone(PARIS).isoformat(timespec="milliseconds")


def format_date(d: date | datetime) -> str:
    """``YYYY-MM-DD``; an aware datetime gives its Paris date, a naive one its own date."""
    if isinstance(d, datetime):
        d = (d.astimezone(PARIS) if d.tzinfo is not None else d).date()
    return d.isoformat()


_OFFSETS: dict[str, tzinfo] = {}
_FIXED: dict[timedelta | None, tzinfo] = {}


def _offset(text: str) -> tzinfo:
    tz = _OFFSETS.get(text)
    if tz is not None:
        return tz
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1  # " " is a "+" lost to URL decoding
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    tz = _OFFSETS[text] = _fixed(sign * timedelta(hours=hours, minutes=minutes))
    return tz


def _fixed(offset: timedelta | None) -> tzinfo:
    tz = _FIXED.get(offset)
    if tz is None:
        tz = _FIXED[offset] = timezone(offset or timedelta(0))
    return tz


def parse_datetime(text: str, default_tz: tzinfo = PARIS) -> datetime:
    """Read a FHIR date, dateTime or instant tolerantly (see the module docstring).

    Raises :class:`InvalidDateTime` naming the text when it cannot be read.
    """
    if not isinstance(text, str):
        raise InvalidDateTime(f"{text!r} is not a date-time string")
    raw = text.strip()
    if "%" in raw:
        raw = unquote(raw)
    m = _DATETIME.fullmatch(raw)
    if m is None:
        raise InvalidDateTime(
            f"{text!r} is not a date-time (expected e.g. 2024-06-12T16:20:00.000+02:00 "
            "or 2024-06-12)"
        )
    y, mo, d, h, mi, s, f, tz_text = m.groups()
    if (
        tz_text
        and tz_text[0] in "+-Z"
        and tz_text[-2:] < "60"
        and s
        and raw[10] == "T"
        and (not f or len(f) <= 6)
    ):
        # The common, canonical case: the C parser is ~20 times faster than the code below.
        try:
            wall = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise InvalidDateTime(f"{text!r} is not a valid date-time: {exc}") from None
        local = wall.astimezone(default_tz)
        return local.replace(tzinfo=_fixed(local.utcoffset()))
    try:
        tz = _offset(tz_text) if tz_text else None
        wall = datetime(
            int(y),
            int(mo),
            int(d),
            int(h) if h else 0,
            int(mi) if mi else 0,
            int(s) if s else 0,
            int(f[:6].ljust(6, "0")) if f else 0,
            tzinfo=tz or default_tz,
        )
    except ValueError as exc:
        raise InvalidDateTime(f"{text!r} is not a valid date-time: {exc}") from None
    # Without an offset, going through UTC resolves gaps (fold=0: offset before the transition)
    # into real instants; astimezone() to the datetime's own zone would be a no-op.
    local = (wall if tz is not None else wall.astimezone(UTC)).astimezone(default_tz)
    # A fixed offset, not the zone: Python does wall-clock arithmetic between datetimes sharing
    # a ZoneInfo, so ``end - start`` across a DST change would be off by an hour.
    return local.replace(tzinfo=_fixed(local.utcoffset()))


def parse_date(text: str) -> date:
    """Read a FHIR ``date`` (``YYYY-MM-DD``); raises :class:`InvalidDateTime`."""
    m = _DATE.fullmatch(text.strip()) if isinstance(text, str) else None
    try:
        if m is None:
            raise ValueError("expected YYYY-MM-DD")
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:
        raise InvalidDateTime(f"{text!r} is not a date: {exc}") from None
