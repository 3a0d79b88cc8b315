"""A lean HTTP/1.1 keep-alive transport for the SAS fan-out to the editors (digest §2).

Why it exists: one SAS search calls every connected editor concurrently (1–25 practitioners per
call, an answer required within 7 s, ~3000 calls/h estimated), so the platform process spends
its CPU sending small GETs and reading searchsets. Measured with httpx's default transport,
httpcore's pool + anyio + h11 cost about 40 % of that CPU: on each request httpcore walks every
pooled connection and asks each whether it expired (``getpeername``/poll per socket), and h11
parses the response in pure Python. This transport keeps the same ``httpx.AsyncClient`` API
(URL building, headers, cookies, ``Content-Encoding`` decoding stay httpx's) and replaces the
wire part with an ``asyncio.Protocol`` and the C llhttp parser (:mod:`httptools`): about a fifth
of the default transport's client CPU per ~20 KB GET (``python -m bench transport``).

Supports: ``http``/``https`` (one :class:`ssl.SSLContext` built once, mTLS client certificate),
HTTP/1.1 keep-alive with a LIFO of idle connections per ``(scheme, host, port)``, bodies with
``Content-Length``, chunked or read-until-close, HTTP/1.0 and ``Connection: close`` (no reuse),
request bodies (sent with a ``Content-Length``), httpx's ``connect``/``read``/``write``
timeouts, one transparent retry of an idempotent request on a fresh connection when a reused
keep-alive connection turns out to be closed by the server.

Does not support: HTTP/2, proxies (``trust_env`` only affects the TLS trust store), streaming of
response bodies (the whole body is buffered, bounded by ``max_response_bytes``: the fan-out reads
everything anyway), protocol upgrades (101), ``Expect: 100-continue``. There is no cap on
concurrent connections (so httpx's ``pool`` timeout never applies): the aggregator's per-call and
overall deadlines bound them.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections import deque
from typing import cast

import httptools
import httpx

_IDEMPOTENT = frozenset({"GET", "HEAD"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_Key = tuple[str, str, int]
#: httpx's ``cert=``: one PEM file, ``(certfile, keyfile)`` or ``(certfile, keyfile, password)``
CertTypes = str | tuple[str, str] | tuple[str, str, str]


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection; parses at most one response at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        self.closed = False  # the peer closed it (EOF/reset) or we did: never reuse
        self.idle_since = 0.0
        self.lost: asyncio.Future[None] = self._loop.create_future()
        self.can_write: asyncio.Future[None] | None = None  # set while the transport is paused
        self._timer: asyncio.TimerHandle | None = None
        self._active = False

    def _reset_response(self) -> None:
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.headers_done = False
        self.until_close = False  # no Content-Length, not chunked: the body ends at EOF
        self.complete = False
        self.keep_alive = False

    # -- one exchange ------------------------------------------------------------------------
    def begin(self, head_only: bool, limit: int, read_timeout: float | None) -> None:
        self._reset_response()
        self._parser = httptools.HttpResponseParser(self)
        self._head_only = head_only
        self._limit = limit
        self.received = 0
        self.failure: tuple[type[httpx.TransportError], str] | None = None
        self.done: asyncio.Future[None] = self._loop.create_future()
        self._active = True
        if read_timeout is not None:
            # httpx's read timeout bounds each wait for bytes, not the whole body. A lazy timer:
            # data_received only notes the time, the timer re-arms itself while bytes flow
            # (cheaper than rescheduling an asyncio.timeout on every chunk).
            self._read_timeout = read_timeout
            self._last_read = self._loop.time()
            self._timer = self._loop.call_at(self._last_read + read_timeout, self._check_read)

    def _check_read(self) -> None:
        quiet_until = self._last_read + self._read_timeout
        if self._loop.time() < quiet_until:
            self._timer = self._loop.call_at(quiet_until, self._check_read)
        else:
            self._finish((httpx.ReadTimeout, "read timed out"))
            self.abort()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def reusable(self) -> bool:
        return self.complete and self.keep_alive and not self.closed and not self.until_close

    def _finish(self, failure: tuple[type[httpx.TransportError], str] | None = None) -> None:
        if self._active:
            self._active = False
            self._stop_timer()
            self.failure = failure
            if not self.done.done():
                self.done.set_result(None)

    def abort(self) -> None:
        self.closed = True
        self._stop_timer()
        if self.transport is not None:
            self.transport.abort()

    # -- asyncio.Protocol --------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses

    def data_received(self, data: bytes) -> None:
        if not self._active:
            # bytes while idle (or after the message): the connection is out of step, drop it
            self.abort()
            return
        self.received += len(data)  # headers count too: bounds a server streaming headers
        if self.received > self._limit:
            self.abort()
            self._finish((httpx.RemoteProtocolError, f"response exceeds {self._limit} bytes"))
            return
        if self._timer is not None:
            self._last_read = self._loop.time()
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self.abort()
            self._finish((httpx.RemoteProtocolError, f"malformed HTTP response: {exc!r}"))

    def eof_received(self) -> bool:
        self.closed = True
        self._peer_closed(None)
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._peer_closed(exc)
        if self.can_write is not None and not self.can_write.done():
            self.can_write.set_result(None)
        if not self.lost.done():
            self.lost.set_result(None)

    def _peer_closed(self, exc: Exception | None) -> None:
        if not self._active:
            return
        if self.headers_done and self.until_close and exc is None:
            self.complete = True
            self._finish()
        elif exc is not None:
            self._finish((httpx.ReadError, f"connection lost: {exc!r}"))
        elif self.received == 0:
            self._finish((httpx.RemoteProtocolError, "server disconnected without a response"))
        else:
            self._finish((httpx.RemoteProtocolError, "server closed the connection mid-response"))

    def pause_writing(self) -> None:
        self.can_write = self._loop.create_future()

    def resume_writing(self) -> None:
        if self.can_write is not None and not self.can_write.done():
            self.can_write.set_result(None)
        self.can_write = None

    # -- httptools callbacks -----------------------------------------------------------------
    def on_message_begin(self) -> None:
        if not self._active:
            self.closed = True  # bytes after the response we asked for: out of step, drop
        else:
            self._reset_response()  # also after an interim 1xx response

    def on_status(self, reason: bytes) -> None:
        if self._active:
            self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._active:
            self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if not self._active:
            return
        self.headers_done = True
        self.status = self._parser.get_status_code()
        names = {name.lower() for name, _ in self.headers}
        self.until_close = (
            b"content-length" not in names
            and b"transfer-encoding" not in names
            and self.status >= 200
            and self.status not in (204, 304)
            and not self._head_only
        )
        if self._head_only and self.status >= 200:
            self.complete = True  # a HEAD answer has no body whatever its Content-Length says
            self._finish()

    def on_body(self, body: bytes) -> None:
        if self._active:
            self.body.append(body)

    def on_message_complete(self) -> None:
        if not self._active or 100 <= self.status < 200:
            return  # interim response: the real one follows on the same connection
        # llhttp resets its flags once the message is done: ask while still inside it
        self.keep_alive = self._parser.should_keep_alive()
        self.complete = True
        self._finish()


def _ssl_context(
    verify: ssl.SSLContext | bool | str, cert: CertTypes | None, trust_env: bool
) -> ssl.SSLContext:
    """httpx's context, without its deprecation warnings for ``verify=<path>`` and ``cert=``."""
    if isinstance(verify, ssl.SSLContext):
        ctx = verify
    elif isinstance(verify, str):  # a CA file or directory
        is_dir = os.path.isdir(verify)
        ctx = ssl.create_default_context(
            cafile=None if is_dir else verify, capath=verify if is_dir else None
        )
    else:
        ctx = httpx.create_ssl_context(verify=verify, trust_env=trust_env)
    if isinstance(cert, str):
        ctx.load_cert_chain(cert)
    elif cert is not None:
        ctx.load_cert_chain(*cert)
    return ctx


class FanOutTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 keep-alive transport for many small concurrent GETs (see the module docstring)."""

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool | str = True,
        cert: CertTypes | None = None,
        max_keepalive_per_host: int = 64,
        keepalive_expiry: float = 60.0,
        max_response_bytes: int = 64 * 1024 * 1024,
        trust_env: bool = False,
    ) -> None:
        # one context for every connection (loading a CA bundle costs milliseconds)
        self._ssl = _ssl_context(verify, cert, trust_env)
        self._max_idle = max_keepalive_per_host
        self._expiry = keepalive_expiry
        self._limit = max_response_bytes
        self._idle: dict[_Key, deque[_Connection]] = {}
        self._live: set[_Connection] = set()
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("FanOutTransport is closed: build a new client")
        url = request.url
        if url.scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"unsupported scheme {url.scheme!r}", request=request)
        key = (url.scheme, url.host, url.port or _DEFAULT_PORTS[url.scheme])
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        payload = _serialize(request, await request.aread())
        conn = self._acquire(key)
        reused = conn is not None
        if conn is None:
            conn = await self._connect(key, request, timeouts.get("connect"))
        try:
            return await self._exchange(conn, key, payload, request, timeouts)
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            # a keep-alive connection the server closed while idle fails before any byte
            if not (reused and conn.received == 0 and request.method in _IDEMPOTENT):
                raise
        conn = await self._connect(key, request, timeouts.get("connect"))
        return await self._exchange(conn, key, payload, request, timeouts)

    async def aclose(self) -> None:
        self._closed = True
        self._idle.clear()
        live = list(self._live)
        for conn in live:
            conn.abort()
        if live:  # let asyncio release the sockets before the loop may end
            await asyncio.wait([c.lost for c in live], timeout=1.0)

    # -- pool --------------------------------------------------------------------------------
    def _acquire(self, key: _Key) -> _Connection | None:
        idle = self._idle.get(key)
        if not idle:
            return None
        now = asyncio.get_running_loop().time()
        while idle:
            conn = idle.pop()  # LIFO: the most recently used is the least likely to be stale
            if now - conn.idle_since >= self._expiry:
                # every connection below it has been idle longer: drop them all at once
                conn.abort()
                while idle:
                    idle.pop().abort()
                return None
            if not conn.closed:
                return conn
            conn.abort()  # already closed by the peer: just forget it
        return None

    def _release(self, key: _Key, conn: _Connection) -> None:
        if self._closed or not conn.reusable():
            conn.abort()
            return
        conn.idle_since = asyncio.get_running_loop().time()
        idle = self._idle.get(key)
        if idle is None:
            idle = self._idle[key] = deque()
        idle.append(conn)
        if len(idle) > self._max_idle:
            idle.popleft().abort()  # the oldest idle one

    async def _connect(
        self, key: _Key, request: httpx.Request, connect_timeout: float | None
    ) -> _Connection:
        scheme, host, port = key
        tls = self._ssl if scheme == "https" else None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(connect_timeout):
                _, conn = await loop.create_connection(
                    _Connection, host, port, ssl=tls, server_hostname=host if tls else None
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connect to {host}:{port}", request=request) from exc
        except OSError as exc:  # refused, unreachable, DNS, TLS handshake (ssl.SSLError)
            raise httpx.ConnectError(f"{host}:{port}: {exc}", request=request) from exc
        self._live.add(conn)
        conn.lost.add_done_callback(lambda _: self._live.discard(conn))
        return conn

    # -- one exchange ------------------------------------------------------------------------
    async def _exchange(
        self,
        conn: _Connection,
        key: _Key,
        payload: bytes,
        request: httpx.Request,
        timeouts: dict[str, float | None],
    ) -> httpx.Response:
        conn.begin(request.method == "HEAD", self._limit, timeouts.get("read"))
        try:
            if conn.closed or conn.transport is None:
                raise httpx.WriteError("connection closed before the request", request=request)
            conn.transport.write(payload)  # the whole request in one write
            if conn.can_write is not None:  # a large body filled the socket buffer
                try:
                    async with asyncio.timeout(timeouts.get("write")):
                        await conn.can_write
                except TimeoutError as exc:
                    raise httpx.WriteTimeout("write timed out", request=request) from exc
            await conn.done  # the protocol resolves it: complete, failed, or read timeout
            if conn.failure is not None:
                kind, message = conn.failure
                raise kind(message, request=request)
        except BaseException:
            conn.abort()  # cancelled, timed out or failed: never pool a half-read connection
            raise
        version = conn._parser.get_http_version().encode()
        self._release(key, conn)  # back in the pool before the caller sees the response
        return httpx.Response(
            conn.status,
            headers=conn.headers,
            stream=httpx.ByteStream(b"".join(conn.body)),  # one chunk: no copy
            extensions={"http_version": b"HTTP/" + version, "reason_phrase": conn.reason},
            request=request,
        )


def _serialize(request: httpx.Request, body: bytes) -> bytes:
    """Request line, headers as httpx built them, body with a ``Content-Length``."""
    parts = [request.method.encode(), b" ", request.url.raw_path, b" HTTP/1.1\r\n"]
    has_host = framed = False
    for name, value in request.headers.raw:
        lower = name.lower()
        if lower in (b"transfer-encoding", b"content-length"):
            framed = True  # the body is buffered: its length is known, never chunked
            continue
        has_host = has_host or lower == b"host"
        parts += (name, b": ", value, b"\r\n")
    if not has_host:
        parts += (b"Host: ", request.url.netloc, b"\r\n")
    if body or framed:
        parts += (b"Content-Length: ", str(len(body)).encode(), b"\r\n")
    parts += (b"\r\n", body)
    return b"".join(parts)


__all__ = ["FanOutTransport"]
