"""The sans-I/O provider core shared by the fake PSC and the SAS IdP (sasref.auth.provider)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from sasref.auth.keys import KeyRing
from sasref.auth.provider import (
    AuthorizeError,
    ClientRegistration,
    OAuthError,
    ProviderCore,
    Subject,
    add_query,
)
from sasref.clock import PARIS, FixedClock

CLIENT = ClientRegistration("c1", "secret-1", ("https://rp.test/cb",), ("https://rp.test/",))
VERIFIER = "v" * 64


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 6, 12, 10, 0, tzinfo=PARIS))


@pytest.fixture
def core(clock: FixedClock) -> ProviderCore:
    return ProviderCore(
        issuer="https://op.test/realm/",
        clients=[CLIENT],
        clock=clock,
        keyring=KeyRing("unit", clock),
        required_scopes=("openid", "scope_all"),
    )


def params(**overrides: str) -> dict[str, str]:
    base = {
        "response_type": "code",
        "client_id": "c1",
        "redirect_uri": "https://rp.test/cb",
        "scope": "openid scope_all",
        "state": "st",
        "nonce": "no",
        "code_challenge": create_s256_code_challenge(VERIFIER),
        "code_challenge_method": "S256",
    }
    base.update(overrides)
    return base


def basic(client_id: str = "c1", secret: str = "secret-1") -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def code_for(core: ProviderCore) -> str:
    session = core.start_session(Subject("u1", {"SubjectNameID": "810002673899"}))
    return core.issue_code(core.check_authorization_request(params()), session)


def exchange(core: ProviderCore, code: str, verifier: str = VERIFIER) -> dict[str, object]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "https://rp.test/cb",
        "code_verifier": verifier,
    }
    return core.token(form, basic())


def test_issuer_is_normalised_and_tokens_carry_it(core: ProviderCore) -> None:
    tokens = exchange(core, code_for(core))
    claims = core.keyring.verify(str(tokens["id_token"]))
    assert claims["iss"] == "https://op.test/realm"
    assert claims["nonce"] == "no" and claims["acr"] == "eidas1"


def test_code_is_single_use_and_replay_revokes(core: ProviderCore) -> None:
    code = code_for(core)
    tokens = exchange(core, code)
    with pytest.raises(OAuthError) as exc:
        exchange(core, code)
    assert exc.value.error == "invalid_grant"
    with pytest.raises(OAuthError):
        core.userinfo(f"Bearer {tokens['access_token']}")


def test_pkce_mismatch_burns_the_code(core: ProviderCore) -> None:
    code = code_for(core)
    with pytest.raises(OAuthError):
        exchange(core, code, verifier="w" * 64)
    with pytest.raises(OAuthError) as exc:
        exchange(core, code)  # the right verifier is too late: codes are single-use
    assert "already used" in exc.value.description


@pytest.mark.parametrize(
    "authorization", [None, basic(secret="nope"), basic(client_id="ghost"), "Basic %%%"]
)
def test_client_authentication_failures(core: ProviderCore, authorization: str | None) -> None:
    with pytest.raises(OAuthError) as exc:
        core.token({"grant_type": "authorization_code", "code": "x"}, authorization)
    assert exc.value.error == "invalid_client" and exc.value.status_code == 401


def test_unknown_grant_type(core: ProviderCore) -> None:
    with pytest.raises(OAuthError) as exc:
        core.token({"grant_type": "password"}, basic())
    assert exc.value.error == "unsupported_grant_type"


def test_authorize_errors_redirect_only_to_registered_uris(core: ProviderCore) -> None:
    with pytest.raises(AuthorizeError) as bad_uri:
        core.check_authorization_request(params(redirect_uri="https://evil.test/cb"))
    assert bad_uri.value.redirect_url is None
    with pytest.raises(AuthorizeError) as bad_scope:
        core.check_authorization_request(params(scope="openid"))
    assert bad_scope.value.redirect_url == (
        "https://rp.test/cb?error=invalid_scope&error_description=scope+must+include+scope_all"
        "&state=st"
    )


def test_sessions_expire_when_idle(core: ProviderCore, clock: FixedClock) -> None:
    session = core.start_session(Subject("u1", {}))
    clock.advance(timedelta(minutes=29))
    assert core.get_session(session.sid) is session
    clock.advance(timedelta(minutes=29))
    assert core.get_session(session.sid) is session  # touched 29 min ago
    clock.advance(timedelta(minutes=31))
    assert core.get_session(session.sid) is None


def test_sessions_end_after_four_hours_even_when_active(
    core: ProviderCore, clock: FixedClock
) -> None:
    session = core.start_session(Subject("u1", {}))
    for _ in range(16):
        clock.advance(timedelta(minutes=15))
        core.get_session(session.sid)
    clock.advance(timedelta(minutes=1))
    assert core.get_session(session.sid) is None


def test_add_query_keeps_existing_parameters() -> None:
    assert add_query("https://a.test/cb?x=1", {"code": "c"}) == "https://a.test/cb?x=1&code=c"
    assert add_query("https://a.test/cb", {}) == "https://a.test/cb"
