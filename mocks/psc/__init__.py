"""Fake ProSanté Connect (PSC) OpenID provider: ``create_app(PscSettings(...))``.

See :mod:`mocks.psc.app` for the endpoints and docs/sso.md for the flows.
"""

from __future__ import annotations

from mocks.psc.app import PscState, create_app
from mocks.psc.clients import (
    DEFAULT_CLIENTS,
    EDITOR_CLIENT,
    EDITOR_JWT_CLIENT,
    EDITOR_SAS_CLIENT,
    SAS_CLIENT,
)
from mocks.psc.driver import LoginPageError, click_persona, deny
from mocks.psc.personas import Persona, default_personas, manual_persona
from mocks.psc.settings import DEFAULT_ISSUER, PscSettings

__all__ = [
    "DEFAULT_CLIENTS",
    "DEFAULT_ISSUER",
    "EDITOR_CLIENT",
    "EDITOR_JWT_CLIENT",
    "EDITOR_SAS_CLIENT",
    "SAS_CLIENT",
    "LoginPageError",
    "Persona",
    "PscSettings",
    "PscState",
    "click_persona",
    "create_app",
    "default_personas",
    "deny",
    "manual_persona",
]
