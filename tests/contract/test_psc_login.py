"""SAS login through the fake PSC: ``login_router``, ``require_regulator``, CSRF, logout."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

import httpx
import pytest
from fastapi import Depends, FastAPI

from mocks.psc import PscSettings, click_persona, create_app, default_personas
from mocks.psc.fixtures import SAS_CLIENT, mini_sas_app
from sasref.auth import Regulator, Role, require_regulator_when_enabled
from sasref.clock import PARIS, FixedClock

SAS = "https://sas.test"
HTML = {"accept": "text/html"}


@dataclass
class Net:
    browser: httpx.AsyncClient
    clock: FixedClock


@pytest.fixture
async def net() -> AsyncIterator[Net]:
    clock = FixedClock(datetime(2026, 6, 12, 10, 0, tzinfo=PARIS))
    psc = create_app(PscSettings(clock=clock, clients=(SAS_CLIENT,)))
    backend = httpx.AsyncClient(mounts={"https://psc.test": httpx.ASGITransport(app=psc)})
    sas = mini_sas_app(clock, backend)
    browser = httpx.AsyncClient(
        mounts={
            "https://psc.test": httpx.ASGITransport(app=psc),
            SAS: httpx.ASGITransport(app=sas),
        }
    )
    async with backend, browser:
        yield Net(browser, clock)


async def sas_login(
    browser: httpx.AsyncClient, persona: str, next: str = "/search"
) -> httpx.Response:
    start = await browser.get(f"{SAS}/login", params={"next": next})
    assert start.status_code == 302
    callback = await click_persona(browser, start.headers["location"], persona)
    assert callback.startswith(f"{SAS}/auth/callback?")
    return await browser.get(callback)


async def test_search_requires_login_and_comes_back_after_it(net: Net) -> None:
    anonymous = await net.browser.get(f"{SAS}/search?q=cardio", headers=HTML)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/login?next={quote('/search?q=cardio', safe='')}"
    assert (await net.browser.get(f"{SAS}/search")).status_code == 401  # API clients: no redirect
    done = await sas_login(net.browser, "regulateur", next="/search?q=cardio")
    assert done.status_code == 303 and done.headers["location"] == "/search?q=cardio"
    page = await net.browser.get(f"{SAS}/search")
    assert page.status_code == 200
    regulator = page.json()["regulator"]
    persona = {p.key: p for p in default_personas(0)}["regulateur"]
    assert regulator["national_id"] == persona.claims["SubjectNameID"]
    assert regulator["roles"] == ["medecin_regulateur"]


@pytest.mark.parametrize(("persona", "role"), [("arm", "arm"), ("osnp", "osnp")])
async def test_regulators_without_rpps_get_roles_from_the_sas_table(
    net: Net, persona: str, role: str
) -> None:
    await sas_login(net.browser, persona)
    regulator = (await net.browser.get(f"{SAS}/search")).json()["regulator"]
    assert regulator["national_id"] is None
    assert regulator["roles"] == [role]
    assert len(regulator["technical_id"]) == 36


@pytest.mark.parametrize("persona", ["medecin", "pharmacien"])
async def test_users_without_regulation_rights_are_forbidden(net: Net, persona: str) -> None:
    await sas_login(net.browser, persona)
    assert (await net.browser.get(f"{SAS}/search")).status_code == 403


async def test_csrf_protects_post_forms(net: Net) -> None:
    await sas_login(net.browser, "regulateur")
    token = (await net.browser.get(f"{SAS}/csrf")).json()["csrf_token"]
    assert (await net.browser.post(f"{SAS}/orientations")).status_code == 403
    forged = await net.browser.post(f"{SAS}/orientations", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    by_form = await net.browser.post(f"{SAS}/orientations", data={"csrf_token": token})
    assert by_form.status_code == 200
    by_header = await net.browser.post(f"{SAS}/orientations", headers={"X-CSRF-Token": token})
    assert by_header.status_code == 200


async def test_new_login_gets_a_new_csrf_token(net: Net) -> None:
    await sas_login(net.browser, "regulateur")
    first = (await net.browser.get(f"{SAS}/csrf")).json()["csrf_token"]
    await sas_login(net.browser, "regulateur")
    assert (await net.browser.get(f"{SAS}/csrf")).json()["csrf_token"] != first


async def test_logout_needs_csrf_and_ends_the_psc_session(net: Net) -> None:
    await sas_login(net.browser, "regulateur")
    token = (await net.browser.get(f"{SAS}/csrf")).json()["csrf_token"]
    assert 'name="csrf_token"' in (await net.browser.get(f"{SAS}/logout")).text
    assert (await net.browser.post(f"{SAS}/logout")).status_code == 403
    out = await net.browser.post(f"{SAS}/logout", data={"csrf_token": token})
    assert out.status_code == 303
    psc_logout = out.headers["location"]
    assert psc_logout.startswith("https://psc.test/auth/realms/esante-wallet/protocol/")
    back = await net.browser.get(psc_logout)
    assert back.headers["location"] == f"{SAS}/"
    assert (await net.browser.get(f"{SAS}/search")).status_code == 401
    # The PSC session is gone too: the next login shows the PSC page again.
    start = await net.browser.get(f"{SAS}/login")
    assert (await net.browser.get(start.headers["location"])).status_code == 200


async def test_tampered_session_cookie_is_anonymous(net: Net) -> None:
    await sas_login(net.browser, "regulateur")
    cookie = net.browser.cookies.get("sasref_session", domain="sas.test")
    assert cookie
    net.browser.cookies.set("sasref_session", cookie[:-3] + "AAA", domain="sas.test")
    assert (await net.browser.get(f"{SAS}/search")).status_code == 401


async def test_callback_with_forged_state_shows_an_error(net: Net) -> None:
    start = await net.browser.get(f"{SAS}/login")
    callback = await click_persona(net.browser, start.headers["location"], "regulateur")
    forged = str(httpx.URL(callback).copy_merge_params({"state": "forged"}))
    page = await net.browser.get(forged)
    assert page.status_code == 400
    assert "StateMismatch" in page.text
    assert (await net.browser.get(f"{SAS}/search")).status_code == 401


async def test_callback_without_login_in_progress_is_rejected(net: Net) -> None:
    page = await net.browser.get(f"{SAS}/auth/callback?code=abc&state=xyz")
    assert page.status_code == 400 and "StateMismatch" in page.text


@pytest.mark.parametrize("target", ["https://evil.test/", "//evil.test/x", "/\\evil.test"])
async def test_next_cannot_redirect_off_site(net: Net, target: str) -> None:
    done = await sas_login(net.browser, "regulateur", next=target)
    assert done.headers["location"] == "/"


async def test_on_login_hook_sees_each_login_and_cannot_block_it() -> None:
    clock = FixedClock(datetime(2026, 6, 12, 10, 0, tzinfo=PARIS))
    psc = create_app(PscSettings(clock=clock, clients=(SAS_CLIENT,)))
    seen: list[Regulator] = []

    async def hook(regulator: Regulator) -> None:
        seen.append(regulator)
        raise RuntimeError("editor sync is down")

    backend = httpx.AsyncClient(mounts={"https://psc.test": httpx.ASGITransport(app=psc)})
    sas = mini_sas_app(clock, backend, on_login=hook)
    browser = httpx.AsyncClient(
        mounts={"https://psc.test": httpx.ASGITransport(app=psc), SAS: httpx.ASGITransport(app=sas)}
    )
    async with backend, browser:
        assert (await sas_login(browser, "regulateur")).status_code == 303
        assert (await browser.get(f"{SAS}/search")).status_code == 200
    assert [r.roles for r in seen] == [(Role.MEDECIN_REGULATEUR,)]


async def test_login_when_psc_is_down_shows_an_error_page(net: Net) -> None:
    await net.browser.put("https://psc.test/admin/faults", json={"token_error": "server_error"})
    done = await sas_login(net.browser, "regulateur")
    assert done.status_code == 400 and "server_error" in done.text
    assert (await net.browser.get(f"{SAS}/search")).status_code == 401


async def test_login_with_unreachable_psc_is_502() -> None:
    clock = FixedClock(datetime(2026, 6, 12, 10, 0, tzinfo=PARIS))
    backend = httpx.AsyncClient(mounts={"https://psc.test": httpx.ASGITransport(app=FastAPI())})
    sas = mini_sas_app(clock, backend)
    async with backend, httpx.AsyncClient(transport=httpx.ASGITransport(app=sas)) as browser:
        page = await browser.get(f"{SAS}/login")
    assert page.status_code == 502 and "ProviderError" in page.text


async def test_gate_is_open_only_when_no_login_router_is_included(net: Net) -> None:
    open_app = FastAPI()

    @open_app.get("/x")
    async def x(
        regulator: Annotated[Regulator | None, Depends(require_regulator_when_enabled)],
    ) -> dict[str, bool]:
        return {"anonymous": regulator is None}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=open_app)) as client:
        assert (await client.get("https://open.test/x")).json() == {"anonymous": True}
    closed = mini_sas_app(net.clock, net.browser)

    @closed.get("/x")
    async def y(
        regulator: Annotated[Regulator | None, Depends(require_regulator_when_enabled)],
    ) -> dict[str, bool]:
        return {"anonymous": regulator is None}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=closed)) as client:
        assert (await client.get(f"{SAS}/x")).status_code == 401
