"""Thresholds of the editor monitoring, with their documented defaults (docs/monitoring.md).

The ANS "alerts automatically on interface anomalies (unavailability, time-outs, errors)" and
"may deactivate the flux … to avoid a degradation of service" (seed slides, MCO): these are the
numbers behind those two sentences. Every rate is judged over a sliding ``window`` of the
injected clock, and only once the window holds ``min_calls`` calls (a single failed call of a
quiet editor is no evidence).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta

from sasref.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class MonitoringSettings:
    """Windows and thresholds of :class:`~sasref.monitoring.board.HealthBoard`.

    * **alerts** (``alert_*``): an alert opens when its figure reaches the threshold and closes
      when a later window with enough calls falls back under it;
    * **deactivation** (``deactivate_*``): the editor is no longer asked (flux désactivé);
    * **probing**: every ``probe_interval`` a deactivated editor gets one real search; after
      ``probe_successes`` good answers in a row (not failed, within ``alert_p95_ms``) its flux is
      reactivated.
    """

    #: Sliding window every figure is computed over.
    window: timedelta = timedelta(minutes=5)
    #: Calls the window must hold before any rate is judged.
    min_calls: int = 10
    #: Errors (HTTP error, connection failure, non-JSON, unusable FHIR) / calls.
    alert_error_rate: float = 0.2
    #: Time-outs / calls.
    alert_timeout_rate: float = 0.1
    #: 95th percentile of the call durations (time-outs count at the deadline), ms.
    alert_p95_ms: float = 3000.0
    #: Answers breaking the profiles (unusable or with rule violations) / calls.
    alert_invalid_rate: float = 0.2
    #: Failed calls (errors and time-outs: nothing usable came back) / calls.
    deactivate_failure_rate: float = 0.5
    #: 95th percentile of the call durations that deactivates the flux, ms.
    deactivate_p95_ms: float = 6000.0
    #: Time between two probes of a deactivated editor.
    probe_interval: timedelta = timedelta(minutes=1)
    #: Good probes in a row that reactivate the flux.
    probe_successes: int = 3
    #: An editor's window is judged at most this often (the hot path only appends; 0: at
    #: every call).
    evaluate_every: timedelta = timedelta(seconds=1)
    #: Real seconds between two background rounds (time-based checks, probes, writes);
    #: ``None``: no background task, the owner calls ``tick()`` (simulations, tests).
    tick_seconds: float | None = 1.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_rate") and not 0 < value <= 1:
                raise ConfigurationError(f"monitoring {f.name}={value}: a rate in ]0, 1]")
            if f.name.endswith("_ms") and value <= 0:
                raise ConfigurationError(f"monitoring {f.name}={value}: must be positive")
            if (
                isinstance(value, timedelta)
                and value <= timedelta(0)
                and f.name != "evaluate_every"
            ):
                raise ConfigurationError(f"monitoring {f.name}={value}: must be positive")
        if self.evaluate_every < timedelta(0):
            raise ConfigurationError("monitoring evaluate_every must not be negative")
        if self.min_calls < 1 or self.probe_successes < 1:
            raise ConfigurationError("monitoring min_calls and probe_successes must be >= 1")
        if self.tick_seconds is not None and self.tick_seconds <= 0:
            raise ConfigurationError("monitoring tick_seconds must be positive (or None)")


__all__ = ["MonitoringSettings"]
