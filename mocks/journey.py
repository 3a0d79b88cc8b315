"""The whole booking journey as one ecosystem (issue 5): fake PSC, SAS platform with login, SAS
IdP and INT_R03 server, Hub Santé, fake LRM, editors with booking pages.

::

    async with Journey(JourneySettings(seed=7, sso_mode=SsoMode.SAS)).in_process() as j:
        browser = j.browser()                          # an httpx client with its own cookies
        ...                                            # j.urls.sas, j.urls.editors["editeur-01"]

    async with Journey(JourneySettings()).serve() as j:  # uvicorn on free loopback ports
        print(j.urls.sas)                              # http://127.0.0.1:<port>/

Wiring (docs/booking-journey.md has the sequence):

* **PSC** (:mod:`mocks.psc`) knows the SAS platform and, in SSO mode (a), every editor;
* **SAS platform** (:func:`sasref.platform.create_app`) + ``login_router`` (PSC relying party;
  the platform's no-op ``require_regulator`` placeholder is overridden with
  :func:`sasref.auth.require_regulator`, so the search pages need a regulator login) + the SAS IdP
  (``/idp``, SSO mode (b)) + the INT_R03 server (``/fhir/Appointment``) whose accepted
  appointments go through the INT_L02 publisher to the in-memory **Hub**; at each login the
  regulator's account is created in :class:`~sasref.regulators.RegulatorRegistry` and pushed
  lazily to every editor (INT_R02, :class:`~sasref.regulators.RegulatorSync`);
* **editors** (:func:`mocks.editor.create_app` + :class:`mocks.editor_booking.EditorBooking`):
  FHIR search, INT_R02 accounts, booking pages, INT_R03 outbox;
* **fake LRM** (:mod:`mocks.lrm`) of the regulators' SAMU consumes the Hub and serves
  ``GET /appointments``.

In process every host is an ``httpx.ASGITransport`` (``https://psc.test``, ``https://sas.test``,
``https://editeur-01.test``, ``https://lrm.test``). On sockets each app gets its own uvicorn
server on a free port of ``127.0.0.1`` (its URLs, redirect URIs and the ``Slot.comment`` booking
links are rewritten to the real ports; cookies are per host, not per port, so every app uses its
own cookie name).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import socket
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from mocks.ecosystem import HostTransport, listening_socket, sas_agendas
from mocks.editor import EditorSettings, EditorShard, EditorState
from mocks.editor import create_app as create_editor
from mocks.editor.shards import shard_for
from mocks.editor_booking import Booking, BookingSettings, EditorBooking
from mocks.editor_booking.driver import Browser, csrf_of, form_action, slot_links
from mocks.hub import InMemoryHub
from mocks.lrm import FakeLrm, LrmSettings
from mocks.lrm import create_app as create_lrm_app
from mocks.population import Population, generate_population
from mocks.psc import PscSettings, default_personas
from mocks.psc import create_app as create_psc
from mocks.psc.fixtures import persona_role_table
from sasref.appointments.store import InMemoryAppointmentStore
from sasref.appointments.wiring import AppointmentStack, build_appointment_stack
from sasref.auth import (
    ClientRegistration,
    IdpSettings,
    LoginSettings,
    OidcSettings,
    Regulator,
    SsoMode,
    editor_oidc_settings,
    require_regulator,
    sas_idp_router,
)
from sasref.auth.editor_sso import EditorSsoSettings
from sasref.auth.login import SasLogin
from sasref.clock import PARIS, Clock, FixedClock
from sasref.directory import Directory
from sasref.directory.model import AgendaKind, Practitioner
from sasref.lrm.messages import SAS_CLIENT_ID, OrganizationInfo, PractitionerInfo, samu_client_id
from sasref.platform import PlatformSettings
from sasref.platform import create_app as create_platform
from sasref.platform import deps as platform_deps
from sasref.platform.agendas import MemoryAgendas
from sasref.regulators import EditorTarget, RegulatorAccount, RegulatorRegistry, RegulatorSync
from sasref.search import SlotView

__all__ = [
    "DEMO_PATIENT",
    "Journey",
    "JourneyBooking",
    "JourneySettings",
    "JourneyUrls",
    "SlotTarget",
    "default_clock",
]

#: The patient the demo helpers book for (the booking form's four fields).
DEMO_PATIENT = {"family": "Martin", "given": "Léa", "birth_date": "1984-02-03",
                "phone": "06 12 34 56 78"}  # fmt: skip

PSC_REALM = "/auth/realms/esante-wallet"
SAS_CLIENT_ID_OIDC = "sas-platform"


def default_clock() -> FixedClock:
    """A Tuesday morning in Paris: editors' agendas are open, results are reproducible."""
    return FixedClock(datetime(2026, 6, 16, 9, 0, tzinfo=PARIS))


@dataclass
class JourneySettings:
    seed: int = 7
    editors: int = 3
    practitioners: int = 800
    #: How editors authenticate the regulator: (a) PSC relying party, (b) SAS IdP.
    sso_mode: SsoMode = SsoMode.SAS
    clock: Clock = field(default_factory=default_clock)
    #: The regulators' SAMU (INT_L02 recipient ``fr.health.samu<dept>0``).
    samu_department: str = "33"
    secret_key: str = "journey-sas-secret-key-change-me"
    #: Run the outboxes' periodic flushes (the demo); tests flush by hand.
    background: bool = False
    flush_interval: float = 0.5


@dataclass(frozen=True)
class JourneyUrls:
    psc: str  # PSC host root
    sas: str  # SAS platform root (no trailing slash)
    lrm: str
    editors: dict[str, str]  # editor name → web root (booking pages); FHIR base = root + /fhir

    @property
    def psc_issuer(self) -> str:
        return self.psc + PSC_REALM

    @property
    def sas_fhir(self) -> str:
        return self.sas + "/fhir"

    @property
    def sas_idp(self) -> str:
        return self.sas + "/idp"

    def editor_fhir(self, name: str) -> str:
        return self.editors[name] + "/fhir"

    def all_hosts(self) -> list[str]:
        return [self.psc, self.sas, self.lrm, *self.editors.values()]


@dataclass(frozen=True)
class SlotTarget:
    """A free editor slot to book, and the search that shows it (for tests and the demo)."""

    practitioner: Practitioner
    editor: str
    slot: SlotView
    address: str  # the préfecture of the practitioner's département (the search's place)

    @property
    def search_path(self) -> str:
        from urllib.parse import urlencode

        return "/recherche?" + urlencode(
            {"address": self.address, "practitioner": self.practitioner.raw_id}
        )


@dataclass
class JourneyBooking:
    """What :meth:`Journey.book_as` did: the browser (with its exchange log), the slot, the
    editor's confirmation page URL and the editor-side booking."""

    browser: Browser
    target: SlotTarget
    confirmation_url: str
    booking: Booking


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


class FhirOutage:
    """ASGI wrapper of the SAS app: while ``down``, ``/fhir/...`` answers 503 (an INT_R03
    outage for the editors' outboxes to ride out); the pages, login and IdP keep working."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.down = False
        self.refused = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.down and scope["type"] == "http" and str(scope["path"]).startswith("/fhir/"):
            self.refused += 1
            body = (
                b'{"resourceType":"OperationOutcome","issue":[{"severity":"error",'
                b'"code":"transient","diagnostics":"SAS unavailable (simulated outage)"}]}'
            )
            headers = [(b"content-type", b"application/fhir+json"), (b"retry-after", b"1")]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the owner stops it
        yield


class Journey:
    """The journey ecosystem (see module docstring). Build with :meth:`in_process` or
    :meth:`serve`; both are async context managers yielding the started journey."""

    def __init__(self, settings: JourneySettings | None = None) -> None:
        self.settings = settings or JourneySettings()
        s = self.settings
        self.clock = s.clock
        self.population: Population = generate_population(
            s.seed, self.clock, editors=s.editors, practitioners=s.practitioners
        )
        self.directory = Directory.from_population(self.population)
        self.personas = default_personas(s.seed)
        self.hub = InMemoryHub(self.clock)
        self.lrm_client_id = samu_client_id(s.samu_department)
        self.lrm = FakeLrm(self.lrm_client_id, self.clock, self.hub.connect(self.lrm_client_id))
        self.regulators = RegulatorRegistry()
        self.appointments = InMemoryAppointmentStore()
        # filled by _build
        self.urls: JourneyUrls | None = None
        self.psc: FastAPI | None = None
        self.sas: FastAPI | None = None
        self.lrm_app: FastAPI | None = None
        self.editor_apps: dict[str, FastAPI] = {}
        self.bookings: dict[str, EditorBooking] = {}
        self.stack: AppointmentStack | None = None
        self.sync: RegulatorSync | None = None
        self.sas_login: SasLogin | None = None
        self.outage: FhirOutage | None = None
        self._routes: dict[str, httpx.AsyncBaseTransport] = {}
        self._clients: list[httpx.AsyncClient] = []
        self._servers: list[tuple[_Server, asyncio.Task[None]]] = []
        self._socket_mode = False
        #: Server-to-server exchanges: (client, method, URL, status, content type).
        self.backchannel: list[dict[str, object]] = []

    # --- URLs ------------------------------------------------------------------------------
    @property
    def editor_names(self) -> list[str]:
        return [e.name for e in self.population.editors]

    def _test_urls(self) -> JourneyUrls:
        return JourneyUrls(
            psc="https://psc.test",
            sas="https://sas.test",
            lrm="https://lrm.test",
            editors={n: f"https://{n}.test" for n in self.editor_names},
        )

    # --- building --------------------------------------------------------------------------
    def _client(self, **kwargs: Any) -> httpx.AsyncClient:
        if self._socket_mode:
            client = httpx.AsyncClient(timeout=httpx.Timeout(15.0), trust_env=False, **kwargs)
        else:
            client = httpx.AsyncClient(
                transport=HostTransport(self._routes), timeout=httpx.Timeout(15.0), **kwargs
            )
        self._clients.append(client)
        return client

    def _logger(self, who: str) -> Any:
        async def log(response: httpx.Response) -> None:
            url = str(response.request.url)
            self.backchannel.append({
                "client": who, "method": response.request.method,
                "url": url if len(url) <= 90 else url[:89] + "…", "status": response.status_code,
                "location": response.headers.get("location", ""),
                "content-type": response.headers.get("content-type", "").split(";")[0],
            })  # fmt: skip

        return log

    def _registrations(self, urls: JourneyUrls, kind: str) -> tuple[ClientRegistration, ...]:
        return tuple(
            ClientRegistration(
                client_id=name,
                client_secret=f"{name}-{kind}-secret",
                redirect_uris=(f"{root}/sso/callback",),
                post_logout_redirect_uris=(f"{root}/",),
            )
            for name, root in urls.editors.items()
        )

    def _build(self, urls: JourneyUrls) -> None:
        s = self.settings
        self.urls = urls
        https = urls.sas.startswith("https")
        sas_client = ClientRegistration(
            client_id=SAS_CLIENT_ID_OIDC,
            client_secret="sas-platform-secret",
            redirect_uris=(f"{urls.sas}/auth/callback",),
            post_logout_redirect_uris=(f"{urls.sas}/",),
        )
        psc_editors = self._registrations(urls, "psc")
        idp_editors = self._registrations(urls, "sas")
        self.psc = create_psc(
            PscSettings(
                issuer=urls.psc_issuer,
                seed=s.seed,
                clock=self.clock,
                personas=self.personas,
                clients=(sas_client, *psc_editors),
                secure_cookie=https,
            )
        )
        # Back-channel clients, logged (notebooks show what the browser never sees).
        sas_backend = self._client(event_hooks={"response": [self._logger("SAS")]})
        editor_backend = self._client(event_hooks={"response": [self._logger("editor")]})
        infos = []
        for i, name in enumerate(self.editor_names):
            app, booking = self._editor(name, i, urls, editor_backend, https)
            self.editor_apps[name], self.bookings[name] = app, booking
            infos.append(app.state.editor.settings.info())
        platform = create_platform(
            PlatformSettings(
                directory=self.directory,
                editors=infos,
                database_url="sqlite:///:memory:",
                population_seed=s.seed,
                clock=self.clock,
                http_client=sas_backend,
                agendas=MemoryAgendas(sas_agendas(self.population)),
                log_searches=False,
            )
        )
        # The platform's routes already depend on its placeholder; make it the real check.
        platform.dependency_overrides[platform_deps.require_regulator] = require_regulator
        self.sas_login = SasLogin(
            LoginSettings(
                oidc=OidcSettings(
                    issuer=urls.psc_issuer,
                    client_id=sas_client.client_id,
                    client_secret=sas_client.client_secret,
                    redirect_uri=sas_client.redirect_uris[0],
                    post_logout_redirect_uri=sas_client.post_logout_redirect_uris[0],
                    clock=self.clock,
                ),
                secret_key=s.secret_key,
                role_table=persona_role_table(self.personas),
                secure_cookie=https,
                on_login=self.on_login,
            ),
            http=sas_backend,
        )
        self.sas_login.install(platform)
        platform.include_router(
            sas_idp_router(IdpSettings(issuer=urls.sas_idp, clients=idp_editors, clock=self.clock))
        )
        self.sync = RegulatorSync(
            sas_backend, [EditorTarget(n, urls.editor_fhir(n)) for n in self.editor_names]
        )
        self.stack = build_appointment_stack(
            regulators=self.regulators,
            clock=self.clock,
            store=self.appointments,
            transport=self.hub.connect(SAS_CLIENT_ID),
            practitioner_lookup=self.practitioner_info,
            default_department=s.samu_department,
            base_url=urls.sas_fhir,
            flush_interval=s.flush_interval,
        )
        platform.include_router(self.stack.router)
        self._journey_routes(platform)
        self.sas = platform
        self.outage = FhirOutage(platform)
        self.lrm_app = create_lrm_app(
            LrmSettings(
                client_id=self.lrm_client_id,
                sas_base_url=urls.sas,
                affectation_authority=f"samu{s.samu_department.lower()}",
            ),
            lrm=self.lrm,
            clock=self.clock,
        )
        apps: dict[str, Any] = {urls.psc: self.psc, urls.sas: self.outage, urls.lrm: self.lrm_app}
        apps.update({urls.editors[n]: a for n, a in self.editor_apps.items()})
        for root, app in apps.items():
            self._routes[root] = httpx.ASGITransport(app=app)

    def _editor(
        self, name: str, index: int, urls: JourneyUrls, http: httpx.AsyncClient, https: bool
    ) -> tuple[FastAPI, EditorBooking]:
        s = self.settings
        root = urls.editors[name]
        shard = shard_for(self.population, name)
        population_root = shard.editor.base_url.rsplit("/fhir", 1)[0]
        if population_root != root:
            shard = EditorShard(
                editor=dataclasses.replace(shard.editor, base_url=f"{root}/fhir"),
                practitioners=shard.practitioners,
                cpts=shard.cpts,
                associations=shard.associations,
                slot_source=RebasedSlots(shard.slot_source, population_root, root),
            )
        app = create_editor(EditorSettings.from_shard(shard, clock=self.clock, seed=s.seed + index))
        if s.sso_mode is SsoMode.PSC:
            issuer, secret = urls.psc_issuer, f"{name}-psc-secret"
        else:
            issuer, secret = urls.sas_idp, f"{name}-sas-secret"
        oidc = editor_oidc_settings(
            s.sso_mode,
            issuer=issuer,
            client_id=name,
            client_secret=secret,
            redirect_uri=f"{root}/sso/callback",
            post_logout_redirect_uri=f"{root}/",
            clock=self.clock,
        )
        booking = EditorBooking(
            BookingSettings(
                sso=EditorSsoSettings(
                    oidc=oidc,
                    secret_key=f"{name}-session-secret",
                    cookie_name=f"{name.replace('-', '_')}_session",
                    secure_cookie=https,
                ),
                sas_fhir_base=urls.sas_fhir,
                appointment_system=f"https://{name}.test/rendez-vous",
                seed=s.seed + index,
                outbox_interval=s.flush_interval,
            ),
            app.state.editor,
            http,
        )
        booking.install(app)
        return app, booking

    def _journey_routes(self, platform: FastAPI) -> None:
        """Read-only JSON views of the SAS side, for tests, notebooks and the demo."""

        async def appointments() -> JSONResponse:
            return JSONResponse([
                {"id": a.id, "identifier": f"{a.identifier_system}|{a.identifier_value}",
                 "status": a.status, "version": a.version, "orientation": a.orientation_category,
                 "resource": a.resource}
                for a in self.appointments.appointments.values()
            ])  # fmt: skip

        async def regulators() -> JSONResponse:
            assert self.sync is not None
            return JSONResponse([
                {"technicalId": a.technical_id, "nationalId": a.national_id,
                 "name": f"{a.given} {a.family}", "active": a.active,
                 "editors": {n: st.to_json() for n, st in self.sync.state(a).items()}}
                for a in self.regulators.all()
            ])  # fmt: skip

        platform.add_api_route("/journey/appointments", appointments, methods=["GET"])
        platform.add_api_route("/journey/regulators", regulators, methods=["GET"])

    # --- SAS hooks -------------------------------------------------------------------------
    async def on_login(self, regulator: Regulator) -> None:
        """``LoginSettings.on_login``: the SAS account, then the lazy INT_R02 push (§3.1)."""
        if not regulator.is_regulator or self.sync is None:
            return
        account = self.regulators.get(regulator.technical_id)
        if account is None:
            account = self.regulators.add(
                RegulatorAccount(
                    technical_id=regulator.technical_id,
                    family=regulator.family_name,
                    given=regulator.given_name,
                    email=regulator.email,
                    national_id=regulator.national_id,
                    samu_department=self.settings.samu_department,
                )
            )
        elif regulator.national_id and account.national_id != regulator.national_id:
            self.sync.link_national_id(account, regulator.national_id)
        await self.sync.on_login(account)

    def practitioner_info(
        self, idnps: str
    ) -> tuple[PractitionerInfo | None, OrganizationInfo | None]:
        """What the LRM message says about the effector (the directory knows it)."""
        p = self.population.practitioner(idnps)
        if p is None:
            return None, None
        practitioner = PractitionerInfo(
            rpps_id=p.id, last_name=p.family, first_name=p.given,
            speciality_code=p.speciality, profession_code=p.profession,
        )  # fmt: skip
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
        return self._client()

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

    async def lrm_appointments(self) -> list[dict[str, Any]]:
        await self.hub.settle()
        return [a.to_json() for a in self.lrm.appointments.values()]

    async def settle(self) -> None:
        """Flush every editor outbox, then let the Hub and the LRM finish."""
        for booking in self.bookings.values():
            await booking.outbox.flush()
        if self.stack is not None and self.stack.publisher is not None:
            await self.stack.publisher.flush()
        await self.hub.settle()

    # --- life cycle ------------------------------------------------------------------------
    async def _start(self) -> None:
        assert self.stack is not None
        await self.lrm.start()
        await self.stack.start()
        if self.settings.background:
            for booking in self.bookings.values():
                booking.outbox.start_background(self.settings.flush_interval)

    async def aclose(self) -> None:
        for booking in self.bookings.values():
            await booking.outbox.stop()
        for server, _ in self._servers:
            server.should_exit = True
        for _, task in self._servers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._servers.clear()
        if self.stack is not None:
            await self.stack.stop()
        if self.lrm.transport is not None:
            await self.lrm.transport.close()
        for client in self._clients:
            await client.aclose()
        self._clients.clear()
        if self.sas is not None:
            await self.sas.state.service.aclose()

    async def start_in_process(self) -> Journey:
        """Build and start in process (notebooks); stop with :meth:`aclose`."""
        self._build(self._test_urls())
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
        them: keys ``psc``, ``sas``, ``lrm`` and editor names)."""
        await self.start_serving(host, ports)
        try:
            yield self
        finally:
            await self.aclose()

    async def start_serving(self, host: str = "127.0.0.1", ports: dict[str, int] | None = None
                            ) -> JourneyUrls:  # fmt: skip
        """Bind, build and start the servers; returns the URLs (stop with :meth:`aclose`)."""
        self._socket_mode = True
        wanted = ports or {}
        names = ["psc", "sas", "lrm", *self.editor_names]
        sockets: dict[str, socket.socket] = {}
        try:
            for name in names:
                sockets[name] = listening_socket(host, wanted.get(name, 0))
        except OSError:
            for sock in sockets.values():
                sock.close()
            raise
        root = {n: f"http://{host}:{s.getsockname()[1]}" for n, s in sockets.items()}
        urls = JourneyUrls(
            psc=root["psc"], sas=root["sas"], lrm=root["lrm"],
            editors={n: root[n] for n in self.editor_names},
        )  # fmt: skip
        self._build(urls)
        apps: dict[str, Any] = {"psc": self.psc, "sas": self.outage, "lrm": self.lrm_app}
        apps.update(self.editor_apps)
        for name in names:
            config = uvicorn.Config(
                apps[name], log_level="warning", lifespan="off", access_log=False
            )
            server = _Server(config)
            task = asyncio.create_task(server.serve(sockets=[sockets[name]]), name=f"uv-{name}")
            self._servers.append((server, task))
        for server, task in self._servers:
            while not server.started:
                if task.done():
                    await self.aclose()
                    raise OSError(f"a journey server on {host} did not start")
                await asyncio.sleep(0.01)
        await self._start()
        return urls


# --- the demo (``make demo``) ---------------------------------------------------------------------
def demo_ports(editor_names: Iterable[str], port: int = 8000) -> dict[str, int]:
    """Fixed ports for a hand-driven demo: SAS ``port``, PSC ``port+1``, LRM ``port+2``, editors
    ``port+101``, ``port+102``, ..."""
    ports = {"sas": port, "psc": port + 1, "lrm": port + 2}
    ports.update({name: port + 101 + i for i, name in enumerate(editor_names)})
    return ports


def journey_banner(journey: Journey) -> str:
    """What to do by hand in a browser (docs/booking-journey.md §4)."""
    urls = journey.urls
    assert urls is not None
    try:
        target = journey.pick_slot()
        example = f"{urls.sas}{target.search_path}"
    except LookupError:
        example = f"{urls.sas}/"
    editors = ", ".join(f"{n} {u}" for n, u in urls.editors.items())
    return "\n".join(
        [
            f"sasref journey ready: SAS {urls.sas}/  PSC {urls.psc_issuer}  LRM {urls.lrm}/"
            f"appointments  (SSO mode {journey.settings.sso_mode.value})",
            f"  editors: {editors}",
            f"  1. open {example}",
            "  2. on the fake ProSanté Connect page click a regulator persona",
            "  3. click a slot: the editor's booking page opens, already authenticated",
            "  4. fill in the patient and book; see the SAS copy at "
            f"{urls.sas}/journey/appointments and the LRM's at {urls.lrm}/appointments",
        ]
    )


async def run_journey_demo(
    stop: asyncio.Event,
    *,
    seed: int = 42,
    editors: int = 3,
    practitioners: int = 2000,
    host: str = "127.0.0.1",
    port: int = 8000,
    sso_mode: SsoMode = SsoMode.SAS,
    clock: Clock | None = None,
    on_ready: Any = None,
) -> JourneyUrls:
    """Serve the journey on fixed loopback ports (:func:`demo_ports`) until ``stop`` is set.

    ``on_ready(text)`` receives :func:`journey_banner` once everything listens (the demo prints
    it). Uses the system clock by default so the agendas follow the real time."""
    from sasref.clock import SystemClock

    journey = Journey(
        JourneySettings(
            seed=seed,
            editors=editors,
            practitioners=practitioners,
            sso_mode=sso_mode,
            clock=clock or SystemClock(),
            background=True,
        )
    )
    urls = await journey.start_serving(host, demo_ports(journey.editor_names, port))
    try:
        if on_ready is not None:
            on_ready(journey_banner(journey))
        await stop.wait()
    finally:
        await journey.aclose()
    return urls


def main(argv: list[str] | None = None) -> int:
    """``python -m mocks.journey [--port 8000] [--sso sas|psc]``: the journey demo alone."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(prog="python -m mocks.journey", description=main.__doc__)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--editors", type=int, default=3)
    parser.add_argument("--practitioners", type=int, default=2000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--sso", choices=[m.value for m in SsoMode], default=SsoMode.SAS.value)
    args = parser.parse_args(argv)

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await run_journey_demo(
            stop, seed=args.seed, editors=args.editors, practitioners=args.practitioners,
            host=args.host, port=args.port, sso_mode=SsoMode(args.sso),
            on_ready=lambda text: sys.stdout.write(text + "\n") and sys.stdout.flush(),
        )  # fmt: skip

    try:
        asyncio.run(go())
    except OSError as exc:
        sys.stderr.write(f"mocks.journey: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
