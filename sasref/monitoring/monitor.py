"""The editor monitoring in the platform: the aggregator's gate, probes, storage (thin I/O).

:class:`EditorMonitor` wraps the pure :class:`~sasref.monitoring.board.HealthBoard`:

* it is the aggregator's :class:`~sasref.aggregator.registry.EditorGate`: ``asks(editor)``
  (is its flux active?) and ``record(outcomes)`` (every call of every search, memory only);
* ``tick()`` judges the windows against the clock, probes the deactivated editors that are due
  and writes what happened (transitions, alerts) to the database; a background task runs it
  every ``settings.tick_seconds`` (started by the first search in the running loop), or the
  owner calls it (simulations with an injected clock, tests);
* ``force()`` is the administrator's switch (saved before it returns).

Transitions and alerts are also logged (``sasref.monitoring``, warning level).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from sasref.aggregator.outcome import EditorOutcome
from sasref.background import WriteBehind
from sasref.clock import Clock, SystemClock
from sasref.monitoring.board import HealthBoard
from sasref.monitoring.model import (
    Alert,
    AlertResolved,
    EditorStatus,
    Event,
    FluxState,
    Transition,
)
from sasref.monitoring.settings import MonitoringSettings

if TYPE_CHECKING:  # storage imports this package's model: no import back at run time
    from sasref.storage.monitoring import MonitoringRepository

#: Probe one editor: its outcome, or ``None`` when there was nothing to ask.
Prober = Callable[[str], Awaitable[EditorOutcome | None]]

_log = logging.getLogger("sasref.monitoring")


class EditorMonitor:
    """See the module docstring. ``editors()`` names the registered editors (shown even before
    their first call); ``prober`` runs one probe (set by the platform, which owns the
    aggregator)."""

    def __init__(
        self,
        repository: MonitoringRepository,
        settings: MonitoringSettings | None = None,
        *,
        clock: Clock | None = None,
        prober: Prober | None = None,
        editors: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self.settings = settings or MonitoringSettings()
        self.board = HealthBoard(self.settings)
        self.repository = repository
        self.clock: Clock = clock or SystemClock()
        self.prober = prober
        self._editors = editors
        self._pending: list[Event] = []
        self._writer = WriteBehind(
            self.tick, name="editor-monitor", interval=self.settings.tick_seconds
        )
        #: Calls seen since start, per (editor, status), for ``/metrics``.
        self.calls_total: Counter[tuple[str, str]] = Counter()
        #: Transitions since start, per (editor, new state).
        self.transitions_total: Counter[tuple[str, str]] = Counter()

    # -- start ----------------------------------------------------------------------------------
    def restore(self) -> int:
        """Reload each editor's last state and the open alerts (blocking: call at start);
        returns the editors restored."""
        transitions = self.repository.last_transitions()
        alerts = self.repository.alerts(open_only=True, limit=10_000)
        self.board.restore(transitions, alerts, self.clock.now())
        return len(transitions)

    # -- the aggregator's gate (hot path: memory only) -------------------------------------------
    def asks(self, editor: str) -> bool:
        return self.board.asks(editor)

    def record(self, outcomes: Sequence[EditorOutcome]) -> None:
        now = self.clock.now()
        for outcome in outcomes:
            self.calls_total[(outcome.editor, outcome.status.value)] += 1
            self._emit(self.board.observe(outcome, now))
        self._writer.start()

    def _emit(self, events: Iterable[Event]) -> None:
        for event in events:
            self._pending.append(event)
            if isinstance(event, Transition):
                self.transitions_total[(event.editor, event.to_state.value)] += 1
                _log.warning(
                    "editor %s: flux %s → %s (%s): %s",
                    event.editor,
                    event.from_state.value,
                    event.to_state.value,
                    event.control.value,
                    event.reason,
                )
            elif isinstance(event, Alert):
                _log.warning("editor %s: alert %s: %s", event.editor, event.kind, event.message)
            elif isinstance(event, AlertResolved):
                _log.info(
                    "editor %s: alert %s closed: %s", event.editor, event.kind, event.resolution
                )

    # -- rounds ---------------------------------------------------------------------------------
    async def tick(self) -> None:
        """Judge every window now, probe the editors that are due, write what happened."""
        self._emit(self.board.evaluate_all(self.clock.now()))
        due = self.board.due_probes(self.clock.now())
        if due:
            outcomes = await asyncio.gather(*(self._probe(name) for name in due))
            now = self.clock.now()
            for name, outcome in zip(due, outcomes, strict=True):
                self._emit(self.board.probed(name, outcome, now))
        await self.flush()

    async def _probe(self, editor: str) -> EditorOutcome | None:
        if self.prober is None:
            return None
        try:
            return await self.prober(editor)
        except Exception:  # a probe that breaks is a failed probe, never a broken round
            _log.exception("editor %s: the probe failed", editor)
            return None

    async def flush(self) -> int:
        """Write the pending transitions and alerts (a worker thread); on failure they stay
        pending, in order, and the error propagates."""
        async with (
            self._writer.lock()
        ):  # one batch at a time: an alert is closed after it is opened
            pending, self._pending = self._pending, []
            if not pending:
                return 0
            try:
                await asyncio.to_thread(self.repository.apply, events=pending)
            except Exception:  # not on cancellation: the write goes on in its thread
                self._pending[:0] = pending
                raise
            return len(pending)

    # -- an administrator ----------------------------------------------------------------------
    async def force(
        self, editor: str, state: FluxState | None, *, actor: str, reason: str = ""
    ) -> EditorStatus:
        """Force ``state`` (``None``: back to automatic control); saved before it returns."""
        self._emit(self.board.force(editor, state, self.clock.now(), actor=actor, reason=reason))
        await self.flush()
        return self.board.status(editor, self.clock.now())

    # -- reading --------------------------------------------------------------------------------
    def editor_names(self) -> list[str]:
        names = set(self.board.editors)
        if self._editors is not None:
            names.update(self._editors())
        return sorted(names)

    def statuses(self) -> list[EditorStatus]:
        self._writer.start()
        now = self.clock.now()
        return [self.board.status(name, now) for name in self.editor_names()]

    def status(self, editor: str) -> EditorStatus:
        return self.board.status(editor, self.clock.now())

    async def aclose(self) -> None:
        await self._writer.stop()
        try:
            await self.flush()
        except Exception:
            _log.exception("monitoring: %d events not saved at shutdown", len(self._pending))


__all__ = ["EditorMonitor", "Prober"]
