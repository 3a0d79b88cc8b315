"""The editor monitoring, saved: flux transitions (with their reasons) and alerts.

Written by :class:`sasref.monitoring.EditorMonitor` in batches (:meth:`MonitoringRepository.
apply`: the board's events, in order), read back at start (:meth:`last_transitions`, open
:meth:`alerts`) and by the administration API. Times come back in Europe/Paris.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update

from sasref.clock import PARIS
from sasref.monitoring.model import (
    Alert,
    AlertKind,
    AlertResolved,
    Control,
    Event,
    FluxState,
    Severity,
    Transition,
)
from sasref.storage.base import Repository
from sasref.storage.tables import EditorAlertRow, EditorTransitionRow


def _transition(row: EditorTransitionRow) -> Transition:
    return Transition(
        row.editor,
        row.at.astimezone(PARIS),
        FluxState(row.from_state),
        FluxState(row.to_state),
        Control(row.control),
        row.reason,
        row.actor,
    )


def _alert(row: EditorAlertRow) -> Alert:
    return Alert(
        row.editor,
        AlertKind(row.kind),
        Severity(row.severity),
        row.message,
        row.opened_at.astimezone(PARIS),
        row.value,
        row.threshold,
        None if row.resolved_at is None else row.resolved_at.astimezone(PARIS),
        row.resolution,
        row.id,
    )


class MonitoringRepository(Repository):
    def apply(self, *, events: Sequence[Event]) -> None:
        """Save the board's events in order, in one transaction (an alert may open and close
        in one batch)."""
        with self._tx() as s:
            for event in events:
                if isinstance(event, Transition):
                    s.add(
                        EditorTransitionRow(
                            editor=event.editor,
                            at=event.at,
                            from_state=event.from_state.value,
                            to_state=event.to_state.value,
                            control=event.control.value,
                            reason=event.reason,
                            actor=event.actor,
                        )
                    )
                elif isinstance(event, Alert):
                    s.add(
                        EditorAlertRow(
                            editor=event.editor,
                            kind=event.kind.value,
                            severity=event.severity.value,
                            message=event.message,
                            value=event.value,
                            threshold=event.threshold,
                            opened_at=event.opened_at,
                            resolved_at=event.resolved_at,
                            resolution=event.resolution,
                        )
                    )
                elif isinstance(event, AlertResolved):
                    s.flush()  # an alert opened earlier in this batch is closed too
                    s.execute(
                        update(EditorAlertRow)
                        .where(
                            EditorAlertRow.editor == event.editor,
                            EditorAlertRow.kind == event.kind.value,
                            EditorAlertRow.resolved_at.is_(None),
                        )
                        .values(resolved_at=event.at, resolution=event.resolution)
                    )

    def transitions(self, *, editor: str | None = None, limit: int = 100) -> list[Transition]:
        """The latest transitions first."""
        q = select(EditorTransitionRow)
        if editor is not None:
            q = q.where(EditorTransitionRow.editor == editor)
        q = q.order_by(EditorTransitionRow.at.desc(), EditorTransitionRow.id.desc()).limit(limit)
        with self._tx() as s:
            return [_transition(r) for r in s.scalars(q)]

    def last_transitions(self) -> list[Transition]:
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
    ) -> list[Alert]:
        """The latest alerts first (``open_only``: those not resolved)."""
        q = select(EditorAlertRow)
        if open_only:
            q = q.where(EditorAlertRow.resolved_at.is_(None))
        if editor is not None:
            q = q.where(EditorAlertRow.editor == editor)
        q = q.order_by(EditorAlertRow.opened_at.desc(), EditorAlertRow.id.desc()).limit(limit)
        with self._tx() as s:
            return [_alert(r) for r in s.scalars(q)]


__all__ = ["MonitoringRepository"]
