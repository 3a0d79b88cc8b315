"""ID-token claim checks of the relying party (sasref.auth.client.check_id_token_claims)."""

from __future__ import annotations

from typing import Any

import pytest

from sasref.auth.client import (
    OidcSettings,
    authorization_params,
    check_id_token_claims,
    new_login_state,
)
from sasref.errors import TokenRejected

SETTINGS = OidcSettings(
    issuer="https://op.test/realm",
    client_id="sas",
    client_secret="s",
    redirect_uri="https://sas.test/cb",
    leeway_seconds=30,
)
NOW = 1_781_251_200


def good(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": "https://op.test/realm",
        "aud": "sas",
        "exp": NOW + 120,
        "iat": NOW,
        "nonce": "n",
        "acr": "eidas1",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_good_claims_pass() -> None:
    check_id_token_claims(good(), settings=SETTINGS, now=NOW, nonce="n")
    check_id_token_claims(good(aud=["sas", "x"], azp="sas"), settings=SETTINGS, now=NOW, nonce="n")


@pytest.mark.parametrize(
    ("overrides", "now", "reason"),
    [
        ({"iss": "https://op.test/other"}, NOW, "iss"),
        ({"aud": "editor"}, NOW, "aud"),
        ({"aud": ["editor", "sas"]}, NOW, "azp"),
        ({"exp": None}, NOW, "exp"),
        ({"iat": "yesterday"}, NOW, "exp"),
        ({}, NOW + 120 + 31, "expired"),
        ({"iat": NOW + 60}, NOW, "iat"),
        ({"nonce": "other"}, NOW, "nonce"),
        ({"nonce": None}, NOW, "nonce"),
        ({"acr": "eidas3"}, NOW, "acr"),
        ({"acr": None}, NOW, "acr"),
    ],
)
def test_bad_claims_are_rejected(overrides: dict[str, Any], now: int, reason: str) -> None:
    with pytest.raises(TokenRejected) as exc:
        check_id_token_claims(good(**overrides), settings=SETTINGS, now=now, nonce="n")
    assert exc.value.reason == reason


def test_authorization_request_parameters() -> None:
    login = new_login_state("https://sas.test/cb")
    p = authorization_params(SETTINGS, login, prompt="none")
    assert p["scope"] == "openid scope_all" and p["acr_values"] == "eidas1"
    assert p["code_challenge_method"] == "S256" and p["code_challenge"] != login.code_verifier
    assert p["prompt"] == "none" and p["state"] == login.state and p["nonce"] == login.nonce
    assert 43 <= len(login.code_verifier) <= 128  # RFC 7636 §4.1
    assert new_login_state("x").state != login.state
