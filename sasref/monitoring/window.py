"""Sliding windows of editor calls and the figures the monitoring judges (pure, clock-free).

What is counted as what (docs/monitoring.md):

=====================  =======================================================================
``errors``             ``http_error``, ``transport_error``, ``invalid_json``, ``invalid_fhir``
``timeouts``           ``timeout`` (no answer before the per-call or overall deadline)
``failures``           errors + time-outs: nothing usable came back
``invalid``            ``invalid_fhir`` + ``rule_violations``: Bundles breaking the profiles
                       (usable or not)
latency p50 / p95      every call's duration, a time-out counting at the time it was given up
=====================  =======================================================================
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sasref.aggregator.outcome import OutcomeStatus

_ERRORS = frozenset(
    {
        OutcomeStatus.HTTP_ERROR,
        OutcomeStatus.TRANSPORT_ERROR,
        OutcomeStatus.INVALID_JSON,
        OutcomeStatus.INVALID_FHIR,
    }
)
_INVALID = frozenset({OutcomeStatus.INVALID_FHIR, OutcomeStatus.RULE_VIOLATIONS})


@dataclass(frozen=True, slots=True)
class Observation:
    """One call to an editor: when it ended, how, and how long it took."""

    at: datetime
    status: OutcomeStatus
    duration_ms: float


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values (``None`` when empty).

    >>> percentile([10.0, 20.0, 30.0, 40.0], 0.5)
    20.0
    """
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * fraction // 1))  # ceil(n * fraction), at least 1
    return sorted_values[int(rank) - 1]


@dataclass(frozen=True, slots=True)
class WindowStats:
    """The figures of one editor's window."""

    calls: int = 0
    errors: int = 0
    timeouts: int = 0
    invalid: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None

    @property
    def failures(self) -> int:
        return self.errors + self.timeouts

    def _rate(self, count: int) -> float:
        return count / self.calls if self.calls else 0.0

    @property
    def error_rate(self) -> float:
        return self._rate(self.errors)

    @property
    def timeout_rate(self) -> float:
        return self._rate(self.timeouts)

    @property
    def failure_rate(self) -> float:
        return self._rate(self.failures)

    @property
    def invalid_rate(self) -> float:
        return self._rate(self.invalid)

    def as_dict(self) -> dict[str, Any]:
        def ms(value: float | None) -> float | None:
            return None if value is None else round(value, 1)

        return {
            "calls": self.calls,
            "errors": self.errors,
            "timeouts": self.timeouts,
            "failures": self.failures,
            "invalid": self.invalid,
            "error_rate": round(self.error_rate, 4),
            "timeout_rate": round(self.timeout_rate, 4),
            "failure_rate": round(self.failure_rate, 4),
            "invalid_rate": round(self.invalid_rate, 4),
            "p50_ms": ms(self.p50_ms),
            "p95_ms": ms(self.p95_ms),
        }


class CallWindow:
    """The calls of the last ``length`` (ended at ``Observation.at``), oldest first."""

    __slots__ = ("_calls", "length")

    def __init__(self, length: timedelta) -> None:
        self.length = length
        self._calls: deque[Observation] = deque()

    def __len__(self) -> int:
        return len(self._calls)

    def add(self, observation: Observation) -> None:
        self._calls.append(observation)

    def clear(self) -> None:
        self._calls.clear()

    def expire(self, now: datetime) -> None:
        """Forget the calls that ended before ``now - length``."""
        horizon = now - self.length
        calls = self._calls
        while calls and calls[0].at < horizon:
            calls.popleft()

    def stats(self, now: datetime) -> WindowStats:
        self.expire(now)
        errors = timeouts = invalid = 0
        durations: list[float] = []
        for call in self._calls:
            status = call.status
            if status is OutcomeStatus.TIMEOUT:
                timeouts += 1
            elif status in _ERRORS:
                errors += 1
            if status in _INVALID:
                invalid += 1
            durations.append(call.duration_ms)
        durations.sort()
        return WindowStats(
            calls=len(durations),
            errors=errors,
            timeouts=timeouts,
            invalid=invalid,
            p50_ms=percentile(durations, 0.5),
            p95_ms=percentile(durations, 0.95),
        )


__all__ = ["CallWindow", "Observation", "WindowStats", "percentile"]
