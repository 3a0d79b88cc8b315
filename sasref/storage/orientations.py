"""Orientations en surnuméraire made by regulators (spec §4.6, §6.3; ``sasref.orientations``).

Each orientation is kept whole as JSON (``data``), with the columns its lists filter on. A
repeated request carrying the same ``idempotency_key`` finds the first orientation instead of
making a second one, also when both arrive at once (unique key: the loser reads the winner).
Status changes are conditional (``UPDATE … WHERE status = <expected>``), so two cancellations
racing change the orientation once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from sasref.storage.base import Repository
from sasref.storage.tables import RegulatorOrientationRow as Row


@dataclass(frozen=True, slots=True)
class OrientationEntry:
    """One stored orientation: its JSON and the filter columns."""

    id: str
    idempotency_key: str | None
    status: str
    version: int
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime


def _entry(row: Row) -> OrientationEntry:
    return OrientationEntry(
        id=row.id,
        idempotency_key=row.idempotency_key,
        status=row.status,
        version=row.version,
        data=dict(row.data),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class OrientationRepository(Repository):
    def insert(
        self,
        *,
        id: str,
        idempotency_key: str | None,
        orientation_type: int,
        status: str,
        category: str,
        recipient_id: str,
        effector_id: str | None,
        start: datetime,
        regulator_id: str,
        data: dict[str, Any],
        at: datetime | None = None,
    ) -> tuple[OrientationEntry, bool]:
        """Insert; ``(entry, True)``, or ``(the orientation already under that key, False)``."""
        now = self._now(at)
        try:
            with self._tx() as s:
                row = Row(
                    id=id,
                    idempotency_key=idempotency_key,
                    orientation_type=orientation_type,
                    status=status,
                    category=category,
                    recipient_id=recipient_id,
                    effector_id=effector_id,
                    start=start,
                    regulator_id=regulator_id,
                    data=data,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                s.add(row)
                s.flush()
                return _entry(row), True
        except IntegrityError:
            existing = self.by_key(idempotency_key) if idempotency_key else None
            if existing is None:
                raise
            return existing, False

    def get(self, orientation_id: str) -> OrientationEntry | None:
        with self._tx() as s:
            row = s.scalars(select(Row).where(Row.id == orientation_id)).one_or_none()
            return None if row is None else _entry(row)

    def by_key(self, idempotency_key: str) -> OrientationEntry | None:
        with self._tx() as s:
            row = s.scalars(select(Row).where(Row.idempotency_key == idempotency_key)).one_or_none()
            return None if row is None else _entry(row)

    def change_status(
        self,
        orientation_id: str,
        *,
        expected: str,
        status: str,
        data: dict[str, Any],
        version: int,
        release_key: bool = False,
        at: datetime | None = None,
    ) -> bool:
        """Set the status (and data) if it is still ``expected``; ``False`` when it was not.
        ``release_key`` frees the idempotency key (a new identical request makes a new one)."""
        values: dict[str, Any] = {
            "status": status,
            "data": data,
            "version": version,
            "updated_at": self._now(at),
        }
        if release_key:
            values["idempotency_key"] = None
        with self._tx() as s:
            result = s.execute(
                update(Row)
                .where(Row.id == orientation_id, Row.status == expected)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            return bool(getattr(result, "rowcount", 0))

    def list(
        self,
        *,
        status: str | None = None,
        category: str | None = None,
        recipient: str | None = None,
        regulator_id: str | None = None,
        start_from: datetime | None = None,
        start_before: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[OrientationEntry]:
        """Most recently made first; ``recipient`` matches the effector or the structure."""
        q = select(Row)
        if status is not None:
            q = q.where(Row.status == status)
        if category is not None:
            q = q.where(Row.category == category)
        if recipient is not None:
            q = q.where(or_(Row.recipient_id == recipient, Row.effector_id == recipient))
        if regulator_id is not None:
            q = q.where(Row.regulator_id == regulator_id)
        if start_from is not None:
            q = q.where(Row.start >= start_from)
        if start_before is not None:
            q = q.where(Row.start < start_before)
        q = q.order_by(Row.created_at.desc(), Row.row.desc()).limit(limit).offset(offset)
        with self._tx() as s:
            return [_entry(r) for r in s.scalars(q)]
