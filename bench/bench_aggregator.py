"""Benchmarks of the aggregator's fan-out and of the platform's search throughput (issue 4 §8).

* fan-out overhead: N editors that each answer after a fixed latency L; the search time divided
  by L (physical floor 1.0; sequential calls would be N). Targets (issue 13) ≤ 1.05 at N = 50,
  ≤ 1.2 at N = 200. Each answer is a real searchset (two slots), read with the tolerant profile
  check and the Bundle walk, as in production.

  **Over loopback sockets, with the production client.** The editors run in a child process
  (``python -m bench.bench_aggregator --serve-editors``: one uvicorn port, editor i at
  ``/{L in ms}/e{i}/fhir``, each answer built once per distinct query then served as bytes), so
  their CPU is on the other core; the aggregator calls them through
  :func:`sasref.aggregator.fanout_http_client`, as the platform does. The CPU rows are the bench
  process's alone: sending, HTTP, JSON, profiles, walk. (Until issue 13 these rows ran the
  editors in process behind an httpx transport, on the aggregator's own loop.)

  **L = 200 ms.** The issue does not fix L. What the ratio measures is the aggregator's CPU per
  call (sending, then reading every answer on one event loop) against the time it waits for
  the editors: ``ratio ≈ 1 + N × (CPU per answer) / L``. A real editor answers an INT_R01 search
  over mTLS, with a database behind it, in a few hundred milliseconds (the IG only bounds it
  at 7 s); 200 ms is the fast end of that range, so the figure is not flattered by a lazy
  editor. L = 50 ms and 500 ms are informational rows. As in production, where an editor sends
  the same practitioners and mostly the same slots search after search, the reader's caches
  (profile verdict per distinct entry resource, parsed instants) are warm after the first
  search; the "answers never seen before" rows empty them before every search.
* throughput: searches per second through the platform app (directory + fan-out + cards), with
  10 concurrent regulators over the default 40-editor fleet (target ≥ 100/s on 2 cores,
  issue 13; ≥ 50/s until then). The
  editors are the mock editor apps serving the generated population: real searchsets with
  every include, about 17 editor calls and 90 free slots per search.

  **Two processes, as deployed.** "On 2 cores" means the editors do not share the platform's
  core: the 40 editors run in a child process (``python -m bench.bench_aggregator
  --serve-fleet``: :meth:`mocks.ecosystem.Ecosystem.serve`'s fleet server, uvicorn on a loopback
  port, same seed and clock), the platform and the load generator in the bench process, calling
  the editors over real loopback sockets with :func:`sasref.aggregator.fanout_http_client` (the
  client production uses). The child prints its port, and exits when the bench closes its stdin
  (or after a bound); start-up and load are each bounded in time. The former figure, with
  everything (platform, 40 editor apps, ASGI transports) on one event loop and one core, stays
  as an informational row.

Both processes run on the event loop the project's commands use (:mod:`sasref.eventloop`:
uvloop when installed, as uvicorn itself picks; the loop is named in the throughput rows;
``SASREF_EVENT_LOOP=asyncio make bench`` measures the standard library's loop).

``run()`` returns rows ``{"benchmark", "metric", "value", "target", "ok"}``.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx

from bench._caches import forget_reader_caches
from bench._child import child_server, serve_app_until_stdin_closes, serve_until_stdin_closes
from sasref import eventloop
from sasref.aggregator import (
    Aggregator,
    EditorRegistry,
    FanOutRequest,
    SearchWindow,
    fanout_http_client,
)
from sasref.clock import PARIS, FixedClock
from sasref.directory.model import Address, EditorInfo, Place, Practitioner
from sasref.search import OfferCatalog, SlotView, build_searchset, parse_query

NOW = datetime(2024, 6, 12, 9, 0, tzinfo=PARIS)
LATENCY = 0.200  # s: see the module docstring
INFORMATIONAL_LATENCIES = (0.050, 0.500)  # s: the ends of the range, informational rows
_ADDRESS = Address("1 rue X", "33000", "Bordeaux", "33063", "33", 44.84, -0.58)


def _practitioner(n: int) -> Practitioner:
    place = Place(f"pl{n}", f"Cabinet {n}", _ADDRESS, f"4{n:011d}", "Cabinet", "+33556000000")
    return Practitioner(
        f"8{n:011d}", f"Nom{n}", "Jean", "male", "SM54", "Médecine générale", "10", (place,), ""
    )


#: The most editors a fan-out row asks (the child serves them all).
MAX_EDITORS = 200


def _bench_editor(i: int) -> tuple[OfferCatalog, list[SlotView]]:
    """Editor ``e{i}``: practitioner ``i + 1`` and two free slots."""
    p = _practitioner(i + 1)
    slots = [
        SlotView(
            id=f"{p.id}-{h}",
            start=NOW + timedelta(hours=h),
            end=NOW + timedelta(hours=h, minutes=20),
            types=("PUBLIC",),
            booking_url=f"https://e{i}.test/rdv",
            practitioner_id=p.id,
            place_id=p.places[0].id,
        )
        for h in (2, 26)
    ]
    return OfferCatalog(practitioners={p.id: p}), slots


async def _serve_editors() -> None:
    """Child process: :data:`MAX_EDITORS` bench editors on one loopback port.

    ``GET /{latency ms}/e{i}/fhir/Slot?...`` waits the latency, then answers editor i's
    searchset (built once per distinct query, then served as bytes: the editor's own CPU is not
    what the fan-out rows measure, and it is spent on the other core anyway)."""
    editors = [_bench_editor(i) for i in range(MAX_EDITORS)]
    cache: dict[tuple[str, bytes], bytes] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        _, latency_ms, name, _rest = scope["path"].split("/", 3)
        key = (name, scope["query_string"])
        body = cache.get(key)
        if body is None:
            catalog, slots = editors[int(name.removeprefix("e"))]
            params = parse_qsl(scope["query_string"].decode(), keep_blank_values=True)
            bundle = build_searchset(
                parse_query(params, "Slot"), catalog, slots,
                base_url="https://e.test/fhir", self_url=scope["path"],
            )  # fmt: skip
            body = cache[key] = json.dumps(bundle).encode()
        await asyncio.sleep(int(latency_ms) / 1000)
        headers = [
            (b"content-type", b"application/fhir+json"),
            (b"content-length", b"%d" % len(body)),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    await serve_app_until_stdin_closes(app, FANOUT_BOUND)


async def _fanout_ratio(
    port: int,
    count: int,
    repeats: int = 5,
    *,
    validate: bool = True,
    latency: float = LATENCY,
    cold: bool = False,
) -> tuple[float, float]:
    """(median search time / L, CPU milliseconds per editor call) of ``count`` editors of the
    child on ``port``, through the platform's socket client.

    ``cold``: every search reads answers never seen before (caches emptied before each one).
    """
    ms = round(latency * 1000)
    registry = EditorRegistry(
        EditorInfo(f"e{i}", "bench", f"http://127.0.0.1:{port}/{ms}/e{i}/fhir")
        for i in range(count)
    )
    ids = [_practitioner(i + 1).id for i in range(count)]
    async with fanout_http_client() as client:  # as production
        aggregator = Aggregator(client, registry, clock=FixedClock(NOW), validate=validate)
        for i, pid in enumerate(ids):
            aggregator.routing["ps"].declare(pid, f"e{i}")  # one call per editor
        request = FanOutRequest(SearchWindow.from_now(NOW), practitioners=tuple(ids))
        await aggregator.search(request)  # warm-up: connections, caches, first-call costs
        times = []
        cpu = time.process_time()
        for _ in range(repeats):
            if cold:
                forget_reader_caches()
            started = time.perf_counter()
            result = await aggregator.search(request)
            times.append(time.perf_counter() - started)
            assert len(result.offers) == 2 * count, "every editor must answer"
        cpu_ms = (time.process_time() - cpu) / (repeats * count) * 1000
    return statistics.median(times) / latency, cpu_ms


def _ecosystem() -> Any:
    from mocks.ecosystem import Ecosystem

    return Ecosystem(
        42, editors=40, practitioners=4000, clock=FixedClock(NOW), database_url="sqlite://",
        log_searches=False,
    )  # fmt: skip


async def _load(
    client: httpx.AsyncClient, regulators: int, searches: int
) -> tuple[float, float, float]:
    """(searches/s, p95 ms, searches per CPU-second of this process): ``regulators`` concurrent
    loops sharing ``searches`` searches over the departments' prefectures, after one warm-up
    search per prefecture (editor apps built, practitioner routing learned)."""
    from sasref.directory.geo import DEPARTMENTS

    queries = [d.prefecture_insee for d in DEPARTMENTS.values()]
    for insee in queries:
        (await client.get("/api/v1/search", params={"insee": insee})).raise_for_status()
    counter = iter(range(searches))
    latencies: list[float] = []

    async def regulator() -> None:
        for n in counter:
            started = time.perf_counter()
            response = await client.get(
                "/api/v1/search", params={"insee": queries[n % len(queries)]}
            )
            response.raise_for_status()
            latencies.append(time.perf_counter() - started)

    started, cpu = time.perf_counter(), time.process_time()
    async with asyncio.timeout(THROUGHPUT_BOUND):
        await asyncio.gather(*(regulator() for _ in range(regulators)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    return searches / elapsed, p95, searches / cpu


async def _throughput_in_process(
    regulators: int = 10, searches: int = 300
) -> tuple[float, float, float]:
    """Platform, 40 editor apps and load on one event loop (ASGI transports, no socket)."""
    async with _ecosystem().in_process() as client:
        return await _load(client, regulators, searches)


#: Bounds of the two-process throughput run (seconds): the fleet's start-up, the load itself.
FLEET_START_BOUND = 120.0
THROUGHPUT_BOUND = 120.0
#: Bound of all the fan-out rows together (seconds).
FANOUT_BOUND = 300.0


async def _serve_fleet() -> None:
    """Child process: the ecosystem's editors on one loopback port (the platform it also starts
    stays idle); prints ``port`` once listening, exits when its stdin closes or after a bound."""
    ecosystem = _ecosystem()
    running = await ecosystem.serve("127.0.0.1", port=0, fleet_port=0)
    port = int(running.fleet_url.rstrip("/").rsplit(":", 1)[1])
    try:
        await serve_until_stdin_closes(port, FLEET_START_BOUND + THROUGHPUT_BOUND + 60)
    finally:
        await running.stop()


async def _throughput_two_processes(
    regulators: int = 10, searches: int = 300
) -> tuple[float, float, float]:
    """The 40 editors in a child process on loopback; platform and load here, through
    :func:`sasref.aggregator.fanout_http_client` over real sockets."""
    from sasref.platform import create_app as create_platform

    fleet = child_server("bench.bench_aggregator", "--serve-fleet", start_bound=FLEET_START_BOUND)
    async with fleet as fleet_port:
        ecosystem = _ecosystem()  # same seed and clock: the same editors as the child's
        infos = [s.info() for s in ecosystem.socket_editors("127.0.0.1", fleet_port)]
        async with fanout_http_client() as editors:
            platform = create_platform(ecosystem.platform_settings(editors, infos))
            transport = httpx.ASGITransport(app=platform)
            async with httpx.AsyncClient(
                transport=transport, base_url="https://sas.test", timeout=httpx.Timeout(30.0)
            ) as client:
                return await _load(client, regulators, searches)


def _row(metric: str, value: float, target: str = "report", ok: bool = True) -> dict[str, Any]:
    return {
        "benchmark": "aggregator fan-out",
        "metric": metric,
        "value": round(value, 3),
        "target": target,
        "ok": ok,
    }


async def _fanout_rows() -> list[dict[str, Any]]:
    """The fan-out rows, against one child fleet (see the module docstring)."""
    rows: list[dict[str, Any]] = []
    targets = {10: None, 50: 1.05, 200: 1.2}
    async with child_server(
        "bench.bench_aggregator", "--serve-editors", start_bound=FLEET_START_BOUND
    ) as port:
        async with asyncio.timeout(FANOUT_BOUND):
            for count, target in targets.items():
                ratio, cpu_ms = await _fanout_ratio(port, count)
                rows.append(
                    _row(
                        f"search time / latency ({count} editors, L = {LATENCY * 1000:.0f} ms)",
                        ratio,
                        f"<= {target}" if target else "report",
                        target is None or ratio <= target,
                    )
                )
                rows.append(
                    _row(
                        f"CPU ms per editor call ({count} editors: HTTP, JSON, profiles, walk)",
                        cpu_ms,
                    )
                )
            ratio, cpu_ms = await _fanout_ratio(port, 200, cold=True)
            rows.append(
                _row("search time / latency (200 editors, answers never seen before)", ratio)
            )
            rows.append(
                _row("CPU ms per editor call (200 editors, answers never seen before)", cpu_ms)
            )
            ratio, _ = await _fanout_ratio(port, 200, validate=False)
            rows.append(_row("search time / latency (200 editors, profile check off)", ratio))
            for latency in INFORMATIONAL_LATENCIES:
                for count in targets:
                    ratio, _ = await _fanout_ratio(port, count, latency=latency, repeats=3)
                    rows.append(
                        _row(
                            f"search time / latency ({count} editors, "
                            f"L = {latency * 1000:.0f} ms, informational)",
                            ratio,
                        )
                    )
    return rows


def run() -> list[dict[str, Any]]:
    rows = eventloop.run(_fanout_rows())
    rate, p95, per_cpu = eventloop.run(_throughput_two_processes())
    rows.append(
        {
            "benchmark": "platform search",
            "metric": "searches/s, 10 concurrent regulators, 40 editors in their own process "
            f"(loopback sockets, 2 cores, {eventloop.loop_name()} loop)",
            "value": round(rate, 1),
            "target": ">= 100",
            "ok": rate >= 100,
        }
    )
    rows.append(
        {
            "benchmark": "platform search",
            "metric": "p95 latency under that load (ms)",
            "value": round(p95, 1),
            "target": "report",
            "ok": True,
        }
    )
    rows.append(
        {
            # The platform process's own CPU (fan-out client, reading, cards): its ceiling.
            "benchmark": "platform search",
            "metric": "searches per CPU-second of the platform process (same load)",
            "value": round(per_cpu, 1),
            "target": "report",
            "ok": True,
        }
    )
    rate, p95, per_cpu = eventloop.run(_throughput_in_process())
    rows.append(
        {
            # Everything in one process and one event loop: one core (informational).
            "benchmark": "platform search",
            "metric": "searches/s, same load, platform and 40 editors in one process "
            "(informational)",
            "value": round(rate, 1),
            "target": "report",
            "ok": True,
        }
    )
    rows.append(
        {
            "benchmark": "platform search",
            "metric": "searches per CPU-second, one process (informational)",
            "value": round(per_cpu, 1),
            "target": "report",
            "ok": True,
        }
    )
    return rows


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--serve-fleet"]:  # the child of the two-process throughput run
        eventloop.run(_serve_fleet())
    elif sys.argv[1:] == ["--serve-editors"]:  # the child of the fan-out rows
        eventloop.run(_serve_editors())
    else:
        for row in run():
            print(row)
