"""Appointments received from editors through INT_R03 (digest §2), with their status history.

An appointment is keyed by its business identifier (``identifier.system`` + ``identifier.value``):
re-sending the same appointment updates it (``version`` + 1) and appends a history entry when its
status changes. Nothing accepted is lost: the whole resource JSON is kept as received.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from sasref.errors import InvalidInput
from sasref.storage.base import Repository
from sasref.storage.tables import AppointmentRow, AppointmentStatusRow


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: str
    at: datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class AppointmentRecord:
    id: int
    identifier_system: str
    identifier_value: str
    resource: dict[str, Any]
    status: str
    practitioner_id: str | None
    editor: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    history: tuple[StatusChange, ...]


@dataclass(frozen=True, slots=True)
class UpsertResult:
    record: AppointmentRecord
    created: bool
    status_changed: bool


def _record(row: AppointmentRow) -> AppointmentRecord:
    return AppointmentRecord(
        id=row.id,
        identifier_system=row.identifier_system,
        identifier_value=row.identifier_value,
        resource=dict(row.resource),
        status=row.status,
        practitioner_id=row.practitioner_id,
        editor=row.editor,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        history=tuple(StatusChange(h.status, h.at, h.note) for h in row.history),
    )


class AppointmentRepository(Repository):
    """Upsert / get / list of INT_R03 appointments."""

    def upsert(
        self,
        *,
        identifier_system: str,
        identifier_value: str,
        resource_json: dict[str, Any],
        status: str | None = None,
        practitioner_id: str | None = None,
        editor: str | None = None,
        note: str | None = None,
        at: datetime | None = None,
    ) -> UpsertResult:
        """Insert or update the appointment; ``status`` defaults to ``resource_json["status"]``."""
        if not identifier_system or not identifier_value:
            raise InvalidInput("an appointment needs an identifier system and value")
        new_status = status or str(resource_json.get("status") or "unknown")
        now = self._now(at)
        for attempt in range(2):
            try:
                with self._tx() as s:
                    return self._upsert(
                        s, identifier_system, identifier_value, resource_json, new_status,
                        practitioner_id, editor, note, now,
                    )  # fmt: skip
            except IntegrityError:
                # Two writers inserted the same identifier at once: the second one updates.
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _upsert(
        self,
        s: Session,
        system: str,
        value: str,
        resource: dict[str, Any],
        status: str,
        practitioner_id: str | None,
        editor: str | None,
        note: str | None,
        now: datetime,
    ) -> UpsertResult:
        row = s.scalars(
            select(AppointmentRow)
            .where(AppointmentRow.identifier_system == system)
            .where(AppointmentRow.identifier_value == value)
            .options(selectinload(AppointmentRow.history))
            .with_for_update()
        ).one_or_none()
        if row is None:
            row = AppointmentRow(
                identifier_system=system,
                identifier_value=value,
                resource=resource,
                status=status,
                practitioner_id=practitioner_id,
                editor=editor,
                version=1,
                created_at=now,
                updated_at=now,
            )
            row.history.append(AppointmentStatusRow(status=status, at=now, note=note))
            s.add(row)
            s.flush()
            return UpsertResult(_record(row), created=True, status_changed=True)
        changed = row.status != status
        row.resource = resource
        row.status = status
        row.practitioner_id = practitioner_id or row.practitioner_id
        row.editor = editor or row.editor
        row.version += 1
        row.updated_at = now
        if changed:
            row.history.append(AppointmentStatusRow(status=status, at=now, note=note))
        s.flush()
        return UpsertResult(_record(row), created=False, status_changed=changed)

    def get(self, *, identifier_system: str, identifier_value: str) -> AppointmentRecord | None:
        with self._tx() as s:
            row = s.scalars(
                select(AppointmentRow)
                .where(AppointmentRow.identifier_system == identifier_system)
                .where(AppointmentRow.identifier_value == identifier_value)
                .options(selectinload(AppointmentRow.history))
            ).one_or_none()
            return None if row is None else _record(row)

    def list(
        self,
        *,
        status: str | None = None,
        practitioner_id: str | None = None,
        editor: str | None = None,
        updated_since: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AppointmentRecord]:
        """Most recently updated first."""
        q = select(AppointmentRow).options(selectinload(AppointmentRow.history))
        if status is not None:
            q = q.where(AppointmentRow.status == status)
        if practitioner_id is not None:
            q = q.where(AppointmentRow.practitioner_id == practitioner_id)
        if editor is not None:
            q = q.where(AppointmentRow.editor == editor)
        if updated_since is not None:
            q = q.where(AppointmentRow.updated_at >= updated_since)
        q = q.order_by(AppointmentRow.updated_at.desc(), AppointmentRow.id.desc())
        with self._tx() as s:
            return [_record(r) for r in s.scalars(q.limit(limit).offset(offset))]
