"""Client-side cost of one fan-out GET: httpx's default transport vs
:class:`sasref.aggregator.transport.FanOutTransport` (issue 4: the platform's CPU per editor call).

~2,000 GETs, 20 at a time, of a ~20 KB JSON body (the size of a typical INT_R01 searchset) from a
uvicorn server running in a **child process** (``python -m bench.bench_transport --serve``), so
the CPU measured with :func:`time.process_time` is the client's alone: URL building, the
transport, parsing, httpx's response objects. Both runs use the same ``httpx.AsyncClient``
settings and are warmed up first (connections open, code paths hot); the two alternate for
:data:`ROUNDS` rounds and each keeps its best figures (other processes on the host only add noise).

Run on the standard library's loop and on uvloop when installed (:mod:`sasref.eventloop`: the
loop ``sasref demo`` and the other benchmarks use; the child always takes uvloop when it can, so
the server is not the bottleneck).

``run()`` returns rows ``{"benchmark", "metric", "value", "target", "ok"}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import httpx

from bench._child import child_server, serve_until_stdin_closes
from sasref import eventloop
from sasref.aggregator.transport import FanOutTransport

REQUESTS = 2000
CONCURRENCY = 20
WARMUP = 200
ROUNDS = 2
START_BOUND = 30.0  # s: the child must listen by then
RUN_BOUND = 120.0  # s: one measured run


def _body() -> bytes:
    slots = [
        {
            "resourceType": "Slot",
            "id": f"slot-{i}",
            "status": "free",
            "start": "2024-06-12T16:20:00.000+02:00",
            "end": "2024-06-12T16:40:00.000+02:00",
            "schedule": {"reference": f"Schedule/sched-{i % 7}"},
        }
        for i in range(100)
    ]
    entries = [
        {"fullUrl": f"https://editor.test/fhir/Slot/{s['id']}", "resource": s} for s in slots
    ]
    return json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": entries}).encode()


async def _serve() -> None:
    """Child process: one ASGI app answering every GET with the same bytes; prints its port,
    exits when its stdin closes (the bench ended or died) or after a bound."""
    import uvicorn

    from mocks.serving import QuietServer, bound_port, listening_socket

    body = _body()
    headers = [(b"content-type", b"application/fhir+json"), (b"content-length", b"%d" % len(body))]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    sock = listening_socket("127.0.0.1", 0)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            raise RuntimeError("uvicorn did not start")
        await asyncio.sleep(0.01)
    try:
        await serve_until_stdin_closes(bound_port(sock), START_BOUND + 4 * RUN_BOUND)
    finally:
        server.should_exit = True
        await task


async def _measure(transport: httpx.AsyncBaseTransport, url: str) -> tuple[float, float]:
    """(requests per second, client CPU µs per request) for :data:`REQUESTS` GETs."""
    async with httpx.AsyncClient(transport=transport, timeout=30.0, trust_env=False) as http:

        async def worker(count: int) -> None:
            for _ in range(count):
                response = await http.get(url, headers={"Accept": "application/fhir+json"})
                if response.status_code != 200 or len(response.content) < 10_000:
                    raise RuntimeError(f"unexpected answer {response.status_code}")

        await asyncio.gather(*(worker(WARMUP // CONCURRENCY) for _ in range(CONCURRENCY)))
        wall, cpu = time.perf_counter(), time.process_time()
        async with asyncio.timeout(RUN_BOUND):
            await asyncio.gather(*(worker(REQUESTS // CONCURRENCY) for _ in range(CONCURRENCY)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return REQUESTS / wall, cpu / REQUESTS * 1e6


async def _compare() -> dict[str, tuple[float, float]]:
    async with child_server("bench.bench_transport", "--serve", start_bound=START_BOUND) as port:
        url = f"http://127.0.0.1:{port}/fhir/Slot?schedule.actor:Practitioner.identifier=x"
        best: dict[str, tuple[float, float]] = {}
        for _ in range(ROUNDS):  # alternate, keep each one's best: other load only adds noise
            for name, make in (
                ("httpx default", httpx.AsyncHTTPTransport),
                ("FanOutTransport", FanOutTransport),
            ):
                rate, cpu_us = await _measure(make(), url)
                previous = best.get(name, (0.0, float("inf")))
                best[name] = (max(rate, previous[0]), min(cpu_us, previous[1]))
        return best


def _row(metric: str, value: float, target: str = "report", ok: bool = True) -> dict[str, Any]:
    return {
        "benchmark": "fan-out transport",
        "metric": metric,
        "value": round(value, 1),
        "target": target,
        "ok": ok,
    }


def run() -> list[dict[str, Any]]:
    rows = []
    loops = ["asyncio"] + (["uvloop"] if eventloop.loop_name("auto") == "uvloop" else [])
    for loop in loops:
        figures = eventloop.run(_compare(), choice=loop)
        for name, (rate, cpu_us) in figures.items():
            rows.append(_row(f"{name}: requests/s ({CONCURRENCY} concurrent, {loop})", rate))
            rows.append(_row(f"{name}: client CPU µs/request ({loop})", cpu_us))
        default_cpu, lean_cpu = figures["httpx default"][1], figures["FanOutTransport"][1]
        rows.append(
            _row(
                f"FanOutTransport CPU per request / httpx default, % ({loop})",
                100 * lean_cpu / default_cpu,
                target="< 100",
                ok=lean_cpu < default_cpu,
            )
        )
    return rows


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:  # the child process
        eventloop.run(_serve())
    else:
        for row in run():
            print(row)
