"""Daily activity indicators, saved: one-dimensional rollups per day (``sas_indicator_day``).

Each event is counted once per dimension: a search in SAMU 33 that showed CPTS and PS cards with
slots from two editors adds to ``samu/33``, ``use_case/cpts``, ``use_case/ps`` and to each
editor's row. Grouping by one dimension reads that dimension's rows only (an index range scan on
``(dimension, day)``), so a query costs the same whatever the number of searches behind it; the
price is no crossing of two dimensions (e.g. editors within one SAMU). ``group_by=day`` sums the
``samu`` rows (each event has exactly one SAMU, the unknown one included).

:meth:`IndicatorRepository.add` is one transaction of increments (``INSERT … ON CONFLICT DO
UPDATE SET n = n + excluded.n``, the same on SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from sasref.storage.base import Repository
from sasref.storage.tables import IndicatorDayRow

_DAY: Table = IndicatorDayRow.__table__  # type: ignore[assignment]
#: The counted figures, in column order.
METRICS = ("searches", "slots_shown", "orientations", "appointments")
#: The dimensions rows are kept for; ``day`` groups the ``samu`` rows by day.
DIMENSIONS = ("samu", "use_case", "editor")


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """The figures of one group (a day, a SAMU, a use case or an editor)."""

    key: str
    searches: int = 0
    slots_shown: int = 0
    orientations: int = 0
    appointments: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "searches": self.searches,
            "slots_shown": self.slots_shown,
            "orientations": self.orientations,
            "appointments": self.appointments,
        }


#: ``(dimension, day, item)`` → the four counts to add.
Increments = Mapping[tuple[str, date, str], tuple[int, int, int, int]]


class IndicatorRepository(Repository):
    def add(self, *, increments: Increments) -> int:
        """Add the counts in one transaction; returns the rows touched."""
        if not increments:
            return 0
        rows = [
            {"dimension": dim, "day": day, "item": item, **dict(zip(METRICS, counts, strict=True))}
            for (dim, day, item), counts in sorted(increments.items())
        ]
        with self._tx() as s:
            dialect = s.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            stmt = insert(_DAY)
            stmt = stmt.on_conflict_do_update(
                index_elements=["dimension", "day", "item"],
                set_={m: _DAY.c[m] + stmt.excluded[m] for m in METRICS},
            )
            s.execute(stmt, rows)
        return len(rows)

    def totals(self, *, start: date, end: date, group_by: str) -> list[IndicatorRow]:
        """The sums from ``start`` to ``end`` (inclusive) per ``group_by`` (``day``, ``samu``,
        ``use_case``, ``editor``), sorted by key."""
        if group_by not in (*DIMENSIONS, "day"):
            raise ValueError(f"unknown grouping {group_by!r}")
        dimension = "samu" if group_by == "day" else group_by
        key = _DAY.c.day if group_by == "day" else _DAY.c.item
        sums = [func.sum(_DAY.c[m]).label(m) for m in METRICS]
        q = (
            select(key, *sums)
            .where(_DAY.c.dimension == dimension, _DAY.c.day >= start, _DAY.c.day <= end)
            .group_by(key)
            .order_by(key)
        )
        with self._tx() as s:
            return [
                IndicatorRow(
                    r[0].isoformat() if isinstance(r[0], date) else str(r[0]),
                    *(int(v or 0) for v in r[1:]),
                )
                for r in s.execute(q)
            ]

    def count_rows(self) -> int:
        with self._tx() as s:
            return int(s.scalar(select(func.count()).select_from(_DAY)) or 0)


__all__ = ["DIMENSIONS", "METRICS", "Increments", "IndicatorRepository", "IndicatorRow"]
