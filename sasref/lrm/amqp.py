"""Hub Santé transport over AMQP 0-9-1 with aio-pika (IG digest §5.1).

What it does, as a client of the Hub:

- connects with :func:`aio_pika.connect_robust` (reconnects and re-declares queues and
  consumers after a broker restart or a network cut);
- declares its three **durable** queues named exactly as the Hub's (``{clientId}.message``,
  ``.ack``, ``.info``) unless ``declare_queues=False`` (the real Hub pre-creates them and may
  forbid declaring);
- publishes persistent JSON messages on the Hub's exchange (``hubsante``) with routing key =
  its own client id (the Hub identifies the sender and routes by ``explicitAddressValue``),
  on a channel with **publisher confirms**: :meth:`publish` returns when the broker has taken the
  message, which is the Hub's technical acknowledgement;
- consumes with **manual acknowledgements**: a handler that returns acks; one that raises nacks
  with requeue (after ``redelivery_delay``); a body that is not JSON is rejected without requeue
  (the broker dead-letters it) since no retry can fix it.

``namespace`` prefixes every queue name *on the broker* (``"t1f3a."`` → ``t1f3a.fr.health.samu690
.message``) while the client keeps the Hub's names: concurrent test runs sharing one RabbitMQ do
not consume each other's messages. The real Hub uses none (its vhosts separate environments).

Production adds TLS 1.2 with a client certificate and SASL ``EXTERNAL``: pass an ``amqps://``
URL with ``?auth=external`` and the ``ssl_options`` aio-pika accepts via ``connect_kwargs``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
)

from sasref.lrm.transport import Handler, client_queues

log = logging.getLogger(__name__)

HUB_EXCHANGE = "hubsante"


class AmqpHubTransport:
    """One client's AMQP connection to the Hub. Use :meth:`open` (or ``async with``)."""

    def __init__(
        self,
        url: str,
        client_id: str,
        *,
        exchange: str = HUB_EXCHANGE,
        declare_queues: bool = True,
        redelivery_delay: float = 0.5,
        prefetch: int = 10,
        connect_kwargs: Mapping[str, Any] | None = None,
        namespace: str = "",
    ) -> None:
        self.url = url
        self._client_id = client_id
        self.namespace = namespace
        self.exchange_name = exchange
        self.declare_queues = declare_queues
        self.redelivery_delay = redelivery_delay
        self.prefetch = prefetch
        self._connect_kwargs = dict(connect_kwargs or {})
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchange: AbstractRobustExchange | None = None

    @property
    def client_id(self) -> str:
        return self._client_id

    async def open(self) -> AmqpHubTransport:
        self._connection = await aio_pika.connect_robust(self.url, **self._connect_kwargs)
        channel = await self._connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=self.prefetch)
        self._channel = channel
        self._exchange = await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        if self.declare_queues:
            for name in client_queues(self._client_id):
                await channel.declare_queue(self.namespace + name, durable=True)
        return self

    async def __aenter__(self) -> AmqpHubTransport:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _require_channel(self) -> AbstractRobustChannel:
        if self._channel is None:
            raise RuntimeError("AmqpHubTransport is not open: await transport.open() first")
        return self._channel

    async def publish(self, to_client_id: str, envelope: Mapping[str, Any] | bytes) -> None:
        self._require_channel()
        assert self._exchange is not None
        body = (
            envelope
            if isinstance(envelope, bytes)
            else json.dumps(envelope, ensure_ascii=False).encode("utf-8")
        )
        message = aio_pika.Message(
            body,
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers={"x-recipient": to_client_id},
        )
        # with publisher confirms this returns only once the broker has the message
        await self._exchange.publish(message, routing_key=self._client_id)

    async def consume(self, queue: str, handler: Handler) -> None:
        if not queue.startswith(self._client_id + "."):
            raise PermissionError(f"{self._client_id} may not consume {queue}")
        channel = self._require_channel()
        amqp_queue = await channel.declare_queue(
            self.namespace + queue, durable=True, passive=not self.declare_queues
        )

        async def on_message(message: AbstractIncomingMessage) -> None:
            try:
                doc = json.loads(message.body)
            except ValueError:
                log.error("%s: rejecting a non-JSON message", queue)
                await message.reject(requeue=False)
                return
            try:
                await handler(doc)
            except Exception:
                log.exception("%s: handler failed; message requeued", queue)
                await asyncio.sleep(self.redelivery_delay)
                await message.nack(requeue=True)
            else:
                await message.ack()

        await amqp_queue.consume(on_message, no_ack=False)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._channel = self._exchange = None
