"""The fake LRM's web app: stored appointments and the INT_L01 link of a regulation file."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx

from mocks.hub import InMemoryHub
from mocks.lrm import FakeLrm, LrmSettings, create_app
from sasref.clock import PARIS, FixedClock
from sasref.lrm.messages import (
    SAS_CLIENT_ID,
    AppointmentMessage,
    Method,
    build_report,
    format_hub_datetime,
)

T0 = datetime(2025, 6, 17, 10, 15, tzinfo=PARIS)


async def test_appointments_are_listed_and_read() -> None:
    clock = FixedClock(T0)
    hub = InMemoryHub(clock)
    lrm = FakeLrm("fr.health.samu330", clock, hub.connect("fr.health.samu330"))
    app = create_app(LrmSettings(), lrm)
    sas = hub.connect(SAS_CLIENT_ID)
    appt = AppointmentMessage(
        "2d2db05f-e2b0-4169-be8f-891806da2c74", Method.CREATE, format_hub_datetime(T0),
        format_hub_datetime(T0 + timedelta(hours=1)), "booked",
    )  # fmt: skip
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://lrm.test"
        ) as http,
    ):
        await sas.publish("fr.health.samu330", build_report(
            appt, sender_id=SAS_CLIENT_ID, recipient_id="fr.health.samu330", internal_id="1",
            sent_at=T0, expires_at=T0 + timedelta(days=1)))  # fmt: skip
        await hub.settle()
        listed = (await http.get("/appointments")).json()
        assert [a["appointmentId"] for a in listed] == [appt.appointment_id]
        one = (await http.get(f"/appointments/{appt.appointment_id}")).json()
        assert one["history"][0]["result"] == "created"
        assert one["history"][0]["distributionID"] == "fr.health.ptfsas_1"
        assert (await http.get("/appointments/unknown")).status_code == 404
        # the ack went back to the SAS
        assert [d["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["reference"]
                for d in hub.pending("fr.health.ptfsas.ack")] == [
            {"distributionID": "fr.health.ptfsas_1"}]  # fmt: skip
    await lrm.transport.close()  # type: ignore[union-attr]


async def test_regulation_file_opens_a_contextual_search_link() -> None:
    app = create_app(LrmSettings(sas_base_url="https://sas.test", affectation_authority="samu33"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://lrm.test"
    ) as http:
        response = await http.post("/regulation-files", json={
            "practitioner": "urn:oid:1.2.250.1.71.4.2.1|810005681340",
            "streetnumber": "12", "streetname": "rue Sainte-Catherine",
            "inseecode": "33063", "city": "Bordeaux",
        })  # fmt: skip
    assert response.status_code == 200
    url = urlsplit(response.json()["url"])
    assert (url.scheme, url.netloc, url.path) == ("https", "sas.test", "/sas/recherche")
    query = parse_qs(url.query)
    assert query["origin"] == ["samu33"]
    assert query["practitioner"] == ["urn:oid:1.2.250.1.71.4.2.1|810005681340"]
    assert query["city"] == ["Bordeaux"] and "specialty" not in query
