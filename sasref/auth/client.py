"""OpenID Connect relying party for ProSanté Connect (and for the SAS IdP, same code).

What PSC's relying parties do (psc-hub-libraries §1.3): discovery (PSC's document is also served
at ``/.well-known/wallet-openid-configuration``), an authorization request with ``scope=openid
scope_all``, ``acr_values=eidas1``, ``state``, ``nonce`` and PKCE S256, the code exchange with
``client_secret_basic`` (or ``_post``), and ID-token checks: RS256 signature against the JWKS,
looked up by ``kid`` and reloaded on an unknown ``kid`` (as ANS's broker does), ``iss``,
``aud``/``azp``, ``exp``/``iat`` with a small leeway on the injected clock, ``nonce`` and ``acr``.
Userinfo may come as JSON or as a signed JWT (``application/jwt``). Every failure raises a typed
:class:`sasref.errors.AuthError`.

The request-building and claim-checking parts are pure functions; :class:`OidcClient` is the thin
async adapter on an injected ``httpx.AsyncClient``. A timeout is enforced with ``asyncio.timeout``
too, because in-process transports (``httpx.ASGITransport``) ignore httpx's own timeouts.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import KeySet

from sasref.auth.provider import add_query
from sasref.clock import Clock, SystemClock
from sasref.errors import ProviderError, ProviderTimeout, StateMismatch, TokenRejected

__all__ = [
    "LoginResult",
    "LoginState",
    "OidcClient",
    "OidcSettings",
    "TokenSet",
    "check_id_token_claims",
    "new_login_state",
]


@dataclass(frozen=True)
class OidcSettings:
    """One relying-party registration at one OpenID provider."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    post_logout_redirect_uri: str | None = None
    scope: str = "openid scope_all"
    #: The ``acr`` asked for and required in the ID token; None = neither sent nor checked.
    acr: str | None = "eidas1"
    #: PSC also serves "/.well-known/wallet-openid-configuration".
    discovery_path: str = "/.well-known/openid-configuration"
    token_auth_method: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic"
    leeway_seconds: int = 30
    timeout_seconds: float = 5.0
    #: Reload the JWKS after this long even when every ``kid`` is known (keys get withdrawn).
    jwks_max_age_seconds: int = 300
    clock: Clock = field(default_factory=SystemClock)


@dataclass(frozen=True)
class LoginState:
    """What the RP remembers between the redirect and the callback (kept in the user's session)."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LoginState:
        return cls(
            state=str(data["state"]),
            nonce=str(data["nonce"]),
            code_verifier=str(data["code_verifier"]),
            redirect_uri=str(data["redirect_uri"]),
        )


def new_login_state(redirect_uri: str) -> LoginState:
    """Fresh random ``state``, ``nonce`` and a 64-character PKCE verifier."""
    return LoginState(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        code_verifier=secrets.token_urlsafe(48),
        redirect_uri=redirect_uri,
    )


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    id_token: str | None
    refresh_token: str | None
    expires_in: int | None
    id_claims: dict[str, Any]
    raw: dict[str, Any]


@dataclass(frozen=True)
class LoginResult:
    tokens: TokenSet
    userinfo: dict[str, Any]

    @property
    def id_claims(self) -> dict[str, Any]:
        return self.tokens.id_claims


def authorization_params(
    settings: OidcSettings, login: LoginState, *, prompt: str | None = None
) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": settings.client_id,
        "redirect_uri": login.redirect_uri,
        "scope": settings.scope,
        "state": login.state,
        "nonce": login.nonce,
        "code_challenge": create_s256_code_challenge(login.code_verifier),
        "code_challenge_method": "S256",
    }
    if settings.acr is not None:
        params["acr_values"] = settings.acr
    if prompt is not None:
        params["prompt"] = prompt
    return params


def check_id_token_claims(
    claims: Mapping[str, Any],
    *,
    settings: OidcSettings,
    now: int,
    nonce: str | None,
) -> None:
    """OIDC Core §3.1.3.7 checks on verified claims; raises :class:`TokenRejected`."""
    leeway = settings.leeway_seconds
    if claims.get("iss") != settings.issuer:
        raise TokenRejected(f"wrong issuer {claims.get('iss')!r}", "iss")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else list(aud or [])
    if settings.client_id not in audiences:
        raise TokenRejected(f"token is not for us (aud={aud!r})", "aud")
    if len(audiences) > 1 and claims.get("azp") != settings.client_id:
        raise TokenRejected("several audiences and azp is not us", "azp")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int) or not isinstance(iat, int):
        raise TokenRejected("exp and iat are required", "exp")
    if now > exp + leeway:
        raise TokenRejected(f"token expired {now - exp} s ago", "expired")
    if iat > now + leeway:
        raise TokenRejected("token issued in the future", "iat")
    if nonce is not None and claims.get("nonce") != nonce:
        raise TokenRejected("nonce does not match the authorization request", "nonce")
    if settings.acr is not None and claims.get("acr") != settings.acr:
        raise TokenRejected(f"acr {claims.get('acr')!r} is not {settings.acr!r}", "acr")


class OidcClient:
    """Async OIDC relying party; one per (provider, client registration)."""

    def __init__(self, settings: OidcSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._keys_loaded_at = 0

    def _now(self) -> int:
        return int(self.settings.clock.now().timestamp())

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            async with asyncio.timeout(self.settings.timeout_seconds):
                return await self.http.request(
                    method, url, timeout=self.settings.timeout_seconds, **kwargs
                )
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise ProviderTimeout(f"{method} {url}: no answer in time") from exc
        except httpx.HTTPError as exc:
            raise ProviderError("temporarily_unavailable", f"{method} {url}: {exc}") from exc

    @staticmethod
    def _json(response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if response.status_code >= 400:
            if isinstance(body, dict) and "error" in body:
                raise ProviderError(
                    str(body["error"]), str(body.get("error_description", "")), response.status_code
                )
            raise ProviderError("server_error", f"{what}: HTTP {response.status_code}")
        if not isinstance(body, dict):
            raise ProviderError("server_error", f"{what}: not a JSON object")
        return body

    # -- discovery, keys ----------------------------------------------------------------------
    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.settings.issuer.rstrip("/") + self.settings.discovery_path
            doc = self._json(await self._send("GET", url), "discovery")
            if doc.get("issuer") != self.settings.issuer:
                raise ProviderError(
                    "invalid_configuration", f"discovery issuer {doc.get('issuer')}"
                )
            self._metadata = doc
        return self._metadata

    async def _load_keys(self) -> KeySet:
        meta = await self.metadata()
        doc = self._json(await self._send("GET", str(meta["jwks_uri"])), "jwks")
        try:
            self._keys = KeySet.import_key_set(doc)  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise ProviderError("invalid_configuration", "unreadable JWKS") from exc
        self._keys_loaded_at = self._now()
        return self._keys

    async def _key_for(self, kid: str | None) -> KeySet:
        stale = self._now() - self._keys_loaded_at > self.settings.jwks_max_age_seconds
        keys = self._keys if self._keys is not None and not stale else await self._load_keys()
        if kid is not None and not any(k.kid == kid for k in keys.keys):
            keys = await self._load_keys()  # rotation: reload once on an unknown kid
            if not any(k.kid == kid for k in keys.keys):
                raise TokenRejected(f"no key {kid!r} in the provider's JWKS", "unknown_kid")
        return keys

    async def verify_signature(self, token: str) -> dict[str, Any]:
        """Claims of an RS256 JWS signed by one of the provider's published keys."""
        try:
            header = jws.extract_compact(token.encode()).protected
        except (JoseError, ValueError) as exc:
            raise TokenRejected("not a compact JWS", "malformed") from exc
        if header.get("alg") != "RS256":
            raise TokenRejected(f"alg {header.get('alg')!r} is not RS256", "alg")
        keys = await self._key_for(header.get("kid"))
        try:
            return dict(jwt.decode(token, keys, algorithms=["RS256"]).claims)
        except BadSignatureError as exc:
            raise TokenRejected("bad signature", "signature") from exc
        except (JoseError, ValueError) as exc:
            raise TokenRejected(f"undecodable token: {exc}", "malformed") from exc

    async def validate_id_token(self, token: str, *, nonce: str | None) -> dict[str, Any]:
        claims = await self.verify_signature(token)
        check_id_token_claims(claims, settings=self.settings, now=self._now(), nonce=nonce)
        return claims

    # -- the flow ---------------------------------------------------------------------------
    async def authorization_url(
        self, *, prompt: str | None = None, redirect_uri: str | None = None
    ) -> tuple[str, LoginState]:
        """The URL to send the browser to, and the state to keep until the callback."""
        meta = await self.metadata()
        login = new_login_state(redirect_uri or self.settings.redirect_uri)
        params = authorization_params(self.settings, login, prompt=prompt)
        return add_query(str(meta["authorization_endpoint"]), params), login

    async def complete_login(
        self, callback_params: Mapping[str, str], login: LoginState | None
    ) -> LoginResult:
        """Check the callback (``state`` first), exchange the code, validate, fetch userinfo."""
        got_state = callback_params.get("state")
        if login is None:
            raise StateMismatch("no login in progress in this session")
        if not got_state:
            raise StateMismatch("the callback carries no state")
        if not secrets.compare_digest(got_state, login.state):
            raise StateMismatch("the callback's state is not the one we sent")
        if "error" in callback_params:
            raise ProviderError(
                callback_params["error"], callback_params.get("error_description", "")
            )
        iss = callback_params.get("iss")
        if iss is not None and iss != self.settings.issuer:
            raise TokenRejected(f"callback from another issuer {iss!r}", "iss")
        code = callback_params.get("code")
        if not code:
            raise ProviderError("invalid_request", "the callback carries no code")
        tokens = await self.exchange_code(
            code, code_verifier=login.code_verifier, redirect_uri=login.redirect_uri,
            nonce=login.nonce,
        )  # fmt: skip
        info = await self.userinfo(tokens.access_token, expected_sub=tokens.id_claims.get("sub"))
        return LoginResult(tokens=tokens, userinfo=info)

    def _client_auth(self, form: dict[str, str]) -> dict[str, Any]:
        s = self.settings
        if s.token_auth_method == "client_secret_post":
            form.update(client_id=s.client_id, client_secret=s.client_secret)
            return {"data": form}
        return {"data": form, "auth": httpx.BasicAuth(s.client_id, s.client_secret)}

    async def _token_request(self, form: dict[str, str], *, nonce: str | None) -> TokenSet:
        meta = await self.metadata()
        response = await self._send("POST", str(meta["token_endpoint"]), **self._client_auth(form))
        body = self._json(response, "token")
        access = body.get("access_token")
        if not isinstance(access, str):
            raise ProviderError("invalid_response", "no access_token in the token response")
        id_token = body.get("id_token")
        id_claims: dict[str, Any] = {}
        if isinstance(id_token, str):
            id_claims = await self.validate_id_token(id_token, nonce=nonce)
        elif form.get("grant_type") == "authorization_code":
            raise ProviderError("invalid_response", "no id_token in the token response")
        refresh = body.get("refresh_token")
        expires = body.get("expires_in")
        return TokenSet(
            access_token=access,
            id_token=id_token if isinstance(id_token, str) else None,
            refresh_token=refresh if isinstance(refresh, str) else None,
            expires_in=expires if isinstance(expires, int) else None,
            id_claims=id_claims,
            raw=body,
        )

    async def exchange_code(
        self, code: str, *, code_verifier: str | None, redirect_uri: str, nonce: str | None
    ) -> TokenSet:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier is not None:
            form["code_verifier"] = code_verifier
        return await self._token_request(form, nonce=nonce)

    async def refresh(self, refresh_token: str) -> TokenSet:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return await self._token_request(form, nonce=None)

    async def userinfo(self, access_token: str, *, expected_sub: Any = None) -> dict[str, Any]:
        """Userinfo claims, from JSON or from a signed JWT (``application/jwt``)."""
        meta = await self.metadata()
        response = await self._send(
            "GET",
            str(meta["userinfo_endpoint"]),
            headers={"Authorization": f"Bearer {access_token}"},
        )
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if response.status_code < 400 and media == "application/jwt":
            claims = await self.verify_signature(response.text)
            if claims.get("iss") != self.settings.issuer:
                raise TokenRejected("signed userinfo from another issuer", "iss")
            if claims.get("aud") not in (self.settings.client_id, [self.settings.client_id]):
                raise TokenRejected("signed userinfo is not for us", "aud")
        else:
            claims = self._json(response, "userinfo")
        if expected_sub is not None and claims.get("sub") != expected_sub:
            raise TokenRejected("userinfo sub differs from the ID token's", "sub")
        return claims

    async def logout_url(
        self, *, id_token_hint: str | None = None, state: str | None = None
    ) -> str:
        """RP-initiated logout (``end_session_endpoint``) back to ``post_logout_redirect_uri``."""
        meta = await self.metadata()
        params = {"client_id": self.settings.client_id}
        if self.settings.post_logout_redirect_uri:
            params["post_logout_redirect_uri"] = self.settings.post_logout_redirect_uri
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        if state:
            params["state"] = state
        return add_query(str(meta["end_session_endpoint"]), params)
