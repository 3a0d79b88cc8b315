"""Bad input and attacks (issue 5): every one is rejected with a typed, explicit error."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from mocks.psc import PscSettings, click_persona, create_app
from mocks.psc.fixtures import EDITOR_CLIENT, SAS_CLIENT, rp_settings
from sasref.auth import OidcClient
from sasref.auth.client import LoginState
from sasref.clock import PARIS, FixedClock
from sasref.errors import ProviderError, StateMismatch, TokenRejected

ISSUER = "https://psc.test/auth/realms/esante-wallet"
OTHER_ISSUER = "https://other-psc.test/auth/realms/esante-wallet"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 6, 12, 10, 0, tzinfo=PARIS))


@pytest.fixture
async def http(clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    psc = create_app(PscSettings(clock=clock, clients=(SAS_CLIENT, EDITOR_CLIENT)))
    other = create_app(PscSettings(issuer=OTHER_ISSUER, clock=clock, clients=(SAS_CLIENT,)))
    async with httpx.AsyncClient(
        mounts={
            "https://psc.test": httpx.ASGITransport(app=psc),
            "https://other-psc.test": httpx.ASGITransport(app=other),
        }
    ) as client:
        yield client


@pytest.fixture
def rp(http: httpx.AsyncClient, clock: FixedClock) -> OidcClient:
    return OidcClient(rp_settings(SAS_CLIENT, clock), http)


async def callback_for(
    rp: OidcClient, http: httpx.AsyncClient
) -> tuple[dict[str, str], LoginState]:
    url, state = await rp.authorization_url(prompt="login")
    callback = await click_persona(http, url, "regulateur")
    return dict(httpx.URL(callback).params), state


async def id_token(rp: OidcClient, http: httpx.AsyncClient) -> tuple[str, str]:
    params, state = await callback_for(rp, http)
    result = await rp.complete_login(params, state)
    assert result.tokens.id_token is not None
    return result.tokens.id_token, state.nonce


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unb64(part: str) -> dict[str, object]:
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


# -- tokens -----------------------------------------------------------------------------------
async def test_tampered_payload_is_rejected(rp: OidcClient, http: httpx.AsyncClient) -> None:
    token, nonce = await id_token(rp, http)
    header, payload, signature = token.split(".")
    claims = unb64(payload)
    claims["sub"] = "someone-else"
    with pytest.raises(TokenRejected) as exc:
        await rp.validate_id_token(f"{header}.{b64(claims)}.{signature}", nonce=nonce)
    assert exc.value.reason == "signature"


async def test_tampered_signature_is_rejected(rp: OidcClient, http: httpx.AsyncClient) -> None:
    token, nonce = await id_token(rp, http)
    head, payload, signature = token.split(".")
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    with pytest.raises(TokenRejected) as exc:
        await rp.validate_id_token(f"{head}.{payload}.{flipped}", nonce=nonce)
    assert exc.value.reason == "signature"


async def test_alg_none_and_hs256_are_rejected(rp: OidcClient, http: httpx.AsyncClient) -> None:
    token, nonce = await id_token(rp, http)
    claims = unb64(token.split(".")[1])
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    with pytest.raises(TokenRejected) as none_exc:
        await rp.validate_id_token(unsigned, nonce=nonce)
    assert none_exc.value.reason == "alg"
    # HS256 keyed with the client secret, the classic key-confusion attempt.
    hs = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(SAS_CLIENT.client_secret))
    with pytest.raises(TokenRejected) as hs_exc:
        await rp.validate_id_token(hs, nonce=nonce)
    assert hs_exc.value.reason == "alg"


async def test_token_signed_by_a_foreign_key_with_our_kid(
    rp: OidcClient, http: httpx.AsyncClient
) -> None:
    token, nonce = await id_token(rp, http)
    header, claims = unb64(token.split(".")[0]), unb64(token.split(".")[1])
    forged = jwt.encode({"alg": "RS256", "kid": header["kid"]}, claims, RSAKey.generate_key(2048))
    with pytest.raises(TokenRejected) as exc:
        await rp.validate_id_token(forged, nonce=nonce)
    assert exc.value.reason == "signature"


async def test_expired_id_token_is_rejected(
    rp: OidcClient, http: httpx.AsyncClient, clock: FixedClock
) -> None:
    token, nonce = await id_token(rp, http)
    clock.advance(timedelta(seconds=120 + rp.settings.leeway_seconds + 1))
    with pytest.raises(TokenRejected) as exc:
        await rp.validate_id_token(token, nonce=nonce)
    assert exc.value.reason == "expired"


async def test_token_within_leeway_is_accepted(
    rp: OidcClient, http: httpx.AsyncClient, clock: FixedClock
) -> None:
    token, nonce = await id_token(rp, http)
    clock.advance(timedelta(seconds=120 + rp.settings.leeway_seconds - 1))
    assert (await rp.validate_id_token(token, nonce=nonce))["iss"] == ISSUER


async def test_wrong_audience_is_rejected(
    rp: OidcClient, http: httpx.AsyncClient, clock: FixedClock
) -> None:
    token, nonce = await id_token(rp, http)  # issued to the SAS
    editor = OidcClient(rp_settings(EDITOR_CLIENT, clock), http)
    with pytest.raises(TokenRejected) as exc:
        await editor.validate_id_token(token, nonce=nonce)
    assert exc.value.reason == "aud"


async def test_wrong_issuer_is_rejected(
    rp: OidcClient, http: httpx.AsyncClient, clock: FixedClock
) -> None:
    # Another realm shares the process key pool, so only the iss check can catch its tokens.
    other = OidcClient(rp_settings(SAS_CLIENT, clock, issuer=OTHER_ISSUER), http)
    foreign, nonce = await id_token(other, http)
    assert (
        unb64(foreign.split(".")[0])["kid"]
        == unb64((await id_token(rp, http))[0].split(".")[0])["kid"]
    )
    with pytest.raises(TokenRejected) as exc:
        await rp.validate_id_token(foreign, nonce=nonce)
    assert exc.value.reason == "iss"


async def test_wrong_nonce_is_rejected(rp: OidcClient, http: httpx.AsyncClient) -> None:
    params, state = await callback_for(rp, http)
    with pytest.raises(TokenRejected) as exc:
        await rp.complete_login(params, replace(state, nonce="not-the-nonce"))
    assert exc.value.reason == "nonce"


async def test_callback_from_another_issuer_is_rejected(
    rp: OidcClient, http: httpx.AsyncClient
) -> None:
    params, state = await callback_for(rp, http)
    with pytest.raises(TokenRejected) as exc:
        await rp.complete_login({**params, "iss": OTHER_ISSUER}, state)
    assert exc.value.reason == "iss"


# -- codes and PKCE ------------------------------------------------------------------------------
async def test_replayed_code_is_rejected_and_revokes_tokens(
    rp: OidcClient, http: httpx.AsyncClient
) -> None:
    params, state = await callback_for(rp, http)
    first = await rp.complete_login(params, state)
    with pytest.raises(ProviderError) as exc:
        await rp.complete_login(params, state)
    assert exc.value.error == "invalid_grant"
    assert "already used" in exc.value.description
    with pytest.raises(ProviderError) as revoked:
        await rp.userinfo(first.tokens.access_token)
    assert revoked.value.error == "invalid_token"
    assert first.tokens.refresh_token is not None
    with pytest.raises(ProviderError):
        await rp.refresh(first.tokens.refresh_token)


async def test_missing_pkce_verifier_is_rejected(rp: OidcClient, http: httpx.AsyncClient) -> None:
    params, state = await callback_for(rp, http)
    with pytest.raises(ProviderError) as exc:
        await rp.exchange_code(
            params["code"], code_verifier=None, redirect_uri=state.redirect_uri, nonce=state.nonce
        )
    assert exc.value.error == "invalid_grant" and "missing" in exc.value.description


async def test_wrong_pkce_verifier_is_rejected(rp: OidcClient, http: httpx.AsyncClient) -> None:
    params, state = await callback_for(rp, http)
    with pytest.raises(ProviderError) as exc:
        await rp.complete_login(params, replace(state, code_verifier="x" * 64))
    assert exc.value.error == "invalid_grant" and "does not match" in exc.value.description


async def test_code_bound_to_redirect_uri(rp: OidcClient, http: httpx.AsyncClient) -> None:
    params, state = await callback_for(rp, http)
    with pytest.raises(ProviderError) as exc:
        await rp.exchange_code(
            params["code"],
            code_verifier=state.code_verifier,
            redirect_uri="https://sas.test/other",
            nonce=state.nonce,
        )
    assert exc.value.error == "invalid_grant"


async def test_expired_code_is_rejected(
    rp: OidcClient, http: httpx.AsyncClient, clock: FixedClock
) -> None:
    params, state = await callback_for(rp, http)
    clock.advance(timedelta(seconds=61))
    with pytest.raises(ProviderError) as exc:
        await rp.complete_login(params, state)
    assert exc.value.error == "invalid_grant" and "expired" in exc.value.description


# -- state -------------------------------------------------------------------------------------
async def test_missing_state_is_rejected(rp: OidcClient, http: httpx.AsyncClient) -> None:
    params, state = await callback_for(rp, http)
    del params["state"]
    with pytest.raises(StateMismatch):
        await rp.complete_login(params, state)


async def test_mismatched_state_is_rejected(rp: OidcClient, http: httpx.AsyncClient) -> None:
    params, state = await callback_for(rp, http)
    with pytest.raises(StateMismatch):
        await rp.complete_login({**params, "state": "forged"}, state)


async def test_callback_without_login_in_progress(rp: OidcClient, http: httpx.AsyncClient) -> None:
    params, _ = await callback_for(rp, http)
    with pytest.raises(StateMismatch):
        await rp.complete_login(params, None)


# -- authorization request checks at the provider ------------------------------------------------
def authorize_url(**overrides: str) -> str:
    params = {
        "response_type": "code",
        "client_id": SAS_CLIENT.client_id,
        "redirect_uri": SAS_CLIENT.redirect_uris[0],
        "scope": "openid scope_all",
        "state": "s1",
        "nonce": "n1",
        "acr_values": "eidas1",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return str(httpx.URL(f"{ISSUER}/protocol/openid-connect/auth", params=params))


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"acr_values": "eidas2"}, "invalid_request"),
        ({"scope": "openid"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
async def test_bad_authorization_requests_are_redirected_with_an_error(
    overrides: dict[str, str], error: str, http: httpx.AsyncClient
) -> None:
    response = await http.get(authorize_url(**overrides))
    assert response.status_code == 302
    location = httpx.URL(response.headers["location"])
    assert str(location).startswith(SAS_CLIENT.redirect_uris[0])
    assert location.params["error"] == error
    assert location.params["state"] == "s1"


@pytest.mark.parametrize(
    "overrides", [{"redirect_uri": "https://evil.test/cb"}, {"client_id": "unknown"}]
)
async def test_untrusted_redirect_is_never_followed(
    overrides: dict[str, str], http: httpx.AsyncClient
) -> None:
    response = await http.get(authorize_url(**overrides))
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_login_form_cannot_be_submitted_twice(
    http: httpx.AsyncClient, rp: OidcClient
) -> None:
    url, _ = await rp.authorization_url(prompt="login")
    page = (await http.get(url)).text
    code = page.split('name="session_code" value="', 1)[1].split('"', 1)[0]
    action = f"{ISSUER}/login-actions/authenticate"
    first = await http.post(action, data={"session_code": code, "persona": "regulateur"})
    assert first.status_code == 302
    again = await http.post(action, data={"session_code": code, "persona": "medecin"})
    assert again.status_code == 400 and "location" not in again.headers
    unknown = await http.post(action, data={"session_code": "forged", "persona": "medecin"})
    assert unknown.status_code == 400
