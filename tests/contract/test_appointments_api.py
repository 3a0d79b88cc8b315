"""INT_R03 server (digest §4): POST/PUT /fhir/Appointment through the FastAPI router, in-process,
and the INT_L02 forwarding of every accepted version to the SAMU's fake LRM."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from _shared import require_shared
from fastapi import FastAPI

from mocks.hub import InMemoryHub
from mocks.lrm import FakeLrm
from sasref.appointments.forward import LrmForwarder
from sasref.appointments.router import appointments_router
from sasref.appointments.service import AppointmentService
from sasref.appointments.store import InMemoryAppointmentStore
from sasref.clock import PARIS, FixedClock
from sasref.fhir.systems import EXT_CATEGORIE_ORIENTATION
from sasref.lrm.from_fhir import sas_appointment_id
from sasref.lrm.messages import SAS_CLIENT_ID, OrganizationInfo, PractitionerInfo
from sasref.lrm.outbox import InMemoryOutbox, OutboxState
from sasref.lrm.publisher import LrmPublisher
from sasref.regulators import RegulatorAccount, RegulatorRegistry

BASE = "https://sas.test/fhir"
EDITOR_SYSTEM = "urn:oid:1.1.111.1.11.1.1.1"
APPT_ID = "b6e39355-8a61-4556-b340-36f7b95fec6a"


def example(name: str) -> dict[str, Any]:
    path = require_shared("ig", "ans.fhir.fr.sas-1.2.0", "example", f"{name}.json")
    doc = json.loads(path.read_text("utf-8"))
    doc.pop("text", None)
    doc.pop("id", None)
    return dict(doc)


@dataclass
class World:
    http: httpx.AsyncClient
    store: InMemoryAppointmentStore
    hub: InMemoryHub
    lrm: FakeLrm
    publisher: LrmPublisher
    forwarder: LrmForwarder


@pytest.fixture
async def world() -> AsyncIterator[World]:
    clock = FixedClock(datetime(2022, 9, 4, 10, 5, tzinfo=PARIS))
    regulators = RegulatorRegistry(
        [
            RegulatorAccount(
                "0b3f7c58-4f0e-4a55-9d4c-1a2b3c4d5e6f", "RICART", "Pauline",
                "pauline.ricart@ghsas.fr", national_id="3456780581/11242343", samu_department="33",
            ),
            RegulatorAccount(
                "5f1c2d3e-0000-4000-8000-000000000001", "NOCARD", "Jean", "jean@ghsas.fr",
                samu_department="69",
            ),
        ]
    )  # fmt: skip
    hub = InMemoryHub(clock)
    lrm = FakeLrm("fr.health.samu330", clock, hub.connect("fr.health.samu330"))
    await lrm.start()
    publisher = LrmPublisher(hub.connect(SAS_CLIENT_ID), InMemoryOutbox(), clock)
    await publisher.start()

    def lookup(idnps: str) -> tuple[PractitionerInfo | None, OrganizationInfo | None]:
        if idnps == "810100050075":
            return (
                PractitionerInfo("810100050075", "MOREL", "Didier", "SM54"),
                OrganizationInfo("334173748400020", "Maison de santé"),
            )
        return None, None

    forwarder = LrmForwarder(publisher, practitioner_lookup=lookup)
    store = InMemoryAppointmentStore()
    service = AppointmentService(store, regulators, clock, on_accepted=forwarder)
    app = FastAPI()
    app.include_router(appointments_router(service, base_url=BASE))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://sas.test"
    ) as http:
        yield World(http, store, hub, lrm, publisher, forwarder)
    await publisher.transport.close()
    await lrm.transport.close()  # type: ignore[union-attr]


def outcome_text(response: httpx.Response) -> str:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return " ".join(i.get("diagnostics", "") for i in body["issue"])


async def test_create_then_cancel_then_lrm_has_both(world: World) -> None:
    created = await world.http.post("/fhir/Appointment", json=example("Appointment-1"))
    assert created.status_code == 201, created.text
    sas_id = sas_appointment_id(EDITOR_SYSTEM, APPT_ID)
    assert created.headers["location"] == f"{BASE}/Appointment/{sas_id}"
    assert created.headers["content-type"].startswith("application/fhir+json")

    cancelled = await world.http.put(
        "/fhir/Appointment",
        params={"identifier": f"{EDITOR_SYSTEM}|{APPT_ID}"},
        json=example("Appointment-2"),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.headers["location"] == f"{BASE}/Appointment/{sas_id}"
    stored = await world.store.get(EDITOR_SYSTEM, APPT_ID)
    assert stored is not None and stored.status == "cancelled" and stored.version == 2
    assert [s for s, _ in stored.status_history] == ["booked", "cancelled"]

    await world.hub.settle()
    lrm_view = world.lrm.appointments[sas_id]
    assert [h.result for h in lrm_view.history] == ["created", "updated"]
    assert lrm_view.current["status"] == "cancelled"
    assert lrm_view.current["regulator"] == {
        "regulatorId": "3456780581/11242343", "regulatorName": "RICART",
        "regulatorFirstname": "Pauline", "regulatorEmail": "pauline.ricart@ghsas.fr",
    }  # fmt: skip
    assert lrm_view.current["practitioner"]["lastName"] == "MOREL"
    assert lrm_view.current["organization"]["organizationId"] == "334173748400020"
    assert lrm_view.current["start"] == "2022-09-04T15:00:00+02:00"  # Paris time, no ms
    # the create was still in flight when the cancellation superseded it; both were delivered
    states = world.publisher.states()
    assert (states["acked"], states["superseded"], states["pending"], states["sent"]) == (
        1,
        1,
        0,
        0,
    )

    read = await world.http.get(f"/fhir/Appointment/{sas_id}")
    assert read.status_code == 200 and read.json()["status"] == "cancelled"
    orientations = await world.store.orientations()
    assert [(o.category, o.status, o.created) for o in orientations] == [
        ("PS", "booked", True), ("PS", "cancelled", False),
    ]  # fmt: skip


async def test_post_is_an_upsert_and_capital_identifier_is_accepted(world: World) -> None:
    assert (
        await world.http.post("/fhir/Appointment", json=example("Appointment-1"))
    ).status_code == 201
    again = await world.http.post("/fhir/Appointment", json=example("Appointment-1"))
    assert again.status_code == 200
    body = example("Appointment-1")
    body["identifier"][0]["value"] = "new-one"
    put_new = await world.http.put(
        "/fhir/Appointment", params={"Identifier": f"{EDITOR_SYSTEM}|new-one"}, json=body
    )
    assert put_new.status_code == 201  # conditional update on an unknown id creates
    assert len(world.store.appointments) == 2


async def test_sos_appointment_is_an_sos_orientation(world: World) -> None:
    response = await world.http.post("/fhir/Appointment", json=example("Appointment-12345678"))
    assert response.status_code == 201, response.text
    stored = await world.store.get(EDITOR_SYSTEM, APPT_ID)
    assert stored is not None and stored.orientation_category == "SOS"
    await world.hub.settle()
    lrm_view = world.lrm.appointments[stored.id]
    assert lrm_view.current["orientationCategory"] == "SOS"
    assert lrm_view.current["status"] == "pending"
    assert "practitioner" not in lrm_view.current  # PS unknown (needs-action, ADM)


async def test_orientation_extension_wins(world: World) -> None:
    body = example("Appointment-1")
    body["extension"].append({"url": EXT_CATEGORIE_ORIENTATION, "valueCoding": {"code": "604"}})
    assert (await world.http.post("/fhir/Appointment", json=body)).status_code == 201
    stored = await world.store.get(EDITOR_SYSTEM, APPT_ID)
    assert stored is not None and stored.orientation_category == "CPTS"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a FHIR resource"),
        (b'{"status": "booked"}', "not a FHIR resource"),
        (b'{"resourceType": "Patient"}', "expected an Appointment"),
    ],
)
async def test_bad_bodies_are_400(world: World, content: bytes, expected: str) -> None:
    response = await world.http.post(
        "/fhir/Appointment", content=content, headers={"content-type": "application/fhir+json"}
    )
    assert response.status_code == 400
    assert expected in outcome_text(response)
    assert world.store.appointments == {}


async def test_put_needs_a_usable_identifier_matching_the_body(world: World) -> None:
    no_query = await world.http.put("/fhir/Appointment", json=example("Appointment-1"))
    assert no_query.status_code == 400 and "identifier" in outcome_text(no_query)
    mismatch = await world.http.put(
        "/fhir/Appointment", params={"identifier": f"{EDITOR_SYSTEM}|other"},
        json=example("Appointment-1"),
    )  # fmt: skip
    assert mismatch.status_code == 400 and "differs" in outcome_text(mismatch)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("start"),
        lambda d: d.pop("identifier"),
        lambda d: d.update(status="not-a-status"),
        lambda d: d.pop("extension"),
    ],
)
async def test_profile_violations_are_422(world: World, breakage: Any) -> None:
    body = example("Appointment-1")
    breakage(body)
    response = await world.http.post("/fhir/Appointment", json=body)
    assert response.status_code == 422, response.text
    issues = response.json()["issue"]
    assert any(i["severity"] in ("error", "fatal") for i in issues)
    assert world.store.appointments == {}
    assert world.publisher.states()["pending"] == 0 and world.publisher.outbox.entries() == []


async def test_unknown_regulator_is_422(world: World) -> None:
    body = copy.deepcopy(example("Appointment-1"))
    body["extension"][0]["valueReference"]["identifier"]["value"] = "810000000000"
    response = await world.http.post("/fhir/Appointment", json=body)
    assert response.status_code == 422
    assert "not a known regulator" in outcome_text(response)
    assert world.store.appointments == {}


async def test_technical_id_regulator_routes_to_its_samu_without_regulator_id(world: World) -> None:
    body = example("Appointment-1")
    body["extension"][0]["valueReference"]["identifier"] = {
        "type": {"coding": [{"system": "http://interopsante.org/fhir/CodeSystem/fr-v2-0203",
                             "code": "INTRN"}]},
        "system": "urn:oid:1.2.250.1.213.3.6",
        "value": "5f1c2d3e-0000-4000-8000-000000000001",
    }  # fmt: skip
    response = await world.http.post("/fhir/Appointment", json=body)
    assert response.status_code == 201, response.text
    (entry,) = world.publisher.outbox.entries()
    assert entry.recipient_id == "fr.health.samu690"
    # the SAS technical UUID is never sent to the LRM
    assert "regulatorId" not in entry.appointment["regulator"]
    await world.hub.settle()
    # SAMU 69 is not on the hub: dead-lettered, kept for retry
    assert world.publisher.outbox.get(entry.key).state is OutboxState.PENDING  # type: ignore[union-attr]
