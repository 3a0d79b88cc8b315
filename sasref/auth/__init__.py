"""Authentication for the SAS: PSC relying party, sessions, roles, SSO into editors, SAS IdP.

* :mod:`sasref.auth.client` — :class:`OidcClient`, the relying party (PSC or SAS IdP).
* :mod:`sasref.auth.login` — ``login_router`` (``/login``, ``/auth/callback``, ``/logout``),
  ``require_regulator``, ``require_csrf``.
* :mod:`sasref.auth.roles` — :class:`Regulator`, :class:`Role`, the PSC-claims → roles mapping.
* :mod:`sasref.auth.sso` — ``booking_url_with_origin``, ``regulator_permissions_allowed``.
* :mod:`sasref.auth.editor_sso` — ``EditorSso``: the editor side (booking page guard, silent SSO).
* :mod:`sasref.auth.idp` — ``sas_idp_router``, the SAS as OpenID provider ("délégation SAS").
* :mod:`sasref.auth.provider`, :mod:`sasref.auth.keys` — the sans-I/O provider core and signing
  keys shared by the fake PSC and the SAS IdP.
"""

from __future__ import annotations

from sasref.auth.client import LoginResult, LoginState, OidcClient, OidcSettings, TokenSet
from sasref.auth.editor_sso import (
    EditorSso,
    EditorSsoSettings,
    editor_session,
    require_editor_session,
)
from sasref.auth.idp import IdpSettings, SasIdp, sas_idp_router
from sasref.auth.login import (
    CsrfTokenDep,
    LoginSettings,
    RegulatorDep,
    SasLogin,
    csrf_token,
    current_regulator,
    login_enabled,
    login_router,
    require_csrf,
    require_regulator,
    require_regulator_when_enabled,
)
from sasref.auth.provider import ClientRegistration, Faults, Lifetimes
from sasref.auth.roles import Regulator, Role, RoleEntry, regulator_from_claims, roles_from_claims
from sasref.auth.sso import (
    SsoMode,
    booking_url_with_origin,
    editor_oidc_settings,
    regulator_permissions_allowed,
)

__all__ = [
    "ClientRegistration",
    "CsrfTokenDep",
    "EditorSso",
    "EditorSsoSettings",
    "Faults",
    "IdpSettings",
    "Lifetimes",
    "LoginResult",
    "LoginSettings",
    "LoginState",
    "OidcClient",
    "OidcSettings",
    "Regulator",
    "RegulatorDep",
    "Role",
    "RoleEntry",
    "SasIdp",
    "SasLogin",
    "SsoMode",
    "TokenSet",
    "booking_url_with_origin",
    "csrf_token",
    "current_regulator",
    "editor_oidc_settings",
    "editor_session",
    "login_enabled",
    "login_router",
    "regulator_from_claims",
    "regulator_permissions_allowed",
    "require_csrf",
    "require_editor_session",
    "require_regulator",
    "require_regulator_when_enabled",
    "roles_from_claims",
    "sas_idp_router",
]
