"""SSO from the SAS into an editor's booking page: the reusable pieces (docs/sso.md).

IG digest §0 and §3.4: the regulator clicks a slot and lands on the editor's page from
``Slot.comment`` "without re-authenticating"; the SAS appends ``origin=sas``; an arrival without a
session goes to the editor's login page; the regulator-only permission level is active only when
the session came through the SAS. How the editor authenticates is a [GAP] in the IG; two modes:

* :attr:`SsoMode.PSC` — the editor is itself a relying party of ProSanté Connect and reuses the PSC
  browser session: an authorization request with ``prompt=none`` returns a code at once when the
  browser holds a PSC session, ``login_required`` otherwise (then the editor shows its login page).
* :attr:`SsoMode.SAS` — "délégation SAS": the SAS platform is the editor's OpenID provider
  (:mod:`sasref.auth.idp`); same flow, the SAS session answers.

Both use :class:`sasref.auth.client.OidcClient`; :func:`editor_oidc_settings` fills in what differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sasref.auth.client import OidcSettings
from sasref.clock import Clock, SystemClock

__all__ = [
    "ORIGIN_PARAM",
    "ORIGIN_SAS",
    "SsoMode",
    "booking_url_with_origin",
    "editor_oidc_settings",
    "regulator_permissions_allowed",
]

ORIGIN_PARAM = "origin"
ORIGIN_SAS = "sas"


class SsoMode(StrEnum):
    PSC = "psc"
    SAS = "sas"


def booking_url_with_origin(url: str, origin: str = ORIGIN_SAS) -> str:
    """``url`` (a ``Slot.comment`` booking link) with ``origin=sas``; other parameters, their
    order and the fragment are kept; an existing ``origin`` is replaced, not duplicated."""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != ORIGIN_PARAM]
    query.append((ORIGIN_PARAM, origin))
    return urlunsplit(parts._replace(query=urlencode(query)))


def regulator_permissions_allowed(
    origin: str | None,
    session: Mapping[str, Any] | None,
    *,
    allowed_origins: Iterable[str] = (ORIGIN_SAS,),
) -> bool:
    """Whether the editor may grant its regulator-only permission level (IG digest §3.4).

    True only when the request came from the SAS (``origin`` is ``sas``; pass
    ``allowed_origins=("sas", "sas-preprod")`` for ANS's pre-production test kit) **and** the editor
    session is authenticated (has a ``sub``) by SSO.
    """
    if origin is None or origin not in set(allowed_origins):
        return False
    return bool(session) and bool(session.get("sub")) if session is not None else False


def editor_oidc_settings(
    mode: SsoMode,
    *,
    issuer: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    post_logout_redirect_uri: str | None = None,
    clock: Clock | None = None,
    timeout_seconds: float = 5.0,
) -> OidcSettings:
    """RP settings for an editor: PSC asks ``openid scope_all`` at ``eidas1``; the SAS IdP asks
    ``openid`` and sets no ``acr``."""
    psc = mode is SsoMode.PSC
    return OidcSettings(
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        post_logout_redirect_uri=post_logout_redirect_uri,
        scope="openid scope_all" if psc else "openid",
        acr="eidas1" if psc else None,
        clock=clock or SystemClock(),
        timeout_seconds=timeout_seconds,
    )
