"""Data of the OpenID provider core (:mod:`sasref.auth.provider`): registrations, lifetimes, fault
switches, subjects, checked requests, browser sessions and the two error kinds the HTTP adapters
turn into responses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

__all__ = [
    "AuthorizationRequest",
    "AuthorizeError",
    "BrowserSession",
    "ClientRegistration",
    "Faults",
    "Lifetimes",
    "OAuthError",
    "Subject",
    "add_query",
]


def add_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` appended to its query (existing parameters kept)."""
    sep = "&" if urlsplit(url).query else "?"
    return f"{url}{sep}{urlencode(params)}" if params else url


@dataclass(frozen=True)
class ClientRegistration:
    """A registered relying party (what an editor or the SAS asks PSC for)."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()
    #: "RS256" makes the userinfo endpoint answer ``application/jwt`` for this client.
    userinfo_signed_response_alg: str | None = None


@dataclass(frozen=True)
class Lifetimes:
    """Lifetimes in seconds (PSC: 120 s access token, 30 min refresh token, 4 h session)."""

    access_token: int = 120
    refresh_token: int = 1800
    code: int = 60
    session: int = 4 * 3600
    session_idle: int = 1800


@dataclass
class Faults:
    """Switches that make the provider misbehave on purpose (``PUT /admin/faults``)."""

    deny: bool = False
    wrong_acr: str | None = None
    expired_tokens: bool = False
    slow_seconds: float = 0.0
    token_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "deny": self.deny,
            "wrong_acr": self.wrong_acr,
            "expired_tokens": self.expired_tokens,
            "slow_seconds": self.slow_seconds,
            "token_error": self.token_error,
        }


@dataclass(frozen=True)
class Subject:
    """Who logs in: ``sub`` and the claims each artefact carries."""

    sub: str
    userinfo_claims: dict[str, Any]
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    access_token_claims: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked authorization request."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str
    acr_values: str | None
    prompt: str | None


class OAuthError(Exception):
    """An RFC 6749 error answered as JSON by token/userinfo/introspection endpoints."""

    def __init__(self, error: str, description: str = "", status_code: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status_code = status_code

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class AuthorizeError(Exception):
    """An authorization-endpoint error; ``redirect_url`` is None when it must not be redirected."""

    def __init__(
        self, error: str, description: str, request: AuthorizationRequest | None = None
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.request = request

    @property
    def redirect_url(self) -> str | None:
        if self.request is None:
            return None
        params = {"error": self.error, "error_description": self.description}
        if self.request.state is not None:
            params["state"] = self.request.state
        return add_query(self.request.redirect_uri, params)


@dataclass
class BrowserSession:
    sid: str
    subject: Subject
    auth_time: int
    last_seen: int
