"""An in-process fake Hub Santé: asyncio queues named like the Hub's, one shared router.

``hub = InMemoryHub(clock)``; ``sas = hub.connect("fr.health.ptfsas")`` returns a
:class:`~sasref.lrm.transport.HubTransport` bound to that client (it also declares the client's
three queues, which makes it a known recipient). ``await hub.settle()`` waits until every queue
that has a consumer is drained, which keeps tests deterministic without sleeping.

Fault switches: ``hub.available = False`` makes ``publish`` raise :class:`ConnectionError`
(the broker is down: nothing is accepted, the sender keeps its message).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from mocks.hub.router import Delivery, HubRouter, encode
from sasref.clock import Clock
from sasref.lrm.transport import Handler, client_queues

log = logging.getLogger(__name__)


class _MemoryQueue:
    def __init__(self) -> None:
        self.items: deque[bytes] = deque()
        self.in_flight = 0
        self.consumers = 0
        self._wakeup = asyncio.Event()

    def put(self, body: bytes) -> None:
        self.items.append(body)
        self._wakeup.set()

    async def get(self) -> bytes:
        while not self.items:
            self._wakeup.clear()
            await self._wakeup.wait()
        self.in_flight += 1
        return self.items.popleft()


class InMemoryHub:
    """The fake broker + dispatcher. Everything it ever delivered is kept in ``log``."""

    def __init__(
        self,
        clock: Clock,
        *,
        id_factory: Callable[[], str] = lambda: str(uuid.uuid4()),
        redelivery_delay: float = 0.01,
    ) -> None:
        self.clock = clock
        self.router = HubRouter(id_factory=id_factory)
        self.queues: dict[str, _MemoryQueue] = {}
        self.available = True
        self.redelivery_delay = redelivery_delay
        self.log: list[tuple[str, Delivery]] = []  # (sender, delivery)

    def declare(self, client_id: str) -> None:
        """Create a client's three queues; it becomes a routable recipient."""
        for name in client_queues(client_id):
            self.queues.setdefault(name, _MemoryQueue())
        self.router.register(client_id)

    def connect(self, client_id: str) -> InMemoryTransport:
        self.declare(client_id)
        return InMemoryTransport(self, client_id)

    def submit(self, sender_id: str, body: bytes) -> None:
        if not self.available:
            raise ConnectionError("fake hub: broker unavailable")
        for delivery in self.router.route(sender_id, body, self.clock.now()):
            self.log.append((sender_id, delivery))
            queue = self.queues.get(delivery.queue)
            if queue is None:
                # only the sender's own info queue can be missing (a sender never declared)
                log.warning("fake hub: dropping delivery to undeclared queue %s", delivery.queue)
                continue
            queue.put(delivery.body)

    def pending(self, queue: str) -> list[dict[str, Any]]:
        """Messages waiting in a queue (decoded), oldest first."""
        q = self.queues.get(queue)
        return [json.loads(b) for b in q.items] if q else []

    def delivered(self, queue: str) -> list[dict[str, Any]]:
        """Every message ever routed to a queue (decoded)."""
        return [json.loads(d.body) for _, d in self.log if d.queue == queue]

    def _busy(self) -> bool:
        return any(q.consumers and (q.items or q.in_flight) for q in self.queues.values())

    async def settle(self, limit: float = 10.0) -> None:
        """Wait until every consumed queue is empty and every handler has finished."""
        async with asyncio.timeout(limit):
            idle_rounds = 0
            # several idle rounds: a handler may publish right before it returns
            while idle_rounds < 3:
                await asyncio.sleep(0)
                idle_rounds = 0 if self._busy() else idle_rounds + 1
                if idle_rounds == 0:
                    await asyncio.sleep(0.001)


class InMemoryTransport:
    """One client's connection to an :class:`InMemoryHub`."""

    def __init__(self, hub: InMemoryHub, client_id: str) -> None:
        self.hub = hub
        self._client_id = client_id
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def client_id(self) -> str:
        return self._client_id

    async def publish(self, to_client_id: str, envelope: Mapping[str, Any] | bytes) -> None:
        body = envelope if isinstance(envelope, bytes) else encode(envelope)
        self.hub.submit(self._client_id, body)

    async def consume(self, queue: str, handler: Handler) -> None:
        if not queue.startswith(self._client_id + "."):
            raise PermissionError(f"{self._client_id} may not consume {queue}")
        q = self.hub.queues.setdefault(queue, _MemoryQueue())
        q.consumers += 1
        self._tasks.append(asyncio.create_task(self._loop(q, handler), name=f"consume {queue}"))

    async def _loop(self, q: _MemoryQueue, handler: Handler) -> None:
        try:
            while True:
                body = await q.get()
                try:
                    await handler(json.loads(body))
                except asyncio.CancelledError:
                    q.items.appendleft(body)
                    raise
                except Exception:
                    # not acknowledged: back to the head of the queue, redelivered later
                    log.exception("consumer of %s failed; message requeued", self._client_id)
                    q.items.appendleft(body)
                    await asyncio.sleep(self.hub.redelivery_delay)
                finally:
                    q.in_flight -= 1
        finally:
            q.consumers -= 1

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
