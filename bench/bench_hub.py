"""INT_L02 through the Hub Santé to the 101 SAMUs' LRMs (issue 10): messages per second and
publish-to-ack latency, on the in-memory Hub and on a real RabbitMQ.

The SAS side is the platform's own (:class:`sasref.lrm.publisher.LrmPublisher`, outbox first);
the LRMs are the fleet's (:class:`mocks.lrm.LrmFleet`, 101 SAMUs, each with its three queues).
:data:`CONCURRENCY` "regulators" each submit an appointment message to their SAMU (round robin
over the 101) and wait for that message's final ack before the next: the latency of a message is
from :meth:`~sasref.lrm.publisher.LrmPublisher.submit` to the moment the LRM's ack (RC-REF) back
on ``fr.health.ptfsas.ack`` has been processed by the publisher; messages per second are the
acked messages over the run's wall time (everything — SAS, Hub, 101 LRMs — in one process).

RabbitMQ: the fake Hub's dispatcher (:class:`mocks.hub.amqp.AmqpHubDispatcher`) routes between
the 303 queues of the 101 SAMUs (+ the SAS's 3) under a per-run namespace, all removed at the
end; needs ``$SASREF_TEST_AMQP_URL`` (without it: a loud message on stderr and a "skipped" row).

``run()`` returns rows ``{"benchmark", "metric", "value", "target", "ok"}``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from mocks.hub import HubRouter, InMemoryHub
from mocks.lrm import LrmFleet
from sasref import eventloop
from sasref.clock import PARIS, FixedClock
from sasref.lrm.messages import (
    SAS_CLIENT_ID,
    AppointmentMessage,
    Method,
    RegulatorInfo,
    format_hub_datetime,
    parse_envelope,
)
from sasref.lrm.outbox import InMemoryOutbox
from sasref.lrm.publisher import LrmPublisher
from sasref.lrm.transport import Handler, HubTransport

MESSAGES = {"memory": 5000, "rabbitmq": 3000}
WARMUP = 300
CONCURRENCY = 32
RUN_BOUND = 300.0  # s: one measured run
T0 = datetime(2026, 6, 16, 9, 0, tzinfo=PARIS)
AMQP_ENV = "SASREF_TEST_AMQP_URL"


def _row(metric: str, value: Any, target: str = "report", ok: bool = True) -> dict[str, Any]:
    return {"benchmark": "hub (INT_L02)", "metric": metric, "value": value, "target": target,
            "ok": ok}  # fmt: skip


class _AckTimes:
    """Wraps the SAS's transport: records when the publisher has processed each final ack."""

    def __init__(self, inner: HubTransport) -> None:
        self.inner = inner
        self.waiters: dict[str, asyncio.Future[float]] = {}  # distributionID → ack time

    @property
    def client_id(self) -> str:
        return self.inner.client_id

    async def publish(self, to_client_id: str, envelope: Any) -> None:
        await self.inner.publish(to_client_id, envelope)

    async def consume(self, queue: str, handler: Handler) -> None:
        if not queue.endswith(".ack"):
            await self.inner.consume(queue, handler)
            return

        async def timed(doc: dict[str, Any]) -> None:
            await handler(doc)
            reference = parse_envelope(doc).reference
            waiter = self.waiters.pop(reference, None) if reference else None
            if waiter is not None and not waiter.done():
                waiter.set_result(time.perf_counter())

        await self.inner.consume(queue, timed)

    async def close(self) -> None:
        await self.inner.close()


def _message(n: int) -> AppointmentMessage:
    return AppointmentMessage(
        appointment_id=str(uuid.UUID(int=n + 1)),
        method=Method.CREATE,
        created=format_hub_datetime(T0),
        start=format_hub_datetime(T0 + timedelta(hours=3)),
        end=format_hub_datetime(T0 + timedelta(hours=3, minutes=20)),
        status="booked",
        orientation_category="PS",
        regulator=RegulatorInfo("BERGER", "Christine", "c.berger@samu.example.test"),
    )


async def _drive(
    publisher: LrmPublisher, acks: _AckTimes, clients: list[str], count: int, offset: int
) -> tuple[float, list[float]]:
    """``count`` messages, :data:`CONCURRENCY` in flight; (wall seconds, latencies in ms)."""
    latencies: list[float] = []
    numbers = iter(range(offset, offset + count))
    loop = asyncio.get_running_loop()

    async def regulator() -> None:
        for n in numbers:
            message = _message(n)
            waiter: asyncio.Future[float] = loop.create_future()
            started = time.perf_counter()
            entry = await publisher.submit(message, clients[n % len(clients)])
            acks.waiters[entry.distribution_ids[-1]] = waiter
            if entry.state.value == "acked":  # the ack overtook us (in-memory Hub)
                acks.waiters.pop(entry.distribution_ids[-1], None)
                latencies.append((time.perf_counter() - started) * 1000)
                continue
            done = await waiter
            latencies.append((done - started) * 1000)

    started = time.perf_counter()
    async with asyncio.timeout(RUN_BOUND):
        await asyncio.gather(*(regulator() for _ in range(CONCURRENCY)))
    return time.perf_counter() - started, latencies


async def _measure(
    label: str, connect: Callable[[str], Awaitable[HubTransport]], count: int
) -> list[dict[str, Any]]:
    clock = FixedClock(T0)
    fleet = LrmFleet(clock)
    transports = {c: await connect(c) for c in fleet.client_ids}
    fleet.attach(transports.__getitem__)
    await fleet.start()
    acks = _AckTimes(await connect(SAS_CLIENT_ID))
    publisher = LrmPublisher(acks, InMemoryOutbox(), clock)
    await publisher.start()
    try:
        await _drive(publisher, acks, fleet.client_ids, WARMUP, 0)
        elapsed, latencies = await _drive(publisher, acks, fleet.client_ids, count, WARMUP)
    finally:
        await acks.close()
        await fleet.close()
    delivered = sum(len(ids) for ids in fleet.delivered().values())
    assert delivered == WARMUP + count, (delivered, WARMUP + count)
    cuts = statistics.quantiles(latencies, n=100)
    return [
        _row(f"{label}: INT_L02 messages/s to 101 SAMUs, acked ({CONCURRENCY} in flight)",
             round(count / elapsed, 1)),
        _row(f"{label}: publish-to-ack latency p50 (ms)", round(cuts[49], 2)),
        _row(f"{label}: publish-to-ack latency p95 (ms)", round(cuts[94], 2)),
    ]  # fmt: skip


async def _memory() -> list[dict[str, Any]]:
    hub = InMemoryHub(FixedClock(T0))

    async def connect(client_id: str) -> HubTransport:
        return hub.connect(client_id)

    return await _measure("in-memory Hub", connect, MESSAGES["memory"])


async def _rabbitmq(url: str) -> list[dict[str, Any]]:
    from mocks.hub.amqp import AmqpHubDispatcher
    from sasref.lrm.amqp import AmqpHubTransport

    tag = uuid.uuid4().hex[:8]
    namespace, exchange = f"b{tag}.", f"hubsante-bench-{tag}"
    router = HubRouter()
    dispatcher = AmqpHubDispatcher(
        url, router, FixedClock(T0), exchange=exchange, dispatch_queue=f"dispatch-bench-{tag}",
        namespace=namespace,
    )  # fmt: skip
    for client in [SAS_CLIENT_ID, *LrmFleet(FixedClock(T0)).client_ids]:
        router.register(client)
    await dispatcher.start()

    async def connect(client_id: str) -> HubTransport:
        transport = AmqpHubTransport(url, client_id, exchange=exchange, namespace=namespace)
        return await transport.open()

    try:
        return await _measure("RabbitMQ, 101 SAMU queues", connect, MESSAGES["rabbitmq"])
    finally:
        await dispatcher.delete()


async def _all() -> list[dict[str, Any]]:
    rows = await _memory()
    url = os.environ.get(AMQP_ENV)
    if not url:
        print(f"!!! bench hub: RabbitMQ NOT MEASURED: ${AMQP_ENV} is not set "
              "(source scripts/services.env) !!!", file=sys.stderr, flush=True)  # fmt: skip
        return [*rows, _row("RabbitMQ, 101 SAMU queues", f"skipped: ${AMQP_ENV} not set")]
    return [*rows, *await _rabbitmq(url)]


def run() -> list[dict[str, Any]]:
    return eventloop.run(_all())
