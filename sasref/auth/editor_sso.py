"""The editor side of the SSO (docs/sso.md §3): a router an editor app includes to authenticate
the regulator arriving from the SAS on its booking page, in either mode.

Flow for ``GET /booking/42?origin=sas`` without an editor session (``require_editor_session``):
303 to ``{prefix}/start?next=/booking/42?origin=sas`` → silent authorization request
(``prompt=none``) to the editor's provider (PSC in mode (a), the SAS IdP in mode (b)) →
``{prefix}/callback`` → a signed editor session (``sub``, claims, ``origin``) → back to ``next``.
When the provider answers ``login_required`` (or anything fails), the browser goes to the editor's
own login page with ``next`` — the IG's "an unauthenticated arrival lands on the login page".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from sasref.auth.client import LoginState, OidcClient, OidcSettings
from sasref.auth.login import walk_routes
from sasref.auth.session import relying_party_cookie
from sasref.auth.sso import ORIGIN_PARAM
from sasref.errors import AuthError

__all__ = ["EditorSso", "EditorSsoSettings", "editor_session", "require_editor_session"]

_log = logging.getLogger(__name__)
_ROUTE_NAME = "sasref_editor_sso_start"
#: Claims copied into the editor session (PSC and SAS IdP names).
_KEPT = (
    "sub", "given_name", "family_name", "email", "Email", "SubjectNameID", "preferred_username",
    "sas_technical_id", "national_id", "roles", "Acces_Regulation_Medicale",
)  # fmt: skip


@dataclass(frozen=True)
class EditorSsoSettings:
    oidc: OidcSettings
    secret_key: str
    #: The editor's own login page; gets ``?next=...`` when SSO cannot authenticate.
    login_page: str = "/login"
    prefix: str = "/sso"
    cookie_name: str = "editor_session"
    #: ``Secure`` flag of the session cookie; None = only when the redirect URI is https.
    secure_cookie: bool | None = None
    session_max_age: int = 8 * 3600


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _origin_of(path: str) -> str | None:
    values = parse_qs(urlsplit(path).query).get(ORIGIN_PARAM)
    return values[-1] if values else None


class EditorSso:
    """SSO routes of one editor app (``.router``) and its session reader."""

    def __init__(self, settings: EditorSsoSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.oidc = OidcClient(settings.oidc, http)
        self.cookie = relying_party_cookie(settings, settings.oidc.redirect_uri)
        p = settings.prefix
        self.router = APIRouter(tags=["sso"])
        self.router.add_api_route(f"{p}/start", self.start, methods=["GET"], name=_ROUTE_NAME)
        self.router.add_api_route(f"{p}/callback", self.callback, methods=["GET"])
        self.router.add_api_route(f"{p}/logout", self.logout, methods=["POST"])

    def install(self, app: FastAPI) -> None:
        app.state.sasref_editor_sso = self
        app.include_router(self.router)

    def session(self, request: Request) -> dict[str, Any] | None:
        data = self.cookie.read(request).get("user")
        return data if isinstance(data, dict) and data.get("sub") else None

    def _to_login_page(self, next_path: str) -> RedirectResponse:
        target = f"{self.settings.login_page}?next={quote(next_path, safe='')}"
        return RedirectResponse(target, status_code=303)

    async def start(self, request: Request, next: str | None = None) -> Response:
        target = _safe_next(next)
        try:
            url, login = await self.oidc.authorization_url(prompt="none")
        except AuthError as exc:
            _log.warning("SSO unavailable: %s", exc)
            return self._to_login_page(target)
        response = RedirectResponse(url, status_code=302)
        self.cookie.write(response, {"login": login.as_dict(), "next": target})
        return response

    async def callback(self, request: Request) -> Response:
        pending = self.cookie.read(request)
        target = _safe_next(pending.get("next"))
        raw = pending.get("login")
        login = LoginState.from_dict(raw) if isinstance(raw, dict) else None
        try:
            result = await self.oidc.complete_login(dict(request.query_params), login)
        except AuthError as exc:  # login_required, access_denied, a rejected token...
            _log.info("SSO did not authenticate: %s", exc)
            response: Response = self._to_login_page(target)
            self.cookie.clear(response)
            return response
        claims = {**result.id_claims, **result.userinfo}
        user = {k: claims[k] for k in _KEPT if k in claims}
        user["origin"] = _origin_of(target)
        user["issuer"] = self.settings.oidc.issuer
        response = RedirectResponse(target, status_code=303)
        self.cookie.write(response, {"user": user})
        return response

    async def logout(self, request: Request) -> Response:
        response = RedirectResponse("/", status_code=303)
        self.cookie.clear(response)
        return response


def _runtime(app: FastAPI) -> EditorSso:
    found = getattr(app.state, "sasref_editor_sso", None)
    if isinstance(found, EditorSso):
        return found
    for route in walk_routes(app.router.routes):
        owner = getattr(getattr(route, "endpoint", None), "__self__", None)
        if getattr(route, "name", None) == _ROUTE_NAME and isinstance(owner, EditorSso):
            app.state.sasref_editor_sso = owner
            return owner
    raise RuntimeError("EditorSso(...).router is not included in this app")


def editor_session(request: Request) -> dict[str, Any] | None:
    """FastAPI dependency: the editor session opened by SSO, or None."""
    return _runtime(cast(FastAPI, request.app)).session(request)


def require_editor_session(request: Request) -> dict[str, Any]:
    """FastAPI dependency for the booking page: the session, or a 303 into the silent SSO."""
    sso = _runtime(cast(FastAPI, request.app))
    session = sso.session(request)
    if session is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        start = f"{sso.settings.prefix}/start?next={quote(here, safe='')}"
        raise HTTPException(status_code=303, headers={"Location": start})
    return session
