"""The fake Hub Santé's routing decision, pure (IG digest §5.1-5.3).

Given the authenticated sender and the raw body it published, :meth:`HubRouter.route` returns
the deliveries to make:

- the body is not JSON or not a message the Hub knows → ``102 UNRECOGNIZED_MESSAGE_FORMAT``;
- it breaks the schemas (:mod:`sasref.lrm.schema`) → ``300 INVALID_MESSAGE``;
- its ``dateTimeExpires`` has passed → ``400 EXPIRED_MESSAGE_BEFORE_ROUTING``;
- its recipient is not a client of the Hub → ``500 DEAD_LETTERED_QUEUE``;

each error going to the sender's ``info`` queue; otherwise the body itself goes to the
recipient's queue for its kind (``message`` / ``ack`` / ``info``). Both the in-memory hub and the
AMQP dispatcher use this one router.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sasref.lrm.messages import (
    HUB_CLIENT_ID,
    ErrorCode,
    build_error,
    distribution_id,
)
from sasref.lrm.schema import invalid_message_cause, message_type, schema_issues
from sasref.lrm.transport import QueueType, queue_name, queue_type_for


@dataclass(frozen=True, slots=True)
class Delivery:
    queue: str
    body: bytes


def encode(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


class HubRouter:
    """Knows the Hub's clients and routes one published body at a time."""

    def __init__(
        self,
        clients: Iterable[str] = (),
        *,
        hub_id: str = HUB_CLIENT_ID,
        id_factory: Callable[[], str] = lambda: str(uuid.uuid4()),
        error_ttl: timedelta = timedelta(days=1),
    ) -> None:
        self.clients: set[str] = set(clients)
        self.hub_id = hub_id
        self._new_id = id_factory
        self._error_ttl = error_ttl

    def register(self, client_id: str) -> None:
        self.clients.add(client_id)

    def route(self, sender_id: str, body: bytes, now: datetime) -> list[Delivery]:
        try:
            doc: Any = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            text = body.decode("utf-8", errors="replace")
            return [
                self._error(
                    sender_id,
                    ErrorCode.UNRECOGNIZED_MESSAGE_FORMAT,
                    "Could not parse message: not a JSON document",
                    text,
                    now,
                )
            ]
        if message_type(doc) is None:
            return [
                self._error(
                    sender_id,
                    ErrorCode.UNRECOGNIZED_MESSAGE_FORMAT,
                    "Could not find a known message type in "
                    "$.content[0].jsonContent.embeddedJsonContent.message",
                    doc,
                    now,
                )
            ]
        issues = schema_issues(doc)
        if issues:
            return [
                self._error(
                    sender_id, ErrorCode.INVALID_MESSAGE, invalid_message_cause(issues), doc, now
                )
            ]
        expires = _parse_instant(doc["dateTimeExpires"])
        if expires is None or expires <= now:
            return [
                self._error(
                    sender_id,
                    ErrorCode.EXPIRED_MESSAGE_BEFORE_ROUTING,
                    f"Message expired at {doc['dateTimeExpires']} before it could be routed",
                    doc,
                    now,
                )
            ]
        recipient = doc["descriptor"]["explicitAddress"]["explicitAddressValue"]
        if recipient not in self.clients:
            return [
                self._error(
                    sender_id,
                    ErrorCode.DEAD_LETTERED_QUEUE,
                    f"Message could not be delivered to {recipient}: unknown recipient, "
                    "dead-lettered",
                    doc,
                    now,
                )
            ]
        return [Delivery(queue_name(recipient, queue_type_for(doc["distributionKind"])), body)]

    def _error(self, to: str, code: ErrorCode, cause: str, source: Any, now: datetime) -> Delivery:
        envelope = build_error(
            code,
            cause,
            source,
            sender_id=self.hub_id,
            recipient_id=to,
            distribution=distribution_id(self.hub_id, self._new_id()),
            sent_at=now,
            expires_at=now + self._error_ttl,
        )
        return Delivery(queue_name(to, QueueType.INFO), encode(envelope))


def _parse_instant(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
