"""Mock editor benchmarks (issue 3 item 7).

1. **INT_R01 latency and throughput** — one editor process (``sasref mocks editor`` in a
   subprocess, real uvicorn on 127.0.0.1) answering INT_R01 for 25 practitioners over 72 h:
   p50/p95 latency of sequential requests (target p95 < 50 ms; the ANS test kit requires
   < 1 s), then requests per second with 8 requests in flight (target >= 300 req/s). The editor
   is the fleet's biggest PS editor of the default population (seed 0, 40 editors, 4,000
   practitioners); each request asks for another batch of 25 of its practitioners. Latency is
   measured with httpx (one request at a time); throughput with a minimal asyncio keep-alive
   HTTP/1.1 client on raw sockets (send the GET, read the headers, read Content-Length bytes:
   the fair equivalent of ``wrk``; URLs built once at the start), because httpx's own CPU per
   ~400 kB answer, in this same process, would compete with the server for the second core
   and measure the client. The handler's CPU per request (select, render, serialise; warm
   caches) is reported too.
2. **Fleet memory** — resident memory of the default 40-editor fleet in one fresh process:
   population generated, the 40 editor apps built and every editor's slots served once
   (target < 500 MB; ``VmRSS``/``VmHWM`` from ``/proc/self/status``).

Every loop is bounded in count and in time; loopback only.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SEED = 0
SEQUENTIAL_REQUESTS = 200
CONCURRENT_REQUESTS = 1200
IN_FLIGHT = 8
TIME_LIMIT_S = 60.0
STARTUP_LIMIT_S = 120.0
P95_TARGET_MS = 50.0
RPS_TARGET = 300.0
RSS_TARGET_MB = 500.0
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _biggest_ps_editor() -> Any:
    from mocks.editor.shards import population_shards
    from mocks.population import generate_population
    from sasref.clock import SystemClock

    population = generate_population(SEED, SystemClock())
    shards = [s for s in population_shards(population) if "ps" in s.editor.use_cases]
    return max(shards, key=lambda s: len(s.practitioners))


def handler_cpu_ms(shard: Any, rounds: int = 5) -> float:
    """CPU ms per INT_R01 answer in the handler's core (select, render, serialise), warm.

    Process CPU time, so other processes sharing the machine do not count: 1000 / this is
    the requests per second one free core could serve before HTTP overhead.
    """
    from datetime import timedelta

    from mocks.editor import EditorSettings
    from mocks.editor.settings import EditorState
    from sasref.clock import SystemClock
    from sasref.search import SlotQuery
    from sasref.search.bundle import EntryCache, render_searchset

    state = EditorState(EditorSettings.from_shard(shard))
    entries = EntryCache()  # as create_app keeps one per editor
    ids = [p.id for p in shard.practitioners]
    clock = SystemClock()
    runs, cpu = 0, 0.0
    for warm in (True, *([False] * rounds)):
        start = time.process_time()
        for i in range(0, max(1, len(ids) - 24), 25):
            now = clock.now()
            query = SlotQuery.ps(now, now + timedelta(hours=72), ids[i : i + 25])
            slots = state.slots.select(query)  # what the app's GET /Slot does
            state.trim_caches()
            entries.trim()
            render_searchset(
                query, state.catalog, slots,
                base_url=state.settings.base_url, self_url=query.to_url(state.settings.base_url),
                cache=entries,
            )  # fmt: skip
            runs += not warm
        cpu += 0.0 if warm else time.process_time() - start
    return cpu * 1000 / max(1, runs)


async def _load(base_url: str, ids: list[str]) -> dict[str, Any]:
    import httpx

    from sasref.clock import PARIS
    from sasref.search import SlotQuery

    start = time.time()
    batches = [ids[i : i + 25] for i in range(0, max(1, len(ids) - 24), 25)] or [ids[:25]]

    def url(n: int) -> str:
        from datetime import datetime, timedelta

        now = datetime.now(PARIS)
        return SlotQuery.ps(now, now + timedelta(hours=72), batches[n % len(batches)]).to_url(
            base_url
        )

    split = urlsplit(base_url)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    latencies: list[float] = []
    slots: list[int] = []
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(timeout=10.0, limits=limits) as client:
        for n in range(5):  # warm-up: caches of the first batches
            (await client.get(url(n))).raise_for_status()
        for n in range(SEQUENTIAL_REQUESTS):
            if time.time() - start > TIME_LIMIT_S:
                break
            t0 = time.perf_counter()
            response = await client.get(url(n))
            latencies.append((time.perf_counter() - t0) * 1000)
            response.raise_for_status()
            slots.append(response.json()["total"])
    # Throughput: a minimal keep-alive HTTP/1.1 client on raw sockets (the fair equivalent of
    # wrk): httpx's own CPU cost per 400 kB answer would otherwise compete with the server for
    # the machine's second core and measure the client rather than the editor.
    paths = [url(n).removeprefix(f"http://{host}:{port}") for n in range(len(batches))]
    done, elapsed = await _throughput(host, port, paths)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "p50": statistics.median(latencies),
        "p95": quantiles[94],
        "rps": done / elapsed,
        "slots": statistics.mean(slots) if slots else 0.0,
        "requests": len(latencies) + done,
    }


async def _throughput(host: str, port: int, paths: list[str]) -> tuple[int, float]:
    """``CONCURRENT_REQUESTS`` GETs of ``paths`` (cycled), ``IN_FLIGHT`` connections each
    sending its next request once the previous answer is read: (answers, seconds)."""
    queue = iter(range(CONCURRENT_REQUESTS))
    done = 0
    deadline = time.perf_counter() + TIME_LIMIT_S

    async def worker() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for n in queue:
                if time.perf_counter() > deadline:
                    return
                writer.write(
                    f"GET {paths[n % len(paths)]} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    "Accept: application/fhir+json\r\n\r\n".encode()
                )
                head = await reader.readuntil(b"\r\n\r\n")
                status = head.split(b" ", 2)[1]
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                if status != b"200":
                    raise RuntimeError(f"editor answered {status.decode()}")
                done += 1
        finally:
            writer.close()
            await writer.wait_closed()

    t0 = time.perf_counter()
    workers = asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    await asyncio.wait_for(workers, TIME_LIMIT_S + 30)  # a hung answer must not hang the bench
    return done, time.perf_counter() - t0


def _serve_and_measure(shard: Any) -> dict[str, Any]:
    name, ids = shard.editor.name, [p.id for p in shard.practitioners]
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "sasref", "mocks", "editor", "--port", str(port),
               "--seed", str(SEED), "--name", name]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        base_url = f"http://127.0.0.1:{port}/fhir"
        deadline = time.time() + STARTUP_LIMIT_S
        while time.time() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"editor exited: {process.stderr.read().decode() if process.stderr else ''}"
                )
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("editor did not start in time")
        result = asyncio.run(_load(base_url, ids))
        result["editor"] = name
        result["practitioners"] = len(ids)
        return result
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fleet_memory() -> dict[str, float]:
    """Build the default fleet in this process and serve every editor's slots once."""
    from datetime import timedelta

    from mocks.editor import EditorSettings, create_app
    from mocks.editor.shards import population_shards
    from mocks.population import generate_population
    from sasref.clock import SystemClock
    from sasref.search import SlotQuery
    from sasref.search.bundle import render_searchset

    before = _status_mb("VmRSS")
    clock = SystemClock()
    population = generate_population(SEED, clock)
    apps = [
        create_app(EditorSettings.from_shard(s, clock=clock)) for s in population_shards(population)
    ]
    now = clock.now()
    served = 0
    for app in apps:
        state = app.state.editor
        ids = list(state.catalog.practitioners)
        sirets = list(state.catalog.associations)
        queries = [
            SlotQuery.cpts(now, now + timedelta(hours=72), ids[i : i + 25])
            for i in range(0, len(ids), 25)
        ]
        queries += [
            SlotQuery.sos(now, now + timedelta(hours=72), sirets[i : i + 25])
            for i in range(0, len(sirets), 25)
        ]
        for query in queries:
            slots = state.slots.select(query)
            served += len(slots)
            render_searchset(  # what GET /Slot and GET /Schedule keep: serialised entries
                query,
                state.catalog,
                slots,
                base_url=state.settings.base_url,
                self_url="x",
                cache=state.entries,
            )
    return {
        "rss_mb": _status_mb("VmRSS"),
        "hwm_mb": _status_mb("VmHWM"),
        "baseline_mb": before,
        "editors": float(len(apps)),
        "slots": float(served),
    }


def _fleet_memory_subprocess() -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--fleet-memory"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    shard = _biggest_ps_editor()
    cpu_ms = handler_cpu_ms(shard)
    load = _serve_and_measure(shard)
    name = f"mock editor INT_R01 (25 PS, 72 h; {load['editor']}, ~{load['slots']:.0f} slots)"
    rows += [
        {"benchmark": name, "metric": "p50 latency ms", "value": round(load["p50"], 1),
         "target": None, "ok": True},
        {"benchmark": name, "metric": "p95 latency ms", "value": round(load["p95"], 1),
         "target": f"< {P95_TARGET_MS:.0f}", "ok": load["p95"] < P95_TARGET_MS},
        {"benchmark": name, "metric": f"req/s ({IN_FLIGHT} in flight)",
         "value": round(load["rps"], 1), "target": f">= {RPS_TARGET:.0f}",
         "ok": load["rps"] >= RPS_TARGET},
        {"benchmark": name, "metric": "handler CPU ms per request (warm)",
         "value": round(cpu_ms, 2), "target": None, "ok": True},
        {"benchmark": name, "metric": "handler req/s per free core (1000 / CPU ms)",
         "value": round(1000 / cpu_ms, 1), "target": None, "ok": True},
    ]  # fmt: skip
    memory = _fleet_memory_subprocess()
    fleet = (
        f"mock editor fleet ({memory['editors']:.0f} editors, {memory['slots']:.0f} slots served)"
    )
    rows += [
        {"benchmark": fleet, "metric": "RSS MB", "value": round(memory["rss_mb"], 1),
         "target": f"< {RSS_TARGET_MB:.0f}", "ok": memory["rss_mb"] < RSS_TARGET_MB},
        {"benchmark": fleet, "metric": "peak RSS MB", "value": round(memory["hwm_mb"], 1),
         "target": None, "ok": True},
    ]  # fmt: skip
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # run as a file: make sasref and mocks importable
    if sys.argv[1:] == ["--fleet-memory"]:
        print(json.dumps(fleet_memory()))
    else:
        for row in run():
            print(row)
