"""Client-side cost of one fan-out GET, per HTTP client (issues 4 and 13: the platform's CPU per
editor call), and of one low-volume POST (issue 13 §3: where moving to aiohttp would pay).

~2,000 GETs, 20 at a time, of a ~20 KB JSON body (the size of a typical INT_R01 searchset) from a
uvicorn server running in a **child process** (``python -m bench.bench_transport --serve``), so
the CPU measured with :func:`time.process_time` is the client's alone: URL building, the
transport, parsing, the response objects. Contenders:

* ``httpx default`` — ``httpx.AsyncClient`` on its own transport (httpcore, h11);
* ``httpx + httpx-aiohttp`` — the same client API on aiohttp's transport;
* ``aiohttp ClientSession`` — aiohttp's client as its documentation shows it;
* ``fan-out client`` — :class:`sasref.aggregator.AiohttpFanOut`, what the platform calls the
  editors with (:func:`sasref.aggregator.fanout_http_client`).

(Until issue 13 the platform ran on a hand-written transport, ``FanOutTransport``; its figures,
measured side by side before it was removed, are in ``docs/decisions.md``.)

Each run is warmed up first (connections open, code paths hot); the contenders alternate for
:data:`ROUNDS` rounds and each keeps its best figures (other processes on the host only add
noise). The POST rows send a ~2 KB FHIR JSON body one request at a time (INT_R02 pushes, INT_R03
outboxes, the PSC back-channel: sequential, a few per login or booking).

Run on the standard library's loop and on uvloop when installed (:mod:`sasref.eventloop`: the
loop ``sasref demo`` and the other benchmarks use; the child always takes uvloop when it can, so
the server is not the bottleneck).

``run()`` returns rows ``{"benchmark", "metric", "value", "target", "ok"}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import httpx

from bench._child import child_server, serve_app_until_stdin_closes
from sasref import eventloop
from sasref.aggregator import fanout_http_client

REQUESTS = 2000
CONCURRENCY = 20
WARMUP = 200
POSTS = 500
ROUNDS = 2
START_BOUND = 30.0  # s: the child must listen by then
RUN_BOUND = 120.0  # s: one measured run
ACCEPT = {"Accept": "application/fhir+json"}

#: One request: URL → (status, body); ``body`` is ``None`` for a GET.
Send = Callable[[str, bytes | None], Awaitable[tuple[int, bytes]]]


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


def _post_body() -> bytes:
    """A ~2 KB FHIR resource, the size of an INT_R03 Appointment."""
    extension = [{"url": f"https://sas.test/ext/{i}", "valueString": "x" * 40} for i in range(20)]
    return json.dumps({"resourceType": "Appointment", "status": "booked", "extension": extension})[
        :2048
    ].encode()


async def _serve() -> None:
    """Child process: one ASGI app answering every GET with the same bytes and every POST with a
    small 201; prints its port, exits when its stdin closes (the bench ended or died) or after a
    bound."""
    body = _body()
    headers = [(b"content-type", b"application/fhir+json"), (b"content-length", b"%d" % len(body))]
    created = b'{"resourceType": "OperationOutcome", "issue": []}'
    created_headers = [
        (b"content-type", b"application/fhir+json"),
        (b"content-length", b"%d" % len(created)),
        (b"location", b"/fhir/Appointment/1"),
    ]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "POST":
            while (await receive()).get("more_body"):
                pass
            await send({"type": "http.response.start", "status": 201, "headers": created_headers})
            await send({"type": "http.response.body", "body": created})
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    await serve_app_until_stdin_closes(app, START_BOUND + 8 * RUN_BOUND)


# -- the contenders: each yields one ``Send`` ------------------------------------------------------
@contextlib.asynccontextmanager
async def _httpx(transport: httpx.AsyncBaseTransport) -> AsyncIterator[Send]:
    async with httpx.AsyncClient(transport=transport, timeout=30.0, trust_env=False) as http:

        async def send(url: str, body: bytes | None) -> tuple[int, bytes]:
            if body is None:
                response = await http.get(url, headers=ACCEPT)
            else:
                response = await http.post(url, content=body, headers=_POST_HEADERS)
            return response.status_code, response.content

        yield send


def _httpx_default() -> contextlib.AbstractAsyncContextManager[Send]:
    return _httpx(httpx.AsyncHTTPTransport())


def _httpx_aiohttp() -> contextlib.AbstractAsyncContextManager[Send]:
    from httpx_aiohttp import AiohttpTransport

    return _httpx(AiohttpTransport(trust_env=False))


@contextlib.asynccontextmanager
async def _aiohttp() -> AsyncIterator[Send]:
    async with aiohttp.ClientSession() as session:

        async def send(url: str, body: bytes | None) -> tuple[int, bytes]:
            method = "GET" if body is None else "POST"
            headers = ACCEPT if body is None else _POST_HEADERS
            async with session.request(method, url, data=body, headers=headers) as response:
                return response.status, await response.read()

        yield send


@contextlib.asynccontextmanager
async def _fanout() -> AsyncIterator[Send]:
    async with fanout_http_client() as http:

        async def send(url: str, body: bytes | None) -> tuple[int, bytes]:
            answer = await http.get(url, ACCEPT)  # GET only: the fan-out's interface
            return answer.status, answer.body

        yield send


_POST_HEADERS = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
Contender = Callable[[], contextlib.AbstractAsyncContextManager[Send]]
GET_CONTENDERS: dict[str, Contender] = {
    "httpx default": _httpx_default,
    "httpx + httpx-aiohttp": _httpx_aiohttp,
    "aiohttp ClientSession": _aiohttp,
    "fan-out client (AiohttpFanOut)": _fanout,
}
POST_CONTENDERS: dict[str, Contender] = {
    "httpx default": _httpx_default,
    "aiohttp ClientSession": _aiohttp,
}


async def _measure(
    contender: Contender, url: str, body: bytes | None, count: int, concurrency: int
) -> tuple[float, float]:
    """(requests per second, client CPU µs per request) for ``count`` requests."""
    async with contender() as send:

        async def worker(n: int) -> None:
            for _ in range(n):
                status, answer = await send(url, body)
                if status not in (200, 201) or (body is None and len(answer) < 10_000):
                    raise RuntimeError(f"unexpected answer {status}")

        await asyncio.gather(*(worker(WARMUP // concurrency) for _ in range(concurrency)))
        wall, cpu = time.perf_counter(), time.process_time()
        async with asyncio.timeout(RUN_BOUND):
            await asyncio.gather(*(worker(count // concurrency) for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return count / wall, cpu / count * 1e6


async def _compare(
    get_contenders: dict[str, Contender] = GET_CONTENDERS,
) -> dict[tuple[str, str], tuple[float, float]]:
    """Best (requests/s, CPU µs/request) per (kind, contender), kind ``GET`` or ``POST``."""
    async with child_server("bench.bench_transport", "--serve", start_bound=START_BOUND) as port:
        url = f"http://127.0.0.1:{port}/fhir/Slot?schedule.actor:Practitioner.identifier=x"
        post_url = f"http://127.0.0.1:{port}/fhir/Appointment"
        runs: list[tuple[str, str, Contender, str, bytes | None, int, int]] = [
            ("GET", name, contender, url, None, REQUESTS, CONCURRENCY)
            for name, contender in get_contenders.items()
        ]
        runs += [
            ("POST", name, contender, post_url, _post_body(), POSTS, 1)
            for name, contender in POST_CONTENDERS.items()
        ]
        best: dict[tuple[str, str], tuple[float, float]] = {}
        for _ in range(ROUNDS):  # alternate, keep each one's best: other load only adds noise
            for kind, name, contender, target, body, count, concurrency in runs:
                rate, cpu_us = await _measure(contender, target, body, count, concurrency)
                previous = best.get((kind, name), (0.0, float("inf")))
                best[kind, name] = (max(rate, previous[0]), min(cpu_us, previous[1]))
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
        for (kind, name), (rate, cpu_us) in figures.items():
            if kind == "GET":
                rows.append(_row(f"{name}: requests/s ({CONCURRENCY} concurrent, {loop})", rate))
                rows.append(_row(f"{name}: client CPU µs/request ({loop})", cpu_us))
            else:
                rows.append(_row(f"{name}: client CPU µs/POST (2 KB, sequential, {loop})", cpu_us))
        default_cpu = figures["GET", "httpx default"][1]
        ours = figures["GET", "fan-out client (AiohttpFanOut)"][1]
        rows.append(
            _row(
                f"fan-out client CPU per request / httpx default, % ({loop})",
                100 * ours / default_cpu,
                target="< 100",
                ok=ours < default_cpu,
            )
        )
    return rows


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:  # the child process
        eventloop.run(_serve())
    else:
        for row in run():
            print(row)
