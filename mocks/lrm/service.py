"""The fake LRM's INT_L02 side (IG digest §5.4 "LRM obligations").

It consumes its ``{clientId}.message`` queue, keeps every appointment by ``appointmentId`` with
the history of received messages and of what it did with them, and answers the sender:

- ``CreateAppointment`` for a new id → stored, final ack (RC-REF);
- ``CreateAppointment`` for an id it already has → ``409 CONFLICT`` error (nothing changed);
- ``UpdateAppointment`` → applied; **an unknown id is processed as a creation**; final ack.

A message redelivered with a ``distributionID`` already processed gets the same answer again
without being applied twice (the ack may have been lost).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sasref.clock import Clock
from sasref.lrm.messages import (
    DistributionKind,
    ErrorCode,
    InvalidMessage,
    Method,
    build_ack,
    build_error,
    distribution_id,
    format_hub_datetime,
    parse_envelope,
)
from sasref.lrm.transport import HubTransport, QueueType, queue_name

log = logging.getLogger(__name__)


@dataclass(slots=True)
class HistoryEntry:
    distribution_id: str
    received_at: str
    method: str
    status: str
    result: str  # created | updated | created-from-update | conflict
    answer_distribution_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "distributionID": self.distribution_id,
            "receivedAt": self.received_at,
            "method": self.method,
            "status": self.status,
            "result": self.result,
            "answerDistributionID": self.answer_distribution_id,
        }


@dataclass(slots=True)
class LrmAppointment:
    appointment_id: str
    current: dict[str, Any]
    history: list[HistoryEntry] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "appointmentId": self.appointment_id,
            "appointment": self.current,
            "history": [h.to_json() for h in self.history],
        }


class FakeLrm:
    """A SAMU's LRM as a Hub client. ``transport`` may be ``None`` (store only, no answers)."""

    def __init__(
        self,
        client_id: str,
        clock: Clock,
        transport: HubTransport | None = None,
        *,
        id_factory: Callable[[], str] = lambda: str(uuid.uuid4()),
        answer_ttl: timedelta = timedelta(days=1),
    ) -> None:
        self.client_id = client_id
        self.clock = clock
        self.transport = transport
        self._new_id = id_factory
        self._ttl = answer_ttl
        self.appointments: dict[str, LrmAppointment] = {}
        self.received: list[dict[str, Any]] = []
        self.rejected: list[tuple[dict[str, Any], str]] = []
        self._answers: dict[str, dict[str, Any]] = {}  # processed distributionID -> answer
        self.started = False

    async def start(self) -> None:
        if self.transport is not None and not self.started:
            await self.transport.consume(queue_name(self.client_id, QueueType.MESSAGE), self.handle)
            self.started = True

    async def handle(self, doc: dict[str, Any]) -> None:
        self.received.append(doc)
        try:
            envelope = parse_envelope(doc)
            appointment = envelope.appointment
        except InvalidMessage as exc:
            # the Hub validated it, so this is a bug on someone's side: keep it, do not loop
            log.error("fake LRM %s: unreadable message: %s", self.client_id, exc)
            self.rejected.append((doc, str(exc)))
            return
        if appointment is None or envelope.kind != DistributionKind.REPORT:
            self.rejected.append((doc, "not an appointment report"))
            return
        previous = self._answers.get(envelope.distribution_id)
        if previous is not None:
            await self._send(envelope.sender_id, previous)
            return
        now = self.clock.now()
        received_at = format_hub_datetime(now)
        stored = self.appointments.get(appointment.appointment_id)
        entry = HistoryEntry(
            envelope.distribution_id, received_at, appointment.method.value, appointment.status, ""
        )
        if appointment.method is Method.CREATE and stored is not None:
            entry.result = "conflict"
            answer = build_error(
                ErrorCode.CONFLICT,
                "Impossible de créer ce RDV. L'identifiant du RDV à créer "
                f"'{appointment.appointment_id}' existe déjà dans la solution",
                doc,
                sender_id=self.client_id,
                recipient_id=envelope.sender_id,
                distribution=distribution_id(self.client_id, self._new_id()),
                sent_at=now,
                expires_at=now + self._ttl,
            )
        else:
            if stored is None:
                entry.result = (
                    "created" if appointment.method is Method.CREATE else ("created-from-update")
                )
                stored = LrmAppointment(appointment.appointment_id, appointment.to_json())
                self.appointments[appointment.appointment_id] = stored
            else:
                entry.result = "updated"
                stored.current = appointment.to_json()
            answer = build_ack(
                envelope.distribution_id,
                sender_id=self.client_id,
                recipient_id=envelope.sender_id,
                internal_id=self._new_id(),
                sent_at=now,
                expires_at=now + self._ttl,
            )
        entry.answer_distribution_id = answer["distributionID"]
        target = self.appointments.get(appointment.appointment_id)
        if target is not None:
            target.history.append(entry)
        self._answers[envelope.distribution_id] = answer
        await self._send(envelope.sender_id, answer)

    async def _send(self, to: str, answer: dict[str, Any]) -> None:
        if self.transport is not None:
            await self.transport.publish(to, answer)
