"""The editors' health board: sliding windows, alerts and the flux state machine (pure).

Times come from the caller (the injected clock); nothing here does I/O. Each call returns the
:data:`~sasref.monitoring.model.Event` list it caused (transitions, alerts opened or closed),
for the adapter to store.

State machine of one editor (docs/monitoring.md)::

    active/auto ──thresholds crossed──▶ deactivated/auto ──N good probes in a row──▶ active/auto
         ▲  admin "activate" (forced)          │  admin "deactivate" (forced)
         └──────── any state ◀─────────────────┘  admin "auto": back to auto, state kept

* **active**: asked in every search; its calls feed the window. Under ``auto`` control, crossing
  a ``deactivate_*`` threshold deactivates it; under ``forced`` it is never deactivated (alerts
  still open).
* **deactivated**: never asked; under ``auto`` it is probed every ``probe_interval`` and
  reactivated after ``probe_successes`` good probes; under ``forced`` it waits for an admin.
* Becoming active again empties the window (old failures must not deactivate it at once) and
  closes its alerts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sasref.aggregator.outcome import EditorOutcome
from sasref.monitoring.model import (
    Alert,
    AlertKind,
    AlertResolved,
    Control,
    EditorStatus,
    Event,
    FluxState,
    ProbeResult,
    Severity,
    Transition,
)
from sasref.monitoring.settings import MonitoringSettings
from sasref.monitoring.window import CallWindow, Observation, WindowStats

_METRIC_ALERTS = (
    AlertKind.ERROR_RATE,
    AlertKind.TIMEOUT_RATE,
    AlertKind.LATENCY,
    AlertKind.INVALID_BUNDLES,
)


def _minutes(settings: MonitoringSettings) -> str:
    seconds = settings.window.total_seconds()
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


@dataclass
class EditorHealth:
    """The mutable health of one editor."""

    window: CallWindow
    state: FluxState = FluxState.ACTIVE
    control: Control = Control.AUTO
    since: datetime | None = None
    alerts: dict[AlertKind, Alert] = field(default_factory=dict)
    last_evaluated: datetime | None = None
    next_probe_at: datetime | None = None
    good_probes: int = 0
    last_probe: ProbeResult | None = None


class HealthBoard:
    """Every editor's health (created on first sight: active, automatic)."""

    def __init__(self, settings: MonitoringSettings | None = None) -> None:
        self.settings = settings or MonitoringSettings()
        self._editors: dict[str, EditorHealth] = {}

    def health(self, editor: str) -> EditorHealth:
        found = self._editors.get(editor)
        if found is None:
            found = self._editors[editor] = EditorHealth(CallWindow(self.settings.window))
        return found

    @property
    def editors(self) -> list[str]:
        return sorted(self._editors)

    def asks(self, editor: str) -> bool:
        """Whether searches may call ``editor`` (its flux is active)."""
        found = self._editors.get(editor)
        return found is None or found.state is FluxState.ACTIVE

    # -- observations -------------------------------------------------------------------------
    def observe(self, outcome: EditorOutcome, now: datetime) -> list[Event]:
        """One call of a search; the editor's window is judged at most every
        ``evaluate_every``."""
        health = self.health(outcome.editor)
        health.window.add(Observation(now, outcome.status, outcome.duration_ms))
        last = health.last_evaluated
        if last is not None and now - last < self.settings.evaluate_every:
            return []
        return self.evaluate(outcome.editor, now)

    def evaluate(self, editor: str, now: datetime) -> list[Event]:
        """Judge the window now: open or close the metric alerts, maybe deactivate."""
        health = self.health(editor)
        health.last_evaluated = now
        stats = health.window.stats(now)
        if stats.calls < self.settings.min_calls:
            return []  # no evidence either way: alerts stay as they are
        events: list[Event] = []
        for kind in _METRIC_ALERTS:
            value, threshold, text = self._metric(kind, stats)
            current = health.alerts.get(kind)
            if value is not None and value >= threshold and current is None:
                alert = Alert(editor, kind, Severity.WARNING, text, now, value, threshold)
                health.alerts[kind] = alert
                events.append(alert)
            elif current is not None and (value is None or value < threshold):
                events.append(self._resolve(health, editor, kind, now, "revenu sous le seuil"))
        if health.state is FluxState.ACTIVE and health.control is Control.AUTO:
            reason = self._deactivation_reason(stats)
            if reason is not None:
                events.extend(self._deactivate(editor, now, reason, Control.AUTO, None))
        return events

    def evaluate_all(self, now: datetime) -> list[Event]:
        events: list[Event] = []
        for editor, health in self._editors.items():
            if health.state is FluxState.ACTIVE and len(health.window):
                events.extend(self.evaluate(editor, now))
        return events

    def _metric(self, kind: AlertKind, stats: WindowStats) -> tuple[float | None, float, str]:
        s, span = self.settings, _minutes(self.settings)
        calls = f"sur {span} ({stats.calls} appels)"
        if kind is AlertKind.ERROR_RATE:
            return (
                stats.error_rate,
                s.alert_error_rate,
                (f"{stats.error_rate:.0%} d'erreurs {calls}, seuil {s.alert_error_rate:.0%}"),
            )
        if kind is AlertKind.TIMEOUT_RATE:
            return (
                stats.timeout_rate,
                s.alert_timeout_rate,
                (f"{stats.timeout_rate:.0%} de time-out {calls}, seuil {s.alert_timeout_rate:.0%}"),
            )
        if kind is AlertKind.LATENCY:
            p95 = stats.p95_ms
            shown = "—" if p95 is None else f"{p95:.0f} ms"
            return (
                p95,
                s.alert_p95_ms,
                f"latence p95 {shown} {calls}, seuil {s.alert_p95_ms:.0f} ms",
            )
        return (
            stats.invalid_rate,
            s.alert_invalid_rate,
            (
                f"{stats.invalid_rate:.0%} de Bundles non conformes {calls}, "
                f"seuil {s.alert_invalid_rate:.0%}"
            ),
        )

    def _deactivation_reason(self, stats: WindowStats) -> str | None:
        s, span = self.settings, _minutes(self.settings)
        if stats.failure_rate >= s.deactivate_failure_rate:
            return (
                f"taux d'échec {stats.failure_rate:.0%} sur {span} ({stats.failures}/{stats.calls} "
                f"appels : {stats.errors} erreur(s), {stats.timeouts} time-out) ≥ seuil "
                f"{s.deactivate_failure_rate:.0%}"
            )
        if stats.p95_ms is not None and stats.p95_ms >= s.deactivate_p95_ms:
            return (
                f"latence p95 {stats.p95_ms:.0f} ms sur {span} ({stats.calls} appels) ≥ seuil "
                f"{s.deactivate_p95_ms:.0f} ms"
            )
        return None

    # -- transitions --------------------------------------------------------------------------
    def _move(
        self,
        editor: str,
        now: datetime,
        to: FluxState,
        control: Control,
        reason: str,
        actor: str | None,
    ) -> Transition:
        health = self.health(editor)
        transition = Transition(editor, now, health.state, to, control, reason, actor)
        health.state, health.control, health.since = to, control, now
        return transition

    def _resolve(
        self, health: EditorHealth, editor: str, kind: AlertKind, now: datetime, why: str
    ) -> AlertResolved:
        del health.alerts[kind]
        return AlertResolved(editor, kind, now, why)

    def _deactivate(
        self, editor: str, now: datetime, reason: str, control: Control, actor: str | None
    ) -> list[Event]:
        health = self.health(editor)
        events: list[Event] = [
            self._move(editor, now, FluxState.DEACTIVATED, control, reason, actor)
        ]
        health.good_probes = 0
        health.next_probe_at = now + self.settings.probe_interval
        if AlertKind.FLUX_DEACTIVATED not in health.alerts:
            alert = Alert(
                editor,
                AlertKind.FLUX_DEACTIVATED,
                Severity.CRITICAL,
                reason if control is Control.FORCED else f"flux désactivé : {reason}",
                now,
            )
            health.alerts[AlertKind.FLUX_DEACTIVATED] = alert
            events.append(alert)
        return events

    def _activate(
        self, editor: str, now: datetime, reason: str, control: Control, actor: str | None
    ) -> list[Event]:
        health = self.health(editor)
        events: list[Event] = [self._move(editor, now, FluxState.ACTIVE, control, reason, actor)]
        health.window.clear()
        health.last_evaluated = None
        health.next_probe_at = None
        health.good_probes = 0
        for kind in list(health.alerts):
            events.append(self._resolve(health, editor, kind, now, f"flux réactivé : {reason}"))
        return events

    # -- probes -------------------------------------------------------------------------------
    def due_probes(self, now: datetime) -> list[str]:
        """Editors deactivated under automatic control whose next probe is due."""
        return [
            name
            for name, h in sorted(self._editors.items())
            if h.state is FluxState.DEACTIVATED
            and h.control is Control.AUTO
            and (h.next_probe_at is None or h.next_probe_at <= now)
        ]

    def probed(self, editor: str, outcome: EditorOutcome | None, now: datetime) -> list[Event]:
        """The result of a probe (``None``: nothing could be asked). A good probe is a usable
        answer (not failed) within ``alert_p95_ms``; ``probe_successes`` in a row reactivate."""
        health = self.health(editor)
        if outcome is None:
            good, what = False, "aucun identifiant connu à interroger"
            summary = what
        else:
            good = not outcome.failed and outcome.duration_ms <= self.settings.alert_p95_ms
            what = outcome.summary()
            summary = f"{what} en {outcome.duration_ms:.0f} ms"
        health.last_probe = ProbeResult(now, good, summary)
        health.good_probes = health.good_probes + 1 if good else 0
        health.next_probe_at = now + self.settings.probe_interval
        wanted = self.settings.probe_successes
        if (
            health.state is FluxState.DEACTIVATED
            and health.control is Control.AUTO
            and health.good_probes >= wanted
        ):
            reason = f"{wanted} sonde(s) réussie(s) de suite (dernière : {what})"
            return self._activate(editor, now, reason, Control.AUTO, None)
        return []

    # -- an administrator ---------------------------------------------------------------------
    def force(
        self, editor: str, state: FluxState | None, now: datetime, *, actor: str, reason: str
    ) -> list[Event]:
        """Force ``state`` (``None``: back to automatic control, state kept)."""
        health = self.health(editor)
        note = f" : {reason}" if reason else ""
        if state is None:
            why = f"rendu au contrôle automatique par {actor}{note}"
            events: list[Event] = [self._move(editor, now, health.state, Control.AUTO, why, actor)]
            if health.state is FluxState.DEACTIVATED:
                health.next_probe_at, health.good_probes = now, 0  # probe at the next round
            return events
        if state is FluxState.DEACTIVATED:
            why = f"flux désactivé par {actor}{note}"
            if health.state is FluxState.DEACTIVATED:
                return [self._move(editor, now, state, Control.FORCED, why, actor)]
            return self._deactivate(editor, now, why, Control.FORCED, actor)
        why = f"flux activé par {actor}{note}"
        return self._activate(editor, now, why, Control.FORCED, actor)

    # -- restart ------------------------------------------------------------------------------
    def restore(
        self,
        transitions: Iterable[Transition],
        alerts: Iterable[Alert],
        now: datetime,
    ) -> None:
        """Reload each editor's last state and its open alerts (a restarted platform does not
        ask an editor it had deactivated); a deactivated editor is probed at the next round."""
        for t in transitions:
            health = self.health(t.editor)
            health.state, health.control, health.since = t.to_state, t.control, t.at
            if t.to_state is FluxState.DEACTIVATED:
                health.next_probe_at = now
        for alert in alerts:
            if alert.open:
                self.health(alert.editor).alerts[alert.kind] = alert

    # -- reading ------------------------------------------------------------------------------
    def status(self, editor: str, now: datetime) -> EditorStatus:
        health = self.health(editor)
        return EditorStatus(
            editor=editor,
            state=health.state,
            control=health.control,
            since=health.since,
            stats=health.window.stats(now),
            alerts=tuple(sorted(health.alerts.values(), key=lambda a: a.opened_at)),
            last_probe=health.last_probe,
            next_probe_at=health.next_probe_at,
            good_probes=health.good_probes,
        )


__all__ = ["EditorHealth", "HealthBoard"]
