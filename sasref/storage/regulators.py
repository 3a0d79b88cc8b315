"""Regulator accounts (OSNP regulators, IOA nurses) and their per-editor synchronisation state.

The platform pushes its regulators to every editor (digest: regulator sync); each editor's state
is tracked separately so a failed editor is retried without touching the others.
"""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sasref.errors import InvalidInput
from sasref.storage.base import Repository
from sasref.storage.tables import RegulatorRow, RegulatorSyncRow


class SyncState(StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class EditorSync:
    editor: str
    state: SyncState
    remote_id: str | None
    last_attempt: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class RegulatorRecord:
    id: str
    national_id: str
    technical_id: str
    family: str
    given: str
    email: str
    active: bool
    created_at: datetime
    updated_at: datetime
    sync: tuple[EditorSync, ...]

    def sync_state(self, editor: str) -> SyncState | None:
        for s in self.sync:
            if s.editor == editor:
                return s.state
        return None


def _record(row: RegulatorRow) -> RegulatorRecord:
    return RegulatorRecord(
        id=row.id,
        national_id=row.national_id,
        technical_id=row.technical_id,
        family=row.family,
        given=row.given,
        email=row.email,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sync=tuple(
            EditorSync(s.editor, SyncState(s.state), s.remote_id, s.last_attempt, s.last_error)
            for s in row.sync
        ),
    )


class RegulatorRepository(Repository):
    def upsert(
        self,
        *,
        national_id: str,
        family: str,
        given: str,
        email: str,
        active: bool = True,
        technical_id: str | None = None,
        at: datetime | None = None,
    ) -> RegulatorRecord:
        """Create or update the regulator with this national id. A change of identity data marks
        every editor's sync state back to ``pending``."""
        if not national_id:
            raise InvalidInput("a regulator needs a national id")
        now = self._now(at)
        with self._tx() as s:
            row = s.scalars(
                select(RegulatorRow)
                .where(RegulatorRow.national_id == national_id)
                .options(selectinload(RegulatorRow.sync))
            ).one_or_none()
            if row is None:
                row = RegulatorRow(
                    id=str(uuid.uuid4()),
                    national_id=national_id,
                    technical_id=technical_id or str(uuid.uuid4()),
                    family=family,
                    given=given,
                    email=email,
                    active=active,
                    created_at=now,
                    updated_at=now,
                )
                s.add(row)
            else:
                new = (family, given, email, active)
                if (row.family, row.given, row.email, row.active) != new:
                    row.family, row.given, row.email, row.active = new
                    row.updated_at = now
                    for sync in row.sync:
                        sync.state = SyncState.PENDING
                if technical_id and technical_id != row.technical_id:
                    row.technical_id = technical_id
                    row.updated_at = now
            s.flush()
            return _record(row)

    def get(
        self,
        *,
        id: str | None = None,
        national_id: str | None = None,
        technical_id: str | None = None,
    ) -> RegulatorRecord | None:
        q = select(RegulatorRow).options(selectinload(RegulatorRow.sync))
        if id is not None:
            q = q.where(RegulatorRow.id == id)
        elif national_id is not None:
            q = q.where(RegulatorRow.national_id == national_id)
        elif technical_id is not None:
            q = q.where(RegulatorRow.technical_id == technical_id)
        else:
            raise InvalidInput("give id, national_id or technical_id")
        with self._tx() as s:
            row = s.scalars(q).one_or_none()
            return None if row is None else _record(row)

    def list(self, *, active: bool | None = None) -> list[RegulatorRecord]:
        q = select(RegulatorRow).options(selectinload(RegulatorRow.sync))
        if active is not None:
            q = q.where(RegulatorRow.active == active)
        with self._tx() as s:
            return [_record(r) for r in s.scalars(q.order_by(RegulatorRow.national_id))]

    def set_active(self, *, national_id: str, active: bool, at: datetime | None = None) -> bool:
        """Activate/deactivate; False when unknown. Deactivation must reach editors: sync reset."""
        with self._tx() as s:
            row = s.scalars(
                select(RegulatorRow)
                .where(RegulatorRow.national_id == national_id)
                .options(selectinload(RegulatorRow.sync))
            ).one_or_none()
            if row is None:
                return False
            if row.active != active:
                row.active = active
                row.updated_at = self._now(at)
                for sync in row.sync:
                    sync.state = SyncState.PENDING
            return True

    def set_sync_state(
        self,
        *,
        regulator_id: str,
        editor: str,
        state: SyncState,
        remote_id: str | None = None,
        error: str | None = None,
        at: datetime | None = None,
    ) -> None:
        with self._tx() as s:
            if s.get(RegulatorRow, regulator_id) is None:
                raise InvalidInput(f"unknown regulator {regulator_id!r}")
            row = s.get(RegulatorSyncRow, (regulator_id, editor))
            if row is None:
                row = RegulatorSyncRow(regulator_id=regulator_id, editor=editor, state=state)
                s.add(row)
            row.state = state
            row.last_attempt = self._now(at)
            row.last_error = error
            if remote_id is not None:
                row.remote_id = remote_id

    def pending_for(self, *, editor: str) -> builtins.list[RegulatorRecord]:
        """Regulators this editor has not got in their current state (never, pending or failed)."""
        return [r for r in self.list() if r.sync_state(editor) is not SyncState.SYNCED]
