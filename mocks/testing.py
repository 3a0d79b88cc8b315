"""The in-process fake network, shared by tests and notebooks (architecture: "transports injected").

``mock_network(seed, editors=N)`` generates the seeded population (``mocks.population``) and
mounts every editor of it in one ``httpx.AsyncClient``, each under its own base URL
(``https://editeur-07.test/fhir``) through ``httpx.ASGITransport`` — no socket::

    async with mock_network(7, editors=5) as net:
        bundle = (await net.client.get(query.to_url(net.base_urls[0]))).json()
        net.editors["editeur-02"].state.behaviour.quirks.wrong_total = True

Editor apps are built lazily on their first request, so a 40-editor network costs one
population until used. It lives with the mocks (not in :mod:`sasref`, which never imports them);
the pure FHIR builders tests share are :mod:`sasref.testing_builders`.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from mocks.editor import EditorSettings, EditorShard, EditorState, create_app
from mocks.editor.shards import population_shards
from mocks.population import generate_population
from sasref.clock import Clock, SystemClock

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["EditorHandle", "MockNetwork", "mock_network"]


class EditorHandle:
    """One editor of the network: its settings, and its app and state once built."""

    def __init__(self, settings: EditorSettings) -> None:
        self.settings = settings
        self._app: FastAPI | None = None
        self._transport: httpx.ASGITransport | None = None

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    @property
    def built(self) -> bool:
        return self._app is not None

    @property
    def app(self) -> FastAPI:
        if self._app is None:
            self._app = create_app(self.settings)
        return self._app

    @property
    def state(self) -> EditorState:
        """The live state (behaviour to toggle quirks/faults, slots, accounts)."""
        state: EditorState = self.app.state.editor
        return state

    @property
    def transport(self) -> httpx.ASGITransport:
        if self._transport is None:
            self._transport = httpx.ASGITransport(app=self.app)
        return self._transport


class _LazyTransport(httpx.AsyncBaseTransport):
    def __init__(self, handle: EditorHandle) -> None:
        self.handle = handle

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.handle.transport.handle_async_request(request)


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"{request.url.host} is not in the mock network", request=request)


class MockNetwork:
    """Editors mounted in one ``httpx.AsyncClient`` (``.client``); close with :meth:`aclose`."""

    def __init__(self, settings: Sequence[EditorSettings], *, population: Any = None) -> None:
        self.population = population
        self.editors: dict[str, EditorHandle] = {s.name: EditorHandle(s) for s in settings}
        mounts: dict[str, httpx.AsyncBaseTransport] = {}
        for handle in self.editors.values():
            url = urlsplit(handle.base_url)
            mounts[f"{url.scheme}://{url.netloc}"] = _LazyTransport(handle)
        # Any other host is unreachable, as on a network without it (and never the real one).
        self.client = httpx.AsyncClient(
            transport=httpx.MockTransport(_unreachable),
            mounts=mounts,
            timeout=httpx.Timeout(10.0),
        )

    @classmethod
    def from_shards(
        cls,
        shards: Sequence[EditorShard],
        *,
        clock: Clock | None = None,
        seed: int = 0,
        population: Any = None,
    ) -> MockNetwork:
        """A network serving hand-built shards (no population needed)."""
        the_clock = clock or SystemClock()
        settings = [
            EditorSettings.from_shard(s, clock=the_clock, seed=seed + i)
            for i, s in enumerate(shards)
        ]
        return cls(settings, population=population)

    @property
    def base_urls(self) -> list[str]:
        return [h.base_url for h in self.editors.values()]

    def editor(self, name: str) -> EditorHandle:
        return self.editors[name]

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> MockNetwork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def mock_network(
    seed: int,
    editors: int = 40,
    *,
    practitioners: int | None = None,
    clock: Clock | None = None,
) -> MockNetwork:
    """The seeded population's editors, mounted in-process (see the module docstring)."""
    the_clock = clock or SystemClock()
    kwargs: dict[str, Any] = {"editors": editors}
    if practitioners is not None:
        kwargs["practitioners"] = practitioners
    population = generate_population(seed, the_clock, **kwargs)
    return MockNetwork.from_shards(
        population_shards(population), clock=the_clock, seed=seed, population=population
    )
