"""The AMQP 0-9-1 transport on a real RabbitMQ: durable queues named like the Hub's, consumer
acknowledgements (a failing handler gets the message again), publisher confirms."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aio_pika
import pytest
from _amqp import amqp_url

from mocks.hub.amqp import AmqpHubDispatcher
from mocks.hub.router import HubRouter
from sasref.clock import SystemClock
from sasref.lrm.amqp import AmqpHubTransport
from sasref.lrm.messages import AppointmentMessage, Method, build_report, format_hub_datetime

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
async def broker() -> AsyncIterator[tuple[str, str, AmqpHubDispatcher]]:
    url = amqp_url()
    tag = uuid.uuid4().hex[:8]
    exchange = f"hubsante-e2e-{tag}"
    # Queues under a namespace of their own: other runs of the suite share this broker and
    # would otherwise consume this test's fr.health.samu330.message.
    dispatcher = AmqpHubDispatcher(
        url, HubRouter(), SystemClock(), exchange=exchange,
        dispatch_queue=f"dispatch-e2e-{tag}", purge=True, namespace=f"e{tag}.",
    )  # fmt: skip
    await dispatcher.start()
    yield url, exchange, dispatcher
    await dispatcher.delete()


async def test_queues_are_durable_and_named_like_the_hub(
    broker: tuple[str, str, AmqpHubDispatcher],
) -> None:
    url, exchange, _ = broker
    client = f"fr.health.test{uuid.uuid4().hex[:6]}"
    async with AmqpHubTransport(url, client, exchange=exchange):
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel()
            for suffix in ("message", "ack", "info"):
                # passive declare fails if absent; durable=True must match the existing queue
                await channel.declare_queue(f"{client}.{suffix}", durable=True, passive=True)
            for suffix in ("message", "ack", "info"):
                await channel.queue_delete(f"{client}.{suffix}")


async def test_failing_handler_gets_the_message_again(
    broker: tuple[str, str, AmqpHubDispatcher],
) -> None:
    url, exchange, dispatcher = broker
    client, ns = "fr.health.samu330", dispatcher.namespace
    await dispatcher.register(client)
    await dispatcher.register("fr.health.ptfsas")
    calls: list[dict[str, Any]] = []
    done = asyncio.Event()

    async def flaky(doc: dict[str, Any]) -> None:
        calls.append(doc)
        if len(calls) == 1:
            raise RuntimeError("LRM database hiccup")
        done.set()

    async with (
        AmqpHubTransport(url, "fr.health.ptfsas", exchange=exchange, namespace=ns) as sas,
        AmqpHubTransport(
            url, client, exchange=exchange, redelivery_delay=0.05, namespace=ns
        ) as lrm,
    ):
        await lrm.consume(f"{client}.message", flaky)
        now = SystemClock().now()
        appt = AppointmentMessage(
            str(uuid.uuid4()), Method.CREATE, format_hub_datetime(now),
            format_hub_datetime(now + timedelta(hours=1)), "booked",
        )  # fmt: skip
        envelope = build_report(
            appt, sender_id="fr.health.ptfsas", recipient_id=client, internal_id="e2e",
            sent_at=now, expires_at=now + timedelta(hours=1),
        )  # fmt: skip
        await sas.publish(client, envelope)  # returns after the broker's confirm
        await asyncio.wait_for(done.wait(), 20)
    assert len(calls) == 2 and calls[0] == calls[1] == envelope


async def test_non_json_is_rejected_not_redelivered(
    broker: tuple[str, str, AmqpHubDispatcher],
) -> None:
    url, exchange, dispatcher = broker
    client, ns = "fr.health.samu330", dispatcher.namespace
    await dispatcher.register(client)
    seen: list[dict[str, Any]] = []

    async def handler(doc: dict[str, Any]) -> None:
        seen.append(doc)

    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.default_exchange.publish(
            aio_pika.Message(b"garbage"), routing_key=f"{ns}{client}.message"
        )
        async with AmqpHubTransport(url, client, exchange=exchange, namespace=ns) as lrm:
            await lrm.consume(f"{client}.message", handler)
            for _ in range(50):
                queue = await channel.declare_queue(
                    f"{ns}{client}.message", durable=True, passive=True
                )
                if queue.declaration_result.message_count == 0:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.3)
    assert seen == []
    assert queue.declaration_result.message_count == 0


def _close_connections_named(tag: str) -> int:
    """Force-close (broker side) the connections whose client properties carry ``tag``."""
    rabbitmqctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    try:
        listing = subprocess.run(
            [rabbitmqctl, "-q", "list_connections", "pid", "client_properties"],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot drive rabbitmqctl to cut the connection: {exc}")
    pids = [line.split("\t")[0] for line in listing.stdout.splitlines() if tag in line]
    for pid in pids:
        subprocess.run(
            [rabbitmqctl, "close_connection", pid, "sasref reconnect test"],
            capture_output=True, timeout=30, check=True,
        )  # fmt: skip
    return len(pids)


async def test_reconnects_and_keeps_consuming_after_a_cut(
    broker: tuple[str, str, AmqpHubDispatcher],
) -> None:
    url, exchange, dispatcher = broker
    client, ns = "fr.health.samu330", dispatcher.namespace
    await dispatcher.register(client)
    await dispatcher.register("fr.health.ptfsas")
    tag = f"sasref-reconnect-{uuid.uuid4().hex[:8]}"
    received: list[dict[str, Any]] = []

    async def handler(doc: dict[str, Any]) -> None:
        received.append(doc)

    lrm = AmqpHubTransport(
        url, client, exchange=exchange, namespace=ns,
        connect_kwargs={"client_properties": {"connection_name": tag}},
    )  # fmt: skip
    sas = AmqpHubTransport(url, "fr.health.ptfsas", exchange=exchange, namespace=ns)
    async with lrm, sas:
        await lrm.consume(f"{client}.message", handler)
        closed = await asyncio.to_thread(_close_connections_named, tag)
        assert closed == 1
        now = SystemClock().now()
        appt = AppointmentMessage(
            str(uuid.uuid4()), Method.CREATE, format_hub_datetime(now),
            format_hub_datetime(now + timedelta(hours=1)), "booked",
        )  # fmt: skip
        envelope = build_report(
            appt, sender_id="fr.health.ptfsas", recipient_id=client, internal_id="cut",
            sent_at=now, expires_at=now + timedelta(hours=1),
        )  # fmt: skip
        await sas.publish(client, envelope)  # queued durably while the LRM reconnects
        for _ in range(200):
            if received:
                break
            await asyncio.sleep(0.1)
    assert received == [envelope]
