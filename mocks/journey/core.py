"""The :class:`Journey`: one booking-journey ecosystem, in process or on loopback sockets.

Its apps are wired by :mod:`mocks.journey.build`; the sockets, servers and in-process routing
are :mod:`mocks.serving`'s (shared with :mod:`mocks.ecosystem`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from mocks.editor import EditorState
from mocks.editor_booking import EditorBooking
from mocks.editor_booking.driver import Browser, csrf_of, form_action, slot_links
from mocks.hub import InMemoryHub
from mocks.journey.build import API_REGULATOR, build
from mocks.journey.marketplace import PoolDirectory, care_timeline, request_care
from mocks.journey.model import (
    DEMO_PATIENT,
    FhirOutage,
    JourneyBooking,
    JourneyCareRequest,
    JourneySettings,
    JourneyUrls,
    SlotTarget,
)
from mocks.journey.tls import JourneyTls
from mocks.lrm import FakeLrm, LrmFleet
from mocks.marketplace import Marketplace, MarketplaceProfile, make_marketplaces
from mocks.population import Population, generate_population
from mocks.psc import default_personas
from mocks.psc.personas import samu_assignments, samu_regulators
from mocks.serving import HostTransport, ServerSet, bind_sockets, bound_port
from sasref.aggregator.http import AnswerObserver, FanOutHttp
from sasref.appointments.store import InMemoryAppointmentStore
from sasref.appointments.wiring import AppointmentStack
from sasref.auth import Regulator
from sasref.auth.login import SasLogin
from sasref.clock import FixedClock
from sasref.directory import Directory
from sasref.directory.model import AgendaKind
from sasref.lrm.messages import OrganizationInfo, PractitionerInfo
from sasref.regulators import RegulatorRegistry, RegulatorSync, SamuDirectory
from sasref.search import SlotView


class Journey:
    """The journey ecosystem (see :mod:`mocks.journey`). Build with :meth:`in_process` or
    :meth:`serve`; both are async context managers yielding the started journey."""

    def __init__(
        self, settings: JourneySettings | None = None, *, population: Population | None = None
    ) -> None:
        """``population``: already generated from these settings (the demo generates it in a
        worker thread; everything else is built in the event loop's thread: the Hub's queues
        belong to it)."""
        self.settings = settings or JourneySettings()
        s = self.settings
        self.clock = s.clock
        self.population: Population = population or generate_population(
            s.seed, self.clock, editors=s.editors, practitioners=s.practitioners
        )
        self.directory = Directory.from_population(self.population)
        self.hub = InMemoryHub(self.clock)
        #: Every SAMU's LRM, each a client of the Hub (:mod:`mocks.lrm.fleet`).
        self.fleet = LrmFleet(self.clock, seed=s.seed, vendors=s.lrm_vendors)
        self.fleet.attach(self.hub.connect)
        self.personas = default_personas(s.seed, self.fleet.samu(s.samu_department).department)
        self.personas += samu_regulators(s.seed, tuple(self.fleet.samus))
        #: The SAS's own record of each regulator's SAMU, as its administrators would fill it.
        self.samus = SamuDirectory(samu_assignments(self.personas))
        # Scripts and live notebooks act as API_REGULATOR: a regulator of the default SAMU.
        self.samus.assign(API_REGULATOR.technical_id, s.samu_department)
        self.regulators = RegulatorRegistry()
        self.appointments = InMemoryAppointmentStore()
        #: The marketplace platforms (:mod:`mocks.marketplace`) and their professionals.
        self.marketplace_profiles: tuple[MarketplaceProfile, ...] = make_marketplaces(
            s.seed, s.marketplaces
        )
        self.pool = PoolDirectory(self.marketplace_profiles)
        # filled by build()
        self.urls: JourneyUrls | None = None
        self.psc: FastAPI | None = None
        self.sas: FastAPI | None = None
        self.lrm_apps: dict[str, FastAPI] = {}  # vendor key → its app
        self.editor_apps: dict[str, FastAPI] = {}
        self.bookings: dict[str, EditorBooking] = {}
        self.marketplace_apps: dict[str, FastAPI] = {}
        self.marketplaces: dict[str, Marketplace] = {}
        self.stack: AppointmentStack | None = None
        self.sync: RegulatorSync | None = None
        self.sas_login: SasLogin | None = None
        self.outage: FhirOutage | None = None
        #: What the platform's servers run: :attr:`outage`, behind the INT_R03 client
        #: certificate check with mTLS.
        self.sas_asgi: Any = None
        #: mTLS material (sockets with ``settings.tls`` only; :mod:`mocks.journey.tls`).
        self.tls: JourneyTls | None = None
        #: In process: ``scheme://host`` → the app's ASGI transport.
        self.routes: dict[str, httpx.AsyncBaseTransport] = {}
        self._clients: list[httpx.AsyncClient] = []
        self._servers = ServerSet()
        self._socket_mode = False
        self._fanouts: list[FanOutHttp] = []
        #: Server-to-server exchanges: (client, method, URL, status, content type).
        self.backchannel: list[dict[str, object]] = []

    # --- URLs ------------------------------------------------------------------------------
    @property
    def editor_names(self) -> list[str]:
        return [e.name for e in self.population.editors]

    @property
    def lrm_vendor_keys(self) -> list[str]:
        return [v.key for v in self.fleet.vendors]

    @property
    def lrm(self) -> FakeLrm:
        """The LRM of the default personas' SAMU (``settings.samu_department``)."""
        return self.fleet.samu(self.settings.samu_department).lrm

    @property
    def lrm_client_id(self) -> str:
        return self.lrm.client_id

    def lrm_url(self, department: str, vendors: dict[str, str] | None = None) -> str:
        """The page of the LRM of département ``department``'s SAMU (its JSON under it:
        ``/appointments``, ``/regulation-files``)."""
        return self.fleet.url(department, self._urls().lrm_vendors if vendors is None else vendors)

    def _urls(self) -> JourneyUrls:
        if self.urls is None:
            raise RuntimeError("the journey is not built yet: start it first")
        return self.urls

    @property
    def marketplace_names(self) -> list[str]:
        return [p.name for p in self.marketplace_profiles]

    def _test_urls(self) -> JourneyUrls:
        vendors = {v.key: f"https://{v.key}.test" for v in self.fleet.vendors}
        return JourneyUrls(
            psc="https://psc.test",
            sas="https://sas.test",
            lrm=self.lrm_url(self.settings.samu_department, vendors),
            editors={n: f"https://{n}.test" for n in self.editor_names},
            lrm_vendors=vendors,
            marketplaces={n: f"https://{n}.test" for n in self.marketplace_names},
        )

    # --- clients ---------------------------------------------------------------------------
    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """A client closed with the journey: real sockets, or every host mounted in process."""
        if self._socket_mode:
            client = httpx.AsyncClient(timeout=httpx.Timeout(15.0), trust_env=False, **kwargs)
        else:
            client = httpx.AsyncClient(
                transport=HostTransport(self.routes), timeout=httpx.Timeout(15.0), **kwargs
            )
        self._clients.append(client)
        return client

    def _log(
        self, who: str, method: str, url: str, status: int, headers: Mapping[str, str]
    ) -> None:
        self.backchannel.append({
            "client": who, "method": method,
            "url": url if len(url) <= 90 else url[:89] + "…", "status": status,
            "location": headers.get("location", ""),
            "content-type": headers.get("content-type", "").split(";")[0],
        })  # fmt: skip

    def logger(self, who: str) -> Any:
        """An httpx response hook appending to :attr:`backchannel`."""

        async def log(response: httpx.Response) -> None:
            request = response.request
            self._log(who, request.method, str(request.url), response.status_code, response.headers)

        return log

    def fanout_logger(self, who: str) -> AnswerObserver:
        """The same log for the platform's fan-out on sockets (aiohttp: no httpx hook)."""
        return lambda url, answer: self._log(who, "GET", url, answer.status, answer.headers)

    def track(self, http: FanOutHttp) -> FanOutHttp:
        """``http``, closed with the journey (the platform closes only a client it made)."""
        self._fanouts.append(http)
        return http

    @property
    def on_sockets(self) -> bool:
        """Served on real sockets (:meth:`serve`), not in process."""
        return self._socket_mode

    # --- SAS hooks -------------------------------------------------------------------------
    async def on_login(self, regulator: Regulator) -> None:
        """``LoginSettings.on_login``: the SAS account (its SAMU from the SAS's directory), then
        the lazy INT_R02 push (§3.1)."""
        if not regulator.is_regulator or self.sync is None:
            return
        await self.sync.on_login(self.regulators.login(regulator, self.samus))

    def samu_of(self, technical_id: str) -> str | None:
        """The département of a regulator account's SAMU (the platform's indicators)."""
        account = self.regulators.get(technical_id)
        if account is not None and account.samu_department:
            return account.samu_department
        return self.samus.lookup(technical_id)  # a script's API token: no account, a SAMU

    def practitioner_info(
        self, idnps: str
    ) -> tuple[PractitionerInfo | None, OrganizationInfo | None]:
        """What the LRM message says about the effector (the directory knows it). The message's
        ``practitioner`` needs an RPPS (``rppsId`` ^81…): a practitioner known by an ADELI
        number is left out rather than have the Hub reject the whole message."""
        p = self.population.practitioner(idnps)
        if p is None:
            return self.pool.info(idnps)
        practitioner = PractitionerInfo(
            rpps_id=p.id, last_name=p.family, first_name=p.given,
            speciality_code=p.speciality, profession_code=p.profession,
        ) if p.id.startswith("8") else None  # fmt: skip
        place = p.places[0] if p.places else None
        organization = (
            OrganizationInfo(place.structure_id, place.structure_name)
            if place and place.structure_id[:1] in ("1", "3")
            else None
        )
        return practitioner, organization

    # --- helpers for tests, notebooks and the demo ------------------------------------------
    def editor_state(self, name: str) -> EditorState:
        state: EditorState = self.editor_apps[name].state.editor
        return state

    def pick_slot(self, *, types: tuple[str, ...] = ("PUBLIC", "SNP"), skip: int = 0) -> SlotTarget:
        """A free slot of a practitioner on an editor agenda (deterministic for a seed)."""
        from sasref.directory.geo import department

        found = 0
        for p in sorted(self.population.practitioners, key=lambda x: x.id):
            if (
                p.agenda is not AgendaKind.EDITOR
                or p.editor not in self.editor_apps
                or not p.id.startswith("8")
            ):
                continue
            booking = self.bookings[p.editor]
            for slot in booking.find_slots(p.id):
                if not set(types) & set(slot.types) or not slot.booking_url:
                    continue
                if found == skip:
                    dep = department(p.places[0].address.department)
                    return SlotTarget(p, p.editor, slot, dep.prefecture_name)
                found += 1
                break
        raise LookupError("no free editor slot in this population")

    def pick_sos_slot(self) -> tuple[str, SlotView]:
        """``(editor, slot)``: a free SOS Médecins slot of an association on an editor agenda."""
        for association in self.population.sos:
            booking = self.bookings.get(association.editor or "")
            if booking is None:
                continue
            for point in association.fixed_points:
                for slot in booking.find_sos_slots(association.siret):
                    if slot.fixed_point_id == point.id and slot.booking_url:
                        return association.editor or "", slot
        raise LookupError("no free SOS slot on an editor agenda in this population")

    def browser(self) -> httpx.AsyncClient:
        """A fresh in-process 'browser': its own cookie jar, every host mounted."""
        return self.client()

    async def book_as(
        self,
        persona: str = "regulateur",
        patient: dict[str, str] | None = None,
        *,
        skip: int = 0,
        browser: Browser | None = None,
    ) -> JourneyBooking:
        """The whole click path in process: PSC login at the SAS (unless ``browser`` is already
        logged in), search, slot link, SSO at the editor, booking form."""
        assert self.urls is not None
        if browser is None:
            browser = Browser(self.browser())
            await browser.login_with_psc(self.urls.sas, persona)
        target = self.pick_slot(skip=skip)
        results, _ = await browser.follow(self.urls.sas + target.search_path)
        link = next(u for u in slot_links(results.text) if f"slot={target.slot.id}" in u)
        page, url = await browser.follow(link)
        data = {**(patient or DEMO_PATIENT), "csrf_token": csrf_of(page.text)}
        done, final = await browser.follow(form_action(page.text, url), method="POST", data=data)
        if done.status_code != 200:
            raise RuntimeError(f"booking failed ({done.status_code}): {done.text[:300]}")
        booking_id = final.rsplit("/", 1)[-1]
        return JourneyBooking(
            browser, target, final, self.bookings[target.editor].bookings[booking_id]
        )

    async def request_care_as(
        self,
        persona: str = "regulateur",
        care: dict[str, str] | None = None,
        *,
        place: str | None = None,
        marketplace: str | None = None,
        browser: Browser | None = None,
    ) -> JourneyCareRequest:
        """The marketplace click path in process: PSC login at the SAS (unless ``browser`` is
        logged in), a search near ``place`` (default: the SAMU's préfecture), the results
        page's "Place de marché" link to ``marketplace`` (default: the first taking the care
        type), SSO at the marketplace, the care-request form with what the page pre-filled
        (place, window) plus the demo patient and ``care`` (:data:`DEMO_CARE` by default)."""
        return await request_care(
            self, persona, care, place=place, marketplace=marketplace, browser=browser
        )

    async def care_timeline(self, filed: JourneyCareRequest) -> list[dict[str, Any]]:
        """A care request's steps at the marketplace, the SAS and the LRM (notebook 08)."""
        return await care_timeline(self, filed)

    def marketplace(self, name: str) -> Marketplace:
        return self.marketplaces[name]

    async def set_status(self, booked: JourneyBooking, status: str) -> None:
        """Click the confirmation page's status button (cancelled, fulfilled, noshow)."""
        page = await booked.browser.request("GET", booked.confirmation_url)
        data = {"status": status, "csrf_token": csrf_of(page.text)}
        await booked.browser.follow(f"{booked.confirmation_url}/status", method="POST", data=data)

    def hub_rows(self, since: int = 0) -> list[dict[str, str]]:
        """The Hub's routing log from index ``since`` as table rows (notebooks)."""
        rows = []
        for sender, delivery in self.hub.log[since:]:
            doc = json.loads(delivery.body)
            message = doc["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
            appointment = message.get("appointment") or {}
            error = (message.get("error") or {}).get("errorCode") or {}
            answer = "ack" if doc.get("distributionKind") == "Ack" else ""
            if error:
                answer = f"{error.get('statusCode')} {error.get('statusString')}"
            rows.append({
                "sender": sender, "queue": delivery.queue, "kind": doc.get("distributionKind", ""),
                "method": appointment.get("method", ""), "status": appointment.get("status", ""),
                "answer": answer,
            })  # fmt: skip
        return rows

    async def lrm_appointments(self, department: str | None = None) -> list[dict[str, Any]]:
        """What the LRM of ``department``'s SAMU received; without it, what every LRM of the
        fleet received (in département order)."""
        await self.hub.settle()
        samus = [self.fleet.samu(department)] if department is not None else list(self.fleet)
        return [a.to_json() for samu in samus for a in samu.lrm.appointments.values()]

    async def advance(self, duration: timedelta, step: timedelta = timedelta(minutes=1)) -> None:
        """Move the journey's ``FixedClock`` by ``duration``, ``step`` by ``step``, settling
        after each (the marketplaces' dispatch then happens at its own times)."""
        clock = self.clock
        if not isinstance(clock, FixedClock):
            raise TypeError("advance() needs the journey's FixedClock (in process)")
        end = clock.now() + duration
        while clock.now() < end:
            clock.advance(min(step, end - clock.now()))
            await self.settle()

    async def settle(self) -> None:
        """Apply the marketplaces' due answers and expiries, flush every editor and marketplace
        outbox, then let the Hub and the LRM finish."""
        for marketplace in self.marketplaces.values():
            await marketplace.settle()
        for booking in self.bookings.values():
            await booking.outbox.flush()
        if self.stack is not None and self.stack.publisher is not None:
            await self.stack.publisher.flush()
        await self.hub.settle()

    # --- life cycle ------------------------------------------------------------------------
    async def _start(self) -> None:
        assert self.stack is not None
        await self.fleet.start()
        await self.stack.start()
        if self.settings.background:
            for booking in self.bookings.values():
                booking.outbox.start_background(self.settings.flush_interval)
            for marketplace in self.marketplaces.values():
                marketplace.start_background(self.settings.flush_interval)

    async def aclose(self) -> None:
        for booking in self.bookings.values():
            await booking.outbox.stop()
        for marketplace in self.marketplaces.values():
            await marketplace.stop()
        # Clients first: a TLS server's connection waits (up to 30 s) for its peer's
        # close_notify when it shuts down under an open keep-alive connection.
        for client in self._clients:
            await client.aclose()
        self._clients.clear()
        for fanout in self._fanouts:
            await fanout.aclose()
        self._fanouts.clear()
        await self._servers.stop()
        if self.stack is not None:
            await self.stack.stop()
        await self.fleet.close()
        if self.sas is not None:
            await self.sas.state.service.aclose()

    async def start_in_process(self) -> Journey:
        """Build and start in process (notebooks); stop with :meth:`aclose`."""
        build(self, self._test_urls())
        await self._start()
        return self

    @contextlib.asynccontextmanager
    async def in_process(self) -> AsyncIterator[Journey]:
        """Everything in this event loop through ``httpx.ASGITransport`` (no socket)."""
        await self.start_in_process()
        try:
            yield self
        finally:
            await self.aclose()

    @contextlib.asynccontextmanager
    async def serve(self, host: str = "127.0.0.1", ports: dict[str, int] | None = None
                    ) -> AsyncIterator[Journey]:  # fmt: skip
        """Every app on its own uvicorn server on ``host`` (free ports unless ``ports`` names
        them: keys ``psc``, ``sas``, LRM vendor keys, editor and marketplace names; with
        ``settings.tls`` also ``sas:mtls``, ``<editor>:mtls`` and ``<marketplace>:mtls``, the
        mTLS ports)."""
        await self.start_serving(host, ports)
        try:
            yield self
        finally:
            await self.aclose()

    async def start_serving(
        self,
        host: str = "127.0.0.1",
        ports: dict[str, int] | None = None,
        *,
        on_progress: Callable[[str, str], None] | None = None,
    ) -> JourneyUrls:
        """Bind every port first (:class:`mocks.serving.PortBusy` naming the busy one), build,
        start the servers; returns the URLs (stop with :meth:`aclose`). ``on_progress(stage,
        name)`` follows the start: stage ``editor`` per editor built, ``server`` per server
        listening."""

        def progress(stage: str) -> Callable[[str], None]:
            return lambda name: on_progress(stage, name) if on_progress is not None else None

        self._socket_mode = True
        wanted = ports or {}
        vendors = self.lrm_vendor_keys
        fhir_servers = [*self.editor_names, *self.marketplace_names]
        names = ["psc", "sas", *vendors, *fhir_servers]
        secure = [] if self.settings.tls is None else ["sas", *fhir_servers]
        ports_wanted = {name: wanted.get(name, 0) for name in names}
        ports_wanted.update({mtls(n): wanted.get(mtls(n), 0) for n in secure})
        sockets = bind_sockets(host, ports_wanted)
        web_host = f"[{host}]" if ":" in host else host
        root = {n: f"http://{web_host}:{bound_port(s)}" for n, s in sockets.items()}
        api = {n: f"https://{web_host}:{bound_port(sockets[mtls(n)])}" for n in secure}
        lrm_vendors = {v: root[v] for v in vendors}
        urls = JourneyUrls(
            psc=root["psc"], sas=root["sas"],
            lrm=self.lrm_url(self.settings.samu_department, lrm_vendors),
            editors={n: root[n] for n in self.editor_names},
            sas_api=api.get("sas"), editor_apis={n: api[n] for n in self.editor_names if n in api},
            lrm_vendors=lrm_vendors,
            marketplaces={n: root[n] for n in self.marketplace_names},
            marketplace_apis={n: api[n] for n in self.marketplace_names if n in api},
        )  # fmt: skip
        try:
            if self.settings.tls is not None:
                self.tls = await asyncio.to_thread(
                    JourneyTls.create, self.settings.tls, fhir_servers, host
                )
            build(self, urls, on_editor=progress("editor"))
        except BaseException:
            for sock in sockets.values():
                sock.close()
            raise
        apps: dict[str, Any] = {"psc": self.psc, "sas": self.sas_asgi, **self.lrm_apps}
        apps.update(self.editor_apps)
        apps.update(self.marketplace_apps)
        for name in names:
            self._servers.start(name, apps[name], sockets[name])
        if self.tls is not None:
            # The same apps again on the mTLS ports: FHIR there, pages on the http ports.
            self._servers.start(
                mtls("sas"), self.sas_asgi, sockets[mtls("sas")], ssl_context=self.tls.sas_server()
            )
            editors_context = self.tls.editors_server()
            for name in fhir_servers:
                self._servers.start(
                    mtls(name), apps[name], sockets[mtls(name)], ssl_context=editors_context
                )
        try:
            await self._servers.wait_started(progress("server"))
        except OSError:
            await self.aclose()
            raise
        await self._start()
        return urls


def mtls(name: str) -> str:
    """The key of ``name``'s mTLS port in :meth:`Journey.serve`'s ``ports`` (``sas:mtls``)."""
    return f"{name}:mtls"
