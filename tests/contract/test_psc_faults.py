"""Fault switches of the fake PSC (``PUT /admin/faults``) and how the relying party reacts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest

from mocks.psc import PscSettings, click_persona, deny
from mocks.psc.fixtures import SAS_CLIENT, psc_http, rp_settings
from sasref.auth import OidcClient
from sasref.clock import PARIS, FixedClock
from sasref.errors import ProviderError, ProviderTimeout, TokenRejected

FAULTS = "https://psc.test/admin/faults"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 6, 12, 10, 0, tzinfo=PARIS))


@pytest.fixture
async def http(clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    _, client = psc_http(PscSettings(clock=clock, clients=(SAS_CLIENT,)))
    async with client:
        yield client


@pytest.fixture
def rp(http: httpx.AsyncClient, clock: FixedClock) -> OidcClient:
    return OidcClient(rp_settings(SAS_CLIENT, clock), http)


async def log_in(rp: OidcClient, http: httpx.AsyncClient) -> None:
    url, state = await rp.authorization_url(prompt="login")
    callback = await click_persona(http, url, "regulateur")
    await rp.complete_login(dict(httpx.URL(callback).params), state)


async def test_deny_switch_answers_access_denied(rp: OidcClient, http: httpx.AsyncClient) -> None:
    await rp.metadata()
    assert (await http.put(FAULTS, json={"deny": True})).json()["deny"] is True
    url, state = await rp.authorization_url()
    response = await http.get(url)
    assert response.status_code == 302
    params = dict(httpx.URL(response.headers["location"]).params)
    with pytest.raises(ProviderError) as exc:
        await rp.complete_login(params, state)
    assert exc.value.error == "access_denied"


async def test_deny_button_answers_access_denied(rp: OidcClient, http: httpx.AsyncClient) -> None:
    url, state = await rp.authorization_url()
    params = dict(httpx.URL(await deny(http, url)).params)
    with pytest.raises(ProviderError) as exc:
        await rp.complete_login(params, state)
    assert exc.value.error == "access_denied"


async def test_wrong_acr_is_rejected_by_the_relying_party(
    rp: OidcClient, http: httpx.AsyncClient
) -> None:
    await http.put(FAULTS, json={"wrong_acr": "eidas3"})
    with pytest.raises(TokenRejected) as exc:
        await log_in(rp, http)
    assert exc.value.reason == "acr"


async def test_expired_tokens_are_rejected(rp: OidcClient, http: httpx.AsyncClient) -> None:
    await http.put(FAULTS, json={"expired_tokens": True})
    with pytest.raises(TokenRejected) as exc:
        await log_in(rp, http)
    assert exc.value.reason == "expired"


async def test_token_error_switch(rp: OidcClient, http: httpx.AsyncClient) -> None:
    await http.put(FAULTS, json={"token_error": "invalid_grant"})
    with pytest.raises(ProviderError) as exc:
        await log_in(rp, http)
    assert exc.value.error == "invalid_grant"


async def test_slow_provider_hits_the_relying_party_timeout(
    http: httpx.AsyncClient, clock: FixedClock
) -> None:
    rp = OidcClient(rp_settings(SAS_CLIENT, clock, timeout_seconds=0.05), http)
    await http.put(FAULTS, json={"slow_seconds": 0.5})
    with pytest.raises(ProviderTimeout):
        await rp.metadata()


async def test_faults_reset_and_unknown_switch(rp: OidcClient, http: httpx.AsyncClient) -> None:
    await http.put(FAULTS, json={"deny": True, "wrong_acr": "eidas3"})
    reset = await http.put(FAULTS, json={"deny": False, "wrong_acr": None})
    assert reset.json() == {
        "deny": False,
        "wrong_acr": None,
        "expired_tokens": False,
        "slow_seconds": 0.0,
        "token_error": None,
    }
    await log_in(rp, http)
    bad = await http.put(FAULTS, json={"explode": True})
    assert bad.status_code == 400
