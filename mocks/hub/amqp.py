"""The fake Hub Santé's dispatcher on a real RabbitMQ (AMQP 0-9-1, aio-pika).

Clients (:class:`sasref.lrm.amqp.AmqpHubTransport`) publish on the ``hubsante`` topic exchange
with their client id as routing key. The dispatcher consumes the ``dispatch`` queue bound to
that exchange, runs the same :class:`~mocks.hub.router.HubRouter` as the in-memory hub, and
publishes each delivery (routed message or hub error) to the target queue through the default
exchange, with publisher confirms, before acknowledging the incoming message: a message is
never lost between the two queues.

For tests, ``exchange``, ``dispatch_queue`` and ``namespace`` (a prefix of every client queue
on the broker, the same as the clients' :attr:`~sasref.lrm.amqp.AmqpHubTransport.namespace`) may
be made unique per run, and ``purge=True`` empties the declared client queues at start.
"""

from __future__ import annotations

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from mocks.hub.router import HubRouter
from sasref.clock import Clock
from sasref.lrm.amqp import HUB_EXCHANGE
from sasref.lrm.transport import client_queues


class AmqpHubDispatcher:
    def __init__(
        self,
        url: str,
        router: HubRouter,
        clock: Clock,
        *,
        exchange: str = HUB_EXCHANGE,
        dispatch_queue: str = "dispatch",
        purge: bool = False,
        namespace: str = "",
    ) -> None:
        self.url = url
        self.router = router
        self.clock = clock
        self.exchange_name = exchange
        self.dispatch_queue = dispatch_queue
        self.purge = purge
        self.namespace = namespace
        self._connection: AbstractRobustConnection | None = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self.url)
        channel = await self._connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        for client in sorted(self.router.clients):
            await self._declare_client(channel, client)
        queue = await channel.declare_queue(self.dispatch_queue, durable=True)
        await queue.bind(exchange, routing_key="#")
        if self.purge:
            await queue.purge()

        async def on_message(message: AbstractIncomingMessage) -> None:
            sender = message.routing_key or ""
            for delivery in self.router.route(sender, message.body, self.clock.now()):
                await channel.default_exchange.publish(
                    aio_pika.Message(
                        delivery.body,
                        content_type="application/json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=self.namespace + delivery.queue,
                )
            await message.ack()

        await queue.consume(on_message, no_ack=False)

    async def _declare_client(self, channel: aio_pika.abc.AbstractChannel, client: str) -> None:
        for name in client_queues(client):
            queue = await channel.declare_queue(self.namespace + name, durable=True)
            if self.purge:
                await queue.purge()

    async def register(self, client_id: str) -> None:
        """Make ``client_id`` a known recipient (and declare its queues)."""
        self.router.register(client_id)
        if self._connection is not None:
            channel = await self._connection.channel()
            await self._declare_client(channel, client_id)
            await channel.close()

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def delete(self) -> None:
        """Close, then remove from the broker what this dispatcher declared: its clients' queues
        (under its namespace), the dispatch queue, the exchange (tests and benchmarks on a shared
        broker leave nothing behind)."""
        await self.close()
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel()
            for client in self.router.clients:
                for name in client_queues(client):
                    await channel.queue_delete(self.namespace + name)
            await channel.queue_delete(self.dispatch_queue)
            await channel.exchange_delete(self.exchange_name)
