"""Benchmarks of the saved routing (issue 4 item 2: "remember who answered", across restarts).

* hot path: the cost a search pays for each *new* routing fact with the write-behind store
  listening (kept in memory, no database), against the bare :class:`Routing`;
* write: facts per second of one batch (:meth:`RoutingRepository.apply`, one transaction);
* start: seconds to load 100 000 saved routes into the aggregator's tables.

SQLite (a temporary file) always; PostgreSQL too when ``$SASREF_TEST_POSTGRES_URL`` is set (a
scratch schema, dropped). ``run()`` returns rows ``{"benchmark", "metric", "value", "target",
"ok"}``.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from sasref.aggregator.persistence import RoutingStore
from sasref.aggregator.registry import Routing
from sasref.clock import PARIS, FixedClock
from sasref.storage import LearnedRoute, RoutingRepository
from sasref.storage.testing import POSTGRES_ENV, isolated_engine

NOW = datetime(2024, 6, 12, 9, 0, tzinfo=PARIS)
FACTS = 100_000
BATCH = 10_000


def _row(metric: str, value: float, target: str = "report", ok: bool = True) -> dict[str, Any]:
    return {
        "benchmark": "routing store",
        "metric": metric,
        "value": round(value, 3),
        "target": target,
        "ok": ok,
    }


def _tables() -> dict[str, Routing]:
    shared = Routing()
    return {"ps": shared, "cpts": shared, "sos": Routing()}


def _learn_all(routing: Routing, ids: list[str]) -> float:
    started = time.perf_counter()
    for n, pid in enumerate(ids):
        routing.declare(pid, f"editeur-{n % 40:02d}")
    return (time.perf_counter() - started) / len(ids) * 1e6


class _NoBackend:
    def load(self, **_: Any) -> Any:
        from sasref.storage import RoutingState

        return RoutingState()

    def apply(self, **_: Any) -> None:
        return None


def _hot_path() -> tuple[float, float]:
    ids = [f"8{i:011d}" for i in range(FACTS)]
    bare = _learn_all(Routing(), ids)
    tables = _tables()
    RoutingStore(_NoBackend(), clock=FixedClock(NOW)).attach(tables)
    listened = _learn_all(tables["ps"], ids)
    return bare, listened


def _engines() -> Iterator[tuple[str, Engine]]:
    with tempfile.TemporaryDirectory(prefix="sasref-bench-") as tmp:
        with isolated_engine("sqlite", Path(tmp)) as engine:
            yield "SQLite", engine
        if os.environ.get(POSTGRES_ENV):
            with isolated_engine("postgres", Path(tmp)) as engine:
                yield "PostgreSQL", engine


def _write_and_load(engine: Engine) -> tuple[float, float]:
    repo = RoutingRepository(engine, clock=FixedClock(NOW))
    batches = [
        [
            LearnedRoute("ps", f"8{i:011d}", f"editeur-{i % 40:02d}", NOW)
            for i in range(start, start + BATCH)
        ]
        for start in range(0, FACTS, BATCH)
    ]
    started = time.perf_counter()
    for batch in batches:
        repo.apply(learned=batch)
    per_second = FACTS / (time.perf_counter() - started)
    store = RoutingStore(repo, clock=FixedClock(NOW))
    started = time.perf_counter()
    store.attach(_tables())
    load_seconds = time.perf_counter() - started
    asyncio.run(store.aclose())
    return per_second, load_seconds


def run() -> list[dict[str, Any]]:
    bare, listened = _hot_path()
    rows = [
        _row("µs per new routing fact, bare Routing (hot path)", bare),
        _row("µs per new routing fact, store listening (hot path, memory only)", listened),
    ]
    for name, engine in _engines():
        per_second, load_seconds = _write_and_load(engine)
        rows.append(_row(f"facts written per second ({name}, batches of {BATCH})", per_second))
        rows.append(_row(f"s to load {FACTS} saved routes at start ({name})", load_seconds))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
