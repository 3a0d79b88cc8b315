"""Ready-made client registrations and an in-process network around the fake PSC.

For tests, notebooks and the demo: :data:`SAS_CLIENT` (the SAS platform), :data:`EDITOR_CLIENT`
(an editor in SSO mode (a), JSON userinfo) and :data:`EDITOR_JWT_CLIENT` (signed userinfo);
:func:`rp_settings` builds the matching relying-party settings; :func:`psc_http` mounts a fake PSC
(and any other ASGI apps) on an ``httpx.AsyncClient`` — no sockets.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

import httpx
from fastapi import Depends, FastAPI

from mocks.psc.app import create_app
from mocks.psc.clients import EDITOR_CLIENT, EDITOR_JWT_CLIENT, EDITOR_SAS_CLIENT, SAS_CLIENT
from mocks.psc.personas import Persona, default_personas
from mocks.psc.settings import DEFAULT_ISSUER, PscSettings
from sasref.auth.client import OidcSettings
from sasref.auth.idp import IdpSettings, sas_idp_router
from sasref.auth.login import CsrfTokenDep, LoginSettings, RegulatorDep, login_router, require_csrf
from sasref.auth.provider import ClientRegistration
from sasref.auth.roles import Regulator, Role, RoleEntry
from sasref.clock import Clock

__all__ = [
    "EDITOR_CLIENT",
    "EDITOR_JWT_CLIENT",
    "EDITOR_SAS_CLIENT",
    "SAS_CLIENT",
    "mini_sas_app",
    "persona_role_table",
    "psc_http",
    "rp_settings",
]


def rp_settings(
    client: ClientRegistration, clock: Clock, *, issuer: str = DEFAULT_ISSUER, **overrides: Any
) -> OidcSettings:
    """Relying-party settings matching a registration at the fake PSC."""
    settings = OidcSettings(
        issuer=issuer,
        client_id=client.client_id,
        client_secret=client.client_secret,
        redirect_uri=client.redirect_uris[0],
        post_logout_redirect_uri=(client.post_logout_redirect_uris or (None,))[0],
        clock=clock,
    )
    return replace(settings, **overrides)


def psc_http(
    settings: PscSettings, others: Mapping[str, FastAPI] | None = None
) -> tuple[FastAPI, httpx.AsyncClient]:
    """A fake PSC app and a client mounting it (plus ``others``: base URL → app)."""
    app = create_app(settings)
    host = httpx.URL(settings.issuer)
    mounts: dict[str, httpx.AsyncBaseTransport] = {
        f"{host.scheme}://{host.netloc.decode()}": httpx.ASGITransport(app=app)
    }
    for base, other in (others or {}).items():
        mounts[base.rstrip("/")] = httpx.ASGITransport(app=other)
    return app, httpx.AsyncClient(mounts=mounts)


def persona_role_table(personas: tuple[Persona, ...] | None = None) -> dict[str, RoleEntry]:
    """The SAS role table giving the default ARM and OSNP personas their roles."""
    by_key = {p.key: p for p in (personas or default_personas(0))}
    table: dict[str, RoleEntry] = {}
    for key, role in (("arm", Role.ARM), ("osnp", Role.OSNP)):
        if key in by_key:
            table[str(by_key[key].claims["SubjectNameID"])] = RoleEntry(frozenset({role}))
    return table


def mini_sas_app(
    clock: Clock,
    backend: httpx.AsyncClient,
    *,
    idp_clients: tuple[ClientRegistration, ...] = (EDITOR_SAS_CLIENT,),
    role_table: Mapping[str, RoleEntry] | None = None,
    on_login: Callable[[Regulator], Awaitable[None]] | None = None,
) -> FastAPI:
    """A stand-in for the SAS platform: PSC login, a protected page, a CSRF-protected form, and
    the SAS IdP at ``https://sas.test/idp``. ``backend`` is the SAS's own client to reach PSC
    (never the browser's: it must not share the browser's cookies)."""
    app = FastAPI()
    settings = LoginSettings(
        oidc=rp_settings(SAS_CLIENT, clock),
        secret_key="mini-sas-secret-key",
        role_table=persona_role_table() if role_table is None else role_table,
        on_login=on_login,
    )
    app.include_router(login_router(settings, http=backend))
    app.include_router(
        sas_idp_router(IdpSettings(issuer="https://sas.test/idp", clients=idp_clients, clock=clock))
    )

    @app.get("/")
    async def home() -> dict[str, str]:
        return {"page": "home"}

    @app.get("/search")
    async def search(regulator: RegulatorDep) -> dict[str, Any]:
        return {"regulator": regulator.as_dict()}

    @app.get("/csrf")
    async def token(regulator: RegulatorDep, csrf: CsrfTokenDep) -> dict[str, str]:
        return {"csrf_token": csrf}

    @app.post("/orientations", dependencies=[Depends(require_csrf)])
    async def orient(regulator: RegulatorDep) -> dict[str, str]:
        return {"recorded_by": regulator.technical_id}

    return app
