"""INT_L02 over the whole fleet: 101 SAMUs, each a Hub client; an appointment taken by a regulator
reaches the LRM of that regulator's SAMU and no other (IG digest §5; docs/ig-decisions.md).

The same test runs on the in-memory Hub and on a real RabbitMQ with the 101 SAMUs' queues
(``SASREF_TEST_AMQP_URL``; skipped loudly without it, a failure under
``SASREF_REQUIRE_SERVICES=1``). Appointments enter through the SAS's INT_R03 endpoint, so the
routing rule under test is the one the platform runs (:mod:`sasref.appointments.forward`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from _amqp import amqp_url, run_tag
from fastapi import FastAPI

from mocks.hub import HubRouter, InMemoryHub
from mocks.lrm import LrmFleet
from sasref.appointments.wiring import AppointmentStack, build_appointment_stack
from sasref.clock import PARIS, FixedClock
from sasref.directory.geo import DEPARTMENTS
from sasref.fhir.identifiers import practitioner_identifier
from sasref.lrm.messages import (
    SAS_CLIENT_ID,
    AppointmentMessage,
    Method,
    RegulatorInfo,
    format_hub_datetime,
)
from sasref.lrm.outbox import OutboxState
from sasref.lrm.transport import HubTransport
from sasref.regulators import RegulatorAccount, RegulatorRegistry
from sasref.testing_builders import build_appointment

T0 = datetime(2024, 6, 12, 9, 0, tzinfo=PARIS)
EDITOR_SYSTEM = "https://editeur-01.test/rendez-vous"


def regulator_of(department: str) -> RegulatorAccount:
    """A médecin régulateur of ``department``'s SAMU, with an RPPS of their own."""
    digits = f"{int(department, 16):09d}"  # "2A" → 42: unique per département
    rpps = "8" + "10" + digits
    return RegulatorAccount(
        str(uuid.uuid5(uuid.NAMESPACE_URL, f"regulateur/{department}")),
        f"SAMU{department}", "Camille", f"camille@samu{department.lower()}.test",
        national_id=rpps, samu_department=department,
    )  # fmt: skip


def appointment_for(account: RegulatorAccount, n: int) -> dict[str, Any]:
    """An INT_R03 Appointment booked by ``account`` (always the same practitioner, in 33)."""
    resource = build_appointment()
    assert account.national_id is not None
    operator = practitioner_identifier(account.national_id)
    resource["extension"][0]["valueReference"] = {"identifier": operator}
    resource["identifier"] = [{"system": EDITOR_SYSTEM, "value": f"rdv-{n:04d}"}]
    return resource


@dataclass
class World:
    fleet: LrmFleet
    stack: AppointmentStack
    http: httpx.AsyncClient
    settle: Callable[[], Any]
    regulators: RegulatorRegistry


class MemoryHubSide:
    def __init__(self, clock: FixedClock) -> None:
        self.hub = InMemoryHub(clock)

    async def connect(self, client_id: str) -> HubTransport:
        return self.hub.connect(client_id)

    async def settle(self) -> None:
        await self.hub.settle()

    async def close(self) -> None:
        pass


class AmqpHubSide:
    """A real RabbitMQ with the fake Hub's dispatcher; every queue under a per-run namespace."""

    def __init__(self, url: str, clock: FixedClock) -> None:
        from mocks.hub.amqp import AmqpHubDispatcher

        tag = run_tag()
        self.url, self.exchange, self.namespace = url, f"hubsante-fleet-{tag}", f"f{tag}."
        self.dispatcher = AmqpHubDispatcher(
            url, HubRouter(), clock, exchange=self.exchange,
            dispatch_queue=f"dispatch-fleet-{tag}", namespace=self.namespace,
        )  # fmt: skip
        self.transports: list[Any] = []

    async def start(self, clients: list[str]) -> None:
        for client in clients:
            self.dispatcher.router.register(client)
        await self.dispatcher.start()  # declares the 3 queues of every client: 101 SAMUs + SAS

    async def connect(self, client_id: str) -> HubTransport:
        from sasref.lrm.amqp import AmqpHubTransport

        transport = AmqpHubTransport(
            self.url, client_id, exchange=self.exchange, namespace=self.namespace
        )
        await transport.open()
        self.transports.append(transport)
        return transport

    async def settle(self) -> None:
        await asyncio.sleep(0.2)

    async def close(self) -> None:
        for transport in self.transports:
            await transport.close()
        await self.dispatcher.delete()


@pytest.fixture(params=["memory", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
async def world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    clock = FixedClock(T0)
    fleet = LrmFleet(clock, seed=7)
    side: MemoryHubSide | AmqpHubSide
    if request.param == "memory":
        side = MemoryHubSide(clock)
    else:
        side = AmqpHubSide(amqp_url(), clock)
        await side.start([SAS_CLIENT_ID, *fleet.client_ids])
    transports = {c: await side.connect(c) for c in fleet.client_ids}
    fleet.attach(transports.__getitem__)
    await fleet.start()
    regulators = RegulatorRegistry(regulator_of(code) for code in DEPARTMENTS)
    stack = build_appointment_stack(
        regulators=regulators, clock=clock, transport=await side.connect(SAS_CLIENT_ID)
    )
    assert stack.publisher is not None
    await stack.publisher.start()  # acks and errors; flushes by hand (no background task)
    app = FastAPI()
    app.include_router(stack.router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://sas.test"
    ) as http:
        try:
            yield World(fleet, stack, http, side.settle, regulators)
        finally:
            await side.close()
            if isinstance(side, MemoryHubSide):
                await fleet.close()
                await stack.publisher.transport.close()


async def eventually(world: World, check: Callable[[], bool], rounds: int = 150) -> None:
    """Let the Hub work until ``check()`` holds (bounded; not a timing assertion)."""
    for _ in range(rounds):
        await world.settle()
        if check():
            return
    assert check(), "condition not reached"


async def test_each_regulator_s_appointment_reaches_their_samu_and_no_other(world: World) -> None:
    accounts = world.regulators.all()
    assert len(accounts) == len(world.fleet) == 101
    expected: dict[str, str] = {}
    for n, account in enumerate(accounts):
        response = await world.http.post("/fhir/Appointment", json=appointment_for(account, n))
        assert response.status_code == 201, response.text
        assert account.samu_client_id is not None
        expected[account.samu_client_id] = response.headers["location"].rsplit("/", 1)[1]
    publisher = world.stack.publisher
    assert publisher is not None
    await eventually(world, lambda: publisher.states()["acked"] == 101)
    # every SAMU got exactly one message: the appointment of its own regulator
    assert world.fleet.delivered() == {client: [appt] for client, appt in expected.items()}
    for samu in world.fleet:
        (stored,) = samu.lrm.appointments.values()
        regulator = stored.current["regulator"]
        assert regulator["regulatorEmail"] == f"camille@samu{samu.department.lower()}.test"
    assert {e.recipient_id for e in publisher.outbox.entries()} == set(expected)


async def test_an_appointment_stays_with_the_samu_it_was_first_sent_to(world: World) -> None:
    account = next(a for a in world.regulators.all() if a.samu_department == "69")
    created = await world.http.post("/fhir/Appointment", json=appointment_for(account, 1))
    assert created.status_code == 201
    account.samu_department = "01"  # moved to SAMU 01 since (the SAS's directory, next login)
    cancelled = appointment_for(account, 1) | {"status": "cancelled"}
    updated = await world.http.put(
        "/fhir/Appointment", params={"identifier": f"{EDITOR_SYSTEM}|rdv-0001"}, json=cancelled
    )
    assert updated.status_code == 200
    later = await world.http.post("/fhir/Appointment", json=appointment_for(account, 2))
    assert later.status_code == 201
    first_id = created.headers["location"].rsplit("/", 1)[1]
    later_id = later.headers["location"].rsplit("/", 1)[1]

    def arrived() -> bool:
        delivered = world.fleet.delivered()
        return len(delivered["fr.health.samu690"]) == 2 and len(delivered["fr.health.samu010"]) == 1

    await eventually(world, arrived)
    delivered = world.fleet.delivered()
    assert delivered["fr.health.samu690"] == [first_id, first_id]  # create, then the update
    assert delivered["fr.health.samu010"] == [later_id]  # a new appointment: the new SAMU
    (lyon,) = world.fleet.samu("69").lrm.appointments.values()
    assert lyon.current["status"] == "cancelled"


async def test_a_regulator_the_sas_has_no_samu_for_is_sent_nowhere(world: World) -> None:
    lost = world.regulators.add(
        RegulatorAccount("5f1c2d3e-0000-4000-8000-00000000beef", "SANS", "Samu", "sans@sas.test",
                         national_id="810000000999")
    )  # fmt: skip
    response = await world.http.post("/fhir/Appointment", json=appointment_for(lost, 999))
    assert response.status_code == 201  # the SAS keeps it: nothing accepted is lost
    await world.settle()
    forwarder = world.stack.forwarder
    assert forwarder is not None and list(forwarder.unrouted.values()) == [lost.technical_id]
    assert world.stack.publisher is not None and world.stack.publisher.outbox.entries() == []
    assert all(ids == [] for ids in world.fleet.delivered().values())


async def test_the_hub_dead_letters_an_unknown_samu_back_to_the_sas(world: World) -> None:
    publisher = world.stack.publisher
    assert publisher is not None
    message = AppointmentMessage(
        "6f1c2a4e-0000-4000-8000-000000000999", Method.CREATE, format_hub_datetime(T0),
        format_hub_datetime(T0.replace(hour=14)), "booked",
        regulator=RegulatorInfo("SAMU69", "Camille", "camille@samu69.test"),
    )  # fmt: skip
    entry = await publisher.submit(message, "fr.health.samu999")  # no such SAMU on the Hub

    def errored() -> bool:
        found = publisher.outbox.get(entry.key)
        return found is not None and found.last_error is not None

    await eventually(world, errored)
    found = publisher.outbox.get(entry.key)
    assert found is not None and found.last_error is not None
    assert found.last_error.startswith("500 DEAD_LETTERED_QUEUE")
    assert "fr.health.samu999" in found.last_error
    assert found.state is OutboxState.PENDING  # retried with backoff, not lost
    assert all(ids == [] for ids in world.fleet.delivered().values())
