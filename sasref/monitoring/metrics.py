"""``/metrics``: the platform's figures in the Prometheus text format (``prometheus-client``).

One :class:`~prometheus_client.CollectorRegistry` per platform (a process may hold several);
nothing is counted on the hot path for it: a custom collector reads, at each scrape, the counts
the indicator recorder and the editor monitoring already keep, and the editors' current health.

=======================================  =====================================================
``sasref_searches_total{samu}``          searches shown since start
``sasref_slots_shown_total{use_case}``   slots shown on result cards
``sasref_orientations_total{use_case}``  orientations (appointments included)
``sasref_appointments_total{use_case}``  INT_R03 appointments received (first version)
``sasref_editor_calls_total``            editor calls by ``editor`` and outcome ``status``
``sasref_editor_transitions_total``      flux transitions by ``editor`` and new ``state``
``sasref_editor_flux_active``            1 while the editor is asked, 0 when deactivated
``sasref_editor_flux_forced``            1 while an administrator forces its state
``sasref_editor_window_*``               the sliding window's calls, rates and latencies
``sasref_editor_alerts_open``            open alerts by ``editor`` and ``kind``
=======================================  =====================================================
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sasref.indicators.recorder import IndicatorRecorder
from sasref.monitoring.model import Control, FluxState
from sasref.monitoring.monitor import EditorMonitor

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_ACTIVITY = (
    ("searches", "samu", "Searches shown to regulators"),
    ("slots_shown", "use_case", "Slots shown on result cards"),
    ("orientations", "use_case", "Orientations (editor appointments included)"),
    ("appointments", "use_case", "INT_R03 appointments received (first version)"),
)


class PlatformCollector(Collector):
    def __init__(self, monitor: EditorMonitor, recorder: IndicatorRecorder) -> None:
        self.monitor = monitor
        self.recorder = recorder

    def collect(self) -> Iterator[Metric]:
        totals = self.recorder.totals
        for metric, dimension, text in _ACTIVITY:
            family = CounterMetricFamily(f"sasref_{metric}", text, labels=[dimension])
            for (name, dim, item), n in sorted(totals.items()):
                if name == metric and dim == dimension:
                    family.add_metric([item], n)
            yield family
        calls = CounterMetricFamily(
            "sasref_editor_calls", "Editor calls by outcome", labels=["editor", "status"]
        )
        for (editor, status), n in sorted(self.monitor.calls_total.items()):
            calls.add_metric([editor, status], n)
        yield calls
        moves = CounterMetricFamily(
            "sasref_editor_transitions", "Flux transitions by new state", labels=["editor", "state"]
        )
        for (editor, state), n in sorted(self.monitor.transitions_total.items()):
            moves.add_metric([editor, state], n)
        yield moves
        yield from self._health()

    def _health(self) -> Iterator[Metric]:
        def gauge(name: str, text: str, *labels: str) -> GaugeMetricFamily:
            return GaugeMetricFamily(name, text, labels=["editor", *labels])

        active = gauge("sasref_editor_flux_active", "1 while the editor is asked")
        forced = gauge("sasref_editor_flux_forced", "1 while an administrator forces the state")
        calls = gauge("sasref_editor_window_calls", "Calls in the sliding window")
        rates = {
            "failure_rate": gauge("sasref_editor_window_failure_rate", "Failed calls / calls"),
            "error_rate": gauge("sasref_editor_window_error_rate", "Errors / calls"),
            "timeout_rate": gauge("sasref_editor_window_timeout_rate", "Time-outs / calls"),
            "invalid_rate": gauge("sasref_editor_window_invalid_rate", "Invalid Bundles / calls"),
        }
        p50 = gauge("sasref_editor_window_latency_p50_seconds", "Median call duration")
        p95 = gauge("sasref_editor_window_latency_p95_seconds", "95th percentile call duration")
        alerts = gauge("sasref_editor_alerts_open", "Open alerts", "kind")
        for status in self.monitor.statuses():
            name, stats = [status.editor], status.stats
            active.add_metric(name, 1.0 if status.state is FluxState.ACTIVE else 0.0)
            forced.add_metric(name, 1.0 if status.control is Control.FORCED else 0.0)
            calls.add_metric(name, stats.calls)
            for key, family in rates.items():
                family.add_metric(name, getattr(stats, key))
            if stats.p50_ms is not None and stats.p95_ms is not None:
                p50.add_metric(name, stats.p50_ms / 1000)
                p95.add_metric(name, stats.p95_ms / 1000)
            for alert in status.alerts:
                alerts.add_metric([status.editor, alert.kind.value], 1.0)
        yield from (active, forced, calls, *rates.values(), p50, p95, alerts)


def platform_registry(monitor: EditorMonitor, recorder: IndicatorRecorder) -> CollectorRegistry:
    """A registry holding only the platform's collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PlatformCollector(monitor, recorder))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)


__all__ = ["CONTENT_TYPE", "PlatformCollector", "platform_registry", "render"]
