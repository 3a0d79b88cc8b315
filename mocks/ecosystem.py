"""A whole SAS ecosystem from a seed: the population, its editors and the SAS platform.

``Ecosystem(seed, editors=40, practitioners=4000, clock=...)`` generates the population
(:func:`mocks.population.generate_population`), one mock editor per population editor and the
platform (:func:`sasref.platform.create_app`) whose directory is that population. Two ways to run
it:

* :meth:`Ecosystem.in_process` — an ``httpx.AsyncClient`` with everything mounted through
  ``httpx.ASGITransport``: the platform under ``https://sas.test`` (the client's base URL) and
  each editor under its own ``https://editeur-NN.test/fhir``. No socket: tests and notebooks.
* :meth:`Ecosystem.serve` — real sockets on loopback with uvicorn, in the running event loop.

**Sockets layout (a deliberate choice).** The editors share **one** uvicorn server on
``fleet_port``, each under its own path prefix: ``http://127.0.0.1:8100/editeur-07/fhir``. One
listening socket and one server task instead of forty keeps start-up fast (well under a second
for the default fleet) and the demo's file-descriptor and memory use flat as the fleet grows; the
editors are still distinct servers to the platform (distinct base URLs, independent behaviour
through each one's ``/editeur-07/admin/behaviour``). The platform has its own server on ``port``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    MutableMapping,
)
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from fastapi import FastAPI

from mocks.editor import EditorSettings, create_app
from mocks.editor.shards import population_shards
from mocks.population import Population, SlotRecord, generate_population
from sasref.aggregator import DEFAULT_CALL_DEADLINE, DEFAULT_OVERALL_DEADLINE
from sasref.clock import PARIS, Clock, SystemClock
from sasref.directory import Directory
from sasref.directory.model import AgendaKind, EditorInfo
from sasref.platform import PlatformSettings
from sasref.platform import create_app as create_platform
from sasref.platform.agendas import MemoryAgendas
from sasref.sasagenda import AgendaSlot, Modality, SasAgenda

PLATFORM_URL = "https://sas.test"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


_MODALITIES = {"AMB": Modality.PHYSICAL, "VR": Modality.TELECONSULTATION, "HH": Modality.HOME}


def sas_agendas(population: Population) -> list[SasAgenda]:
    """The SAS agendas of the practitioners (and SOS fixed points) the population puts on the
    SAS agenda rather than on an editor: their generated free slots as dated SAS-agenda slots."""
    agendas = []
    owners: list[tuple[str, list[SlotRecord]]] = [
        (p.id, list(population.slots_for(p.id)))
        for p in population.practitioners
        if p.agenda is AgendaKind.SAS
    ]
    owners += [
        (a.siret, [r for fp in a.fixed_points for r in population.sos_slots_for(fp.id)])
        for a in population.sos
        if a.editor is None
    ]
    for owner, records in owners:
        by_place: dict[str, list[SlotRecord]] = {}
        for record in records:
            by_place.setdefault(record.place, []).append(record)
        for place, slots in sorted(by_place.items()):
            agenda_slots = []
            for r in slots:
                start, end = r.start.astimezone(PARIS), r.end.astimezone(PARIS)
                if end.date() != start.date() or end.time() <= start.time():
                    continue
                modalities = tuple(
                    dict.fromkeys(
                        _MODALITIES.get(c, Modality.PHYSICAL) for c in r.consultation_types
                    )
                )
                agenda_slots.append(
                    AgendaSlot(
                        id=r.id,
                        day=start.date(),
                        start=start.time(),
                        end=end.time(),
                        modalities=modalities or (Modality.PHYSICAL,),
                    )
                )
            agendas.append(
                SasAgenda(
                    id=f"sas-{owner}-{place}",
                    owner_id=owner,
                    place_id=place,
                    slots=tuple(agenda_slots),
                )
            )
    return agendas


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


class _LazyApp:
    """An editor app built on its first request: a 40-editor fleet costs little until used."""

    def __init__(self, settings: EditorSettings) -> None:
        self.settings = settings
        self._app: FastAPI | None = None

    @property
    def app(self) -> FastAPI:
        if self._app is None:
            self._app = create_app(self.settings)
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class FleetApp:
    """ONE ASGI app serving every editor by the first segment of the path (``/editeur-07/...``).

    Paths are passed through unchanged: each editor mounts its routes under its own base path.
    """

    def __init__(self, editors: Iterable[_LazyApp]) -> None:
        self.editors = {
            urlsplit(e.settings.base_url).path.strip("/").split("/")[0]: e for e in editors
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        prefix = str(scope.get("path", "")).strip("/").split("/")[0]
        editor = self.editors.get(prefix)
        if editor is None:
            body = b'{"error": "no editor at this path"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await editor(scope, receive, send)


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to its owner (the demo stops it on Ctrl-C)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


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


@dataclass
class Running:
    """A served ecosystem: URLs, and the uvicorn servers to stop."""

    platform_url: str
    fleet_url: str
    editors: list[EditorInfo]
    servers: list[Any] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def stop(self) -> None:
        for server in self.servers:
            server.should_exit = True
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


class Ecosystem:
    """The population, its editors and the platform, all from one seed (see module docstring)."""

    def __init__(
        self,
        seed: int = 42,
        editors: int = 40,
        practitioners: int = 4000,
        clock: Clock | None = None,
        *,
        extra_editors: Iterable[EditorInfo] = (),
        database_url: str | None = None,
        call_deadline: float | None = None,
        overall_deadline: float | None = None,
        validate_answers: bool = True,
        log_searches: bool = True,
    ) -> None:
        self.seed = seed
        self.clock: Clock = clock or SystemClock()
        self.population = generate_population(
            seed, self.clock, editors=editors, practitioners=practitioners
        )
        self.directory = Directory.from_population(self.population)
        self.shards = population_shards(self.population)
        self.editor_settings = [
            EditorSettings.from_shard(shard, clock=self.clock, seed=seed + i)
            for i, shard in enumerate(self.shards)
        ]
        self._editors = {s.name: _LazyApp(s) for s in self.editor_settings}
        self.extra_editors = list(extra_editors)
        self.database_url = database_url
        self.call_deadline = call_deadline or DEFAULT_CALL_DEADLINE
        self.overall_deadline = overall_deadline or max(
            DEFAULT_OVERALL_DEADLINE, self.call_deadline
        )
        self.validate_answers = validate_answers
        self.log_searches = log_searches
        self.platform: FastAPI | None = None
        self.agendas = MemoryAgendas(sas_agendas(self.population))

    # -- pieces -------------------------------------------------------------------------------
    @property
    def editor_names(self) -> list[str]:
        return list(self._editors)

    def editor_app(self, name: str) -> FastAPI:
        """The editor's app (its ``state.editor.behaviour`` switches quirks and faults)."""
        return self._editors[name].app

    def set_behaviour(self, patch: dict[str, Any], names: Iterable[str] | None = None) -> None:
        """Merge a behaviour patch (``{"faults": {...}, "quirks": {...}}``, the editors'
        ``/admin/behaviour`` format) into these editors (all by default)."""
        for name in self.editor_names if names is None else names:
            state = self.editor_app(name).state.editor
            state.behaviour = state.behaviour.merged(patch)

    def platform_settings(
        self, http_client: httpx.AsyncClient, editors: Iterable[EditorInfo]
    ) -> PlatformSettings:
        return PlatformSettings(
            directory=self.directory,
            editors=[*editors, *self.extra_editors],
            database_url=self.database_url,
            population_seed=self.seed,
            clock=self.clock,
            http_client=http_client,
            validate_answers=self.validate_answers,
            log_searches=self.log_searches,
            agendas=self.agendas,
            call_deadline=self.call_deadline,
            overall_deadline=self.overall_deadline,
        )

    def _platform(self, editors_client: httpx.AsyncClient, infos: list[EditorInfo]) -> FastAPI:
        """The platform app; its SAS agenda is the population's (in memory)."""
        return create_platform(self.platform_settings(editors_client, infos))

    # -- in process ---------------------------------------------------------------------------
    def in_process(self) -> httpx.AsyncClient:
        """A client on ``https://sas.test`` with the platform and every editor mounted."""
        mounts: dict[str, httpx.AsyncBaseTransport] = {}
        for editor in self._editors.values():
            url = urlsplit(editor.settings.base_url)
            mounts[f"{url.scheme}://{url.netloc}"] = httpx.ASGITransport(app=editor)
        editors_client = httpx.AsyncClient(
            transport=HostTransport(dict(mounts)), timeout=httpx.Timeout(30.0)
        )
        infos = [s.info() for s in self.editor_settings]
        self.platform = self._platform(editors_client, infos)
        mounts[PLATFORM_URL] = httpx.ASGITransport(app=self.platform)
        return httpx.AsyncClient(mounts=mounts, base_url=PLATFORM_URL, timeout=httpx.Timeout(30.0))

    # -- sockets ------------------------------------------------------------------------------
    def socket_editors(self, host: str, fleet_port: int) -> list[EditorSettings]:
        """Editor settings rebased on the shared loopback server: ``http://host:port/name/fhir``."""
        return [
            replace(s, base_url=f"http://{host}:{fleet_port}/{s.name}/fhir")
            for s in self.editor_settings
        ]

    async def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        fleet_port: int = 8100,
        *,
        on_progress: Callable[[str], None] | None = None,
    ) -> Running:
        """Start the fleet server then the platform server; returns once both listen."""

        def progress(step: str) -> None:
            if on_progress is not None:
                on_progress(step)

        settings = self.socket_editors(host, fleet_port)
        self._editors = {s.name: _LazyApp(s) for s in settings}
        for editor in self._editors.values():
            _ = editor.app  # build now: the first search should not pay for it
            progress(f"editor {editor.settings.name}")
        fleet = FleetApp(self._editors.values())
        editors_client = httpx.AsyncClient(timeout=httpx.Timeout(30.0), trust_env=False)
        infos = [s.info() for s in settings]
        self.platform = self._platform(editors_client, infos)
        running = Running(
            platform_url=f"http://{host}:{port}/",
            fleet_url=f"http://{host}:{fleet_port}/",
            editors=[*infos, *self.extra_editors],
        )
        for app, app_port, name in (
            (fleet, fleet_port, "fleet"),
            (self.platform, port, "platform"),
        ):
            try:
                sock = listening_socket(host, app_port)
            except OSError as exc:
                await running.stop()
                raise OSError(f"cannot listen on {host}:{app_port} ({name}): {exc}") from exc
            config = uvicorn.Config(
                app, host=host, port=app_port, log_level="warning", lifespan="on", access_log=False
            )
            server = _Server(config)
            task = asyncio.create_task(server.serve(sockets=[sock]), name=f"uvicorn-{name}")
            running.servers.append(server)
            running.tasks.append(task)
            while not server.started:
                if task.done():
                    await running.stop()
                    raise OSError(f"the {name} server on {host}:{app_port} did not start")
                await asyncio.sleep(0.02)
            progress(f"{name} listening on {host}:{app_port}")
        return running

    @contextlib.asynccontextmanager
    async def served(
        self, host: str = "127.0.0.1", port: int = 8000, fleet_port: int = 8100
    ) -> AsyncIterator[Running]:
        running = await self.serve(host, port, fleet_port)
        try:
            yield running
        finally:
            await running.stop()
