""":class:`sasref.aggregator.AiohttpFanOut` (the platform's fan-out client) on real loopback
sockets: a uvicorn server (Starlette app) for the ordinary cases, raw ``asyncio.start_server``
handlers for the odd ones (stale keep-alive, truncated or garbage answers, silence), self-signed
TLS and mTLS; every case again on uvloop. Failures read as :mod:`httpx`'s exception classes
(:mod:`sasref.aggregator.http`)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import gzip
import ipaddress
import json
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from mocks.serving import QuietServer, bound_port, listening_socket
from sasref.aggregator import AiohttpFanOut, FanOutAnswer, fanout_http_client

pytestmark = pytest.mark.sockets

BIG = {"entry": [{"id": f"slot-{i}", "start": "2024-06-12T16:20:00.000+02:00"} for i in range(400)]}


# -- servers -------------------------------------------------------------------------------------
def _app() -> Starlette:
    async def whoami(request: Request) -> Response:
        # the client's port identifies the TCP connection the request came on
        assert request.client is not None
        return JSONResponse({"port": request.client.port, "path": request.url.path})

    async def chunked(request: Request) -> Response:
        async def parts() -> AsyncIterator[bytes]:
            for i in range(5):
                yield f"part{i};".encode()

        return StreamingResponse(parts(), media_type="text/plain")

    async def gzipped(request: Request) -> Response:
        body = gzip.compress(json.dumps(BIG).encode())
        return Response(body, headers={"content-encoding": "gzip"}, media_type="application/json")

    async def close(request: Request) -> Response:
        assert request.client is not None
        return JSONResponse({"port": request.client.port}, headers={"connection": "close"})

    async def chunked_big(request: Request) -> Response:
        async def parts() -> AsyncIterator[bytes]:
            data = json.dumps(BIG).encode()
            for i in range(0, len(data), 1000):
                yield data[i : i + 1000]

        return StreamingResponse(parts(), media_type="application/json")

    async def cookie(request: Request) -> Response:
        # sets a cookie, and says which one the request carried
        headers = {"set-cookie": "track=1; Path=/"}
        return JSONResponse({"cookie": request.headers.get("cookie")}, headers=headers)

    async def headers(request: Request) -> Response:
        return JSONResponse(dict(request.headers))

    return Starlette(
        routes=[
            Route("/whoami", whoami),
            Route("/chunked", chunked),
            Route("/gzip", gzipped),
            Route("/close", close),
            Route("/chunked-big", chunked_big),
            Route("/cookie", cookie),
            Route("/headers", headers),
            Route("/moved", lambda request: RedirectResponse("/whoami", status_code=302)),
            Route("/big", lambda request: JSONResponse(BIG)),
        ]
    )


@contextlib.asynccontextmanager
async def uvicorn_server(**tls: Any) -> AsyncIterator[int]:
    sock = listening_socket("127.0.0.1", 0)
    config = uvicorn.Config(_app(), log_level="warning", lifespan="off", access_log=False, **tls)
    server = QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(30):
            while not server.started:
                assert not task.done(), "uvicorn did not start"
                await asyncio.sleep(0.01)
        yield bound_port(sock)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, SystemExit):
            await task
        sock.close()


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[tuple[str, list[int]]]:
    """``(base url, connections seen)``; every handler is awaited and its socket closed."""
    tasks: set[asyncio.Task[None]] = set()
    connections: list[int] = []

    async def wrapped(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        connections.append(writer.get_extra_info("peername")[1])
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(wrapped, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", connections
    finally:
        server.close()
        await server.wait_closed()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=10)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            await reader.readexactly(int(line.split(b":")[1]))
    return head


def ok(body: bytes = b"ok", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def client(**options: Any) -> AsyncIterator[AiohttpFanOut]:
    async with AiohttpFanOut(**options) as http:
        yield http


ACCEPT = {"Accept": "application/fhir+json"}


async def get(http: AiohttpFanOut, url: str, deadline: float = 10.0) -> FanOutAnswer:
    """One call as the aggregator makes it: bounded by the caller's deadline."""
    async with asyncio.timeout(deadline):
        return await http.get(url, ACCEPT)


def port_of(answer: FanOutAnswer) -> int:
    """The client port the server saw: which TCP connection the request came on."""
    return int(json.loads(answer.body)["port"])


# -- ordinary HTTP/1.1 against uvicorn -----------------------------------------------------------
async def test_content_length_chunked_and_error_statuses() -> None:
    async with uvicorn_server() as port, client() as http:
        base = f"http://127.0.0.1:{port}"
        answer = await get(http, f"{base}/whoami?x=1%7C2")
        assert answer.status == 200
        assert json.loads(answer.body)["path"] == "/whoami"
        assert answer.headers["Content-Type"] == answer.headers["content-type"]  # any case
        big = await get(http, f"{base}/big")
        assert int(big.headers["content-length"]) == len(big.body)
        assert json.loads(big.body) == BIG
        chunked = await get(http, f"{base}/chunked")
        assert chunked.headers["transfer-encoding"] == "chunked"
        assert chunked.body == b"part0;part1;part2;part3;part4;"
        assert (await get(http, f"{base}/nowhere")).status == 404  # an answer, not an error


async def test_gzip_body_is_decoded() -> None:
    async with uvicorn_server() as port, client() as http:
        answer = await get(http, f"http://127.0.0.1:{port}/gzip")
        assert answer.headers["content-encoding"] == "gzip"
        assert json.loads(answer.body) == BIG


async def test_the_request_carries_accept_and_no_cookie_and_redirects_are_answers() -> None:
    async with uvicorn_server() as port, client() as http:
        base = f"http://127.0.0.1:{port}"
        sent = json.loads((await get(http, f"{base}/headers")).body)
        assert sent["accept"] == ACCEPT["Accept"]
        assert sent["host"] == f"127.0.0.1:{port}"
        assert "gzip" in sent["accept-encoding"]
        named = f"http://localhost:{port}"  # cookie jars keep nothing for an IP address
        first = await get(http, f"{named}/cookie")
        assert first.headers["set-cookie"].startswith("track=1")
        assert json.loads((await get(http, f"{named}/cookie")).body) == {"cookie": None}
        moved = await get(http, f"{base}/moved")  # an editor redirecting a search: HTTP error
        assert moved.status == 302 and moved.headers["location"] == "/whoami"


async def test_proxies_from_the_environment_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, dead)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with uvicorn_server() as port, client() as http:
        assert (await get(http, f"http://127.0.0.1:{port}/whoami")).status == 200


async def test_keep_alive_reuses_one_connection_for_sequential_requests() -> None:
    async with uvicorn_server() as port, client() as http:
        url = f"http://127.0.0.1:{port}/whoami"
        assert len({port_of(await get(http, url)) for _ in range(6)}) == 1


async def test_many_concurrent_requests_to_one_host_then_reuse() -> None:
    async with uvicorn_server() as port, client() as http:
        url = f"http://127.0.0.1:{port}/whoami"
        first = await asyncio.gather(*(get(http, url) for _ in range(60)))
        assert all(a.status == 200 for a in first)
        opened = {port_of(a) for a in first}
        assert len(opened) > 1  # no cap on concurrent connections: they ran side by side
        second = await asyncio.gather(*(get(http, url) for _ in range(30)))
        assert {port_of(a) for a in second} <= opened  # no new connection needed


async def test_connection_close_is_not_reused() -> None:
    async with uvicorn_server() as port, client() as http:
        url = f"http://127.0.0.1:{port}/close"
        assert len({port_of(await get(http, url)) for _ in range(3)}) == 3


# -- odd servers ---------------------------------------------------------------------------------
async def test_http_1_0_read_until_close() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
        await writer.drain()

    async with raw_server(handler) as (base, connections), client() as http:
        for _ in range(2):
            assert (await get(http, base)).body == b"until the end"
        assert len(connections) == 2


async def test_interim_100_response_is_skipped_and_extra_bytes_prevent_reuse() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        # an interim answer, the real one, then an answer nobody asked for
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"final") + ok(b"stale"))
        await writer.drain()
        await reader.read()

    async with raw_server(handler) as (base, connections), client() as http:
        for _ in range(2):
            answer = await get(http, base)
            assert answer.status == 200 and answer.body == b"final"
        assert len(connections) == 2  # the out-of-step connection was not reused


async def test_idle_connection_closed_by_server_is_replaced() -> None:
    closed = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(ok())  # announces keep-alive, then closes it anyway
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        closed.set()

    async with raw_server(handler) as (base, connections), client() as http:
        assert (await get(http, base)).body == b"ok"
        await closed.wait()
        await asyncio.sleep(0.05)  # let the client's loop see the FIN (either path must work)
        assert (await get(http, base)).body == b"ok"
        assert len(connections) == 2


async def test_stale_keep_alive_is_retried_once() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(ok())
        await writer.drain()
        await read_request(reader)  # the server dropped it meanwhile: no answer, just close

    async with raw_server(handler) as (base, connections), client() as http:
        for _ in range(3):
            assert (await get(http, base)).body == b"ok"
        assert len(connections) == 3  # second and third requests were each retried once


async def test_a_server_that_never_answers_gets_one_retry_only() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)  # and close without a byte

    async with raw_server(handler) as (base, connections), client() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await get(http, base)
        assert len(connections) == 2  # the request and its one retry


async def test_server_closing_mid_body_is_a_protocol_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
        await writer.drain()

    async with raw_server(handler) as (base, connections), client() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await get(http, base)
        assert len(connections) == 1  # an answer had started: never sent twice


async def test_truncated_chunked_body_is_a_protocol_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        await writer.drain()

    async with raw_server(handler) as (base, _), client() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await get(http, base)


async def test_garbage_answer_is_a_protocol_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        await reader.read()

    async with raw_server(handler) as (base, _), client() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await get(http, base)


async def test_silence_is_a_read_timeout_or_the_callers_deadline() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)  # never answers; reading fails once the client leaves

    async with raw_server(handler) as (base, connections):
        async with client(socket_timeout=0.2) as http:  # the socket timeout, a backstop
            with pytest.raises(httpx.ReadTimeout):
                await get(http, base)
        async with client() as http:  # the caller's deadline: the builtin TimeoutError
            with pytest.raises(TimeoutError) as caught:
                await get(http, base, deadline=0.2)
            assert not isinstance(caught.value, httpx.HTTPError | aiohttp.ClientError)
            with pytest.raises(TimeoutError):
                await get(http, base, deadline=0.2)
        assert len(connections) == 3  # a timed-out connection is never reused


async def test_closed_port_is_a_connect_error() -> None:
    async with client() as http:
        with pytest.raises(httpx.ConnectError):
            await get(http, f"http://127.0.0.1:{closed_port()}/")


async def test_unsupported_scheme_is_a_transport_error() -> None:
    async with client() as http:
        with pytest.raises(httpx.UnsupportedProtocol):
            await get(http, "ftp://127.0.0.1/fhir/Slot")


async def test_oversize_body_is_rejected_and_the_connection_dropped() -> None:
    async with uvicorn_server() as port, client(max_response_bytes=4096) as http:
        base = f"http://127.0.0.1:{port}"
        for path in ("big", "gzip", "chunked-big"):  # Content-Length, compressed, chunked
            with pytest.raises(httpx.RemoteProtocolError, match="exceeds"):
                await get(http, f"{base}/{path}")
        assert (await get(http, f"{base}/whoami")).status == 200


async def test_cancellation_closes_the_connection_and_propagates() -> None:
    received, dropped = asyncio.Event(), asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        if not received.is_set():  # the first request: never answered
            received.set()
            assert await reader.read() == b""  # the client closed this connection
            dropped.set()
            return
        writer.write(ok())
        await writer.drain()
        await reader.read()

    async with raw_server(handler) as (base, connections), client() as http:
        call = asyncio.create_task(get(http, base))
        await received.wait()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        async with asyncio.timeout(10):
            await dropped.wait()
        assert (await get(http, base)).body == b"ok"
        assert len(connections) == 2


async def test_use_after_aclose_raises() -> None:
    async with uvicorn_server() as port:
        http = fanout_http_client()  # made without a running loop's help: opens on first use
        url = f"http://127.0.0.1:{port}/whoami"
        async with http:
            assert (await get(http, url)).status == 200
        with pytest.raises(RuntimeError, match="closed"):
            await get(http, url)


def test_the_client_stays_on_the_event_loop_it_first_ran_on() -> None:
    http = fanout_http_client()

    async def use() -> None:
        with pytest.raises(httpx.ConnectError):
            await get(http, f"http://127.0.0.1:{closed_port()}/")

    async def close() -> None:
        await http.aclose()

    with asyncio.Runner() as runner:
        runner.run(use())
        with asyncio.Runner() as other, pytest.raises(RuntimeError, match="event loop"):
            other.run(use())
        runner.run(close())


# -- TLS -----------------------------------------------------------------------------------------
def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    *,
    server: bool = False,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer[0].subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if server:
        san = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        usage = ExtendedKeyUsageOID.SERVER_AUTH
    else:
        usage = ExtendedKeyUsageOID.CLIENT_AUTH
    if issuer is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | None) -> str:
    pem = cert.public_bytes(serialization.Encoding.PEM)
    path.with_suffix(".crt").write_bytes(pem)
    if key is not None:
        path.with_suffix(".key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return str(path.with_suffix(".crt"))


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, str]:
    """A test CA, a server certificate for 127.0.0.1 and a client certificate (PEM files)."""
    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _cert("sasref test CA", ca_key, None)
    server = _cert("127.0.0.1", server_key, (ca, ca_key), server=True)
    client_cert = _cert("sas platform", client_key, (ca, ca_key))
    return {
        "ca": _write(tmp_path / "ca", ca, None),
        "server_crt": _write(tmp_path / "server", server, server_key),
        "server_key": str(tmp_path / "server.key"),
        "client_crt": _write(tmp_path / "client", client_cert, client_key),
        "client_key": str(tmp_path / "client.key"),
    }


async def test_tls_with_a_ca_file_and_with_a_context(pki: dict[str, str]) -> None:
    tls = {"ssl_certfile": pki["server_crt"], "ssl_keyfile": pki["server_key"]}
    async with uvicorn_server(**tls) as port:
        url = f"https://127.0.0.1:{port}/whoami"
        context = ssl.create_default_context(cafile=pki["ca"])
        for verify in (pki["ca"], context):
            async with client(verify=verify) as http:
                assert len({port_of(await get(http, url)) for _ in range(3)}) == 1
        async with client() as http:  # the default trust store does not know the test CA
            with pytest.raises(httpx.ConnectError):
                await get(http, url)


async def test_mutual_tls_with_a_client_certificate(pki: dict[str, str]) -> None:
    tls = {
        "ssl_certfile": pki["server_crt"],
        "ssl_keyfile": pki["server_key"],
        "ssl_ca_certs": pki["ca"],
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
    }
    async with uvicorn_server(**tls) as port:
        url = f"https://127.0.0.1:{port}/whoami"
        pair = (pki["client_crt"], pki["client_key"])
        async with client(verify=pki["ca"], cert=pair) as http:
            assert (await get(http, url)).status == 200
        context = ssl.create_default_context(cafile=pki["ca"])
        context.load_cert_chain(*pair)  # the certificate already in the context (the platform's)
        async with fanout_http_client(verify=context) as http:
            assert (await get(http, url)).status == 200
        async with client(verify=pki["ca"]) as http:  # no client certificate: refused
            with pytest.raises(httpx.TransportError):
                await get(http, url)


# -- the same cases on uvloop (the loop production and the benchmarks run on) ----------------------
ON_UVLOOP = [
    test_content_length_chunked_and_error_statuses,
    test_gzip_body_is_decoded,
    test_the_request_carries_accept_and_no_cookie_and_redirects_are_answers,
    test_keep_alive_reuses_one_connection_for_sequential_requests,
    test_many_concurrent_requests_to_one_host_then_reuse,
    test_connection_close_is_not_reused,
    test_http_1_0_read_until_close,
    test_interim_100_response_is_skipped_and_extra_bytes_prevent_reuse,
    test_idle_connection_closed_by_server_is_replaced,
    test_stale_keep_alive_is_retried_once,
    test_a_server_that_never_answers_gets_one_retry_only,
    test_server_closing_mid_body_is_a_protocol_error,
    test_truncated_chunked_body_is_a_protocol_error,
    test_garbage_answer_is_a_protocol_error,
    test_silence_is_a_read_timeout_or_the_callers_deadline,
    test_closed_port_is_a_connect_error,
    test_oversize_body_is_rejected_and_the_connection_dropped,
    test_cancellation_closes_the_connection_and_propagates,
    test_use_after_aclose_raises,
]


@pytest.mark.parametrize("case", ON_UVLOOP, ids=lambda case: case.__name__.removeprefix("test_"))
def test_on_uvloop(case: Callable[[], Coroutine[Any, Any, None]]) -> None:
    uvloop = pytest.importorskip("uvloop")
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(case())


@pytest.mark.parametrize(
    "case", [test_tls_with_a_ca_file_and_with_a_context, test_mutual_tls_with_a_client_certificate]
)
def test_tls_on_uvloop(
    case: Callable[[dict[str, str]], Coroutine[Any, Any, None]], pki: dict[str, str]
) -> None:
    uvloop = pytest.importorskip("uvloop")
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(case(pki))
