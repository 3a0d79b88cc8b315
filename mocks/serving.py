"""Loopback servers and in-process routing shared by :mod:`mocks.ecosystem` and
:mod:`mocks.journey` (one implementation for both compositions).

* :class:`HostTransport` — in process, dispatch an ``httpx`` request to the ASGI app of its
  ``scheme://host[:port]`` with one dict lookup;
* :func:`bind_sockets` — bind every listening socket **before** building anything, so a busy port
  is a clean :class:`PortBusy` naming the port (the demo turns it into a one-line message);
* :class:`ServerSet` — one :class:`QuietServer` (uvicorn, signals left to the owner) per app on
  its socket, started together, stopped together;
* :func:`rebase_shard` — an editor shard moved to another web root (the loopback port it really
  listens on), its ``Slot.comment`` booking links included.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime
from typing import Any, Literal

import httpx
import uvicorn

from mocks.editor import EditorShard
from sasref.search import SlotView

__all__ = [
    "HostTransport",
    "PortBusy",
    "QuietServer",
    "RebasedSlots",
    "ServerSet",
    "bind_sockets",
    "listening_socket",
    "rebase_shard",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class HostTransport(httpx.AsyncBaseTransport):
    """Dispatch by ``scheme://host`` with one dict lookup (httpx ``mounts`` scan every pattern:
    linear in the fleet size, measurable at 40-200 editors)."""

    def __init__(self, routes: dict[str, httpx.AsyncBaseTransport]) -> None:
        self.routes = routes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = f":{url.port}" if url.port else ""
        transport = self.routes.get(f"{url.scheme}://{url.host}{port}")
        if transport is None:
            return httpx.Response(502, json={"error": f"no mock server at {url.host}"})
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in self.routes.values():
            await transport.aclose()


class PortBusy(OSError):
    """A port could not be bound (in use, or not allowed)."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket (binding here makes a busy port a clean ``OSError``)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def bind_sockets(host: str, wanted: Mapping[str, int]) -> dict[str, socket.socket]:
    """One listening socket per name (port 0 = a free port); all or none (:class:`PortBusy`)."""
    sockets: dict[str, socket.socket] = {}
    for name, port in wanted.items():
        try:
            sockets[name] = listening_socket(host, port)
        except OSError as exc:
            for sock in sockets.values():
                sock.close()
            reason = exc.strerror or str(exc)
            raise PortBusy(f"cannot listen on {host}:{port} ({name}): {reason}") from exc
    return sockets


def bound_port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


class QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signals to its owner (the demo stops it on Ctrl-C)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclasses.dataclass
class ServerSet:
    """uvicorn servers running as tasks of the current event loop."""

    servers: list[tuple[str, QuietServer, asyncio.Task[None]]] = dataclasses.field(
        default_factory=list
    )

    def start(
        self, name: str, app: Any, sock: socket.socket, *, lifespan: Literal["on", "off"] = "off"
    ) -> None:
        config = uvicorn.Config(app, log_level="warning", lifespan=lifespan, access_log=False)
        server = QuietServer(config)
        task = asyncio.create_task(server.serve(sockets=[sock]), name=f"uvicorn-{name}")
        self.servers.append((name, server, task))

    async def wait_started(self, on_started: Callable[[str], None] | None = None) -> None:
        """Return once every server listens; :class:`PortBusy` (after stopping all) if one died."""
        for name, server, task in self.servers:
            while not server.started:
                if task.done():
                    await self.stop()
                    raise PortBusy(f"the {name} server did not start")
                await asyncio.sleep(0.01)
            if on_started is not None:
                on_started(name)

    async def stop(self) -> None:
        for _, server, _ in self.servers:
            server.should_exit = True
        for _, _, task in self.servers:
            with contextlib.suppress(asyncio.CancelledError, OSError, SystemExit):
                await task
        self.servers.clear()


class RebasedSlots:
    """An editor's slot source whose ``Slot.comment`` booking links point at another web root
    (the loopback port the editor really listens on)."""

    def __init__(self, inner: Any, old_root: str, new_root: str) -> None:
        self.inner = inner
        self.old_root = old_root.rstrip("/")
        self.new_root = new_root.rstrip("/")
        self._views: dict[tuple[str, datetime], SlotView] = {}

    def _rebase(self, view: SlotView) -> SlotView:
        key = (view.id, view.start)
        found = self._views.get(key)
        if found is None:
            url = view.booking_url
            if url and url.startswith(self.old_root):
                url = self.new_root + url[len(self.old_root) :]
            found = self._views[key] = dataclasses.replace(view, booking_url=url)
        return found

    def practitioner_slots(self, practitioner_id: str) -> Iterable[SlotView]:
        return [self._rebase(v) for v in self.inner.practitioner_slots(practitioner_id)]

    def association_slots(self, siret: str) -> Iterable[SlotView]:
        return [self._rebase(v) for v in self.inner.association_slots(siret)]


def rebase_shard(shard: EditorShard, base_url: str, web_root: str | None = None) -> EditorShard:
    """``shard`` served at FHIR base ``base_url``; booking links move from the population's web
    root to ``web_root`` (default: ``base_url`` without ``/fhir``)."""
    population_root = shard.editor.base_url.rsplit("/fhir", 1)[0]
    root = web_root if web_root is not None else base_url.rsplit("/fhir", 1)[0]
    if shard.editor.base_url == base_url and population_root == root:
        return shard
    return EditorShard(
        editor=dataclasses.replace(shard.editor, base_url=base_url),
        practitioners=shard.practitioners,
        cpts=shard.cpts,
        associations=shard.associations,
        slot_source=RebasedSlots(shard.slot_source, population_root, root),
    )
