"""What the fan-out needs from HTTP, and its in-process implementation (digest §2; issue 13).

One editor call is one GET: a URL and the ``Accept`` header; back come the status, the headers
and the whole body (the aggregator reads every answer in full). The caller bounds each call
with :func:`asyncio.timeout` (the per-call deadline, cut by the search's overall deadline): an
implementation stays cancellable anywhere and never pools a half-read connection.
:class:`FanOutHttp` is exactly that, so the aggregator runs unchanged on two implementations:

* :class:`sasref.aggregator.sockets.AiohttpFanOut` (what
  :func:`~sasref.aggregator.sockets.fanout_http_client` builds): aiohttp on real sockets, the
  platform's default;
* :class:`HttpxFanOut`: any :class:`httpx.AsyncClient` — the in-process ASGI transports and
  mounts of the tests, the notebooks and the mock ecosystem, ``httpx.MockTransport``, or a
  user's own client. The aggregator and the platform settings wrap a given client themselves.

**Errors.** Both raise :mod:`httpx`'s exception classes (:class:`httpx.TransportError` and its
subclasses) when the transport fails, never the builtin :class:`TimeoutError` (which means the
caller's deadline passed): one vocabulary, so a refused port, a reset or a malformed answer
yields the same :class:`~sasref.aggregator.outcome.EditorOutcome` (status, and the class name
as its message) on either path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import httpx


@dataclass(frozen=True, slots=True)
class FanOutAnswer:
    """One editor's answer, read whole."""

    status: int
    headers: Mapping[str, str]  # case-insensitive on both paths
    body: bytes  # after Content-Encoding decoding


class FanOutHttp(Protocol):
    """The fan-out's HTTP client (see the module docstring)."""

    async def get(self, url: str, headers: Mapping[str, str]) -> FanOutAnswer:
        """GET ``url`` and read the whole answer.

        Raises an :class:`httpx.HTTPError` when the transport fails (its own socket timeouts
        included); an HTTP error status is an answer, not an exception."""
        ...

    async def aclose(self) -> None:
        """Release the connections; the client cannot be used afterwards."""
        ...


class HttpxFanOut:
    """:class:`FanOutHttp` over an :class:`httpx.AsyncClient` (everything the client is
    configured with applies: transport, mounts, event hooks, cookies, its own timeouts)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def get(self, url: str, headers: Mapping[str, str]) -> FanOutAnswer:
        response = await self.client.get(url, headers=headers)
        return FanOutAnswer(response.status_code, response.headers, response.content)

    async def aclose(self) -> None:
        await self.client.aclose()


#: ``(url, answer)`` after each call that got an answer (see :class:`ObservedFanOut`).
AnswerObserver = Callable[[str, FanOutAnswer], None]


class ObservedFanOut:
    """A :class:`FanOutHttp` that tells ``observe(url, answer)`` about every answer of
    ``inner`` (a failed call raises as before and is not observed): what an httpx response hook
    gives an in-process client, for a socket client too (the journey's back-channel log)."""

    def __init__(self, inner: FanOutHttp, observe: AnswerObserver) -> None:
        self.inner = inner
        self.observe = observe

    async def get(self, url: str, headers: Mapping[str, str]) -> FanOutAnswer:
        answer = await self.inner.get(url, headers)
        self.observe(url, answer)
        return answer

    async def aclose(self) -> None:
        await self.inner.aclose()


def as_fanout_http(http: httpx.AsyncClient | FanOutHttp) -> FanOutHttp:
    """``http`` itself, or an httpx client wrapped in :class:`HttpxFanOut`."""
    return HttpxFanOut(http) if isinstance(http, httpx.AsyncClient) else http


__all__ = [
    "AnswerObserver",
    "FanOutAnswer",
    "FanOutHttp",
    "HttpxFanOut",
    "ObservedFanOut",
    "as_fanout_http",
]
