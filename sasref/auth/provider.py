"""A sans-I/O OpenID Connect provider core, shared by the fake PSC and the SAS IdP.

What ProSanté Connect does (psc-hub-libraries §1.2–§1.6) reduced to pure state transitions: check an
authorization request (``response_type=code``, registered ``redirect_uri``, ``scope`` with
``openid`` and the provider's required scopes, ``acr_values``, PKCE S256 required), issue
single-use authorization codes, answer the token endpoint (``authorization_code`` and
``refresh_token`` grants, ``client_secret_basic`` or ``client_secret_post``), userinfo (JSON, or a
signed JWT when the client registered ``userinfo_signed_response_alg``), introspection and
end-session. Browser sessions (the provider's SSO cookie) live here too, so ``prompt=none`` works.

No HTTP here: the FastAPI adapters (``mocks.psc.app``, ``sasref.auth.idp``) turn requests into calls
and :class:`OAuthError` / :class:`AuthorizeError` into responses. A replayed code answers
``invalid_grant`` and revokes every token issued from it (RFC 6749 §4.1.2).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc.errors import JoseError

from sasref.auth.keys import KeyRing
from sasref.auth.provider_types import (
    AuthorizationRequest,
    AuthorizeError,
    BrowserSession,
    ClientRegistration,
    Faults,
    Lifetimes,
    OAuthError,
    Subject,
    add_query,
)
from sasref.clock import Clock

__all__ = [
    "AuthorizationRequest",
    "AuthorizeError",
    "BrowserSession",
    "ClientRegistration",
    "Faults",
    "Lifetimes",
    "OAuthError",
    "ProviderCore",
    "Subject",
    "add_query",
]


@dataclass
class _Grant:
    grant_id: str
    client_id: str
    subject: Subject
    sid: str
    scope: str
    nonce: str | None
    auth_time: int
    revoked: bool = False


@dataclass
class _Code:
    grant: _Grant
    request: AuthorizationRequest
    issued_at: int
    used: bool = False


class ProviderCore:
    """The provider's whole state machine; every method is synchronous and does no I/O."""

    def __init__(
        self,
        *,
        issuer: str,
        clients: Iterable[ClientRegistration],
        clock: Clock,
        keyring: KeyRing,
        lifetimes: Lifetimes | None = None,
        acr: str | None = "eidas1",
        required_scopes: tuple[str, ...] = ("openid",),
        id_token_extra: Mapping[str, Any] | None = None,
        faults: Faults | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.clients = {c.client_id: c for c in clients}
        self.clock = clock
        self.keyring = keyring
        self.lifetimes = lifetimes or Lifetimes()
        self.acr = acr
        self.required_scopes = required_scopes
        self.id_token_extra = dict(id_token_extra or {})
        self.faults = faults or Faults()
        self._codes: dict[str, _Code] = {}
        self._grants: dict[str, _Grant] = {}
        self._access: dict[str, tuple[str, int]] = {}  # jti -> (grant_id, exp)
        self._refresh: dict[str, tuple[str, int]] = {}  # token -> (grant_id, exp)
        self._sessions: dict[str, BrowserSession] = {}

    # -- time -------------------------------------------------------------------------------
    def now(self) -> int:
        return int(self.clock.now().timestamp())

    # -- clients ----------------------------------------------------------------------------
    def register_client(self, client: ClientRegistration) -> None:
        self.clients[client.client_id] = client

    def authenticate_client(
        self, form: Mapping[str, str], authorization: str | None
    ) -> ClientRegistration:
        """``client_secret_basic`` (Authorization header) or ``client_secret_post`` (form)."""
        client_id: str | None
        secret: str | None
        if authorization and authorization.lower().startswith("basic "):
            try:
                raw = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise OAuthError("invalid_client", "malformed Basic credentials", 401) from exc
            client_id, _, secret = raw.partition(":")
        else:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        client = self.clients.get(client_id or "")
        if client is None or secret is None:
            raise OAuthError("invalid_client", "unknown client or no client secret", 401)
        if not hmac.compare_digest(client.client_secret.encode(), secret.encode()):
            raise OAuthError("invalid_client", "bad client secret", 401)
        return client

    # -- authorization endpoint ---------------------------------------------------------------
    def check_authorization_request(self, params: Mapping[str, str]) -> AuthorizationRequest:
        """Validate an authorization request; errors before the redirect URI is trusted are
        not redirectable (``AuthorizeError.request is None``)."""
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            raise AuthorizeError("unauthorized_client", "unknown client_id")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            raise AuthorizeError(
                "invalid_request", "redirect_uri is not registered for this client"
            )
        request = AuthorizationRequest(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            scope=params.get("scope", ""),
            state=params.get("state"),
            nonce=params.get("nonce"),
            code_challenge=params.get("code_challenge", ""),
            acr_values=params.get("acr_values"),
            prompt=params.get("prompt"),
        )
        if params.get("response_type") != "code":
            raise AuthorizeError("unsupported_response_type", "only response_type=code", request)
        scopes = set(request.scope.split())
        missing = [s for s in self.required_scopes if s not in scopes]
        if missing:
            raise AuthorizeError(
                "invalid_scope", f"scope must include {' '.join(missing)}", request
            )
        if request.acr_values is not None and self.acr not in request.acr_values.split():
            raise AuthorizeError(
                "invalid_request",
                f"acr_values must be {self.acr}, got {request.acr_values}",
                request,
            )
        if not request.code_challenge:
            raise AuthorizeError("invalid_request", "PKCE code_challenge is required", request)
        if params.get("code_challenge_method") != "S256":
            raise AuthorizeError("invalid_request", "code_challenge_method must be S256", request)
        return request

    def issue_code(self, request: AuthorizationRequest, session: BrowserSession) -> str:
        """A single-use authorization code bound to the request and the browser session."""
        grant = _Grant(
            grant_id=secrets.token_hex(8),
            client_id=request.client_id,
            subject=session.subject,
            sid=session.sid,
            scope=request.scope,
            nonce=request.nonce,
            auth_time=session.auth_time,
        )
        self._grants[grant.grant_id] = grant
        code = secrets.token_urlsafe(32)
        self._codes[code] = _Code(grant=grant, request=request, issued_at=self.now())
        return code

    def success_redirect(self, request: AuthorizationRequest, code: str) -> str:
        params = {"code": code}
        if request.state is not None:
            params["state"] = request.state
        params["iss"] = self.issuer  # RFC 9207, as Keycloak does
        return add_query(request.redirect_uri, params)

    # -- browser sessions ---------------------------------------------------------------------
    def start_session(self, subject: Subject) -> BrowserSession:
        now = self.now()
        session = BrowserSession(secrets.token_urlsafe(24), subject, now, now)
        self._sessions[session.sid] = session
        return session

    def get_session(self, sid: str | None) -> BrowserSession | None:
        """The live session ``sid`` (touched), or None when absent, expired or idle too long."""
        session = self._sessions.get(sid or "")
        if session is None:
            return None
        now = self.now()
        if (
            now - session.auth_time > self.lifetimes.session
            or now - session.last_seen > self.lifetimes.session_idle
        ):
            self.end_browser_session(session.sid)
            return None
        session.last_seen = now
        return session

    def end_browser_session(self, sid: str) -> None:
        self._sessions.pop(sid, None)
        for grant in self._grants.values():
            if grant.sid == sid:
                grant.revoked = True

    # -- token endpoint -------------------------------------------------------------------------
    def token(self, form: Mapping[str, str], authorization: str | None) -> dict[str, Any]:
        client = self.authenticate_client(form, authorization)
        if self.faults.token_error:
            raise OAuthError(self.faults.token_error, "fault injected by /admin/faults")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._code_grant(client, form)
        if grant_type == "refresh_token":
            return self._refresh_grant(client, form)
        raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    def _code_grant(self, client: ClientRegistration, form: Mapping[str, str]) -> dict[str, Any]:
        entry = self._codes.get(form.get("code", ""))
        if entry is None or entry.request.client_id != client.client_id:
            raise OAuthError("invalid_grant", "unknown authorization code")
        if entry.used:
            # RFC 6749 §4.1.2: a replayed code revokes what it produced.
            entry.grant.revoked = True
            raise OAuthError("invalid_grant", "authorization code already used")
        entry.used = True
        if self.now() - entry.issued_at > self.lifetimes.code:
            raise OAuthError("invalid_grant", "authorization code expired")
        if form.get("redirect_uri") != entry.request.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
        verifier = form.get("code_verifier")
        if not verifier:
            raise OAuthError("invalid_grant", "PKCE code_verifier is missing")
        if not hmac.compare_digest(
            create_s256_code_challenge(verifier).encode(), entry.request.code_challenge.encode()
        ):
            raise OAuthError("invalid_grant", "PKCE code_verifier does not match")
        return self._issue_tokens(entry.grant, client, with_nonce=True)

    def _refresh_grant(self, client: ClientRegistration, form: Mapping[str, str]) -> dict[str, Any]:
        token = form.get("refresh_token", "")
        found = self._refresh.pop(token, None)  # rotated: each refresh token works once
        grant = self._grants.get(found[0]) if found else None
        if found is None or grant is None or grant.client_id != client.client_id:
            raise OAuthError("invalid_grant", "unknown refresh token")
        if grant.revoked or self.now() >= found[1]:
            raise OAuthError("invalid_grant", "refresh token expired or revoked")
        return self._issue_tokens(grant, client, with_nonce=False)

    def _times(self, lifetime: int) -> tuple[int, int]:
        now = self.now()
        if self.faults.expired_tokens:
            return now - lifetime - 60, now - 60
        return now, now + lifetime

    def _issue_tokens(
        self, grant: _Grant, client: ClientRegistration, *, with_nonce: bool
    ) -> dict[str, Any]:
        iat, exp = self._times(self.lifetimes.access_token)
        acr = self.faults.wrong_acr or self.acr
        jti = secrets.token_hex(12)
        access_claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.subject.sub,
            "aud": client.client_id,
            "azp": client.client_id,
            "typ": "Bearer",
            "iat": iat,
            "exp": exp,
            "jti": jti,
            "sid": grant.sid,
            "scope": grant.scope,
            **grant.subject.access_token_claims,
        }
        id_claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.subject.sub,
            "aud": client.client_id,
            "azp": client.client_id,
            "typ": "ID",
            "iat": iat,
            "exp": exp,
            "auth_time": grant.auth_time,
            "jti": secrets.token_hex(12),
            "sid": grant.sid,
            "session_state": grant.sid,
            **self.id_token_extra,
            **grant.subject.id_token_claims,
        }
        if acr is not None:
            access_claims["acr"] = acr
            id_claims["acr"] = acr
        if with_nonce and grant.nonce is not None:
            id_claims["nonce"] = grant.nonce
        refresh = secrets.token_urlsafe(32)
        self._access[jti] = (grant.grant_id, exp)
        self._refresh[refresh] = (grant.grant_id, self.now() + self.lifetimes.refresh_token)
        return {
            "access_token": self.keyring.sign(access_claims),
            "token_type": "Bearer",
            "expires_in": self.lifetimes.access_token,
            "refresh_token": refresh,
            "refresh_expires_in": self.lifetimes.refresh_token,
            "id_token": self.keyring.sign(id_claims),
            "scope": grant.scope,
            "session_state": grant.sid,
        }

    # -- userinfo, introspection ----------------------------------------------------------------
    def _grant_for_access_token(self, token: str) -> tuple[_Grant, dict[str, Any]]:
        try:
            claims = self.keyring.verify(token)
        except (JoseError, ValueError) as exc:
            raise OAuthError("invalid_token", "access token signature is not valid", 401) from exc
        found = self._access.get(str(claims.get("jti", "")))
        grant = self._grants.get(found[0]) if found else None
        if found is None or grant is None or grant.revoked:
            raise OAuthError("invalid_token", "access token unknown or revoked", 401)
        if self.now() >= found[1]:
            raise OAuthError("invalid_token", "access token expired", 401)
        return grant, claims

    def userinfo(self, authorization: str | None) -> tuple[str, dict[str, Any] | str]:
        """``("application/json", claims)`` or ``("application/jwt", signed claims)``."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise OAuthError("invalid_token", "a Bearer access token is required", 401)
        grant, _ = self._grant_for_access_token(authorization[7:].strip())
        claims = {"sub": grant.subject.sub, **grant.subject.userinfo_claims}
        client = self.clients.get(grant.client_id)
        if client is not None and client.userinfo_signed_response_alg:
            iat, exp = self._times(self.lifetimes.access_token)
            signed = {"iss": self.issuer, "aud": client.client_id, "iat": iat, "exp": exp, **claims}
            return "application/jwt", self.keyring.sign(signed)
        return "application/json", claims

    def introspect(self, form: Mapping[str, str], authorization: str | None) -> dict[str, Any]:
        self.authenticate_client(form, authorization)
        try:
            grant, claims = self._grant_for_access_token(form.get("token", ""))
        except OAuthError:
            return {"active": False}
        return {
            "active": True,
            **claims,
            "client_id": grant.client_id,
            "username": claims.get("preferred_username", grant.subject.sub),
        }

    # -- end session ------------------------------------------------------------------------
    def end_session(self, params: Mapping[str, str], sid: str | None) -> str | None:
        """End the browser session; the post-logout redirect URL, if one was asked and allowed."""
        client_id = params.get("client_id")
        hint = params.get("id_token_hint")
        if hint:
            try:
                hint_claims = self.keyring.verify(hint)
            except (JoseError, ValueError) as exc:
                raise OAuthError("invalid_request", "id_token_hint is not ours") from exc
            client_id = client_id or str(hint_claims.get("aud", ""))
            sid = sid or str(hint_claims.get("sid", ""))
        if sid:
            self.end_browser_session(sid)
        target = params.get("post_logout_redirect_uri")
        if not target:
            return None
        client = self.clients.get(client_id or "")
        if client is None or target not in client.post_logout_redirect_uris:
            raise OAuthError("invalid_request", "post_logout_redirect_uri is not registered")
        state = params.get("state")
        return add_query(target, {"state": state} if state else {})

    # -- discovery --------------------------------------------------------------------------
    def metadata(self, endpoints: Mapping[str, str], **extra: Any) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "issuer": self.issuer,
            **endpoints,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "userinfo_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "frontchannel_logout_supported": False,
            "backchannel_logout_supported": False,
        }
        if self.acr is not None:
            doc["acr_values_supported"] = [self.acr]
        doc.update(extra)
        return doc
