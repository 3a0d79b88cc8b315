"""The fake PSC against the OIDC relying party: auth code + PKCE for every persona, discovery,
userinfo (JSON and JWT), refresh, end-session, introspection, client authentication."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest

from mocks.psc import PscSettings, click_persona, create_app, default_personas
from mocks.psc.fixtures import EDITOR_CLIENT, EDITOR_JWT_CLIENT, SAS_CLIENT, psc_http, rp_settings
from sasref.auth import OidcClient, Role, RoleEntry, regulator_from_claims
from sasref.auth.client import LoginResult
from sasref.clock import PARIS, FixedClock
from sasref.errors import ProviderError

ISSUER = "https://psc.test/auth/realms/esante-wallet"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 6, 12, 10, 0, tzinfo=PARIS))


@pytest.fixture
async def http(clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    settings = PscSettings(clock=clock, clients=(SAS_CLIENT, EDITOR_CLIENT, EDITOR_JWT_CLIENT))
    _, client = psc_http(settings)
    async with client:
        yield client


async def login(rp: OidcClient, http: httpx.AsyncClient, persona: str) -> LoginResult:
    """Log ``persona`` in; ``prompt=login`` so an existing PSC session does not answer instead."""
    url, state = await rp.authorization_url(prompt="login")
    callback = await click_persona(http, url, persona)
    return await rp.complete_login(dict(httpx.URL(callback).params), state)


PERSONAS = [p.key for p in default_personas(0)]


@pytest.mark.parametrize("persona", PERSONAS)
async def test_auth_code_pkce_flow_for_each_persona(
    persona: str, http: httpx.AsyncClient, clock: FixedClock
) -> None:
    rp = OidcClient(rp_settings(SAS_CLIENT, clock), http)
    result = await login(rp, http, persona)
    expected = {p.key: p for p in default_personas(0)}[persona]
    assert result.id_claims["iss"] == ISSUER
    assert result.id_claims["aud"] == SAS_CLIENT.client_id
    assert result.id_claims["acr"] == "eidas1"
    assert result.id_claims["sub"] == expected.sub == result.userinfo["sub"]
    assert result.userinfo["SubjectNameID"] == expected.claims["SubjectNameID"]
    assert result.userinfo["SubjectRefPro"] == expected.claims["SubjectRefPro"]
    assert result.tokens.expires_in == 120
    assert result.tokens.refresh_token


async def test_persona_claims_map_to_roles(http: httpx.AsyncClient, clock: FixedClock) -> None:
    rp = OidcClient(rp_settings(SAS_CLIENT, clock), http)
    personas = {p.key: p for p in default_personas(0)}
    table = {
        personas["arm"].claims["SubjectNameID"]: RoleEntry(frozenset({Role.ARM})),
        personas["osnp"].claims["SubjectNameID"]: RoleEntry(
            frozenset({Role.OSNP}), technical_id="b6e39355-8a61-4556-b340-36f7b95fec6a"
        ),
    }
    got = {}
    for key in personas:
        result = await login(rp, http, key)
        got[key] = regulator_from_claims({**result.id_claims, **result.userinfo}, table)
    assert got["regulateur"].roles == (Role.MEDECIN_REGULATEUR,)
    assert got["regulateur"].national_id == personas["regulateur"].claims["SubjectNameID"]
    assert got["arm"].roles == (Role.ARM,) and got["arm"].national_id is None
    assert got["osnp"].technical_id == "b6e39355-8a61-4556-b340-36f7b95fec6a"
    assert got["medecin"].roles == () and got["medecin"].national_id is not None
    assert got["pharmacien"].roles == ()


async def test_discovery_at_both_paths_with_keycloak_endpoints(http: httpx.AsyncClient) -> None:
    standard = (await http.get(f"{ISSUER}/.well-known/openid-configuration")).json()
    wallet = (await http.get(f"{ISSUER}/.well-known/wallet-openid-configuration")).json()
    assert standard == wallet
    assert standard["issuer"] == ISSUER
    oidc = f"{ISSUER}/protocol/openid-connect"
    assert standard["authorization_endpoint"] == f"{oidc}/auth"
    assert standard["token_endpoint"] == f"{oidc}/token"
    assert standard["userinfo_endpoint"] == f"{oidc}/userinfo"
    assert standard["jwks_uri"] == f"{oidc}/certs"
    assert standard["end_session_endpoint"] == f"{oidc}/logout"
    assert "scope_all" in standard["scopes_supported"]
    assert standard["acr_values_supported"] == ["eidas1"]
    assert standard["code_challenge_methods_supported"] == ["S256"]


async def test_wallet_discovery_path_and_wallet_host(clock: FixedClock) -> None:
    settings = PscSettings(
        clock=clock, clients=(SAS_CLIENT,), authorize_url="https://wallet.psc.test/auth"
    )
    app = create_app(settings)
    wallet = httpx.AsyncClient(
        mounts={
            "https://psc.test": httpx.ASGITransport(app=app),
            "https://wallet.psc.test": httpx.ASGITransport(app=app),
        }
    )
    async with wallet:
        rp = OidcClient(
            rp_settings(
                SAS_CLIENT, clock, discovery_path="/.well-known/wallet-openid-configuration"
            ),
            wallet,
        )
        url, _ = await rp.authorization_url()
        assert url.startswith("https://wallet.psc.test/auth?")
        result = await login(rp, wallet, "regulateur")
        assert result.id_claims["acr"] == "eidas1"


async def test_manual_form_persona(http: httpx.AsyncClient, clock: FixedClock) -> None:
    rp = OidcClient(rp_settings(SAS_CLIENT, clock), http)
    url, state = await rp.authorization_url()
    callback = await click_persona(
        http,
        url,
        "manual",
        {
            "SubjectNameID": "810002673899",
            "given_name": "Jeanne",
            "family_name": "Durand",
            "codeProfession": "10",
            "Acces_Regulation_Medicale": "VRAI",
        },
    )
    result = await rp.complete_login(dict(httpx.URL(callback).params), state)
    assert result.userinfo["SubjectNameID"] == "810002673899"
    assert result.userinfo["family_name"] == "DURAND"
    assert regulator_from_claims(result.userinfo).roles == (Role.MEDECIN_REGULATEUR,)


async def test_userinfo_json_and_signed_jwt(http: httpx.AsyncClient, clock: FixedClock) -> None:
    json_rp = OidcClient(rp_settings(EDITOR_CLIENT, clock), http)
    jwt_rp = OidcClient(rp_settings(EDITOR_JWT_CLIENT, clock), http)
    as_json = await login(json_rp, http, "regulateur")
    as_jwt = await login(jwt_rp, http, "regulateur")
    raw_json = await http.get(
        f"{ISSUER}/protocol/openid-connect/userinfo",
        headers={"Authorization": f"Bearer {as_json.tokens.access_token}"},
    )
    raw_jwt = await http.get(
        f"{ISSUER}/protocol/openid-connect/userinfo",
        headers={"Authorization": f"Bearer {as_jwt.tokens.access_token}"},
    )
    assert raw_json.headers["content-type"].startswith("application/json")
    assert raw_jwt.headers["content-type"].startswith("application/jwt")
    assert raw_jwt.text.count(".") == 2
    assert as_jwt.userinfo["SubjectNameID"] == as_json.userinfo["SubjectNameID"]
    assert as_jwt.userinfo["aud"] == EDITOR_JWT_CLIENT.client_id


async def test_refresh_rotates_and_expires(http: httpx.AsyncClient, clock: FixedClock) -> None:
    rp = OidcClient(rp_settings(SAS_CLIENT, clock), http)
    first = await login(rp, http, "regulateur")
    assert first.tokens.refresh_token is not None
    clock.advance(timedelta(seconds=100))
    second = await rp.refresh(first.tokens.refresh_token)
    assert second.access_token != first.tokens.access_token
    assert second.id_claims["sub"] == first.id_claims["sub"]
    assert "nonce" not in second.id_claims
    info = await rp.userinfo(second.access_token)
    assert info["sub"] == first.id_claims["sub"]
    with pytest.raises(ProviderError) as reused:
        await rp.refresh(first.tokens.refresh_token)
    assert reused.value.error == "invalid_grant"
    assert second.refresh_token is not None
    clock.advance(timedelta(seconds=1801))
    with pytest.raises(ProviderError) as expired:
        await rp.refresh(second.refresh_token)
    assert expired.value.error == "invalid_grant"


async def test_access_token_expires_after_120_seconds(
    http: httpx.AsyncClient, clock: FixedClock
) -> None:
    rp = OidcClient(rp_settings(SAS_CLIENT, clock), http)
    result = await login(rp, http, "medecin")
    clock.advance(timedelta(seconds=121))
    with pytest.raises(ProviderError) as exc:
        await rp.userinfo(result.tokens.access_token)
    assert exc.value.error == "invalid_token" and exc.value.status_code == 401


async def test_end_session_redirects_and_revokes(
    http: httpx.AsyncClient, clock: FixedClock
) -> None:
    rp = OidcClient(rp_settings(SAS_CLIENT, clock), http)
    result = await login(rp, http, "regulateur")
    url = await rp.logout_url(id_token_hint=result.tokens.id_token, state="bye")
    response = await http.get(url)
    assert response.status_code == 302
    assert response.headers["location"] == "https://sas.test/?state=bye"
    with pytest.raises(ProviderError) as exc:
        await rp.userinfo(result.tokens.access_token)
    assert exc.value.error == "invalid_token"
    silent, _ = await rp.authorization_url(prompt="none")
    back = (await http.get(silent)).headers["location"]
    assert httpx.URL(back).params["error"] == "login_required"


async def test_end_session_rejects_unregistered_post_logout_uri(
    http: httpx.AsyncClient, clock: FixedClock
) -> None:
    rp = OidcClient(rp_settings(SAS_CLIENT, clock), http)
    await login(rp, http, "regulateur")
    response = await http.get(
        f"{ISSUER}/protocol/openid-connect/logout",
        params={
            "client_id": SAS_CLIENT.client_id,
            "post_logout_redirect_uri": "https://evil.test/",
        },
    )
    assert response.status_code == 400
    assert "evil.test" not in response.headers.get("location", "")


async def test_introspection_shows_subject_name_id(
    http: httpx.AsyncClient, clock: FixedClock
) -> None:
    rp = OidcClient(rp_settings(SAS_CLIENT, clock), http)
    result = await login(rp, http, "regulateur")
    auth = (SAS_CLIENT.client_id, SAS_CLIENT.client_secret)
    url = f"{ISSUER}/protocol/openid-connect/token/introspect"
    active = (await http.post(url, data={"token": result.tokens.access_token}, auth=auth)).json()
    assert active["active"] is True
    assert active["SubjectNameID"] == result.userinfo["SubjectNameID"]
    assert active["client_id"] == SAS_CLIENT.client_id
    inactive = (await http.post(url, data={"token": "garbage"}, auth=auth)).json()
    assert inactive == {"active": False}


async def test_client_secret_post_and_bad_secret(
    http: httpx.AsyncClient, clock: FixedClock
) -> None:
    post_rp = OidcClient(
        rp_settings(SAS_CLIENT, clock, token_auth_method="client_secret_post"), http
    )
    assert (await login(post_rp, http, "arm")).id_claims["aud"] == SAS_CLIENT.client_id
    bad_rp = OidcClient(rp_settings(SAS_CLIENT, clock, client_secret="wrong"), http)
    with pytest.raises(ProviderError) as exc:
        await login(bad_rp, http, "arm")
    assert exc.value.error == "invalid_client" and exc.value.status_code == 401


async def test_admin_personas_and_request_log(http: httpx.AsyncClient) -> None:
    personas = (await http.get("https://psc.test/admin/personas")).json()
    assert [p["key"] for p in personas] == PERSONAS
    await http.get(f"{ISSUER}/.well-known/openid-configuration")
    log = (await http.get("https://psc.test/admin/requests")).json()
    assert log[-1]["path"].endswith("/.well-known/openid-configuration")
