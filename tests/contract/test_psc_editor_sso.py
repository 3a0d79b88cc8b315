"""The whole SSO click, browser-side: SAS slot link → editor booking page, authenticated without a
password, in both modes; without a session the regulator lands on the editor's login page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse

from mocks.psc import EDITOR_CLIENT, EDITOR_SAS_CLIENT, SAS_CLIENT, PscSettings, click_persona
from mocks.psc import create_app as create_psc
from mocks.psc.fixtures import mini_sas_app
from sasref.auth import SsoMode, booking_url_with_origin, editor_oidc_settings
from sasref.auth.editor_sso import EditorSso, EditorSsoSettings, require_editor_session
from sasref.auth.sso import regulator_permissions_allowed
from sasref.clock import PARIS, FixedClock

SAS = "https://sas.test"
EDITOR = "https://editeur-01.test"
PSC_ISSUER = "https://psc.test/auth/realms/esante-wallet"

SessionDep = Annotated[dict[str, Any], Depends(require_editor_session)]


def editor_app(mode: SsoMode, clock: FixedClock, backend: httpx.AsyncClient) -> FastAPI:
    client = EDITOR_CLIENT if mode is SsoMode.PSC else EDITOR_SAS_CLIENT
    oidc = editor_oidc_settings(
        mode,
        issuer=PSC_ISSUER if mode is SsoMode.PSC else f"{SAS}/idp",
        client_id=client.client_id,
        client_secret=client.client_secret,
        redirect_uri=client.redirect_uris[0],
        clock=clock,
    )
    app = FastAPI()
    EditorSso(EditorSsoSettings(oidc=oidc, secret_key="editor-secret"), backend).install(app)

    @app.get("/booking/{slot}")
    async def booking(slot: str, session: SessionDep, origin: str | None = None) -> dict[str, Any]:
        return {
            "slot": slot,
            "session": session,
            "regulator_permissions": regulator_permissions_allowed(origin, session),
        }

    @app.get("/login")
    async def login_page(next: str = "/") -> HTMLResponse:
        return HTMLResponse(f"<h1>Connexion éditeur</h1><!-- next={next} -->")

    return app


@dataclass
class Net:
    browser: httpx.AsyncClient


@pytest.fixture(params=[SsoMode.PSC, SsoMode.SAS], ids=["psc", "sas-idp"])
async def net(request: pytest.FixtureRequest) -> AsyncIterator[Net]:
    mode: SsoMode = request.param
    clock = FixedClock(datetime(2026, 6, 12, 10, 0, tzinfo=PARIS))
    psc = create_psc(PscSettings(clock=clock, clients=(SAS_CLIENT, EDITOR_CLIENT)))
    sas_backend = httpx.AsyncClient(mounts={"https://psc.test": httpx.ASGITransport(app=psc)})
    sas = mini_sas_app(clock, sas_backend, idp_clients=(EDITOR_SAS_CLIENT,))
    editor_backend = httpx.AsyncClient(
        mounts={"https://psc.test": httpx.ASGITransport(app=psc), SAS: httpx.ASGITransport(app=sas)}
    )
    editor = editor_app(mode, clock, editor_backend)
    browser = httpx.AsyncClient(
        mounts={
            "https://psc.test": httpx.ASGITransport(app=psc),
            SAS: httpx.ASGITransport(app=sas),
            EDITOR: httpx.ASGITransport(app=editor),
        }
    )
    async with sas_backend, editor_backend, browser:
        yield Net(browser)


async def follow(browser: httpx.AsyncClient, url: str) -> tuple[httpx.Response, list[str]]:
    """Follow redirects by hand across the in-process hosts; the final answer and the path."""
    visited = [url]
    response = await browser.get(url)
    while response.status_code in (302, 303) and len(visited) < 12:
        url = str(httpx.URL(url).join(response.headers["location"]))
        visited.append(url)
        response = await browser.get(url)
    return response, visited


async def sas_login(browser: httpx.AsyncClient, persona: str) -> None:
    start = await browser.get(f"{SAS}/login")
    callback = await click_persona(browser, start.headers["location"], persona)
    assert (await browser.get(callback)).status_code == 303


async def test_slot_click_lands_authenticated_with_regulator_permissions(net: Net) -> None:
    await sas_login(net.browser, "regulateur")
    link = booking_url_with_origin(f"{EDITOR}/booking/slot-42?lang=fr")
    page, visited = await follow(net.browser, link)
    assert page.status_code == 200
    assert visited[-1] == link
    # ``follow`` stops at the first page: had a login page been shown, we would be there.
    body = page.json()
    assert body["slot"] == "slot-42"
    assert body["session"]["origin"] == "sas"
    assert body["regulator_permissions"] is True
    # The same session on a link that did not come from the SAS: no regulator permissions.
    direct = await net.browser.get(f"{EDITOR}/booking/slot-43")
    assert direct.status_code == 200 and direct.json()["regulator_permissions"] is False


async def test_without_a_session_the_regulator_lands_on_the_editor_login_page(net: Net) -> None:
    link = booking_url_with_origin(f"{EDITOR}/booking/slot-42")
    page, visited = await follow(net.browser, link)
    assert page.status_code == 200
    assert httpx.URL(visited[-1]).path == "/login"
    assert httpx.URL(visited[-1]).params["next"] == "/booking/slot-42?origin=sas"
    assert "Connexion éditeur" in page.text


async def test_editor_session_carries_who_the_regulator_is(net: Net) -> None:
    await sas_login(net.browser, "arm")
    page, _ = await follow(net.browser, booking_url_with_origin(f"{EDITOR}/booking/slot-7"))
    session = page.json()["session"]
    assert session["sub"]
    assert session["issuer"] in (PSC_ISSUER, f"{SAS}/idp")
    if session["issuer"] == f"{SAS}/idp":
        assert session["roles"] == ["arm"] and session["national_id"] == ""
    else:
        assert session["SubjectNameID"].startswith("ANS")
