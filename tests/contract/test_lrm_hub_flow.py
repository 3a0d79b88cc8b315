"""INT_L02 end to end: SAS publisher → Hub → fake LRM → acks/errors back (digest §5).

The same suite runs on the in-memory hub and on a real RabbitMQ (AMQP 0-9-1 transport + the fake
hub's AMQP dispatcher). RabbitMQ tests need ``SASREF_TEST_AMQP_URL`` (``scripts/system-deps``
writes it to ``scripts/services.env``); without it they skip loudly, or fail when
``SASREF_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

import pytest
from _amqp import amqp_url, run_tag

from mocks.hub import HubRouter, InMemoryHub
from mocks.lrm import FakeLrm
from sasref.background import Backoff
from sasref.clock import PARIS, FixedClock
from sasref.lrm.messages import (
    SAS_CLIENT_ID,
    AppointmentMessage,
    Method,
    RegulatorInfo,
    build_report,
    format_hub_datetime,
)
from sasref.lrm.outbox import InMemoryOutbox, JsonFileOutbox, OutboxEntry, OutboxState
from sasref.lrm.publisher import LrmPublisher
from sasref.lrm.transport import HubTransport, queue_name

SAMU33 = "fr.health.samu330"
T0 = datetime(2025, 6, 17, 10, 15, tzinfo=PARIS)


class HubEnv(Protocol):
    clock: FixedClock

    async def connect(self, client_id: str) -> HubTransport: ...

    async def register(self, client_id: str) -> None: ...

    async def settle(self) -> None: ...

    def set_available(self, available: bool) -> None: ...


class MemoryEnv:
    def __init__(self) -> None:
        self.clock = FixedClock(T0)
        self.hub = InMemoryHub(self.clock, redelivery_delay=0.001)

    async def connect(self, client_id: str) -> HubTransport:
        return self.hub.connect(client_id)

    async def register(self, client_id: str) -> None:
        self.hub.declare(client_id)

    async def settle(self) -> None:
        await self.hub.settle()

    def set_available(self, available: bool) -> None:
        self.hub.available = available


class AmqpEnv:
    def __init__(self, url: str) -> None:
        from mocks.hub.amqp import AmqpHubDispatcher

        self.url = url
        self.clock = FixedClock(T0)
        tag = run_tag()
        self.exchange = f"hubsante-test-{tag}"
        self.namespace = f"t{tag}."
        self.dispatcher = AmqpHubDispatcher(
            url, HubRouter(), self.clock, exchange=self.exchange,
            dispatch_queue=f"dispatch-test-{tag}", purge=True, namespace=self.namespace,
        )  # fmt: skip
        self.transports: list[Any] = []
        self.available = True

    async def start(self) -> None:
        await self.dispatcher.start()

    async def connect(self, client_id: str) -> HubTransport:
        from sasref.lrm.amqp import AmqpHubTransport

        await self.dispatcher.register(client_id)  # declares and purges the client's queues
        transport = AmqpHubTransport(
            self.url, client_id, exchange=self.exchange, redelivery_delay=0.05,
            namespace=self.namespace,
        )  # fmt: skip
        await transport.open()
        self.transports.append(transport)
        env = self

        class Switchable:
            """Simulates a broker outage on the publishing side only."""

            client_id = transport.client_id

            async def publish(self, to: str, envelope: Any) -> None:
                if not env.available:
                    raise ConnectionError("broker unavailable (test switch)")
                await transport.publish(to, envelope)

            async def consume(self, queue: str, handler: Any) -> None:
                await transport.consume(queue, handler)

            async def close(self) -> None:
                await transport.close()

        return Switchable()

    async def register(self, client_id: str) -> None:
        await self.dispatcher.register(client_id)

    async def settle(self) -> None:
        await asyncio.sleep(0.3)  # a real broker: the tests poll with `eventually` anyway

    def set_available(self, available: bool) -> None:
        self.available = available

    async def close(self) -> None:
        for transport in self.transports:
            await transport.close()
        await self.dispatcher.delete()  # leave no per-test exchange/queue on the shared broker


@pytest.fixture(params=["memory", pytest.param("amqp", marks=pytest.mark.rabbitmq)])
async def env(request: pytest.FixtureRequest) -> AsyncIterator[HubEnv]:
    if request.param == "memory":
        yield MemoryEnv()
        return
    amqp = AmqpEnv(amqp_url())
    await amqp.start()
    try:
        yield amqp
    finally:
        await amqp.close()


async def eventually(env: HubEnv, check: Callable[[], bool], rounds: int = 100) -> None:
    """Let the hub work until ``check()`` holds (bounded; not a timing assertion)."""
    for _ in range(rounds):
        await env.settle()
        if check():
            return
        await asyncio.sleep(0.05)
    assert check(), "condition not reached"


def entry_of(publisher: LrmPublisher, key: str) -> OutboxEntry:
    found = publisher.outbox.get(key)
    assert found is not None
    return found


def ids(prefix: str) -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"{prefix}-{next(counter):04d}-0000-0000-0000-000000000000"


def message(
    method: Method = Method.CREATE, status: str = "booked", appt: str = "a1"
) -> AppointmentMessage:
    return AppointmentMessage(
        appointment_id=f"2d2db05f-e2b0-4169-be8f-{appt:0>12}",
        method=method,
        created=format_hub_datetime(T0),
        start=format_hub_datetime(T0 + timedelta(hours=4)),
        end=format_hub_datetime(T0 + timedelta(hours=4, minutes=20)),
        status=status,
        orientation_category="PS",
        regulator=RegulatorInfo(
            "RICART", "Pauline", "pauline.ricart@ghsas.fr", "3620100057/70326SR"
        ),
    )


async def sas_and_lrm(env: HubEnv, outbox: Any = None) -> tuple[LrmPublisher, FakeLrm]:
    sas = await env.connect(SAS_CLIENT_ID)
    lrm_transport = await env.connect(SAMU33)
    lrm = FakeLrm(SAMU33, env.clock, lrm_transport, id_factory=ids("lrm"))
    await lrm.start()
    publisher = LrmPublisher(
        sas, outbox if outbox is not None else InMemoryOutbox(), env.clock, id_factory=ids("sas"),
        backoff=Backoff(base=timedelta(seconds=10)), max_attempts=4,
    )  # fmt: skip
    await publisher.start()
    return publisher, lrm


async def test_create_is_stored_and_acknowledged(env: HubEnv) -> None:
    publisher, lrm = await sas_and_lrm(env)
    entry = await publisher.submit(message(), SAMU33)
    await eventually(env, lambda: entry_of(publisher, entry.key).state is OutboxState.ACKED)
    stored = lrm.appointments[entry.appointment_id]
    assert stored.current == message().to_json()
    assert [h.result for h in stored.history] == ["created"]
    assert stored.history[0].distribution_id == entry.distribution_ids[0]


async def test_update_cancel_and_unknown_update(env: HubEnv) -> None:
    publisher, lrm = await sas_and_lrm(env)
    await publisher.submit(message(), SAMU33)
    await eventually(env, lambda: publisher.states()["acked"] == 1)
    await publisher.submit(message(Method.UPDATE, "cancelled"), SAMU33)
    await eventually(env, lambda: publisher.states()["acked"] == 2)
    # an update for an id the LRM never saw is processed as a creation
    await publisher.submit(message(Method.UPDATE, "booked", appt="b2"), SAMU33)
    await eventually(env, lambda: publisher.states()["acked"] == 3)
    first = lrm.appointments[message().appointment_id]
    assert first.current["status"] == "cancelled"
    assert [h.result for h in first.history] == ["created", "updated"]
    second = lrm.appointments[message(appt="b2").appointment_id]
    assert [h.result for h in second.history] == ["created-from-update"]


async def test_duplicate_create_gets_409_and_is_resent_as_update(env: HubEnv) -> None:
    publisher, lrm = await sas_and_lrm(env)
    await publisher.submit(message(status="booked"), SAMU33)
    await eventually(env, lambda: publisher.states()["acked"] == 1)
    # the SAS (e.g. after losing its state) creates the same appointment again, newer data
    entry = await publisher.submit(message(status="fulfilled"), SAMU33)
    await eventually(env, lambda: entry_of(publisher, entry.key).state is OutboxState.ACKED)
    stored = lrm.appointments[entry.appointment_id]
    assert [h.result for h in stored.history] == ["created", "conflict", "updated"]
    assert stored.current["status"] == "fulfilled"  # nothing lost
    final = entry_of(publisher, entry.key)
    assert final is not None and final.appointment["method"] == "UpdateAppointment"
    assert final.last_error is None  # cleared by the ack
    assert len(final.distribution_ids) == 2


async def test_unknown_recipient_dead_lettered_then_retried(env: HubEnv) -> None:
    publisher, _ = await sas_and_lrm(env)
    samu69 = "fr.health.samu690"
    entry = await publisher.submit(message(appt="c3"), samu69)
    await eventually(
        env, lambda: (entry_of(publisher, entry.key).last_error or "").startswith("500")
    )
    pending = entry_of(publisher, entry.key)
    assert pending is not None and pending.state is OutboxState.PENDING and pending.attempts == 1
    # the SAMU joins the hub; nothing is resent before the backoff delay
    lrm69 = FakeLrm(samu69, env.clock, await env.connect(samu69), id_factory=ids("l69"))
    await lrm69.start()
    assert await publisher.flush() == 0
    env.clock.advance(timedelta(seconds=10))
    assert await publisher.flush() == 1
    await eventually(env, lambda: entry_of(publisher, entry.key).state is OutboxState.ACKED)
    assert entry.appointment_id in lrm69.appointments


async def test_retries_are_bounded(env: HubEnv) -> None:
    publisher, _ = await sas_and_lrm(env)
    entry = await publisher.submit(message(appt="d4"), "fr.health.samu999")
    for _ in range(10):
        await eventually(env, lambda: entry_of(publisher, entry.key).state is not OutboxState.SENT)
        env.clock.advance(timedelta(minutes=30))
        await publisher.flush()
    final = entry_of(publisher, entry.key)
    assert final is not None and final.state is OutboxState.FAILED
    assert final.attempts == 4 and final.transmissions == 4
    assert final.last_error is not None and "DEAD_LETTERED_QUEUE" in final.last_error


async def test_broker_down_then_back_nothing_lost(env: HubEnv) -> None:
    publisher, lrm = await sas_and_lrm(env)
    env.set_available(False)
    entry = await publisher.submit(message(appt="e5"), SAMU33)
    kept = entry_of(publisher, entry.key)
    assert kept is not None and kept.state is OutboxState.PENDING
    assert kept.last_error is not None and "publish failed" in kept.last_error
    env.set_available(True)
    env.clock.advance(timedelta(minutes=1))
    await publisher.flush()
    await eventually(env, lambda: entry_of(publisher, entry.key).state is OutboxState.ACKED)
    assert entry.appointment_id in lrm.appointments


async def test_expired_message_gets_400_and_is_resent_fresh(env: HubEnv) -> None:
    publisher, lrm = await sas_and_lrm(env)
    publisher.message_ttl = timedelta(seconds=-1)  # every message is born expired
    entry = await publisher.submit(message(appt="f6"), SAMU33)
    await eventually(env, lambda: "EXPIRED" in (entry_of(publisher, entry.key).last_error or ""))
    assert entry.appointment_id not in lrm.appointments
    publisher.message_ttl = timedelta(hours=1)
    env.clock.advance(timedelta(minutes=5))
    await publisher.flush()
    await eventually(env, lambda: entry_of(publisher, entry.key).state is OutboxState.ACKED)


async def test_schema_failure_is_reported_and_not_retried(env: HubEnv) -> None:
    publisher, lrm = await sas_and_lrm(env)
    doc = message(appt="g7").to_json()
    doc["orientationCategory"] = "Medecin"
    entry = await publisher.submit(AppointmentMessage.from_json(doc), SAMU33)
    await eventually(env, lambda: entry_of(publisher, entry.key).state is OutboxState.FAILED)
    failed = entry_of(publisher, entry.key)
    assert failed is not None and failed.last_error is not None
    assert failed.last_error.startswith("300 INVALID_MESSAGE")
    assert "orientationCategory: does not have a value in the enumeration" in failed.last_error
    assert lrm.appointments == {}


async def test_unrecognized_format_goes_to_sender_info(env: HubEnv) -> None:
    sas = await env.connect(SAS_CLIENT_ID)
    await env.register(SAMU33)
    seen: list[dict[str, Any]] = []

    async def on_info(doc: dict[str, Any]) -> None:
        seen.append(doc)

    await sas.consume(queue_name(SAS_CLIENT_ID, "info"), on_info)
    await sas.publish(SAMU33, b"this is not JSON")
    await sas.publish(SAMU33, {"hello": "world"})
    await eventually(env, lambda: len(seen) == 2)
    for doc in seen:
        error = doc["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["error"]
        assert error["errorCode"] == {
            "statusCode": 102,
            "statusString": "UNRECOGNIZED_MESSAGE_FORMAT",
        }
        assert doc["senderID"] == "fr.health.hub"


async def test_sas_restart_with_persistent_outbox(env: HubEnv, tmp_path: Any) -> None:
    path = tmp_path / "outbox.json"
    env.set_available(False)  # the message is accepted while the hub is unreachable...
    publisher, lrm = await sas_and_lrm(env, JsonFileOutbox(path))
    entry = await publisher.submit(message(appt="h8"), SAMU33)
    assert publisher.states()["pending"] == 1
    # ...then the SAS process dies: a new publisher reads the same file
    await publisher.transport.close()
    env.set_available(True)
    sas2 = await env.connect(SAS_CLIENT_ID)
    restarted = LrmPublisher(sas2, JsonFileOutbox(path), env.clock, id_factory=ids("sas2"))
    await restarted.start()
    env.clock.advance(timedelta(minutes=1))
    assert await restarted.flush() == 1
    await eventually(env, lambda: entry_of(restarted, entry.key).state is OutboxState.ACKED)
    assert JsonFileOutbox(path).get(entry.key) == entry_of(restarted, entry.key)
    assert entry_of(restarted, entry.key).state is OutboxState.ACKED
    assert entry.appointment_id in lrm.appointments


async def test_lrm_answers_a_redelivered_message_once(env: HubEnv) -> None:
    sas = await env.connect(SAS_CLIENT_ID)
    lrm = FakeLrm(SAMU33, env.clock, await env.connect(SAMU33), id_factory=ids("lrm"))
    await lrm.start()
    acks: list[dict[str, Any]] = []

    async def on_ack(doc: dict[str, Any]) -> None:
        acks.append(doc)

    await sas.consume(queue_name(SAS_CLIENT_ID, "ack"), on_ack)
    envelope = build_report(
        message(appt="i9"), sender_id=SAS_CLIENT_ID, recipient_id=SAMU33,
        internal_id="same", sent_at=T0, expires_at=T0 + timedelta(days=1),
    )  # fmt: skip
    await sas.publish(SAMU33, envelope)
    await sas.publish(SAMU33, envelope)  # same distributionID again
    await eventually(env, lambda: len(acks) == 2)
    stored = lrm.appointments[message(appt="i9").appointment_id]
    assert [h.result for h in stored.history] == ["created"]
    assert acks[0]["distributionID"] == acks[1]["distributionID"]
