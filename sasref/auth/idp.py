"""SSO mode (b), "délégation SAS": the SAS platform as the OpenID provider of the editors.

The IG says only that the regulator reaches the editor's booking page "without re-authenticating"
(IG digest §0, a [GAP]); this mode fills it with plain OIDC auth-code + PKCE where the SAS is the
provider: the editor's booking page sends the browser to ``{issuer}/authorize``; the SAS answers at
once from the regulator's SAS session (no password), or with ``login_required`` under
``prompt=none``, or via ``/login`` first. ID token and userinfo carry the regulator's claims:
``sub`` = SAS technical id (UUID), ``sas_technical_id``, ``national_id`` (IDNPS ``8`` + RPPS,
``""`` when none), ``SubjectNameID``, names, e-mail, ``roles``.

Protocol logic is :class:`sasref.auth.provider.ProviderCore` (the fake PSC's core); this module
is the HTTP adapter. It needs :func:`sasref.auth.login.login_router` in the same app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sasref.auth.keys import KeyRing
from sasref.auth.login import runtime
from sasref.auth.provider import (
    AuthorizeError,
    ClientRegistration,
    Lifetimes,
    OAuthError,
    ProviderCore,
    Subject,
)
from sasref.auth.roles import Regulator
from sasref.clock import Clock, SystemClock

__all__ = ["IdpSettings", "SasIdp", "regulator_subject", "sas_idp_router"]

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class IdpSettings:
    #: e.g. "https://sas.test/idp"; the router's paths are this URL's path + "/authorize", ...
    issuer: str
    clients: tuple[ClientRegistration, ...] = ()
    clock: Clock = field(default_factory=SystemClock)
    lifetimes: Lifetimes = field(default_factory=Lifetimes)
    key_grace_seconds: int = 600
    fresh_keys: bool = False


def regulator_subject(regulator: Regulator) -> Subject:
    """What the SAS IdP says about a regulator."""
    claims: dict[str, Any] = {
        "given_name": regulator.given_name,
        "family_name": regulator.family_name,
        "email": regulator.email,
        "preferred_username": regulator.national_id or regulator.technical_id,
        "sas_technical_id": regulator.technical_id,
        "national_id": regulator.national_id or "",
        "SubjectNameID": regulator.national_id or "",
        "roles": [r.value for r in regulator.roles],
        "organization": regulator.organization,
    }
    return Subject(
        sub=regulator.technical_id,
        userinfo_claims=claims,
        id_token_claims={k: claims[k] for k in ("given_name", "family_name", "email",
                                                 "preferred_username", "national_id", "roles")},
        access_token_claims={"sas_technical_id": regulator.technical_id},
    )  # fmt: skip


class SasIdp:
    """The provider core plus its routes; ``.router`` goes into the SAS app."""

    def __init__(self, settings: IdpSettings) -> None:
        self.settings = settings
        issuer = settings.issuer.rstrip("/")
        self.prefix = urlsplit(issuer).path
        self.core = ProviderCore(
            issuer=issuer,
            clients=settings.clients,
            clock=settings.clock,
            keyring=KeyRing(
                "sas-idp",
                settings.clock,
                grace_seconds=settings.key_grace_seconds,
                fresh=settings.fresh_keys,
            ),
            lifetimes=settings.lifetimes,
            acr=None,
            required_scopes=("openid",),
            id_token_extra={"idp": "SAS"},
        )
        self.endpoints = {
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "end_session_endpoint": f"{issuer}/logout",
            "introspection_endpoint": f"{issuer}/introspect",
        }
        r = APIRouter(prefix=self.prefix, tags=["sas-idp"])
        r.add_api_route("/.well-known/openid-configuration", self.discovery, methods=["GET"])
        r.add_api_route("/jwks", self.jwks, methods=["GET"])
        r.add_api_route("/authorize", self.authorize, methods=["GET"])
        r.add_api_route("/token", self.token, methods=["POST"])
        r.add_api_route("/userinfo", self.userinfo, methods=["GET", "POST"])
        r.add_api_route("/introspect", self.introspect, methods=["POST"])
        r.add_api_route("/logout", self.logout, methods=["GET"])
        self.router = r

    @staticmethod
    def _oauth_error(exc: OAuthError) -> JSONResponse:
        headers = dict(_NO_STORE)
        if exc.status_code == 401:
            headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)

    @staticmethod
    def _authorize_error(exc: AuthorizeError) -> Response:
        url = exc.redirect_url
        if url is None:
            return HTMLResponse(f"<h1>{exc.error}</h1><p>{exc.description}</p>", status_code=400)
        return RedirectResponse(url, status_code=302)

    async def discovery(self) -> JSONResponse:
        return JSONResponse(
            self.core.metadata(
                self.endpoints,
                scopes_supported=["openid", "profile", "email"],
                claims_supported=[
                    "sub",
                    "given_name",
                    "family_name",
                    "email",
                    "sas_technical_id",
                    "national_id",
                    "roles",
                ],
                prompt_values_supported=["none"],
            )
        )

    async def jwks(self) -> JSONResponse:
        return JSONResponse(self.core.keyring.jwks())

    async def authorize(self, request: Request) -> Response:
        try:
            auth_request = self.core.check_authorization_request(dict(request.query_params))
        except AuthorizeError as exc:
            return self._authorize_error(exc)
        regulator = runtime(cast(FastAPI, request.app)).regulator(request)
        if regulator is None:
            if "none" in (auth_request.prompt or "").split():
                err = AuthorizeError("login_required", "no SAS session", auth_request)
                return self._authorize_error(err)
            here = f"{request.url.path}?{request.url.query}"
            return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=302)
        if not regulator.is_regulator:
            err = AuthorizeError("access_denied", "no regulator role", auth_request)
            return self._authorize_error(err)
        session = self.core.start_session(regulator_subject(regulator))
        code = self.core.issue_code(auth_request, session)
        return RedirectResponse(self.core.success_redirect(auth_request, code), status_code=302)

    async def token(self, request: Request) -> JSONResponse:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            body = self.core.token(form, request.headers.get("authorization"))
        except OAuthError as exc:
            return self._oauth_error(exc)
        return JSONResponse(body, headers=_NO_STORE)

    async def userinfo(self, request: Request) -> Response:
        try:
            media_type, body = self.core.userinfo(request.headers.get("authorization"))
        except OAuthError as exc:
            return self._oauth_error(exc)
        if isinstance(body, str):
            return Response(body, media_type=media_type, headers=_NO_STORE)
        return JSONResponse(body, headers=_NO_STORE)

    async def introspect(self, request: Request) -> JSONResponse:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            return JSONResponse(self.core.introspect(form, request.headers.get("authorization")))
        except OAuthError as exc:
            return self._oauth_error(exc)

    async def logout(self, request: Request) -> Response:
        try:
            target = self.core.end_session(dict(request.query_params), None)
        except OAuthError as exc:
            return HTMLResponse(f"<h1>{exc.error}</h1><p>{exc.description}</p>", status_code=400)
        if target:
            return RedirectResponse(target, status_code=302)
        return HTMLResponse("<h1>Déconnecté de l'éditeur</h1>")


def sas_idp_router(settings: IdpSettings) -> APIRouter:
    """The SAS IdP routes (discovery, authorize, token, jwks, userinfo, introspect, logout)."""
    return SasIdp(settings).router
