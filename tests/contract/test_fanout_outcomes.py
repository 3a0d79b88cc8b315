"""Issue 13: the same editor events give the same per-editor outcomes whether the fan-out runs on
the aiohttp socket client (the platform's default) or on an httpx client (what tests, notebooks
and users inject). The mock editors are served on loopback with their faults switched on (500,
hang, malformed JSON, broken profiles, quirks), plus a refused port and a raw server that cuts
its answers short, sends garbage or closes without a word."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mocks.ecosystem import Ecosystem
from sasref.aggregator import (
    Aggregator,
    EditorRegistry,
    FanOutRequest,
    OutcomeStatus,
    SearchWindow,
    fanout_http_client,
)
from sasref.directory.model import AgendaKind, EditorInfo

pytestmark = pytest.mark.sockets

HOST = "127.0.0.1"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def odd_server() -> AsyncIterator[int]:
    """``/cut/…`` stops mid-body, ``/garbage/…`` is not HTTP, ``/mute/…`` closes silently."""
    tasks: set[asyncio.Task[Any]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1]
            if path.startswith(b"/cut/"):
                writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n{"resourceType"')
            elif path.startswith(b"/garbage/"):
                writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, HOST, 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()
        await asyncio.gather(*tasks, return_exceptions=True)


def comparable(outcome: Any) -> tuple[Any, ...]:
    """Everything an outcome says except its timings."""
    return (
        outcome.editor, outcome.kind, outcome.status, outcome.http_status, outcome.requested,
        outcome.slots, outcome.violations, outcome.messages, outcome.url,
    )  # fmt: skip


async def test_each_editor_event_gives_the_same_outcome_on_aiohttp_and_on_httpx() -> None:
    ecosystem = Ecosystem(seed=13, editors=8, practitioners=300, database_url="sqlite://")
    population = ecosystem.population
    ids = tuple(p.id for p in population.practitioners if p.agenda is AgendaKind.EDITOR)[:30]
    window = SearchWindow.from_clock(ecosystem.clock)
    running = await ecosystem.serve(HOST, 0, 0)
    try:
        ps = [e.name for e in running.editors if "ps" in e.use_cases]  # asked for practitioners
        faults: dict[str, dict[str, Any]] = {
            ps[1]: {"faults": {"error_rate": 1.0, "error_statuses": [503]}},
            ps[2]: {"faults": {"hang_rate": 1.0, "hang_seconds": 3.0}},
            ps[3]: {"faults": {"malformed_json_rate": 1.0}},
            ps[4]: {"faults": {"invalid_fhir_rate": 1.0}},
            ps[5]: {"quirks": {"raw_plus_offsets": True, "missing_search_mode": True}},
        }
        for name, patch in faults.items():  # on the served editors
            ecosystem.set_behaviour(patch, [name])
        async with odd_server() as odd:
            editors = [
                *running.editors,
                EditorInfo("refused", "x", f"http://{HOST}:{closed_port()}/fhir"),
                *(EditorInfo(kind, "x", f"http://{HOST}:{odd}/{kind}/fhir")
                  for kind in ("cut", "garbage", "mute")),
            ]  # fmt: skip
            seen: dict[str, list[tuple[Any, ...]]] = {}
            clients: dict[str, Any] = {
                "aiohttp": fanout_http_client(call_deadline=1.0),
                "httpx": httpx.AsyncClient(trust_env=False, timeout=2.0),
            }
            for label, http in clients.items():
                async with http:
                    aggregator = Aggregator(
                        http, EditorRegistry(editors), clock=ecosystem.clock,
                        call_deadline=1.0, overall_deadline=2.0,
                    )  # fmt: skip
                    result = await aggregator.search(FanOutRequest(window, practitioners=ids))
                seen[label] = sorted(comparable(o) for o in result.outcomes)
    finally:
        await running.stop()
    assert seen["aiohttp"] == seen["httpx"]
    by_editor: dict[str, set[tuple[Any, ...]]] = {}
    for row in seen["aiohttp"]:  # two calls per editor: 30 identifiers in batches of 25
        by_editor.setdefault(row[0], set()).add((row[2], row[7]))
    assert {status for status, _ in by_editor[ps[0]]} <= {OutcomeStatus.OK, OutcomeStatus.EMPTY}
    assert {status for status, _ in by_editor[ps[1]]} == {OutcomeStatus.HTTP_ERROR}
    assert by_editor[ps[2]] == {(OutcomeStatus.TIMEOUT, ("no answer within 1.0 s",))}
    assert {status for status, _ in by_editor[ps[3]]} == {OutcomeStatus.INVALID_JSON}
    assert {status for status, _ in by_editor[ps[4]]} <= {  # unusable, or slots kept
        OutcomeStatus.INVALID_FHIR,
        OutcomeStatus.RULE_VIOLATIONS,
    }
    assert OutcomeStatus.RULE_VIOLATIONS in {status for status, _ in by_editor[ps[5]]}
    assert by_editor["refused"] == {(OutcomeStatus.TRANSPORT_ERROR, ("ConnectError",))}
    for odd_one in ("cut", "garbage", "mute"):
        assert by_editor[odd_one] == {(OutcomeStatus.TRANSPORT_ERROR, ("RemoteProtocolError",))}
