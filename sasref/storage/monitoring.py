"""The editor monitoring, saved: flux transitions (with their reasons) and alerts.

Written by :class:`sasref.monitoring.EditorMonitor` in batches (:meth:`MonitoringRepository.
apply`), read back at start (:meth:`last_transitions`, open :meth:`alerts`) and by the admin API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from sasref.storage.base import Repository
from sasref.storage.tables import EditorAlertRow, EditorTransitionRow


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    editor: str
    at: datetime
    from_state: str
    to_state: str
    control: str
    reason: str
    actor: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AlertRecord:
    editor: str
    kind: str
    severity: str
    message: str
    opened_at: datetime
    value: float | None = None
    threshold: float | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AlertClosing:
    """Close the open alert ``kind`` of ``editor``."""

    editor: str
    kind: str
    at: datetime
    resolution: str


def _transition(row: EditorTransitionRow) -> TransitionRecord:
    return TransitionRecord(
        row.editor, row.at, row.from_state, row.to_state, row.control, row.reason, row.actor, row.id
    )


def _alert(row: EditorAlertRow) -> AlertRecord:
    return AlertRecord(
        row.editor,
        row.kind,
        row.severity,
        row.message,
        row.opened_at,
        row.value,
        row.threshold,
        row.resolved_at,
        row.resolution,
        row.id,
    )


class MonitoringRepository(Repository):
    def apply(
        self,
        *,
        items: Sequence[TransitionRecord | AlertRecord | AlertClosing],
    ) -> None:
        """Save a batch in order, in one transaction (an alert may open and close in it)."""
        with self._tx() as s:
            for item in items:
                if isinstance(item, TransitionRecord):
                    s.add(
                        EditorTransitionRow(
                            editor=item.editor,
                            at=item.at,
                            from_state=item.from_state,
                            to_state=item.to_state,
                            control=item.control,
                            reason=item.reason,
                            actor=item.actor,
                        )
                    )
                elif isinstance(item, AlertRecord):
                    s.add(
                        EditorAlertRow(
                            editor=item.editor,
                            kind=item.kind,
                            severity=item.severity,
                            message=item.message,
                            value=item.value,
                            threshold=item.threshold,
                            opened_at=item.opened_at,
                            resolved_at=item.resolved_at,
                            resolution=item.resolution,
                        )
                    )
                else:
                    s.flush()  # an alert opened earlier in this batch is closed too
                    s.execute(
                        update(EditorAlertRow)
                        .where(
                            EditorAlertRow.editor == item.editor,
                            EditorAlertRow.kind == item.kind,
                            EditorAlertRow.resolved_at.is_(None),
                        )
                        .values(resolved_at=item.at, resolution=item.resolution)
                    )

    def transitions(self, *, editor: str | None = None, limit: int = 100) -> list[TransitionRecord]:
        """The latest transitions first."""
        q = select(EditorTransitionRow)
        if editor is not None:
            q = q.where(EditorTransitionRow.editor == editor)
        q = q.order_by(EditorTransitionRow.at.desc(), EditorTransitionRow.id.desc()).limit(limit)
        with self._tx() as s:
            return [_transition(r) for r in s.scalars(q)]

    def last_transitions(self) -> list[TransitionRecord]:
        """Each editor's latest transition (its current state)."""
        latest = (
            select(EditorTransitionRow.editor, func.max(EditorTransitionRow.id).label("id"))
            .group_by(EditorTransitionRow.editor)
            .subquery()
        )
        q = (
            select(EditorTransitionRow)
            .join(latest, EditorTransitionRow.id == latest.c.id)
            .order_by(EditorTransitionRow.editor)
        )
        with self._tx() as s:
            return [_transition(r) for r in s.scalars(q)]

    def alerts(
        self, *, open_only: bool = False, editor: str | None = None, limit: int = 200
    ) -> list[AlertRecord]:
        """The latest alerts first (``open_only``: those not resolved)."""
        q = select(EditorAlertRow)
        if open_only:
            q = q.where(EditorAlertRow.resolved_at.is_(None))
        if editor is not None:
            q = q.where(EditorAlertRow.editor == editor)
        q = q.order_by(EditorAlertRow.opened_at.desc(), EditorAlertRow.id.desc()).limit(limit)
        with self._tx() as s:
            return [_alert(r) for r in s.scalars(q)]


__all__ = ["AlertClosing", "AlertRecord", "MonitoringRepository", "TransitionRecord"]
