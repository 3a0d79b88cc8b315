"""Wiring of the journey's apps (docs/booking-journey.md): the fake PSC, the SAS platform with
its PSC login, SAS IdP and INT_R03 server, the editors with booking pages, the LRM vendors.

:func:`build` fills a :class:`~mocks.journey.core.Journey` for a set of :class:`JourneyUrls`
(``https://*.test`` in process, ``http://127.0.0.1:<port>`` on sockets); nothing here starts a
task or opens a socket. With mTLS (``journey.tls``, :mod:`mocks.journey.tls`) the editors' FHIR
bases and the platform's INT_R03 base are the ``https`` ports of :class:`JourneyUrls`, the
editors require the SAS client certificate, the platform's back-channel client presents it, each
editor's client presents its own and the platform checks it on ``/fhir``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from mocks.ecosystem import sas_agendas
from mocks.editor import EditorSettings
from mocks.editor import create_app as create_editor
from mocks.editor.shards import population_shards
from mocks.editor_booking import BookingSettings, EditorBooking
from mocks.journey.model import SAS_CLIENT_ID_OIDC, FhirOutage, JourneyUrls
from mocks.lrm import create_vendor_app
from mocks.marketplace import MarketplaceProfile, MarketplaceSettings
from mocks.marketplace import create_app as create_marketplace
from mocks.psc import PscSettings
from mocks.psc import create_app as create_psc
from mocks.psc.fixtures import persona_role_table
from mocks.serving import rebase_shard
from sasref.aggregator import (
    DEFAULT_CALL_DEADLINE,
    DEFAULT_OVERALL_DEADLINE,
    FanOutHttp,
    ObservedFanOut,
    fanout_http_client,
)
from sasref.appointments.wiring import build_appointment_stack
from sasref.auth import (
    ClientRegistration,
    IdpSettings,
    LoginSettings,
    OidcSettings,
    Regulator,
    Role,
    RoleEntry,
    SsoMode,
    editor_oidc_settings,
    require_regulator,
    sas_idp_router,
)
from sasref.auth.editor_sso import EditorSsoSettings
from sasref.auth.login import SasLogin
from sasref.auth.mtls import ClientCertificateCheck, RegisteredClients
from sasref.lrm.messages import SAS_CLIENT_ID
from sasref.platform import PlatformSettings
from sasref.platform import create_app as create_platform
from sasref.platform import deps as platform_deps
from sasref.platform.agendas import MemoryAgendas
from sasref.regulators import EditorTarget, RegulatorSync

if TYPE_CHECKING:
    from mocks.journey.core import Journey

#: Who a request carrying the API token is (a script, not a person: no INT_R02 push).
API_REGULATOR = Regulator(
    technical_id="5a3c9d1e-0b7f-4e2a-9c61-7d0e5f4b2a10",
    national_id=None,
    psc_sub="api-token",
    given_name="API",
    family_name="token",
    email="api@sas.test",
    roles=(Role.MEDECIN_REGULATEUR, Role.ADMIN),  # scripts may also administer (issue 12)
)


def token_or_login(token: str | None) -> Callable[[Request], Regulator]:
    """The platform's ``require_regulator``: ``Authorization: Bearer <token>`` when a token is
    configured, else (or without the header) the PSC login session."""

    def guard(request: Request) -> Regulator:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        given = value.strip().encode()
        if token and scheme.lower() == "bearer" and hmac.compare_digest(given, token.encode()):
            return API_REGULATOR
        return require_regulator(request)

    return guard


def journey_role_table(journey: Journey) -> dict[str, RoleEntry]:
    """The personas' SAS roles; the médecin régulateur persona is also the demo's administrator
    (``Role.ADMIN``: editor supervision, flux switches, indicators; issue 12)."""
    table = persona_role_table(journey.personas)
    admin = next((p for p in journey.personas if p.key == "regulateur"), None)
    if admin is not None:
        key = str(admin.claims["SubjectNameID"])
        entry = table.get(key)
        roles = (entry.roles if entry else frozenset()) | {Role.ADMIN}
        table[key] = RoleEntry(roles, entry.technical_id if entry else None)
    return table


def deadlines(call_deadline: float | None) -> tuple[float, float]:
    """``(per-call, overall)`` deadlines for a per-call one (default: the platform's)."""
    if call_deadline is None:
        return DEFAULT_CALL_DEADLINE, DEFAULT_OVERALL_DEADLINE
    return call_deadline, max(DEFAULT_OVERALL_DEADLINE, call_deadline + 1)


def registrations(urls: JourneyUrls, kind: str) -> tuple[ClientRegistration, ...]:
    """The editors and the marketplaces as OpenID clients of PSC (``kind`` ``psc``) or of the
    SAS IdP (``sas``)."""
    return tuple(
        ClientRegistration(
            client_id=name,
            client_secret=f"{name}-{kind}-secret",
            redirect_uris=(f"{root}/sso/callback",),
            post_logout_redirect_uris=(f"{root}/",),
        )
        for name, root in (*urls.editors.items(), *urls.marketplaces.items())
    )


def build(
    journey: Journey, urls: JourneyUrls, on_editor: Callable[[str], None] | None = None
) -> None:
    """Create every app of ``journey`` for ``urls`` (``on_editor(name)`` after each editor)."""
    j, s = journey, journey.settings
    j.urls = urls
    https = urls.sas.startswith("https")
    sas_client = ClientRegistration(
        client_id=SAS_CLIENT_ID_OIDC,
        client_secret="sas-platform-secret",
        redirect_uris=(f"{urls.sas}/auth/callback",),
        post_logout_redirect_uris=(f"{urls.sas}/",),
    )
    j.psc = create_psc(
        PscSettings(
            issuer=urls.psc_issuer,
            seed=s.seed,
            clock=j.clock,
            personas=j.personas,
            clients=(sas_client, *registrations(urls, "psc")),
            secure_cookie=https,
        )
    )
    # Back-channel clients, logged (notebooks show what the browser never sees); with mTLS the
    # SAS's presents the SAS client certificate (searches, INT_R02), each editor's its own.
    tls = j.tls
    sas_tls: dict[str, Any] = {} if tls is None else {"verify": tls.sas_client_context()}
    sas_backend = j.client(event_hooks={"response": [j.logger("SAS")]}, **sas_tls)
    editor_backend = j.client(event_hooks={"response": [j.logger("editor")]})
    expected = tls.sas_client if tls is not None else None
    for i, shard in enumerate(population_shards(j.population)):
        name = shard.editor.name
        shard = rebase_shard(shard, urls.editor_fhir(name), urls.editors[name])
        settings = EditorSettings.from_shard(
            shard, clock=j.clock, seed=s.seed + i, expected_client=expected
        )
        http = editor_backend
        if tls is not None:
            hooks = {"response": [j.logger("editor")]}
            http = j.client(event_hooks=hooks, verify=tls.editor_client_context(name))
        app, booking = build_editor(journey, settings, urls, http, https)
        j.editor_apps[settings.name], j.bookings[settings.name] = app, booking
        if on_editor is not None:
            on_editor(settings.name)
    for profile in j.marketplace_profiles:
        http = editor_backend
        if tls is not None:
            hooks = {"response": [j.logger("marketplace")]}
            http = j.client(event_hooks=hooks, verify=tls.editor_client_context(profile.name))
        app = build_marketplace(journey, profile, urls, http, https)
        j.marketplace_apps[profile.name], j.marketplaces[profile.name] = app, app.state.marketplace
    infos = [app.state.editor.settings.info() for app in j.editor_apps.values()]
    call_deadline, overall_deadline = deadlines(s.call_deadline)
    # The searches' fan-out: in process through the mounted hosts; on sockets the production
    # client (aiohttp, issue 13), logged like the other back-channel clients.
    fanout: httpx.AsyncClient | FanOutHttp = sas_backend
    if j.on_sockets:
        socket_client = fanout_http_client(call_deadline=call_deadline, **sas_tls)
        fanout = j.track(ObservedFanOut(socket_client, j.fanout_logger("SAS")))
    platform = create_platform(
        PlatformSettings(
            directory=j.directory,
            editors=[*infos, *s.extra_editors],
            database_url=s.database_url,
            population_seed=s.seed,
            clock=j.clock,
            http_client=fanout,
            agendas=MemoryAgendas(sas_agendas(j.population)),
            log_searches=s.log_searches,
            lrm_origins=j.fleet.origins,
            call_deadline=call_deadline,
            overall_deadline=overall_deadline,
            marketplaces=[
                p.registry_entry(urls.marketplaces[p.name]) for p in j.marketplace_profiles
            ],
            monitoring=s.monitoring,
            regulator_samu=journey.samu_of,
        )
    )
    # The platform's routes already depend on its placeholder; make it the real check.
    platform.dependency_overrides[platform_deps.require_regulator] = token_or_login(s.api_token)
    j.sas_login = SasLogin(
        LoginSettings(
            oidc=OidcSettings(
                issuer=urls.psc_issuer,
                client_id=sas_client.client_id,
                client_secret=sas_client.client_secret,
                redirect_uri=sas_client.redirect_uris[0],
                post_logout_redirect_uri=sas_client.post_logout_redirect_uris[0],
                clock=j.clock,
            ),
            secret_key=s.secret_key,
            role_table=journey_role_table(j),
            secure_cookie=https,
            on_login=j.on_login,
        ),
        http=sas_backend,
    )
    j.sas_login.install(platform)
    platform.include_router(
        sas_idp_router(
            IdpSettings(issuer=urls.sas_idp, clients=registrations(urls, "sas"), clock=j.clock)
        )
    )
    # INT_R02 to the editors and to the marketplaces (seed slides: "gestion des comptes
    # régulateurs" is part of a marketplace's interfacing)
    j.sync = RegulatorSync(
        sas_backend,
        [EditorTarget(n, urls.editor_fhir(n)) for n in j.editor_names]
        + [EditorTarget(n, urls.marketplace_fhir(n)) for n in j.marketplace_names],
    )
    j.stack = build_appointment_stack(
        regulators=j.regulators,
        clock=j.clock,
        store=j.appointments,
        transport=j.hub.connect(SAS_CLIENT_ID),
        practitioner_lookup=j.practitioner_info,
        base_url=urls.sas_fhir,
        flush_interval=s.flush_interval,
        on_accepted=(platform.state.service.activity.on_appointment,),
    )
    platform.include_router(j.stack.router)
    # Orientations en surnuméraire reach the LRM through the same forwarder (INT_L02).
    platform.state.service.orientations.attach_lrm(j.stack.forwarder, regulators=j.regulators)
    journey_routes(journey, platform)
    j.sas = platform
    j.outage = FhirOutage(platform)
    j.sas_asgi = j.outage
    if tls is not None:
        # INT_R03 over mTLS: CN = a registered editor's name (followed live), OU EDITEUR.
        service = platform.state.service
        marketplaces = platform.state.marketplaces

        def registered() -> set[str]:
            return {e.name for e in service.registry} | {m.name for m in marketplaces}

        editors = RegisteredClients(
            registered, ou=tls.settings.editor_ou, label="<a registered editor or marketplace>"
        )
        j.sas_asgi = ClientCertificateCheck(j.outage, expected=editors, path_prefix="/fhir")
    j.lrm_apps = {v.key: create_vendor_app(j.fleet, v.key, urls.sas) for v in j.fleet.vendors}
    apps: dict[str, Any] = {urls.psc: j.psc, urls.sas: j.outage}
    apps.update({urls.lrm_vendors[k]: a for k, a in j.lrm_apps.items()})
    apps.update({urls.editors[n]: a for n, a in j.editor_apps.items()})
    apps.update({urls.marketplaces[n]: a for n, a in j.marketplace_apps.items()})
    for root, app in apps.items():
        j.routes[root] = httpx.ASGITransport(app=app)


def build_editor(
    journey: Journey,
    settings: EditorSettings,
    urls: JourneyUrls,
    http: httpx.AsyncClient,
    https: bool,
) -> tuple[FastAPI, EditorBooking]:
    """A mock editor (FHIR search, INT_R02) with its booking pages, SSO and INT_R03 outbox."""
    s, name = journey.settings, settings.name
    app = create_editor(settings)
    booking = EditorBooking(
        BookingSettings(
            sso=sso_settings(journey, urls, name, urls.editors[name], https),
            sas_fhir_base=urls.sas_fhir,
            appointment_system=f"https://{name}.test/rendez-vous",
            seed=settings.seed,
            outbox_interval=s.flush_interval,
        ),
        app.state.editor,
        http,
    )
    booking.install(app)
    return app, booking


def sso_settings(
    journey: Journey, urls: JourneyUrls, name: str, root: str, https: bool
) -> EditorSsoSettings:
    """The SSO of an editor's or a marketplace's pages served at ``root``: relying party of
    PSC (mode (a)) or of the SAS IdP (mode (b)), as the journey's settings say."""
    mode = journey.settings.sso_mode
    if mode is SsoMode.PSC:
        issuer, secret = urls.psc_issuer, f"{name}-psc-secret"
    else:
        issuer, secret = urls.sas_idp, f"{name}-sas-secret"
    oidc = editor_oidc_settings(
        mode,
        issuer=issuer,
        client_id=name,
        client_secret=secret,
        redirect_uri=f"{root}/sso/callback",
        post_logout_redirect_uri=f"{root}/",
        clock=journey.clock,
    )
    return EditorSsoSettings(
        oidc=oidc,
        secret_key=f"{name}-session-secret",
        cookie_name=f"{name.replace('-', '_')}_session",
        secure_cookie=https,
    )


def build_marketplace(
    journey: Journey,
    profile: MarketplaceProfile,
    urls: JourneyUrls,
    http: httpx.AsyncClient,
    https: bool,
) -> FastAPI:
    """A marketplace platform (:mod:`mocks.marketplace`): care-request pages with SSO, INT_R02
    accounts, the dispatch to its pool and the INT_R03 outbox to the SAS."""
    s, name = journey.settings, profile.name
    tls = journey.tls
    return create_marketplace(
        MarketplaceSettings(
            profile=profile,
            root=urls.marketplaces[name],
            sso=sso_settings(journey, urls, name, urls.marketplaces[name], https),
            sas_fhir_base=urls.sas_fhir,
            clock=journey.clock,
            seed=s.seed,
            time_scale=s.marketplace_time_scale,
            fhir_base=urls.marketplace_fhir(name),
            expected_client=tls.sas_client if tls is not None else None,
        ),
        http,
    )


def journey_routes(journey: Journey, platform: FastAPI) -> None:
    """Read-only JSON views of the SAS side, for tests, notebooks and the demo."""

    async def appointments() -> JSONResponse:
        return JSONResponse([
            {"id": a.id, "identifier": f"{a.identifier_system}|{a.identifier_value}",
             "status": a.status, "version": a.version, "orientation": a.orientation_category,
             "resource": a.resource}
            for a in journey.appointments.appointments.values()
        ])  # fmt: skip

    async def regulators() -> JSONResponse:
        assert journey.sync is not None
        sync = journey.sync
        return JSONResponse([
            {"technicalId": a.technical_id, "nationalId": a.national_id,
             "name": f"{a.given} {a.family}", "active": a.active,
             "editors": {n: st.to_json() for n, st in sync.state(a).items()}}
            for a in journey.regulators.all()
        ])  # fmt: skip

    platform.add_api_route("/journey/appointments", appointments, methods=["GET"])
    platform.add_api_route("/journey/regulators", regulators, methods=["GET"])
