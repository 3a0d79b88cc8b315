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

This is the composition without login (``sasref demo --no-login``, notebooks 02-05, the platform
contract tests); :mod:`mocks.journey` adds PSC, the login, booking pages, the Hub and the LRM.
Sockets, servers and in-process routing are :mod:`mocks.serving`'s, shared by both.

**mTLS (digest §11).** ``serve(..., tls=FleetTls.create(directory))`` serves the editors' fleet
over https, requiring a client certificate from a fake IGC-Santé PKI (:mod:`mocks.pki`, PEM files
in ``directory``) whose CN/OU is the SAS platform's (:data:`mocks.pki.SAS_CLIENT` by default,
checked by each editor: :mod:`mocks.editor.tls`); the platform's fan-out client presents that
certificate. The platform itself stays on plain http (its API and pages are for people).
:func:`live_client` is what a notebook uses against a running ``make demo`` (``SASREF_LIVE=1``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI

from mocks.commands.demo import API_TOKEN_ENV, DEFAULT_API_TOKEN
from mocks.editor import EditorSettings, create_app
from mocks.editor.shards import population_shards
from mocks.editor.tls import ClientName
from mocks.population import Population, SlotRecord, generate_population
from mocks.serving import (
    EDITOR_CLIENT_CERT,
    FLEET_SERVER_CERT,
    SAS_CLIENT_CERT,
    FleetTls,
    HostTransport,
    Receive,
    Scope,
    Send,
    ServerSet,
    bind_sockets,
    bound_port,
    listening_socket,
    rebase_shard,
)
from sasref.aggregator import (
    DEFAULT_CALL_DEADLINE,
    DEFAULT_OVERALL_DEADLINE,
    FanOutHttp,
    fanout_http_client,
)
from sasref.clock import PARIS, Clock, SystemClock
from sasref.directory import Directory
from sasref.directory.model import AgendaKind, EditorInfo
from sasref.monitoring import MonitoringSettings
from sasref.platform import PlatformSettings
from sasref.platform import create_app as create_platform
from sasref.platform.agendas import MemoryAgendas
from sasref.sasagenda import AgendaSlot, Modality, SasAgenda

__all__ = [
    "EDITOR_CLIENT_CERT",
    "FLEET_SERVER_CERT",
    "PLATFORM_URL",
    "SAS_CLIENT_CERT",
    "Ecosystem",
    "FleetApp",
    "FleetTls",
    "HostTransport",
    "Running",
    "editor_settings",
    "listening_socket",
    "live_client",
    "sas_agendas",
]

PLATFORM_URL = "https://sas.test"

#: What ``make lab`` exports for notebooks talking to a running ``make demo``.
LIVE_URL_ENV, DEFAULT_LIVE_URL = "SASREF_LIVE_URL", "http://127.0.0.1:8000"


def live_client(timeout: float = 30.0) -> httpx.AsyncClient:
    """A client on the running demo's platform (``SASREF_LIVE_URL``, default
    ``http://127.0.0.1:8000``) carrying its API token (``SASREF_API_TOKEN``, default the demo's
    ``sasref-demo``) as ``Authorization: Bearer``: what notebooks use when ``SASREF_LIVE=1``."""
    url = os.environ.get(LIVE_URL_ENV) or DEFAULT_LIVE_URL
    token = os.environ.get(API_TOKEN_ENV, DEFAULT_API_TOKEN)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(base_url=url, headers=headers, timeout=timeout, trust_env=False)


def editor_settings(
    population: Population,
    clock: Clock,
    seed: int,
    base_urls: Mapping[str, str] | None = None,
    expected_client: ClientName | None = None,
) -> list[EditorSettings]:
    """One mock editor per population editor (seed ``seed + index``), optionally served at other
    FHIR base URLs (``name`` → base; booking links follow: :func:`mocks.serving.rebase_shard`),
    optionally requiring a client certificate naming ``expected_client`` (mTLS)."""
    settings = []
    for i, shard in enumerate(population_shards(population)):
        base = (base_urls or {}).get(shard.editor.name)
        if base is not None:
            shard = rebase_shard(shard, base)
        settings.append(
            EditorSettings.from_shard(
                shard, clock=clock, seed=seed + i, expected_client=expected_client
            )
        )
    return settings


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


@dataclass
class Running:
    """A served ecosystem: URLs, and the uvicorn servers to stop."""

    platform_url: str
    fleet_url: str
    editors: list[EditorInfo]
    servers: ServerSet = field(default_factory=ServerSet)
    tls: FleetTls | None = None
    #: The platform's client to the fleet, closed once the servers have stopped.
    editors_client: FanOutHttp | None = None

    async def stop(self) -> None:
        await self.servers.stop()
        if self.editors_client is not None:
            await self.editors_client.aclose()


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
        monitoring: MonitoringSettings | None = None,
    ) -> None:
        self.seed = seed
        self.clock: Clock = clock or SystemClock()
        self.population = generate_population(
            seed, self.clock, editors=editors, practitioners=practitioners
        )
        self.directory = Directory.from_population(self.population)
        self.editor_settings = editor_settings(self.population, self.clock, seed)
        self._editors = {s.name: _LazyApp(s) for s in self.editor_settings}
        self.extra_editors = list(extra_editors)
        # in memory unless asked: a composition starts afresh (learned routing, editors added
        # through the API) so notebooks and tests replay the same way run after run
        self.database_url = database_url or "sqlite://"
        self.call_deadline = call_deadline or DEFAULT_CALL_DEADLINE
        self.overall_deadline = overall_deadline or max(
            DEFAULT_OVERALL_DEADLINE, self.call_deadline
        )
        self.validate_answers = validate_answers
        self.log_searches = log_searches
        self.monitoring = monitoring or MonitoringSettings()
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
        self, http_client: httpx.AsyncClient | FanOutHttp, editors: Iterable[EditorInfo]
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
            monitoring=self.monitoring,
        )

    def _platform(
        self, editors_client: httpx.AsyncClient | FanOutHttp, infos: list[EditorInfo]
    ) -> FastAPI:
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
    def socket_editors(
        self, host: str, fleet_port: int, tls: FleetTls | None = None
    ) -> list[EditorSettings]:
        """Editor settings rebased on the shared loopback server: ``http://host:port/name/fhir``
        (``https`` and the client certificate check with ``tls``)."""
        scheme = "https" if tls is not None else "http"
        bases = {n: f"{scheme}://{host}:{fleet_port}/{n}/fhir" for n in self.editor_names}
        expected = tls.expected if tls is not None else None
        return editor_settings(self.population, self.clock, self.seed, bases, expected)

    async def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        fleet_port: int = 8100,
        *,
        on_progress: Callable[[str], None] | None = None,
        tls: FleetTls | None = None,
    ) -> Running:
        """Bind both ports (:class:`mocks.serving.PortBusy` when one is taken), build the
        editors, start the fleet and platform servers; returns once both listen. With ``tls``
        the fleet speaks mTLS and the platform's fan-out presents ``tls.client``."""

        def progress(step: str) -> None:
            if on_progress is not None:
                on_progress(step)

        sockets = bind_sockets(host, {"fleet": fleet_port, "platform": port})
        port, fleet_port = bound_port(sockets["platform"]), bound_port(sockets["fleet"])
        try:
            settings = self.socket_editors(host, fleet_port, tls)
            self._editors = {s.name: _LazyApp(s) for s in settings}
            for editor in self._editors.values():
                _ = editor.app  # build now: the first search should not pay for it
                progress(f"editor {editor.settings.name}")
            fleet = FleetApp(self._editors.values())
            fleet_ssl = tls.server_context() if tls is not None else None
            client_tls: dict[str, Any] = {} if tls is None else {"verify": tls.client_context()}
            editors_client = fanout_http_client(call_deadline=self.call_deadline, **client_tls)
            infos = [s.info() for s in settings]
            self.platform = self._platform(editors_client, infos)
        except BaseException:
            for sock in sockets.values():
                sock.close()
            raise
        running = Running(
            platform_url=f"http://{host}:{port}/",
            fleet_url=f"{'https' if tls else 'http'}://{host}:{fleet_port}/",
            editors=[*infos, *self.extra_editors],
            tls=tls,
            editors_client=editors_client,
        )
        running.servers.start(
            "fleet", fleet, sockets["fleet"], lifespan="on", ssl_context=fleet_ssl
        )
        running.servers.start("platform", self.platform, sockets["platform"], lifespan="on")
        await running.servers.wait_started(lambda name: progress(f"{name} listening"))
        return running

    @contextlib.asynccontextmanager
    async def served(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        fleet_port: int = 8100,
        *,
        tls: FleetTls | None = None,
    ) -> AsyncIterator[Running]:
        running = await self.serve(host, port, fleet_port, tls=tls)
        try:
            yield running
        finally:
            await running.stop()
