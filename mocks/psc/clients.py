"""Client registrations the fake PSC knows by default (redirect URIs on the in-process ``.test``
hosts); add others with ``PscSettings(clients=...)`` or ``POST /admin/clients``."""

from __future__ import annotations

from sasref.auth.provider import ClientRegistration

__all__ = [
    "DEFAULT_CLIENTS",
    "EDITOR_CLIENT",
    "EDITOR_JWT_CLIENT",
    "EDITOR_SAS_CLIENT",
    "SAS_CLIENT",
]

SAS_CLIENT = ClientRegistration(
    client_id="sas-platform",
    client_secret="sas-platform-secret",
    redirect_uris=("https://sas.test/auth/callback",),
    post_logout_redirect_uris=("https://sas.test/",),
)
EDITOR_CLIENT = ClientRegistration(
    client_id="editeur-01",
    client_secret="editeur-01-secret",
    redirect_uris=("https://editeur-01.test/sso/callback",),
    post_logout_redirect_uris=("https://editeur-01.test/",),
)
EDITOR_JWT_CLIENT = ClientRegistration(
    client_id="editeur-02",
    client_secret="editeur-02-secret",
    redirect_uris=("https://editeur-02.test/sso/callback",),
    post_logout_redirect_uris=("https://editeur-02.test/",),
    userinfo_signed_response_alg="RS256",
)

#: An editor registered at the SAS IdP (SSO mode (b), "délégation SAS").
EDITOR_SAS_CLIENT = ClientRegistration(
    client_id="editeur-01",
    client_secret="editeur-01-sas-secret",
    redirect_uris=("https://editeur-01.test/sso/callback",),
    post_logout_redirect_uris=("https://editeur-01.test/",),
)

#: What a fake PSC registers when its settings name no client.
DEFAULT_CLIENTS = (SAS_CLIENT, EDITOR_CLIENT, EDITOR_JWT_CLIENT)
