"""Orientations en surnuméraire in the journey, in process (spec §4.6, §6.3; digest §5.4).

A logged-in regulator goes from a search without slots to an orientation, and the LRM hears of it
through INT_L02 like any appointment (CreateAppointment booked, then UpdateAppointment cancelled):
once, whatever the double submits, and even when the Hub was down."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from html import unescape
from typing import Any

import httpx
import pytest

from mocks.editor_booking.driver import Browser
from mocks.journey import Journey, JourneySettings
from mocks.population.overbooking import quiet_communes
from sasref.clock import FixedClock
from sasref.directory.model import StructureKind
from sasref.directory.overbooking import place_accepts, via_cpts
from sasref.lrm.outbox import OutboxState

TOKEN = "journey-token"
DAY = "2026-06-16"  # the journey's clock: Tuesday 16 June 2026, 09:00
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_SURNUMERAIRE = re.compile(r'<a class="button surnumeraire" href="([^"]+)"')
_SWITCH = re.compile(r'<a class="button" id="switch-surnumeraire" href="([^"]+)"')


@pytest.fixture
async def journey() -> AsyncIterator[Journey]:
    async with Journey(JourneySettings(api_token=TOKEN)).in_process() as j:
        yield j


def api(j: Journey) -> httpx.AsyncClient:
    assert j.urls is not None
    return j.client(base_url=j.urls.sas, headers={"Authorization": f"Bearer {TOKEN}"})


def hidden(html: str) -> dict[str, str]:
    return {k: unescape(v) for k, v in _HIDDEN.findall(html)}


def lrm_messages(j: Journey) -> list[dict[str, Any]]:
    return [row for row in j.hub_rows() if row["kind"] == "Report"]


async def orientation_form(j: Journey, browser: Browser) -> tuple[str, dict[str, str]]:
    """Search a commune without slots, take the switch, open the first card's form."""
    assert j.urls is not None
    insee = quiet_communes(j.directory, limit=1)[0]
    page, _ = await browser.follow(f"{j.urls.sas}/recherche?insee={insee}")
    assert page.status_code == 200
    switch = unescape(_SWITCH.search(page.text).group(1))  # type: ignore[union-attr]
    listed, _ = await browser.follow(j.urls.sas + switch)
    action = unescape(_SURNUMERAIRE.search(listed.text).group(1))  # type: ignore[union-attr]
    form, url = await browser.follow(j.urls.sas + action)
    assert form.status_code == 200 and "Orienter en surnuméraire" in form.text
    return url, hidden(form.text)


async def test_a_logged_in_regulator_orients_and_the_lrm_is_told(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    browser = Browser(j.browser())
    await browser.login_with_psc(j.urls.sas, "regulateur")
    (account,) = j.regulators.all()
    _, fields = await orientation_form(j, browser)
    assert fields["csrf_token"]
    done, url = await browser.follow(
        f"{j.urls.sas}/orientations", method="POST", data={**fields, "date": DAY, "time": "17:45"}
    )
    assert done.status_code == 200 and "Orientation en surnuméraire enregistrée" in done.text
    assert "Transmise au LRM" in done.text
    orientation_id = url.rsplit("/", 1)[-1]
    stored = (await api(j).get(f"/api/v1/orientations/{orientation_id}")).json()
    assert stored["regulator"]["national_id"] == account.national_id
    assert stored["regulator"]["samu_department"] == "33"

    await j.settle()
    (lrm,) = await j.lrm_appointments()
    message = lrm["appointment"]
    assert lrm["appointmentId"] == orientation_id
    assert (message["method"], message["status"]) == ("CreateAppointment", "booked")
    assert message["start"] == f"{DAY}T17:45:00+02:00" and "end" not in message
    assert message["orientationCategory"] == stored["category"]
    assert message["regulator"] == {
        "regulatorId": account.national_id,
        "regulatorName": account.family,
        "regulatorFirstname": account.given,
        "regulatorEmail": account.email,
    }
    if stored["recipient"]["effector"] and stored["recipient"]["effector"].startswith("8"):
        assert message["practitioner"]["rppsId"] == stored["recipient"]["effector"]
    assert [r["queue"] for r in lrm_messages(j)] == ["fr.health.samu330.message"]

    # cancelled from its page: the LRM gets the update
    cancelled, _ = await browser.follow(
        f"{url}/annuler", method="POST", data={"csrf_token": fields["csrf_token"]}
    )
    assert "Orientation annulée" in cancelled.text
    await j.settle()
    (lrm,) = await j.lrm_appointments()
    assert (lrm["appointment"]["method"], lrm["appointment"]["status"]) == (
        "UpdateAppointment",
        "cancelled",
    )
    assert [r["method"] for r in lrm_messages(j)] == ["CreateAppointment", "UpdateAppointment"]


async def test_without_the_csrf_token_nothing_is_recorded(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    browser = Browser(j.browser())
    await browser.login_with_psc(j.urls.sas, "regulateur")
    _, fields = await orientation_form(j, browser)
    for token in ("", "forged"):
        refused = await browser.request(
            "POST", f"{j.urls.sas}/orientations",
            data={**fields, "csrf_token": token, "date": DAY, "time": "17:45"},
        )  # fmt: skip
        assert refused.status_code == 403 and "CSRF" in refused.text
    # the JSON API with the session cookie: a cross-site form (not JSON) cannot post to it
    body = json.dumps({"recipient": {"type": 2, "structure": fields["structure"] or "x"},
                       "date": DAY, "time": "17:45"})  # fmt: skip
    for kind in ("text/plain", "application/x-www-form-urlencoded"):
        forged = await browser.http.post(
            f"{j.urls.sas}/api/v1/orientations", content=body, headers={"content-type": kind}
        )
        assert forged.status_code == 400
    assert (await api(j).get("/api/v1/orientations")).json()["count"] == 0
    # without a login: the API answers 401, the pages send the browser to log in first
    outsider = j.client()
    assert (await outsider.get(f"{j.urls.sas}/api/v1/orientations")).status_code == 401
    posted = await outsider.post(f"{j.urls.sas}/api/v1/orientations", json={"recipient": {}})
    assert posted.status_code == 401
    anonymous = Browser(j.browser())
    page = await anonymous.request("GET", f"{j.urls.sas}/orientations")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    await j.settle()
    assert await j.lrm_appointments() == []


async def test_a_double_submit_is_one_orientation_and_one_message(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    browser = Browser(j.browser())
    await browser.login_with_psc(j.urls.sas, "regulateur")
    _, fields = await orientation_form(j, browser)
    data = {**fields, "date": DAY, "time": "18:00"}
    first = await browser.request("POST", f"{j.urls.sas}/orientations", data=data)
    second = await browser.request("POST", f"{j.urls.sas}/orientations", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert (await api(j).get("/api/v1/orientations")).json()["count"] == 1
    await j.settle()
    assert len(await j.lrm_appointments()) == 1 and len(lrm_messages(j)) == 1


async def test_the_hub_down_loses_nothing(journey: Journey) -> None:
    j = journey
    assert j.stack is not None and j.stack.publisher is not None
    client = api(j)
    insee = quiet_communes(j.directory, limit=1)[0]
    listed = await client.get("/api/v1/search", params={"insee": insee, "mode": "surnumeraire"})
    recipient = listed.json()["cards"][0]["orientation"]
    j.hub.available = False
    made = await client.post(
        "/api/v1/orientations", json={**recipient, "date": DAY, "time": "19:00"}
    )
    assert made.status_code == 201  # recorded: the Hub is the outbox's business
    outbox = j.stack.publisher.outbox.entries()
    assert [(e.appointment_id, e.state) for e in outbox] == [
        (made.json()["id"], OutboxState.PENDING)
    ]
    assert "publish failed" in (outbox[0].last_error or "")
    await j.settle()
    assert await j.lrm_appointments() == []
    j.hub.available = True
    assert isinstance(j.clock, FixedClock)
    j.clock.advance(timedelta(minutes=5))  # past the retry delay
    await j.settle()
    (lrm,) = await j.lrm_appointments()
    assert lrm["appointmentId"] == made.json()["id"] and lrm["appointment"]["status"] == "booked"
    assert len(lrm_messages(j)) == 1


async def test_each_kind_of_recipient_reaches_the_lrm_with_its_category(
    journey: Journey,
) -> None:
    j = journey
    d = j.directory
    client = api(j)
    msp = next(s for s in d.structures.values() if s.overbooking and s.kind is StructureKind.MSP)
    cds = next(s for s in d.structures.values() if s.overbooking and s.kind is StructureKind.CDS)
    sos = next(iter(d.sos.values()))
    member = next(
        p
        for p in d.practitioners.values()
        if via_cpts(p) and any(place_accepts(p, pl, d.structures) for pl in p.places)
    )
    own = next(
        p
        for p in d.practitioners.values()
        if p.id.startswith("8")
        and not via_cpts(p)
        and any(place_accepts(p, pl, d.structures) for pl in p.places)
    )
    recipients = {
        "PS": {"type": 1, "effector": own.id},
        "MSP": {"type": 2, "structure": msp.id},
        "CDS": {"type": 2, "structure": cds.id},
        "SOS": {"type": 2, "structure": sos.siret},
        "CPTS": {"type": 2, "structure": via_cpts(member), "effector": member.id},
    }
    made = {}
    for category, recipient in recipients.items():
        r = await client.post(
            "/api/v1/orientations", json={"recipient": recipient, "date": DAY, "time": "20:00"}
        )
        assert r.status_code == 201, r.text
        made[r.json()["id"]] = category
    await j.settle()
    lrm = {a["appointmentId"]: a["appointment"] for a in await j.lrm_appointments()}
    assert {i: a["orientationCategory"] for i, a in lrm.items()} == made
    by_category = {made[i]: a for i, a in lrm.items()}
    assert by_category["PS"]["practitioner"]["rppsId"] == own.id
    assert by_category["CPTS"]["practitioner"]["lastName"] == member.family
    assert "practitioner" not in by_category["MSP"]
    # a structure recipient is the message's organization (digest §5.4: the structure of the
    # appointment when the PS is unknown)
    assert by_category["MSP"]["organization"] == {"organizationId": msp.id, "name": msp.name}
    assert by_category["CDS"]["organization"] == {"organizationId": cds.id, "name": cds.name}
    assert by_category["SOS"]["organization"] == {"organizationId": sos.siret, "name": sos.name}
    # the API token stands for a script, not a person: the default SAMU, its own name
    assert by_category["SOS"]["regulator"]["regulatorEmail"] == "api@sas.test"
