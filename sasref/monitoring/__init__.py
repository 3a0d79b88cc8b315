"""Editor monitoring: health windows, alerts, flux deactivation, probes (issue 12).

* :mod:`.settings` — thresholds and windows, with their defaults;
* :mod:`.window` — sliding windows of calls and their figures (pure);
* :mod:`.board` — the alerts and the flux state machine (pure);
* :mod:`.monitor` — :class:`EditorMonitor`, the aggregator's gate with probes and storage;
* :mod:`.probe` — one real search of a deactivated editor;
* :mod:`.cards` — the "flux éditeur désactivé" label of a result card.
"""

from __future__ import annotations

from sasref.monitoring.board import HealthBoard
from sasref.monitoring.cards import FLUX_DEACTIVATED_LABEL, flux_notice
from sasref.monitoring.model import (
    Alert,
    AlertKind,
    AlertResolved,
    Control,
    EditorStatus,
    FluxState,
    ProbeResult,
    Severity,
    Transition,
)
from sasref.monitoring.monitor import EditorMonitor, Prober
from sasref.monitoring.probe import probe, probe_target
from sasref.monitoring.settings import MonitoringSettings
from sasref.monitoring.window import CallWindow, Observation, WindowStats

__all__ = [
    "FLUX_DEACTIVATED_LABEL",
    "Alert",
    "AlertKind",
    "AlertResolved",
    "CallWindow",
    "Control",
    "EditorMonitor",
    "EditorStatus",
    "FluxState",
    "HealthBoard",
    "MonitoringSettings",
    "Observation",
    "ProbeResult",
    "Prober",
    "Severity",
    "Transition",
    "WindowStats",
    "flux_notice",
    "probe",
    "probe_target",
]
