"""``build_appointment_stack``: the router + publisher the platform includes, end to end."""

from __future__ import annotations

from datetime import datetime

import httpx
from _shared import require_shared
from fastapi import FastAPI

from mocks.hub import InMemoryHub
from mocks.lrm import FakeLrm
from sasref.appointments.wiring import build_appointment_stack
from sasref.clock import PARIS, FixedClock
from sasref.lrm.messages import SAS_CLIENT_ID
from sasref.regulators import RegulatorAccount, RegulatorRegistry


async def test_stack_forwards_to_the_lrm() -> None:
    body = require_shared("ig", "ans.fhir.fr.sas-1.2.0", "example", "Appointment-1.json")
    clock = FixedClock(datetime(2022, 9, 4, 10, 5, tzinfo=PARIS))
    hub = InMemoryHub(clock)
    lrm = FakeLrm("fr.health.samu330", clock, hub.connect("fr.health.samu330"))
    await lrm.start()
    regulators = RegulatorRegistry(
        [RegulatorAccount("0b3f7c58-4f0e-4a55-9d4c-1a2b3c4d5e6f", "RICART", "Pauline",
                          "p@ghsas.fr", national_id="3456780581/11242343", samu_department="33")]
    )  # fmt: skip
    stack = build_appointment_stack(
        regulators=regulators, clock=clock, transport=hub.connect(SAS_CLIENT_ID),
        flush_interval=0.05,
    )  # fmt: skip
    app = FastAPI()
    app.include_router(stack.router)
    await stack.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://sas.test"
        ) as http:
            response = await http.post("/fhir/Appointment", content=body.read_bytes())
        assert response.status_code == 201
        assert response.headers["location"].startswith("https://sas.test/fhir/Appointment/")
        await hub.settle()
        assert stack.publisher is not None and stack.publisher.states()["acked"] == 1
        (stored,) = lrm.appointments.values()
        assert stored.current["regulator"]["regulatorId"] == "3456780581/11242343"
    finally:
        await stack.stop()
        await lrm.transport.close()  # type: ignore[union-attr]
