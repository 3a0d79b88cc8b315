"""Signing-key rotation at the fake PSC and JWKS refresh at the relying party."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest

from mocks.psc import PscSettings, click_persona
from mocks.psc.fixtures import SAS_CLIENT, psc_http, rp_settings
from sasref.auth import OidcClient
from sasref.clock import PARIS, FixedClock
from sasref.errors import TokenRejected

ISSUER = "https://psc.test/auth/realms/esante-wallet"
CERTS = f"{ISSUER}/protocol/openid-connect/certs"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 6, 12, 10, 0, tzinfo=PARIS))


@pytest.fixture
async def http(clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    _, client = psc_http(PscSettings(clock=clock, clients=(SAS_CLIENT,), key_grace_seconds=600))
    async with client:
        yield client


def kid_of(token: str) -> str:
    head = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"])


async def fresh_token(rp: OidcClient, http: httpx.AsyncClient) -> tuple[str, str]:
    url, state = await rp.authorization_url(prompt="login")
    callback = await click_persona(http, url, "regulateur")
    result = await rp.complete_login(dict(httpx.URL(callback).params), state)
    assert result.tokens.id_token is not None
    return result.tokens.id_token, state.nonce


async def certs_fetches(http: httpx.AsyncClient) -> int:
    log = (await http.get("https://psc.test/admin/requests")).json()
    return sum(1 for entry in log if entry["path"].endswith("/certs"))


async def test_rotation_new_kid_triggers_one_jwks_reload(
    http: httpx.AsyncClient, clock: FixedClock
) -> None:
    rp = OidcClient(rp_settings(SAS_CLIENT, clock), http)
    old, old_nonce = await fresh_token(rp, http)
    assert await certs_fetches(http) == 1
    rotated = (await http.post("https://psc.test/admin/keys/rotate")).json()
    assert rotated["kid"] != kid_of(old)
    assert {k["kid"] for k in rotated["jwks"]["keys"]} == {kid_of(old), rotated["kid"]}
    new, _ = await fresh_token(rp, http)
    assert kid_of(new) == rotated["kid"]
    assert await certs_fetches(http) == 2  # reloaded once, on the unknown kid
    # The retired key is still published during the grace period.
    assert (await rp.validate_id_token(old, nonce=old_nonce))["iss"] == ISSUER


async def test_removed_key_is_rejected(http: httpx.AsyncClient, clock: FixedClock) -> None:
    rp = OidcClient(rp_settings(SAS_CLIENT, clock, jwks_max_age_seconds=10), http)
    old, nonce = await fresh_token(rp, http)
    await http.post("https://psc.test/admin/keys/rotate")
    dropped = (await http.post("https://psc.test/admin/keys/drop-retired")).json()["dropped"]
    assert dropped == [kid_of(old)]
    # A relying party that has not cached the old key refuses it at once.
    newcomer = OidcClient(rp_settings(SAS_CLIENT, clock), http)
    with pytest.raises(TokenRejected) as exc:
        await newcomer.validate_id_token(old, nonce=nonce)
    assert exc.value.reason == "unknown_kid"
    # One that had it cached drops it at its next JWKS reload (max age 10 s).
    assert (await rp.validate_id_token(old, nonce=nonce))["iss"] == ISSUER
    clock.advance(timedelta(seconds=11))
    with pytest.raises(TokenRejected) as cached:
        await rp.validate_id_token(old, nonce=nonce)
    assert cached.value.reason == "unknown_kid"


async def test_retired_key_leaves_the_jwks_after_the_grace_period(
    http: httpx.AsyncClient, clock: FixedClock
) -> None:
    before = {k["kid"] for k in (await http.get(CERTS)).json()["keys"]}
    new_kid = (await http.post("https://psc.test/admin/keys/rotate")).json()["kid"]
    clock.advance(timedelta(seconds=599))
    assert {k["kid"] for k in (await http.get(CERTS)).json()["keys"]} == before | {new_kid}
    clock.advance(timedelta(seconds=2))
    assert {k["kid"] for k in (await http.get(CERTS)).json()["keys"]} == {new_kid}


async def test_jwks_has_public_keys_only(http: httpx.AsyncClient) -> None:
    for key in (await http.get(CERTS)).json()["keys"]:
        assert key["kty"] == "RSA" and key["use"] == "sig" and key["alg"] == "RS256"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
