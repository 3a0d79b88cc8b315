"""Values of the editor monitoring: flux states, transitions, alerts, probes (pure data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sasref.monitoring.window import WindowStats


class FluxState(StrEnum):
    """Whether the platform asks the editor (seed slides: "désactiver le flux")."""

    ACTIVE = "active"
    DEACTIVATED = "deactivated"


class Control(StrEnum):
    """Who decides the next transition: the thresholds and probes, or an administrator."""

    AUTO = "auto"
    FORCED = "forced"


class AlertKind(StrEnum):
    ERROR_RATE = "error_rate"
    TIMEOUT_RATE = "timeout_rate"
    LATENCY = "latency_p95"
    INVALID_BUNDLES = "invalid_bundles"
    FLUX_DEACTIVATED = "flux_deactivated"


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


#: French labels of the admin page.
ALERT_LABELS = {
    AlertKind.ERROR_RATE: "Taux d'erreurs",
    AlertKind.TIMEOUT_RATE: "Time-out",
    AlertKind.LATENCY: "Latence p95",
    AlertKind.INVALID_BUNDLES: "Bundles non conformes",
    AlertKind.FLUX_DEACTIVATED: "Flux éditeur désactivé",
}
STATE_LABELS = {FluxState.ACTIVE: "actif", FluxState.DEACTIVATED: "désactivé"}


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of an editor's flux state or control, and why."""

    editor: str
    at: datetime
    from_state: FluxState
    to_state: FluxState
    control: Control
    reason: str
    actor: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "editor": self.editor,
            "at": self.at.isoformat(),
            "from_state": self.from_state.value,
            "to_state": self.to_state.value,
            "control": self.control.value,
            "reason": self.reason,
            "actor": self.actor,
        }


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert on one editor; ``resolved_at`` ``None`` while it is open."""

    editor: str
    kind: AlertKind
    severity: Severity
    message: str
    opened_at: datetime
    value: float | None = None
    threshold: float | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    id: int | None = None  # the stored row's, when read back

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    @property
    def label(self) -> str:
        return ALERT_LABELS[self.kind]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "editor": self.editor,
            "kind": self.kind.value,
            "severity": self.severity.value,
            "message": self.message,
            "value": self.value,
            "threshold": self.threshold,
            "opened_at": self.opened_at.isoformat(),
            "resolved_at": None if self.resolved_at is None else self.resolved_at.isoformat(),
            "resolution": self.resolution,
            "open": self.open,
        }


@dataclass(frozen=True, slots=True)
class AlertResolved:
    """The open alert ``kind`` of ``editor`` closes."""

    editor: str
    kind: AlertKind
    at: datetime
    resolution: str


@dataclass(frozen=True, slots=True)
class ProbeResult:
    at: datetime
    good: bool
    summary: str

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "good": self.good, "summary": self.summary}


#: What the board emits for storage: a transition, an alert opened, an alert closed.
Event = Transition | Alert | AlertResolved


@dataclass(frozen=True, slots=True)
class EditorStatus:
    """One editor's health as the API, the admin page and ``/metrics`` show it."""

    editor: str
    state: FluxState
    control: Control
    since: datetime | None
    stats: WindowStats
    alerts: tuple[Alert, ...]
    last_probe: ProbeResult | None = None
    next_probe_at: datetime | None = None
    good_probes: int = 0

    @property
    def active(self) -> bool:
        return self.state is FluxState.ACTIVE

    def as_dict(self) -> dict[str, Any]:
        return {
            "editor": self.editor,
            "state": self.state.value,
            "control": self.control.value,
            "since": None if self.since is None else self.since.isoformat(),
            "window": self.stats.as_dict(),
            "open_alerts": [a.as_dict() for a in self.alerts],
            "last_probe": None if self.last_probe is None else self.last_probe.as_dict(),
            "next_probe_at": None if self.next_probe_at is None else self.next_probe_at.isoformat(),
            "good_probes": self.good_probes,
        }


__all__ = [
    "ALERT_LABELS",
    "STATE_LABELS",
    "Alert",
    "AlertKind",
    "AlertResolved",
    "Control",
    "EditorStatus",
    "Event",
    "FluxState",
    "ProbeResult",
    "Severity",
    "Transition",
]
