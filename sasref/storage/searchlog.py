"""Audit of the searches run on the platform (what was asked, how many cards, how long)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from sasref.storage.base import Repository
from sasref.storage.tables import SearchLogRow


@dataclass(frozen=True, slots=True)
class SearchLogEntry:
    id: int
    at: datetime
    regulator_id: str | None
    query: dict[str, Any]
    total: int
    duration_ms: float | None
    outcome: dict[str, Any] | None


class SearchLogRepository(Repository):
    def record(
        self,
        *,
        query: dict[str, Any],
        total: int,
        duration_ms: float | None = None,
        regulator_id: str | None = None,
        outcome: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> int:
        with self._tx() as s:
            row = SearchLogRow(
                at=self._now(at),
                regulator_id=regulator_id,
                query=query,
                total=total,
                duration_ms=duration_ms,
                outcome=outcome,
            )
            s.add(row)
            s.flush()
            return row.id

    def recent(self, *, limit: int = 50) -> list[SearchLogEntry]:
        q = select(SearchLogRow).order_by(SearchLogRow.at.desc(), SearchLogRow.id.desc())
        with self._tx() as s:
            return [
                SearchLogEntry(
                    r.id, r.at, r.regulator_id, dict(r.query), r.total, r.duration_ms, r.outcome
                )
                for r in s.scalars(q.limit(limit))
            ]
