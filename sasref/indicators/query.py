"""``GET /api/v1/indicators``: the parameters, validated, and the CSV rendering (pure).

``from`` / ``to`` are ISO dates (inclusive; default the last 30 days up to today), ``group_by``
one of ``day``, ``samu``, ``use_case``, ``editor`` (default ``day``). A range is at most
:data:`MAX_DAYS` days. Bad input raises :class:`~sasref.errors.InvalidInput` naming the problem.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sasref.errors import InvalidInput
from sasref.storage.indicators import METRICS, IndicatorRow

GROUPINGS = ("day", "samu", "use_case", "editor")
MAX_DAYS = 731
DEFAULT_DAYS = 30


@dataclass(frozen=True, slots=True)
class IndicatorQuery:
    start: date
    end: date
    group_by: str = "day"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _date(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{name}={text!r}: a date YYYY-MM-DD is expected") from None


def parse_indicator_query(
    *, start: str | None, end: str | None, group_by: str | None, today: date
) -> IndicatorQuery:
    """Validate the query string (``from``, ``to``, ``group_by``)."""
    grouping = (group_by or "day").strip()
    if grouping not in GROUPINGS:
        raise InvalidInput(f"group_by={grouping!r}: one of {', '.join(GROUPINGS)} is expected")
    last = _date("to", end) if end else today
    first = _date("from", start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInput(f"from={first.isoformat()} is after to={last.isoformat()}")
    query = IndicatorQuery(first, last, grouping)
    if query.days > MAX_DAYS:
        raise InvalidInput(f"{query.days} days asked: at most {MAX_DAYS} days per query")
    return query


def fill_days(query: IndicatorQuery, rows: Sequence[IndicatorRow]) -> list[IndicatorRow]:
    """``group_by=day``: one row per day of the range, zeros where nothing happened."""
    by_day = {r.key: r for r in rows}
    out = []
    for offset in range(query.days):
        key = (query.start + timedelta(days=offset)).isoformat()
        out.append(by_day.get(key) or IndicatorRow(key))
    return out


def to_csv(query: IndicatorQuery, rows: Sequence[IndicatorRow]) -> str:
    """``<group_by>,searches,slots_shown,orientations,appointments`` then one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((query.group_by, *METRICS))
    for row in rows:
        writer.writerow((row.key, *(getattr(row, m) for m in METRICS)))
    return out.getvalue()


__all__ = [
    "DEFAULT_DAYS",
    "GROUPINGS",
    "MAX_DAYS",
    "IndicatorQuery",
    "fill_days",
    "parse_indicator_query",
    "to_csv",
]
