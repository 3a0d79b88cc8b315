"""Injected clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sasref.clock import PARIS, FixedClock, ShiftedClock, SystemClock


def test_system_clock_is_aware_and_in_paris() -> None:
    now = SystemClock().now()
    assert now.tzinfo is PARIS


def test_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(datetime(2024, 3, 31, 1, 30, tzinfo=PARIS))
    assert clock.now() == clock.now()
    clock.advance(timedelta(hours=1))
    # 31 March 2024 is the spring-forward day: 01:30 CET + 1 h is 03:30 CEST.
    assert clock.now().utcoffset() == timedelta(hours=2)
    assert clock.now().hour == 3


def test_fixed_clock_converts_to_paris() -> None:
    clock = FixedClock(datetime(2024, 1, 1, 12, tzinfo=UTC))
    assert clock.now().tzinfo is PARIS
    assert clock.now().hour == 13


def test_fixed_clock_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2024, 1, 1))


def test_shifted_clock_starts_where_told_and_runs_at_the_walls_pace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticks = iter([1000.0, 1000.0, 1090.5])
    monkeypatch.setattr("sasref.clock.time.monotonic", lambda: next(ticks))
    clock = ShiftedClock(datetime(2026, 6, 16, 9, 0, tzinfo=PARIS))
    assert clock.now() == datetime(2026, 6, 16, 9, 0, tzinfo=PARIS)
    later = clock.now()
    assert later == datetime(2026, 6, 16, 9, 1, 30, 500000, tzinfo=PARIS)
    assert later.tzinfo is PARIS
    with pytest.raises(ValueError):
        ShiftedClock(datetime(2026, 6, 16, 9, 0))
