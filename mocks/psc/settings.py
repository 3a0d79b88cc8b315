"""Settings of the fake ProSanté Connect (one :class:`PscSettings` per app, nothing global)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mocks.psc.clients import DEFAULT_CLIENTS
from mocks.psc.personas import Persona
from sasref.auth.provider import ClientRegistration, Faults, Lifetimes
from sasref.clock import Clock, SystemClock

__all__ = ["DEFAULT_ISSUER", "PscSettings"]

#: Same realm and path layout as PSC's sandbox issuer (psc-hub-libraries §1.1), on a test host.
DEFAULT_ISSUER = "https://psc.test/auth/realms/esante-wallet"


@dataclass
class PscSettings:
    issuer: str = DEFAULT_ISSUER
    #: PSC's user-facing "wallet" authorize URL lives on another host; None = Keycloak's own path.
    #: The app also answers ``GET /auth`` so the same app can be mounted as ``https://wallet...``.
    authorize_url: str | None = None
    seed: int = 0
    clock: Clock = field(default_factory=SystemClock)
    #: None = :func:`mocks.psc.personas.default_personas` for ``seed``.
    personas: tuple[Persona, ...] | None = None
    clients: tuple[ClientRegistration, ...] = DEFAULT_CLIENTS
    lifetimes: Lifetimes = field(default_factory=Lifetimes)
    acr: str = "eidas1"
    #: Scopes an authorization request must carry (PSC RPs send ``openid scope_all``).
    required_scopes: tuple[str, ...] = ("openid", "scope_all")
    #: How long a rotated-out signing key stays in the JWKS.
    key_grace_seconds: int = 600
    #: True = brand new RSA keys for this app (slower); False = the per-process key pool.
    fresh_keys: bool = False
    faults: Faults = field(default_factory=Faults)
    session_cookie: str = "KEYCLOAK_SESSION"
    #: ``Secure`` flag of the session cookie; None = only when the issuer is https.
    secure_cookie: bool | None = None
