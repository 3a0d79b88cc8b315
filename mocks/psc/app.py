"""The fake ProSanté Connect: a Keycloak-shaped OpenID provider (psc-hub-libraries §1, §2).

Paths copy PSC's realm layout (``/auth/realms/esante-wallet``): discovery at both
``/.well-known/openid-configuration`` and PSC's ``/.well-known/wallet-openid-configuration``, and
``/protocol/openid-connect/{auth,token,userinfo,certs,logout,token/introspect}``. ``GET /auth``
at the root serves the same login page, so the app can also be mounted as PSC's separate
"wallet" host.

Admin (for tests, notebooks, demos): ``GET|PUT /admin/faults`` (deny, wrong_acr, expired_tokens,
slow_seconds, token_error), ``POST /admin/keys/rotate``, ``POST /admin/keys/drop-retired``,
``GET /admin/personas``, ``POST /admin/clients``, ``GET /admin/requests`` (the request log).

Protocol logic is in :mod:`sasref.auth.provider` (shared with the SAS IdP); this module is HTTP
only.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mocks.psc.pages import error_page, logged_out_page, login_page
from mocks.psc.personas import Persona, default_personas, manual_persona
from mocks.psc.settings import PscSettings
from sasref.auth.keys import KeyRing
from sasref.auth.provider import (
    AuthorizationRequest,
    AuthorizeError,
    BrowserSession,
    ClientRegistration,
    OAuthError,
    ProviderCore,
)

__all__ = ["PscState", "create_app"]

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class PscState:
    """Everything one fake PSC holds (reachable as ``app.state.psc``)."""

    def __init__(self, settings: PscSettings) -> None:
        self.settings = settings
        self.prefix = urlsplit(settings.issuer).path.rstrip("/")
        base = settings.issuer.rstrip("/")
        self.personas: dict[str, Persona] = {
            p.key: p for p in (settings.personas or default_personas(settings.seed))
        }
        self.core = ProviderCore(
            issuer=base,
            clients=settings.clients,
            clock=settings.clock,
            keyring=KeyRing(
                "psc",
                settings.clock,
                grace_seconds=settings.key_grace_seconds,
                fresh=settings.fresh_keys,
            ),
            lifetimes=settings.lifetimes,
            acr=settings.acr,
            required_scopes=settings.required_scopes,
            id_token_extra={"idp": "PSC"},
            faults=settings.faults,
        )
        oidc = f"{base}/protocol/openid-connect"
        self.endpoints = {
            "authorization_endpoint": settings.authorize_url or f"{oidc}/auth",
            "token_endpoint": f"{oidc}/token",
            "userinfo_endpoint": f"{oidc}/userinfo",
            "jwks_uri": f"{oidc}/certs",
            "end_session_endpoint": f"{oidc}/logout",
            "introspection_endpoint": f"{oidc}/token/introspect",
        }
        self.pending: dict[str, AuthorizationRequest] = {}
        self.requests: list[dict[str, Any]] = []

    def discovery(self) -> dict[str, Any]:
        return self.core.metadata(
            self.endpoints,
            scopes_supported=["openid", "scope_all", "eidas1", "profile", "email"],
            claims_supported=["sub", "iss", "aud", "acr", "given_name", "family_name",
                              "preferred_username", "email", "SubjectNameID", "SubjectRefPro"],
            prompt_values_supported=["none", "login"],
        )  # fmt: skip


def _form(data: Any) -> dict[str, str]:
    return {k: v for k, v in data.items() if isinstance(v, str)}


def create_app(settings: PscSettings | None = None) -> FastAPI:
    """A fake PSC; the state is built here, so ``httpx.ASGITransport`` needs no lifespan."""
    settings = settings or PscSettings()
    state = PscState(settings)
    core = state.core
    app = FastAPI(title="Fake ProSanté Connect", docs_url=None, redoc_url=None)
    app.state.psc = state
    p = state.prefix
    oidc = f"{p}/protocol/openid-connect"
    login_action = f"{p}/login-actions/authenticate"
    secure_cookie = (
        settings.issuer.startswith("https:")
        if settings.secure_cookie is None
        else settings.secure_cookie
    )

    @app.middleware("http")
    async def log_and_slow(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        slow = core.faults.slow_seconds
        if slow > 0 and not request.url.path.startswith("/admin"):
            await asyncio.sleep(slow)
        response = await call_next(request)
        state.requests.append(
            {"method": request.method, "path": request.url.path, "status": response.status_code}
        )
        return response

    def oauth_error(exc: OAuthError) -> JSONResponse:
        headers = dict(_NO_STORE)
        if exc.status_code == 401:
            headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)

    def redirect(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=302)

    def authorize_error(exc: AuthorizeError) -> Response:
        url = exc.redirect_url
        if url is None:
            return HTMLResponse(error_page(exc.error, exc.description), status_code=400)
        return redirect(url)

    def complete(request: AuthorizationRequest, session: BrowserSession) -> RedirectResponse:
        code = core.issue_code(request, session)
        response = redirect(core.success_redirect(request, code))
        response.set_cookie(
            settings.session_cookie,
            session.sid,
            httponly=True,
            secure=secure_cookie,
            samesite="lax",
            path="/",
        )
        return response

    # -- discovery and keys ---------------------------------------------------------------------
    @app.get(f"{p}/.well-known/openid-configuration")
    @app.get(f"{p}/.well-known/wallet-openid-configuration")
    async def discovery() -> JSONResponse:
        return JSONResponse(state.discovery())

    @app.get(f"{oidc}/certs")
    async def certs() -> JSONResponse:
        return JSONResponse(core.keyring.jwks())

    # -- authorization ----------------------------------------------------------------------
    async def authorize(request: Request) -> Response:
        params = dict(request.query_params)
        try:
            auth_request = core.check_authorization_request(params)
        except AuthorizeError as exc:
            return authorize_error(exc)
        if core.faults.deny:
            return authorize_error(
                AuthorizeError("access_denied", "denied by fault switch", auth_request)
            )
        session = core.get_session(request.cookies.get(settings.session_cookie))
        prompt = (auth_request.prompt or "").split()
        if "none" in prompt:
            if session is None:
                return authorize_error(
                    AuthorizeError("login_required", "no PSC session", auth_request)
                )
            return complete(auth_request, session)
        if session is not None and "login" not in prompt:
            return complete(auth_request, session)  # SSO: Keycloak reuses its session
        session_code = secrets.token_urlsafe(16)
        state.pending[session_code] = auth_request
        html = login_page(
            action=login_action,
            session_code=session_code,
            client_id=auth_request.client_id,
            personas=state.personas.values(),
        )
        return HTMLResponse(html, headers=_NO_STORE)

    app.add_api_route(f"{oidc}/auth", authorize, methods=["GET"])
    app.add_api_route("/auth", authorize, methods=["GET"], include_in_schema=False)

    @app.post(login_action)
    async def authenticate(request: Request) -> Response:
        form = _form(await request.form())
        auth_request = state.pending.pop(form.get("session_code", ""), None)
        if auth_request is None:
            return HTMLResponse(
                error_page("invalid_request", "unknown or already used login form"), 400
            )
        if form.get("action") == "deny" or core.faults.deny:
            return authorize_error(AuthorizeError("access_denied", "the user denied", auth_request))
        key = form.get("persona", "")
        persona = manual_persona(form) if key == "manual" else state.personas.get(key)
        if persona is None:
            return HTMLResponse(error_page("invalid_request", f"unknown persona {key!r}"), 400)
        return complete(auth_request, core.start_session(persona.subject()))

    # -- back-channel endpoints ---------------------------------------------------------------
    @app.post(f"{oidc}/token")
    async def token(request: Request) -> JSONResponse:
        form = _form(await request.form())
        try:
            body = core.token(form, request.headers.get("authorization"))
        except OAuthError as exc:
            return oauth_error(exc)
        return JSONResponse(body, headers=_NO_STORE)

    @app.api_route(f"{oidc}/userinfo", methods=["GET", "POST"])
    async def userinfo(request: Request) -> Response:
        try:
            media_type, body = core.userinfo(request.headers.get("authorization"))
        except OAuthError as exc:
            return oauth_error(exc)
        if isinstance(body, str):
            return Response(body, media_type=media_type, headers=_NO_STORE)
        return JSONResponse(body, headers=_NO_STORE)

    @app.post(f"{oidc}/token/introspect")
    async def introspect(request: Request) -> JSONResponse:
        form = _form(await request.form())
        try:
            return JSONResponse(core.introspect(form, request.headers.get("authorization")))
        except OAuthError as exc:
            return oauth_error(exc)

    @app.api_route(f"{oidc}/logout", methods=["GET", "POST"])
    async def logout(request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update(_form(await request.form()))
        try:
            target = core.end_session(params, request.cookies.get(settings.session_cookie))
        except OAuthError as exc:
            return HTMLResponse(error_page(exc.error, exc.description), status_code=400)
        response: Response = redirect(target) if target else HTMLResponse(logged_out_page())
        response.delete_cookie(settings.session_cookie, path="/")
        return response

    # -- admin --------------------------------------------------------------------------------
    @app.get("/admin/faults")
    async def get_faults() -> dict[str, Any]:
        return core.faults.as_dict()

    @app.put("/admin/faults")
    async def put_faults(request: Request) -> JSONResponse:
        body = await request.json()
        known = core.faults.as_dict()
        if not isinstance(body, dict) or set(body) - set(known):
            return JSONResponse(
                {"error": "invalid_request", "error_description": f"known faults: {sorted(known)}"},
                status_code=400,
            )
        f = core.faults
        f.deny = bool(body.get("deny", f.deny))
        f.wrong_acr = body.get("wrong_acr", f.wrong_acr)
        f.expired_tokens = bool(body.get("expired_tokens", f.expired_tokens))
        f.slow_seconds = float(body.get("slow_seconds", f.slow_seconds))
        f.token_error = body.get("token_error", f.token_error)
        return JSONResponse(f.as_dict())

    @app.post("/admin/keys/rotate")
    async def rotate() -> dict[str, Any]:
        kid = core.keyring.rotate()
        return {"kid": kid, "jwks": core.keyring.jwks()}

    @app.post("/admin/keys/drop-retired")
    async def drop_retired() -> dict[str, Any]:
        return {"dropped": core.keyring.drop_retired()}

    @app.get("/admin/personas")
    async def personas() -> list[dict[str, Any]]:
        return [
            {"key": x.key, "label": x.label, "description": x.description, "sub": x.sub,
             "claims": x.claims}
            for x in state.personas.values()
        ]  # fmt: skip

    @app.post("/admin/clients")
    async def register_client(request: Request) -> JSONResponse:
        body = await request.json()
        try:
            client = ClientRegistration(
                client_id=str(body["client_id"]),
                client_secret=str(body["client_secret"]),
                redirect_uris=tuple(body["redirect_uris"]),
                post_logout_redirect_uris=tuple(body.get("post_logout_redirect_uris", ())),
                userinfo_signed_response_alg=body.get("userinfo_signed_response_alg"),
            )
        except (KeyError, TypeError) as exc:
            return JSONResponse(
                {"error": "invalid_client_metadata", "error_description": str(exc)}, 400
            )
        core.register_client(client)
        return JSONResponse({"client_id": client.client_id}, status_code=201)

    @app.get("/admin/requests")
    async def requests_log() -> list[dict[str, Any]]:
        return state.requests

    return app
