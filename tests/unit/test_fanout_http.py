"""The fan-out's HTTP interface (:mod:`sasref.aggregator.http`): an injected httpx client keeps
all its configuration, errors keep httpx's classes, the socket client is built without a loop."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import httpx
import pytest

from sasref.aggregator import (
    Aggregator,
    AiohttpFanOut,
    EditorRegistry,
    FanOutAnswer,
    HttpxFanOut,
    fanout_http_client,
)
from sasref.aggregator.http import ObservedFanOut, as_fanout_http

ACCEPT = {"Accept": "application/fhir+json"}


def _editor(request: httpx.Request) -> httpx.Response:
    if request.url.host == "down.test":
        raise httpx.ConnectError("refused", request=request)
    return httpx.Response(
        200 if request.url.path == "/fhir/Slot" else 404,
        headers={"Content-Type": "application/fhir+json", "x-host": request.url.host},
        content=b'{"resourceType": "Bundle"}',
    )


async def test_httpx_path_answers_status_headers_and_body() -> None:
    seen: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request)

    client = httpx.AsyncClient(
        transport=httpx.MockTransport(_editor), event_hooks={"request": [hook]}
    )
    async with client:
        http = HttpxFanOut(client)
        answer = await http.get("https://editor.test/fhir/Slot?status=free", ACCEPT)
        assert answer == FanOutAnswer(200, answer.headers, b'{"resourceType": "Bundle"}')
        assert answer.headers["content-type"] == answer.headers["Content-Type"]
        assert (await http.get("https://editor.test/other", ACCEPT)).status == 404  # an answer
        assert [r.headers["accept"] for r in seen] == [ACCEPT["Accept"]] * 2  # hooks ran


async def test_httpx_path_keeps_the_clients_mounts() -> None:
    other = httpx.MockTransport(lambda request: httpx.Response(200, content=b"mounted"))
    mounts = {"https://other.test": other}
    async with httpx.AsyncClient(transport=httpx.MockTransport(_editor), mounts=mounts) as client:
        http = HttpxFanOut(client)
        assert (await http.get("https://other.test/fhir/Slot", ACCEPT)).body == b"mounted"
        assert (await http.get("https://editor.test/fhir/Slot", ACCEPT)).headers["x-host"] == (
            "editor.test"
        )


async def test_httpx_path_errors_are_httpx_errors_and_aclose_closes_the_client() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(_editor))
    http = HttpxFanOut(client)
    with pytest.raises(httpx.ConnectError):
        await http.get("https://down.test/fhir/Slot", ACCEPT)
    await http.aclose()
    assert client.is_closed


async def test_the_aggregator_wraps_an_httpx_client_and_takes_a_fanout_http_as_is() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(_editor))
    wrapped = as_fanout_http(client)
    assert isinstance(wrapped, HttpxFanOut) and wrapped.client is client
    socket_client = fanout_http_client()
    assert as_fanout_http(socket_client) is socket_client
    aggregator = Aggregator(client, EditorRegistry([]))
    assert aggregator.http is client  # what was given stays visible
    await client.aclose()
    await socket_client.aclose()


def test_the_socket_client_is_built_without_an_event_loop() -> None:
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    http = fanout_http_client(call_deadline=2.0)
    assert isinstance(http, AiohttpFanOut)
    assert http.socket_timeout == pytest.approx(3.0)  # a backstop above the deadline
    asyncio.run(http.aclose())  # nothing was opened: nothing to release


def test_the_socket_clients_tls_settings_are_checked_when_built(tmp_path: Path) -> None:
    with pytest.raises((FileNotFoundError, ssl.SSLError)):
        fanout_http_client(verify=str(tmp_path / "missing-ca.pem"))
    with pytest.raises((FileNotFoundError, ssl.SSLError)):
        fanout_http_client(cert=(str(tmp_path / "c.pem"), str(tmp_path / "k.pem")))
    context = ssl.create_default_context()
    fanout_http_client(verify=context)  # a context is taken as is
    unverified = fanout_http_client(verify=False)
    asyncio.run(unverified.aclose())


async def test_an_observed_fanout_reports_each_answer_and_passes_failures_through() -> None:
    seen: list[tuple[str, int]] = []
    inner = HttpxFanOut(httpx.AsyncClient(transport=httpx.MockTransport(_editor)))
    observed = ObservedFanOut(inner, lambda url, answer: seen.append((url, answer.status)))
    answer = await observed.get("https://a.test/fhir/Slot", ACCEPT)
    assert (answer.status, answer.body) == (200, b'{"resourceType": "Bundle"}')
    assert (await observed.get("https://a.test/fhir/Nope", ACCEPT)).status == 404
    with pytest.raises(httpx.ConnectError):
        await observed.get("https://down.test/fhir/Slot", ACCEPT)
    assert seen == [("https://a.test/fhir/Slot", 200), ("https://a.test/fhir/Nope", 404)]
    await observed.aclose()
    assert inner.client.is_closed
