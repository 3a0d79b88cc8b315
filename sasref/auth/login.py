"""SAS login with ProSanté Connect: ``/login``, ``/auth/callback``, ``/logout`` and dependencies.

Wiring (one line each, in the SAS platform's ``create_app``)::

    app.include_router(login_router(login_settings, http=http_client))
    @app.get("/search")
    async def search(regulator: RegulatorDep) -> ...: ...

``require_regulator`` finds the login runtime through the app's routes (the ``/login`` route's
endpoint is a bound method of :class:`SasLogin`), so it needs no global state and works in any app
that included :func:`login_router`. Without a session, a browser GET is redirected to
``/login?next=<path>``, other requests get 401; a logged-in user with no regulator role gets 403.
POST forms use :func:`require_csrf` (form field ``csrf_token`` or header ``X-CSRF-Token``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Annotated, Any, cast
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sasref.auth.client import LoginState, OidcClient, OidcSettings
from sasref.auth.roles import Regulator, RoleEntry, regulator_from_claims
from sasref.auth.session import (
    CSRF_FIELD,
    CSRF_HEADER,
    csrf_matches,
    new_csrf_token,
    relying_party_cookie,
)
from sasref.errors import AuthError

__all__ = [
    "CsrfTokenDep",
    "LoginSettings",
    "RegulatorDep",
    "SasLogin",
    "csrf_token",
    "current_regulator",
    "login_enabled",
    "login_router",
    "require_csrf",
    "require_regulator",
    "require_regulator_when_enabled",
]

_ROUTE_NAME = "sasref_login"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoginSettings:
    oidc: OidcSettings
    secret_key: str
    #: SAS role table keyed by SubjectNameID or lower-cased e-mail (see sasref.auth.roles).
    role_table: Mapping[str, RoleEntry] = field(default_factory=dict)
    cookie_name: str = "sasref_session"
    #: ``Secure`` flag of the session cookie; None = only when the redirect URI is https.
    secure_cookie: bool | None = None
    #: PSC: 4 h sessions (psc-hub-libraries §1.5).
    session_max_age: int = 4 * 3600
    after_login: str = "/"
    after_logout: str = "/"
    #: Called after each successful login (e.g. the lazy INT_R02 push of sasref.regulators).
    on_login: Callable[[Regulator], Awaitable[None]] | None = None


def _safe_next(value: str | None, default: str) -> str:
    """Only same-site relative paths (no open redirect through ``next``)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def _error_page(title: str, message: str, status: int) -> HTMLResponse:
    body = (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title></head><body><h1>{escape(title)}</h1><p>{escape(message)}</p>"
        '<p><a href="/login">Se reconnecter</a></p></body></html>'
    )
    return HTMLResponse(body, status_code=status)


class SasLogin:
    """The login runtime: one OIDC client, one session cookie, the routes."""

    def __init__(self, settings: LoginSettings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._http = http
        self._oidc: OidcClient | None = None
        self.cookie = relying_party_cookie(settings, settings.oidc.redirect_uri)
        self.router = APIRouter(tags=["auth"])
        self.router.add_api_route("/login", self.login, methods=["GET"], name=_ROUTE_NAME)
        self.router.add_api_route("/auth/callback", self.callback, methods=["GET"])
        self.router.add_api_route("/logout", self.logout_form, methods=["GET"])
        self.router.add_api_route("/logout", self.logout, methods=["POST"])

    def install(self, app: FastAPI) -> None:
        """Include the routes and register this runtime on ``app.state`` (explicit wiring)."""
        app.state.sasref_login = self
        app.include_router(self.router)

    @property
    def oidc(self) -> OidcClient:
        if self._oidc is None:
            http = self._http or httpx.AsyncClient(timeout=self.settings.oidc.timeout_seconds)
            self._oidc = OidcClient(self.settings.oidc, http)
        return self._oidc

    def session(self, request: Request) -> dict[str, Any]:
        return self.cookie.read(request)

    def regulator(self, request: Request) -> Regulator | None:
        data = self.session(request).get("regulator")
        if not isinstance(data, dict):
            return None
        try:
            return Regulator.from_dict(data)
        except (KeyError, ValueError):
            return None

    async def login(self, request: Request, next: str | None = None) -> Response:
        try:
            url, login = await self.oidc.authorization_url()
        except AuthError as exc:  # PSC unreachable or misconfigured
            return _error_page("ProSanté Connect indisponible", f"{type(exc).__name__}: {exc}", 502)
        session = self.session(request)
        session["login"] = login.as_dict()
        session["next"] = _safe_next(next, self.settings.after_login)
        response = RedirectResponse(url, status_code=302)
        self.cookie.write(response, session)
        return response

    async def callback(self, request: Request) -> Response:
        session = self.session(request)
        pending = session.pop("login", None)
        login = LoginState.from_dict(pending) if isinstance(pending, dict) else None
        try:
            result = await self.oidc.complete_login(dict(request.query_params), login)
        except AuthError as exc:
            response: Response = _error_page(
                "Connexion refusée", f"{type(exc).__name__}: {exc}", 400
            )
            self.cookie.write(response, {})
            return response
        claims = {**result.id_claims, **result.userinfo}
        regulator = regulator_from_claims(claims, self.settings.role_table)
        if self.settings.on_login is not None:
            try:
                await self.settings.on_login(regulator)
            except Exception:  # a failing hook (e.g. editor sync) must not block the login
                _log.exception("on_login hook failed for %s", regulator.technical_id)
        target = _safe_next(session.get("next"), self.settings.after_login)
        response = RedirectResponse(target, status_code=303)
        # A fresh session (new CSRF token) at each login: no session fixation.
        self.cookie.write(response, {"regulator": regulator.as_dict(), "csrf": new_csrf_token()})
        return response

    async def logout_form(self, request: Request) -> Response:
        token = str(self.session(request).get("csrf", ""))
        body = (
            '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Déconnexion'
            '</title></head><body><form method="post" action="/logout">'
            f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">'
            '<button type="submit">Se déconnecter</button></form></body></html>'
        )
        return HTMLResponse(body)

    async def logout(self, request: Request) -> Response:
        session = self.session(request)
        if not await _csrf_ok(request, session):
            return _error_page("Requête refusée", "jeton CSRF absent ou invalide", 403)
        target = self.settings.after_logout
        if self.settings.oidc.post_logout_redirect_uri:
            try:
                target = await self.oidc.logout_url()  # ends the PSC session too
            except AuthError:
                target = self.settings.after_logout
        response = RedirectResponse(target, status_code=303)
        self.cookie.clear(response)
        return response


def login_router(settings: LoginSettings, http: httpx.AsyncClient | None = None) -> APIRouter:
    """The ``/login``, ``/auth/callback`` and ``/logout`` routes, ready for ``include_router``."""
    return SasLogin(settings, http).router


def runtime(app: FastAPI) -> SasLogin:
    """The :class:`SasLogin` behind the app's included login router."""
    found = getattr(app.state, "sasref_login", None)
    if isinstance(found, SasLogin):
        return found
    for route in walk_routes(app.router.routes):
        endpoint = getattr(route, "endpoint", None)
        owner = getattr(endpoint, "__self__", None)
        if getattr(route, "name", None) == _ROUTE_NAME and isinstance(owner, SasLogin):
            app.state.sasref_login = owner
            return owner
    raise RuntimeError("login_router(...) is not included in this app")


def walk_routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every route, inside included routers too (FastAPI >= 0.16x keeps them as branches)."""
    for route in routes:
        yield route
        inner = getattr(route, "original_router", None)
        children = getattr(inner, "routes", None) if inner is not None else None
        if children is None and not hasattr(route, "endpoint"):
            children = getattr(route, "routes", None)  # Mount
        if children:
            yield from walk_routes(children)


def current_regulator(request: Request) -> Regulator | None:
    """FastAPI dependency: the logged-in user, or None."""
    return runtime(cast(FastAPI, request.app)).regulator(request)


def require_regulator(request: Request) -> Regulator:
    """FastAPI dependency: a logged-in user holding at least one regulator role."""
    regulator = current_regulator(request)
    if regulator is None:
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(
                status_code=303, headers={"Location": f"/login?next={quote(target, safe='')}"}
            )
        raise HTTPException(status_code=401, detail="login required", headers={
            "WWW-Authenticate": 'Bearer realm="sas"'})  # fmt: skip
    if not regulator.is_regulator:
        raise HTTPException(status_code=403, detail="no regulator role for this account")
    return regulator


def login_enabled(app: FastAPI) -> bool:
    """Whether a login router is included in ``app``."""
    try:
        runtime(app)
    except RuntimeError:
        return False
    return True


def require_regulator_when_enabled(request: Request) -> Regulator | None:
    """:func:`require_regulator` when the app has a login router, else ``None`` (open access,
    for apps built without PSC: unit tests, benchmarks, a demo without login)."""
    if not login_enabled(cast(FastAPI, request.app)):
        return None
    return require_regulator(request)


def csrf_token(request: Request) -> str:
    """The CSRF token to put in the session's POST forms (empty when not logged in)."""
    return str(runtime(cast(FastAPI, request.app)).session(request).get("csrf", ""))


async def _csrf_ok(request: Request, session: dict[str, Any]) -> bool:
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    return csrf_matches(session, submitted)


async def require_csrf(request: Request) -> None:
    """FastAPI dependency for state-changing POSTs: 403 unless the CSRF token matches."""
    session = runtime(cast(FastAPI, request.app)).session(request)
    if not await _csrf_ok(request, session):
        raise HTTPException(status_code=403, detail="CSRF token missing or invalid")


#: ``async def page(regulator: RegulatorDep)``: :func:`require_regulator` as an ``Annotated``.
RegulatorDep = Annotated[Regulator, Depends(require_regulator)]
#: The CSRF token to embed in a page's POST forms.
CsrfTokenDep = Annotated[str, Depends(csrf_token)]
