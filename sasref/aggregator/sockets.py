"""The fan-out on real sockets: :class:`FanOutHttp` on an aiohttp ``ClientSession`` (issue 13).

Why aiohttp: one SAS search calls every connected editor concurrently (1–25 practitioners per
call, an answer required within 7 s, ~3000 searches/h estimated), so the platform process spends
its CPU sending small GETs and reading searchsets. aiohttp's client (C HTTP parser, a lean
connection pool) costs a fraction of httpx's default transport per call and less than the
hand-written transport this module replaces (``python -m bench transport``,
``docs/decisions.md``). The aggregator talks to it through the small
:class:`~sasref.aggregator.http.FanOutHttp` interface, so in-process tests and notebooks keep
injecting an ``httpx.AsyncClient`` instead.

What the session is set up for:

* HTTP/1.1 keep-alive pool, no cap on concurrent connections (the aggregator's per-call and
  overall deadlines bound them), idle connections closed after ``keepalive_expiry``;
* TLS and **mTLS** from one :class:`ssl.SSLContext` built once (``verify=`` a context, a CA file
  or directory, ``True`` for the same trust store as httpx; ``cert=`` the SAS client
  certificate, unless the context already holds it);
* socket timeouts (connect, each read) just above the per-call deadline, as a backstop: the
  aggregator bounds each call by its deadline itself;
* **one retry of an idempotent GET** on a fresh attempt when the connection fails before an
  answer starts, typically a keep-alive connection the server closed while idle (aiohttp does
  this itself for idempotent methods, RFC 9112 §9.3.1; tested in
  ``tests/contract/test_fanout_sockets.py``);
* no cookie jar (a cookie set by one editor's answer would be parsed and stored for nothing),
  no redirects (an editor redirecting a search is an HTTP error), no proxy or ``.netrc`` from
  the environment;
* bodies decoded (gzip, deflate) and bounded by ``max_response_bytes``.

aiohttp's exceptions are translated into :mod:`httpx`'s classes (see
:mod:`sasref.aggregator.http`), so an editor's failure reads the same on both paths.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Mapping
from types import TracebackType

import aiohttp
import httpx

from sasref.aggregator.client import DEFAULT_CALL_DEADLINE
from sasref.aggregator.http import FanOutAnswer

#: ``cert=``: one PEM file, ``(certfile, keyfile)`` or ``(certfile, keyfile, password)``
CertTypes = str | tuple[str, str] | tuple[str, str, str]

#: aiohttp's failures → httpx's classes, the most specific first (ServerTimeoutError is also a
#: TimeoutError: translated here, it never reads as the budget running out).
_TRANSLATIONS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (aiohttp.ClientConnectorError, httpx.ConnectError),  # refused, DNS, TLS handshake
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),  # closed before an answer
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),  # body cut short or malformed
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),  # status line/headers malformed
    (aiohttp.ClientOSError, httpx.ReadError),  # reset
    (aiohttp.NonHttpUrlClientError, httpx.UnsupportedProtocol),  # not http(s)
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
)


def _translate(exc: aiohttp.ClientError) -> httpx.TransportError:
    for source, target in _TRANSLATIONS:
        if isinstance(exc, source):
            return target(str(exc) or type(exc).__name__)
    return httpx.TransportError(str(exc) or type(exc).__name__)


def ssl_context(verify: ssl.SSLContext | bool | str, cert: CertTypes | None) -> ssl.SSLContext:
    """The one context of every connection (loading a CA bundle costs milliseconds)."""
    if isinstance(verify, ssl.SSLContext):
        ctx = verify
    elif isinstance(verify, str):  # a CA file or directory
        is_dir = os.path.isdir(verify)
        ctx = ssl.create_default_context(
            cafile=None if is_dir else verify, capath=verify if is_dir else None
        )
    else:  # httpx's trust store (certifi) or no verification, as the httpx path would
        ctx = httpx.create_ssl_context(verify=verify, trust_env=False)
    if isinstance(cert, str):
        ctx.load_cert_chain(cert)
    elif cert is not None:
        ctx.load_cert_chain(*cert)
    return ctx


class AiohttpFanOut:
    """:class:`~sasref.aggregator.http.FanOutHttp` on aiohttp (see the module docstring).

    Built anywhere (no event loop needed); the session is opened by the first call and bound to
    that call's event loop, as every asyncio connection is.
    """

    def __init__(
        self,
        *,
        socket_timeout: float = DEFAULT_CALL_DEADLINE + 1,
        verify: ssl.SSLContext | bool | str = True,
        cert: CertTypes | None = None,
        keepalive_expiry: float = 60.0,
        max_response_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self._ssl = ssl_context(verify, cert)
        self.socket_timeout = socket_timeout
        self._keepalive = keepalive_expiry
        self.max_response_bytes = max_response_bytes
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("the fan-out client is closed: build a new one")
        loop = asyncio.get_running_loop()
        if self._session is not None:
            if self._loop is not loop:
                raise RuntimeError("the fan-out client is bound to the event loop it first ran on")
            return self._session
        connector = aiohttp.TCPConnector(limit=0, ssl=self._ssl, keepalive_timeout=self._keepalive)
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self.socket_timeout, sock_read=self.socket_timeout
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=timeout,
            trust_env=False,
        )
        self._loop = loop
        return self._session

    async def get(self, url: str, headers: Mapping[str, str]) -> FanOutAnswer:
        session = self._session
        if session is None or self._closed or self._loop is not asyncio.get_running_loop():
            session = self._open()
        try:
            async with session.get(url, headers=headers, allow_redirects=False) as response:
                body = await self._read(response)
                return FanOutAnswer(response.status, response.headers, body)
        except aiohttp.ClientError as exc:
            raise _translate(exc) from exc

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self.max_response_bytes
        length = response.content_length
        if length is not None and length > limit:
            raise httpx.RemoteProtocolError(f"response exceeds {limit} bytes")
        if length is not None and "Content-Encoding" not in response.headers:
            return await response.read()  # the length is known and final: one read
        chunks, size = [], 0  # chunked or compressed: count the decoded bytes as they come
        while chunk := await response.content.readany():
            size += len(chunk)
            if size > limit:
                raise httpx.RemoteProtocolError(f"response exceeds {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> AiohttpFanOut:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


def fanout_http_client(
    *,
    call_deadline: float = DEFAULT_CALL_DEADLINE,
    verify: ssl.SSLContext | bool | str = True,
    cert: CertTypes | None = None,
    max_response_bytes: int = 64 * 1024 * 1024,
) -> AiohttpFanOut:
    """The platform's client to the editors over real sockets: an :class:`AiohttpFanOut`,
    socket timeouts a second above ``call_deadline`` (the deadline itself cuts a call first);
    ``verify``/``cert`` for TLS and mTLS."""
    return AiohttpFanOut(
        socket_timeout=call_deadline + 1,
        verify=verify,
        cert=cert,
        max_response_bytes=max_response_bytes,
    )


__all__ = ["AiohttpFanOut", "CertTypes", "fanout_http_client", "ssl_context"]
