"""Signed cookie sessions and CSRF tokens for the SAS platform's pages (and the SAS IdP).

The session is a small JSON dict signed with ``itsdangerous`` (``URLSafeTimedSerializer``, so the
cookie also expires server-side after ``max_age``); it holds the login in progress (state, nonce,
PKCE verifier), then the :class:`~sasref.auth.roles.Regulator` and a CSRF token. Tokens from PSC
are not kept: the SAS session is the SAS's own once the login is validated.

CSRF: a "signed double-submit" token — the token travels in the (signed, HttpOnly) session cookie
and must come back in the POSTed form field ``csrf_token`` or the ``X-CSRF-Token`` header; a forged
cross-site POST cannot read it, and an attacker cannot plant a cookie with a token of their own
because the cookie is signed.
"""

from __future__ import annotations

import secrets
from typing import Any, Protocol

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "CookieSettings",
    "SessionCookie",
    "csrf_matches",
    "relying_party_cookie",
]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class SessionCookie:
    """Read, write and clear one signed session cookie."""

    def __init__(
        self, secret_key: str, *, cookie_name: str, max_age: int, secure: bool = True
    ) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="sasref.auth.session")
        self.cookie_name = cookie_name
        self.max_age = max_age
        self.secure = secure

    def read(self, request: Request) -> dict[str, Any]:
        raw = request.cookies.get(self.cookie_name)
        if not raw:
            return {}
        try:
            data = self._serializer.loads(raw, max_age=self.max_age)
        except BadSignature:  # tampered, foreign or expired (SignatureExpired is a subclass)
            return {}
        return data if isinstance(data, dict) else {}

    def write(self, response: Response, data: dict[str, Any]) -> None:
        response.set_cookie(
            self.cookie_name,
            self._serializer.dumps(data),
            max_age=self.max_age,
            httponly=True,
            secure=self.secure,
            samesite="lax",
            path="/",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(self.cookie_name, path="/")


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(session: dict[str, Any], submitted: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and submitted and secrets.compare_digest(str(expected), submitted))


class CookieSettings(Protocol):
    """The session settings a relying party (the SAS login, an editor's SSO) carries."""

    @property
    def secret_key(self) -> str: ...

    @property
    def cookie_name(self) -> str: ...

    @property
    def session_max_age(self) -> int: ...

    @property
    def secure_cookie(self) -> bool | None: ...


def relying_party_cookie(settings: CookieSettings, redirect_uri: str) -> SessionCookie:
    """The session cookie of an OIDC relying party. ``Secure`` as ``secure_cookie`` says or, when
    it is None, when the redirect URI is https (a browser never sends a Secure cookie back to a
    plain-http demo)."""
    secure = settings.secure_cookie
    return SessionCookie(
        settings.secret_key,
        cookie_name=settings.cookie_name,
        max_age=settings.session_max_age,
        secure=redirect_uri.startswith("https:") if secure is None else secure,
    )
