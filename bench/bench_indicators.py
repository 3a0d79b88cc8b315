"""Indicator queries over 1 million recorded searches (issue 12 item 5): p95 < 200 ms.

1 000 000 searches (and 100 000 INT_R03 appointments) over one year are recorded through the
platform's own path, :class:`sasref.indicators.IndicatorRecorder` (``record_search`` /
``record_appointment``: a seeded mix of 101 SAMUs plus the unknown one, 1 to 3 use cases and 3
to 8 of 40 editors per search), then written with its batched upserts
(:meth:`sasref.storage.IndicatorRepository.add`). The indicators are daily one-dimensional
rollups (docs/monitoring.md), so those searches become a few tens of thousands of rows; every
query then reads one dimension's rows for its range.

Queries: each ``group_by`` (``day``, ``samu``, ``use_case``, ``editor``) over a year, a month
and a week, 20 times each, timed as the API runs them (``totals`` + the day filling). SQLite (a
temporary file) always; PostgreSQL when ``$SASREF_TEST_POSTGRES_URL`` is set (a scratch schema,
dropped), **skipped loudly** otherwise. ``run()`` returns the usual rows.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.progress import Progress

from sasref.clock import PARIS, FixedClock
from sasref.directory.geo import DEPARTMENTS
from sasref.indicators import GROUPINGS, IndicatorQuery, IndicatorRecorder, fill_days
from sasref.storage import IndicatorRepository
from sasref.storage.testing import POSTGRES_ENV, isolated_engine

SEARCHES = 1_000_000
APPOINTMENTS = 100_000
DAYS = 365
FIRST_DAY = date(2025, 6, 1)
REPEATS = 20
TARGET_P95_MS = 200.0
USE_CASES = ("ps", "cpts", "sos")
EDITORS = tuple(f"editeur-{i:02d}" for i in range(1, 41))


def _row(metric: str, value: Any, target: str = "report", ok: bool = True) -> dict[str, Any]:
    return {"benchmark": "indicators", "metric": metric, "value": value, "target": target, "ok": ok}


class _Collect:
    """Stands for the repository while recording: keeps what the recorder flushes, to write
    it to each database afterwards."""

    def __init__(self) -> None:
        self.increments: dict[tuple[str, date, str], tuple[int, ...]] = {}

    def add(self, *, increments: Any) -> int:
        self.increments.update(increments)
        return len(increments)


def _record(progress: Progress) -> tuple[dict[tuple[str, date, str], tuple[int, ...]], float]:
    """1M searches and 100k appointments through the recorder; its pending counts and the
    seconds the recording took."""
    rng = random.Random(12)
    samus = [*sorted(DEPARTMENTS), None]
    weights = [1.0] * len(DEPARTMENTS) + [2.0]
    clock = FixedClock(datetime.combine(FIRST_DAY, datetime.min.time(), tzinfo=PARIS))
    collected = _Collect()
    recorder = IndicatorRecorder(collected, clock=clock, interval=None)  # type: ignore[arg-type]
    task = progress.add_task("recording 1M searches", total=SEARCHES + APPOINTMENTS)
    started = time.perf_counter()
    start = clock.now()
    for i in range(SEARCHES):
        at = start + timedelta(seconds=rng.randrange(DAYS * 86_400))
        use_cases = rng.sample(USE_CASES, rng.randint(1, 3))
        editors = rng.sample(EDITORS, rng.randint(3, 8))
        recorder.record_search(
            samu=rng.choices(samus, weights)[0],
            slots_by_use_case={u: rng.randrange(30) for u in use_cases},
            slots_by_editor={e: rng.randrange(12) for e in editors},
            at=at,
        )
        if i % 50_000 == 0:
            progress.update(task, completed=i)
    for _ in range(APPOINTMENTS):
        at = start + timedelta(seconds=rng.randrange(DAYS * 86_400))
        recorder.record_appointment(
            samu=rng.choices(samus, weights)[0],
            use_case=rng.choice((*USE_CASES, "marketplace")),
            editor=rng.choice(EDITORS),
            at=at,
        )
    progress.update(task, completed=SEARCHES + APPOINTMENTS)
    recorder.flush_now()
    return collected.increments, time.perf_counter() - started


@contextmanager
def _engines() -> Iterator[Iterator[tuple[str, Any]]]:
    with tempfile.TemporaryDirectory(prefix="sasref-bench-") as tmp:

        def each() -> Iterator[tuple[str, Any]]:
            with isolated_engine("sqlite", Path(tmp)) as engine:
                yield "SQLite", engine
            if os.environ.get(POSTGRES_ENV):
                with isolated_engine("postgres", Path(tmp)) as engine:
                    yield "PostgreSQL", engine

        yield each()


def _write(repo: IndicatorRepository, pending: dict[Any, tuple[int, ...]], progress: Progress,
           name: str) -> float:  # fmt: skip
    items = sorted(pending.items())
    chunk = 5_000
    task = progress.add_task(f"writing rollups ({name})", total=len(items))
    started = time.perf_counter()
    for i in range(0, len(items), chunk):
        part = dict(items[i : i + chunk])
        repo.add(increments=part)  # type: ignore[arg-type]
        progress.update(task, advance=len(part))
    return time.perf_counter() - started


def _queries(repo: IndicatorRepository) -> dict[str, list[float]]:
    last = FIRST_DAY + timedelta(days=DAYS - 1)
    spans = {"year": DAYS, "month": 30, "week": 7}
    timings: dict[str, list[float]] = {}
    for span, days in spans.items():
        for grouping in GROUPINGS:
            query = IndicatorQuery(last - timedelta(days=days - 1), last, grouping)
            key = f"{grouping}/{span}"
            timings[key] = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                rows = repo.totals(start=query.start, end=query.end, group_by=grouping)
                if grouping == "day":
                    rows = fill_days(query, rows)
                timings[key].append((time.perf_counter() - started) * 1000)
                assert rows
    return timings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * (len(ordered) - 1)))]


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if not os.environ.get(POSTGRES_ENV):
        message = (
            f"!!! PostgreSQL indicators benchmark SKIPPED: ${POSTGRES_ENV} is not set "
            "(source scripts/services.env)"
        )
        print(message, file=sys.stderr, flush=True)
        rows.append(_row("PostgreSQL", "SKIPPED: $SASREF_TEST_POSTGRES_URL not set", ok=True))
    with Progress(transient=True) as progress:
        pending, seconds = _record(progress)
        rows.append(_row("searches recorded per second (recorder, memory)", SEARCHES / seconds))
        rows.append(_row(f"rollup rows for {SEARCHES:,} searches", len(pending)))
        with _engines() as engines:
            for name, engine in engines:
                repo = IndicatorRepository(engine)
                write = _write(repo, pending, progress, name)
                rows.append(_row(f"s to write the rollups ({name})", write))
                timings = _queries(repo)
                every = [t for values in timings.values() for t in values]
                p95 = _p95(every)
                worst = max(timings, key=lambda k: _p95(timings[k]))
                rows.append(
                    _row(
                        f"query p95 ms, all groupings × year/month/week ({name})",
                        p95,
                        f"< {TARGET_P95_MS:.0f} ms",
                        p95 < TARGET_P95_MS,
                    )
                )
                rows.append(_row(f"slowest query p95 ms ({name}: {worst})", _p95(timings[worst])))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
