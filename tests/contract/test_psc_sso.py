"""SSO into an editor, both modes: (a) the editor is an RP of PSC and reuses the PSC session with
``prompt=none``; (b) "délégation SAS": the editor is an RP of the SAS IdP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest

from mocks.psc import PscSettings, click_persona, create_app, default_personas
from mocks.psc.fixtures import EDITOR_CLIENT, EDITOR_SAS_CLIENT, SAS_CLIENT, mini_sas_app
from sasref.auth import (
    OidcClient,
    SsoMode,
    booking_url_with_origin,
    editor_oidc_settings,
    regulator_permissions_allowed,
)
from sasref.clock import PARIS, FixedClock
from sasref.errors import ProviderError, TokenRejected

SAS = "https://sas.test"
PSC_ISSUER = "https://psc.test/auth/realms/esante-wallet"
IDP_ISSUER = "https://sas.test/idp"


@dataclass
class Net:
    browser: httpx.AsyncClient
    editor_backend: httpx.AsyncClient
    clock: FixedClock

    def editor_rp(self, mode: SsoMode) -> OidcClient:
        client = EDITOR_CLIENT if mode is SsoMode.PSC else EDITOR_SAS_CLIENT
        settings = editor_oidc_settings(
            mode,
            issuer=PSC_ISSUER if mode is SsoMode.PSC else IDP_ISSUER,
            client_id=client.client_id,
            client_secret=client.client_secret,
            redirect_uri=client.redirect_uris[0],
            post_logout_redirect_uri=client.post_logout_redirect_uris[0],
            clock=self.clock,
        )
        return OidcClient(settings, self.editor_backend)


@pytest.fixture
async def net() -> AsyncIterator[Net]:
    clock = FixedClock(datetime(2026, 6, 12, 10, 0, tzinfo=PARIS))
    psc = create_app(PscSettings(clock=clock, clients=(SAS_CLIENT, EDITOR_CLIENT)))
    sas_backend = httpx.AsyncClient(mounts={"https://psc.test": httpx.ASGITransport(app=psc)})
    sas = mini_sas_app(clock, sas_backend)
    # The editor's server-side client: reaches PSC and the SAS IdP, never shares browser cookies.
    editor_backend = httpx.AsyncClient(
        mounts={
            "https://psc.test": httpx.ASGITransport(app=psc),
            SAS: httpx.ASGITransport(app=sas),
        }
    )
    browser = httpx.AsyncClient(
        mounts={
            "https://psc.test": httpx.ASGITransport(app=psc),
            SAS: httpx.ASGITransport(app=sas),
        }
    )
    async with sas_backend, editor_backend, browser:
        yield Net(browser, editor_backend, clock)


async def sas_login(browser: httpx.AsyncClient, persona: str) -> None:
    start = await browser.get(f"{SAS}/login")
    callback = await click_persona(browser, start.headers["location"], persona)
    assert (await browser.get(callback)).status_code == 303


async def silent(net: Net, rp: OidcClient) -> dict[str, str]:
    """The editor's booking page sends the browser for a silent login; where does it come back?"""
    url, state = await rp.authorization_url(prompt="none")
    response = await net.browser.get(url)
    assert response.status_code == 302
    params = dict(httpx.URL(response.headers["location"]).params)
    assert params["state"] == state.state
    return params


# -- mode (a): the editor is a relying party of PSC ------------------------------------------
async def test_psc_mode_reuses_the_psc_session_without_a_page(net: Net) -> None:
    await sas_login(net.browser, "regulateur")
    rp = net.editor_rp(SsoMode.PSC)
    url, state = await rp.authorization_url(prompt="none")
    response = await net.browser.get(url)
    assert response.status_code == 302  # no login page: the PSC session answered
    callback = dict(httpx.URL(response.headers["location"]).params)
    result = await rp.complete_login(callback, state)
    persona = {p.key: p for p in default_personas(0)}["regulateur"]
    assert result.userinfo["SubjectNameID"] == persona.claims["SubjectNameID"]
    assert result.id_claims["aud"] == EDITOR_CLIENT.client_id
    assert result.id_claims["acr"] == "eidas1"


async def test_psc_mode_without_session_is_login_required(net: Net) -> None:
    rp = net.editor_rp(SsoMode.PSC)
    url, state = await rp.authorization_url(prompt="none")
    response = await net.browser.get(url)
    callback = dict(httpx.URL(response.headers["location"]).params)
    assert callback["error"] == "login_required"
    with pytest.raises(ProviderError) as exc:
        await rp.complete_login(callback, state)
    assert exc.value.error == "login_required"  # → the editor shows its own login page


async def test_psc_session_idle_timeout_ends_sso(net: Net) -> None:
    await sas_login(net.browser, "regulateur")
    net.clock.advance(timedelta(minutes=31))
    params = await silent(net, net.editor_rp(SsoMode.PSC))
    assert params["error"] == "login_required"


# -- mode (b): "délégation SAS", the SAS platform is the editor's OpenID provider ----------------
async def test_sas_idp_discovery(net: Net) -> None:
    doc = (await net.browser.get(f"{IDP_ISSUER}/.well-known/openid-configuration")).json()
    assert doc["issuer"] == IDP_ISSUER
    assert doc["authorization_endpoint"] == f"{IDP_ISSUER}/authorize"
    assert doc["jwks_uri"] == f"{IDP_ISSUER}/jwks"
    assert "acr_values_supported" not in doc


async def test_sas_idp_logs_the_regulator_in_without_a_password(net: Net) -> None:
    await sas_login(net.browser, "regulateur")
    rp = net.editor_rp(SsoMode.SAS)
    url, state = await rp.authorization_url(prompt="none")
    response = await net.browser.get(url)
    assert response.status_code == 302
    location = httpx.URL(response.headers["location"])
    assert str(location).startswith(EDITOR_SAS_CLIENT.redirect_uris[0])
    result = await rp.complete_login(dict(location.params), state)
    persona = {p.key: p for p in default_personas(0)}["regulateur"]
    sas_view = (await net.browser.get(f"{SAS}/search")).json()["regulator"]
    assert result.id_claims["iss"] == IDP_ISSUER
    assert result.id_claims["sub"] == sas_view["technical_id"]
    assert result.userinfo["sas_technical_id"] == sas_view["technical_id"]
    assert result.userinfo["national_id"] == persona.claims["SubjectNameID"]
    assert result.userinfo["roles"] == ["medecin_regulateur"]
    assert result.userinfo["email"] == sas_view["email"]


async def test_sas_idp_regulator_without_rpps(net: Net) -> None:
    await sas_login(net.browser, "arm")
    rp = net.editor_rp(SsoMode.SAS)
    url, state = await rp.authorization_url(prompt="none")
    callback = dict(httpx.URL((await net.browser.get(url)).headers["location"]).params)
    result = await rp.complete_login(callback, state)
    assert result.userinfo["national_id"] == ""
    assert result.userinfo["roles"] == ["arm"]


async def test_sas_idp_without_sas_session(net: Net) -> None:
    rp = net.editor_rp(SsoMode.SAS)
    assert (await silent(net, rp))["error"] == "login_required"
    url, _ = await rp.authorization_url()
    response = await net.browser.get(url)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/login?next=%2Fidp%2Fauthorize%3F")


async def test_sas_idp_login_detour_comes_back_to_the_editor(net: Net) -> None:
    rp = net.editor_rp(SsoMode.SAS)
    url, state = await rp.authorization_url()
    to_login = (await net.browser.get(url)).headers["location"]
    start = await net.browser.get(f"{SAS}{to_login}")
    callback = await click_persona(net.browser, start.headers["location"], "regulateur")
    back_to_idp = (await net.browser.get(callback)).headers["location"]
    assert back_to_idp.startswith("/idp/authorize?")
    to_editor = (await net.browser.get(f"{SAS}{back_to_idp}")).headers["location"]
    result = await rp.complete_login(dict(httpx.URL(to_editor).params), state)
    assert result.userinfo["roles"] == ["medecin_regulateur"]


async def test_sas_idp_refuses_users_without_regulator_role(net: Net) -> None:
    await sas_login(net.browser, "medecin")
    assert (await silent(net, net.editor_rp(SsoMode.SAS)))["error"] == "access_denied"


async def test_sas_idp_tokens_do_not_pass_for_psc_tokens(net: Net) -> None:
    await sas_login(net.browser, "regulateur")
    sas_rp = net.editor_rp(SsoMode.SAS)
    url, state = await sas_rp.authorization_url(prompt="none")
    callback = dict(httpx.URL((await net.browser.get(url)).headers["location"]).params)
    token = (await sas_rp.complete_login(callback, state)).tokens.id_token
    assert token is not None
    with pytest.raises(TokenRejected) as exc:
        await net.editor_rp(SsoMode.PSC).validate_id_token(token, nonce=None)
    assert exc.value.reason == "unknown_kid"  # a key the PSC never published


async def test_sas_idp_code_replay(net: Net) -> None:
    await sas_login(net.browser, "regulateur")
    rp = net.editor_rp(SsoMode.SAS)
    url, state = await rp.authorization_url(prompt="none")
    callback = dict(httpx.URL((await net.browser.get(url)).headers["location"]).params)
    await rp.complete_login(callback, state)
    with pytest.raises(ProviderError) as exc:
        await rp.complete_login(callback, state)
    assert exc.value.error == "invalid_grant"


# -- the origin rule ---------------------------------------------------------------------------
async def test_slot_link_gets_origin_and_grants_permissions_only_then(net: Net) -> None:
    link = booking_url_with_origin("https://editeur-01.test/booking/slot-42?lang=fr")
    assert link == "https://editeur-01.test/booking/slot-42?lang=fr&origin=sas"
    await sas_login(net.browser, "regulateur")
    rp = net.editor_rp(SsoMode.SAS)
    url, state = await rp.authorization_url(prompt="none")
    callback = dict(httpx.URL((await net.browser.get(url)).headers["location"]).params)
    result = await rp.complete_login(callback, state)
    editor_session = {"sub": result.id_claims["sub"]}
    origin = httpx.URL(link).params.get("origin")
    assert regulator_permissions_allowed(origin, editor_session)
    assert not regulator_permissions_allowed(None, editor_session)
    assert not regulator_permissions_allowed(origin, None)
