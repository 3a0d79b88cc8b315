"""The Hub Santé as seen by one of its clients (IG digest §5.1): the transport interface.

Each client of the Hub (the SAS platform ``fr.health.ptfsas``, a SAMU ``fr.health.samuXXX``)
owns three queues named ``{clientId}.message`` (functional messages, consumed by LRMs),
``{clientId}.ack`` (final acknowledgements) and ``{clientId}.info`` (hub/LRM errors and alerts).
A client *publishes* an EDXL-DE envelope for a recipient; the Hub routes it by
``descriptor.explicitAddress.explicitAddressValue`` into the recipient's queue chosen by the
``distributionKind`` (``Report`` → ``message``, ``Ack`` → ``ack``, ``Error`` → ``info``), or
answers the sender on its ``info`` queue with an error.

``publish`` returns once the Hub has taken responsibility for the message (the technical
acknowledgement: publisher confirms in AMQP). A consumer handler that returns normally
acknowledges the delivery; one that raises leaves it on the queue (redelivered later).

Two implementations: ``mocks.hub.InMemoryHub(...).connect(client_id)`` (in-process) and
:class:`sasref.lrm.amqp.AmqpHubTransport` (AMQP 0-9-1, aio-pika).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Any, Protocol

from sasref.lrm.messages import DistributionKind

#: A consumer callback: receives the decoded envelope; raising means "not processed, redeliver".
Handler = Callable[[dict[str, Any]], Awaitable[None]]


class QueueType(StrEnum):
    MESSAGE = "message"
    ACK = "ack"
    INFO = "info"


def queue_name(client_id: str, queue_type: QueueType | str) -> str:
    """``fr.health.samu330.message``, ``fr.health.ptfsas.ack``, ..."""
    return f"{client_id}.{QueueType(queue_type).value}"


def client_queues(client_id: str) -> tuple[str, str, str]:
    return tuple(queue_name(client_id, t) for t in QueueType)  # type: ignore[return-value]


def queue_type_for(kind: str) -> QueueType:
    """Where the Hub delivers a message of a given ``distributionKind``."""
    normalized = kind.capitalize()
    if normalized == DistributionKind.ACK:
        return QueueType.ACK
    if normalized == DistributionKind.ERROR:
        return QueueType.INFO
    return QueueType.MESSAGE


class HubTransport(Protocol):
    """One client's connection to the Hub Santé."""

    @property
    def client_id(self) -> str: ...

    async def publish(self, to_client_id: str, envelope: Mapping[str, Any] | bytes) -> None:
        """Hand a message for ``to_client_id`` to the Hub; returns after its technical ack.

        ``bytes`` are sent as they are (to exercise the Hub's 102 answer); a mapping is sent as
        UTF-8 JSON.
        """
        ...

    async def consume(self, queue: str, handler: Handler) -> None:
        """Start consuming one of this client's queues in the background."""
        ...

    async def close(self) -> None: ...
