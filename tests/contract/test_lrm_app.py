"""An LRM vendor's web app: its SAMUs' pages, what each received, and INT_L01 links carrying each
SAMU's own ``origin``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mocks.hub import InMemoryHub
from mocks.lrm import LrmFleet, create_vendor_app
from sasref.clock import PARIS, FixedClock
from sasref.lrm.messages import (
    SAS_CLIENT_ID,
    AppointmentMessage,
    Method,
    RegulatorInfo,
    build_report,
    format_hub_datetime,
)

T0 = datetime(2025, 6, 17, 10, 15, tzinfo=PARIS)
SAS = "https://sas.test"


@pytest.fixture
async def fleet() -> AsyncIterator[tuple[LrmFleet, InMemoryHub]]:
    clock = FixedClock(T0)
    hub = InMemoryHub(clock)
    fleet = LrmFleet(clock, seed=7)
    fleet.attach(hub.connect)
    await fleet.start()
    yield fleet, hub
    await fleet.close()


def client(fleet: LrmFleet, vendor: str) -> httpx.AsyncClient:
    app = create_vendor_app(fleet, vendor, SAS)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"https://{vendor}")


async def test_each_samu_page_shows_what_that_samu_received(
    fleet: tuple[LrmFleet, InMemoryHub],
) -> None:
    lrms, hub = fleet
    samu = lrms.samu("69")
    appt = AppointmentMessage(
        "2d2db05f-e2b0-4169-be8f-891806da2c74", Method.CREATE, format_hub_datetime(T0),
        format_hub_datetime(T0 + timedelta(hours=1)), "booked",
        regulator=RegulatorInfo("BERGER", "Christine", "c.berger@samu69.test"),
    )  # fmt: skip
    sas = hub.connect(SAS_CLIENT_ID)
    await sas.publish(samu.client_id, build_report(
        appt, sender_id=SAS_CLIENT_ID, recipient_id=samu.client_id, internal_id="1",
        sent_at=T0, expires_at=T0 + timedelta(days=1)))  # fmt: skip
    await hub.settle()
    vendor = samu.vendor.key
    neighbour = next(s for s in lrms.samus_of(vendor) if s is not samu)
    async with client(lrms, vendor) as http:
        listed = (await http.get("/samu69/appointments")).json()
        assert [a["appointmentId"] for a in listed] == [appt.appointment_id]
        one = (await http.get(f"/samu69/appointments/{appt.appointment_id}")).json()
        assert one["history"][0]["result"] == "created"
        assert one["history"][0]["distributionID"] == "fr.health.ptfsas_1"
        assert (await http.get("/samu69/appointments/unknown")).status_code == 404
        assert (await http.get(f"/{neighbour.origin}/appointments")).json() == []
        page = await http.get("/samu69/")
        assert page.status_code == 200 and "SAMU 69 — Rhône" in page.text
        assert appt.appointment_id in page.text and "Christine BERGER" in page.text
        assert "CreateAppointment → created" in page.text
        samus = {s["origin"]: s for s in (await http.get("/samus")).json()}
        assert set(samus) == {s.origin for s in lrms.samus_of(vendor)}
        assert samus["samu69"]["appointments"] == 1 and samus["samu69"]["clientId"] == (
            "fr.health.samu690"
        )
        assert samus[neighbour.origin]["received"] == 0
        index = (await http.get("/")).text
        assert samu.vendor.name in index and 'href="/samu69/"' in index
    # the final ack went back to the SAS
    assert [d["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["reference"]
            for d in hub.pending("fr.health.ptfsas.ack")] == [
        {"distributionID": "fr.health.ptfsas_1"}]  # fmt: skip


async def test_a_samu_of_another_vendor_is_not_there(fleet: tuple[LrmFleet, InMemoryHub]) -> None:
    lrms, _ = fleet
    samu, other = lrms.samu("69"), lrms.samu("33")
    assert samu.vendor is not other.vendor
    async with client(lrms, samu.vendor.key) as http:
        for path in ("/samu33/", "/samu33/appointments", "/samu99/appointments"):
            response = await http.get(path)
            assert response.status_code == 404, path
            assert "unknown SAMU" in response.json()["detail"]
        response = await http.post("/samu33/regulation-files", json={"city": "Bordeaux"})
        assert response.status_code == 404


async def test_each_samu_opens_the_sas_with_its_own_origin(
    fleet: tuple[LrmFleet, InMemoryHub],
) -> None:
    lrms, _ = fleet
    for department in ("33", "69"):
        samu = lrms.samu(department)
        async with client(lrms, samu.vendor.key) as http:
            response = await http.post(f"/{samu.origin}/regulation-files", json={
                "practitioner": "urn:oid:1.2.250.1.71.4.2.1|810005681340",
                "streetnumber": "12", "streetname": "rue Sainte-Catherine",
                "inseecode": "33063", "city": "Bordeaux", "specialty": "",
            })  # fmt: skip
            assert response.status_code == 200
            url = urlsplit(response.json()["url"])
            assert (url.scheme, url.netloc, url.path) == ("https", "sas.test", "/sas/recherche")
            query = parse_qs(url.query)
            assert query["origin"] == [f"samu{department}"]
            assert query["practitioner"] == ["urn:oid:1.2.250.1.71.4.2.1|810005681340"]
            assert query["city"] == ["Bordeaux"] and "specialty" not in query  # empty: not sent
            # the page's form: the same link, as a redirect a browser follows
            form = await http.get(
                f"/{samu.origin}/recherche", params={"inseecode": "69123", "practitioner": ""}
            )
            assert form.status_code == 303
            assert form.headers["location"] == f"{SAS}/sas/recherche?origin=samu{department}" + (
                "&inseecode=69123"
            )
