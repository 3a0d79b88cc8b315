"""The SAS side of INT_L02 (IG digest §5.1, §5.4): publish appointment messages, never lose one.

``LrmPublisher(transport, outbox, clock)``:

- :meth:`~LrmPublisher.submit` stores the message in the outbox *first*, then tries to publish
  it. A newer message about the same appointment supersedes an older one not yet acknowledged
  (messages carry the full appointment, so the newest one is enough and older ones can no longer
  overwrite it through a late retry);
- :meth:`~LrmPublisher.start` consumes ``{sas}.ack`` (final acks, RC-REF → entry ``acked``)
  and ``{sas}.info`` (errors);
- errors: ``409 CONFLICT`` for a create (the LRM already has the id) → resent at once as an
  ``UpdateAppointment`` (and ``404 NOT_FOUND`` for an update, the older revision's answer, →
  resent as a ``CreateAppointment``); ``400`` (expired), ``500`` (dead-lettered) and a broker
  that refuses the publish → retried with exponential backoff, at most ``max_attempts`` times,
  then ``failed``; ``102`` / ``300`` (format / schema) → ``failed`` at once (resending the same
  bytes cannot succeed); a message without final ack after ``ack_timeout`` is resent;
- :meth:`~LrmPublisher.flush` sends everything due; :meth:`~LrmPublisher.run` calls it
  periodically. Scheduling uses the injected clock only, so tests move time by hand.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sasref.background import Backoff, Periodic
from sasref.clock import Clock
from sasref.lrm.messages import (
    AppointmentMessage,
    DistributionKind,
    ErrorCode,
    ErrorInfo,
    InvalidMessage,
    Method,
    build_report,
    parse_envelope,
)
from sasref.lrm.outbox import Outbox, OutboxEntry, OutboxState
from sasref.lrm.transport import HubTransport, QueueType, queue_name

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset({ErrorCode.UNRECOGNIZED_MESSAGE_FORMAT, ErrorCode.INVALID_MESSAGE})


class LrmPublisher:
    def __init__(
        self,
        transport: HubTransport,
        outbox: Outbox,
        clock: Clock,
        *,
        id_factory: Callable[[], str] = lambda: str(uuid.uuid4()),
        message_ttl: timedelta = timedelta(hours=24),
        ack_timeout: timedelta = timedelta(minutes=5),
        backoff: Backoff | None = None,
        max_attempts: int = 6,
    ) -> None:
        self.transport = transport
        self.outbox = outbox
        self.clock = clock
        self._new_id = id_factory
        self.message_ttl = message_ttl
        self.ack_timeout = ack_timeout
        self.backoff = backoff or Backoff()
        self.max_attempts = max_attempts
        self._lock = asyncio.Lock()
        self._periodic = Periodic(self.flush, name="lrm-publisher")

    @property
    def client_id(self) -> str:
        return self.transport.client_id

    # --- consuming acks and errors -------------------------------------------------------
    async def start(self) -> None:
        await self.transport.consume(queue_name(self.client_id, QueueType.ACK), self.on_ack)
        await self.transport.consume(queue_name(self.client_id, QueueType.INFO), self.on_info)

    async def run(self, interval: float = 5.0) -> None:
        """Flush due entries forever (the platform starts this as a background task)."""
        await self._periodic.run(interval)

    def start_background(self, interval: float = 5.0) -> None:
        self._periodic.start(interval)

    async def stop(self) -> None:
        await self._periodic.stop()

    async def on_ack(self, doc: dict[str, Any]) -> None:
        try:
            envelope = parse_envelope(doc)
        except InvalidMessage as exc:
            log.error("INT_L02: unreadable message on the ack queue: %s", exc)
            return
        reference = envelope.reference
        # under the lock: an answer may overtake the publisher confirm of its own message
        async with self._lock:
            entry = self.outbox.find_by_distribution_id(reference) if reference else None
            if entry is None:
                log.warning("INT_L02: ack for an unknown message %s", reference)
                return
            if entry.state in (OutboxState.PENDING, OutboxState.SENT, OutboxState.FAILED):
                entry.state = OutboxState.ACKED
                entry.acked_at = self.clock.now()
                entry.last_error = None
                self.outbox.save(entry)

    async def on_info(self, doc: dict[str, Any]) -> None:
        try:
            envelope = parse_envelope(doc)
            error = envelope.error
        except InvalidMessage as exc:
            log.error("INT_L02: unreadable message on the info queue: %s", exc)
            return
        if error is None or envelope.kind != DistributionKind.ERROR:
            log.info("INT_L02 info from %s: %s", envelope.sender_id, envelope.message)
            return
        async with self._lock:
            due = self._apply_error(error)
        if due:
            await self.flush()

    def _apply_error(self, error: ErrorInfo) -> bool:
        """Update the entry an error is about; ``True`` when it is to be resent now."""
        ref = error.referenced_distribution_id
        entry = self.outbox.find_by_distribution_id(ref) if ref else None
        if entry is None or not entry.open:
            log.warning("INT_L02: error %s for %s ignored", error.status_code, ref)
            return False
        if entry.distribution_ids and ref != entry.distribution_ids[-1]:
            return False  # about an earlier transmission already superseded by a retry
        summary = f"{error.status_code} {error.status_string}: {error.cause}".strip()
        entry.last_error = summary
        now = self.clock.now()
        method = Method.parse(str(entry.appointment.get("method", "")))
        if error.status_code == ErrorCode.CONFLICT and method is Method.CREATE:
            # the LRM already has this appointment: send the same data as an update, now
            entry.appointment = {**entry.appointment, "method": Method.UPDATE.value}
            entry.state = OutboxState.PENDING
            entry.next_attempt_at = now
        elif error.status_code == ErrorCode.NOT_FOUND and method is Method.UPDATE:
            # older LRM revision: unknown id on update → send the same data as a creation
            entry.appointment = {**entry.appointment, "method": Method.CREATE.value}
            entry.state = OutboxState.PENDING
            entry.next_attempt_at = now
        elif error.status_code in PERMANENT_ERRORS:
            entry.state = OutboxState.FAILED
        else:
            self._schedule_retry(entry)
        self.outbox.save(entry)
        return entry.state is OutboxState.PENDING and entry.next_attempt_at <= now

    # --- publishing ----------------------------------------------------------------------
    async def submit(self, appointment: AppointmentMessage, recipient_id: str) -> OutboxEntry:
        """Keep the message, supersede older open ones for the same appointment, try to send."""
        async with self._lock:
            now = self.clock.now()
            for older in self.outbox.open_entries():
                if older.appointment_id == appointment.appointment_id:
                    older.state = OutboxState.SUPERSEDED
                    self.outbox.save(older)
            entry = OutboxEntry(
                key=self._new_id(),
                appointment_id=appointment.appointment_id,
                recipient_id=recipient_id,
                appointment=appointment.to_json(),
                created_at=now,
                next_attempt_at=now,
            )
            self.outbox.save(entry)
        await self.flush()
        return entry

    async def flush(self) -> int:
        """Send every open entry whose time has come; returns how many were published."""
        async with self._lock:
            now = self.clock.now()
            sent = 0
            for entry in self.outbox.open_entries():
                if entry.open and entry.next_attempt_at <= now:
                    sent += await self._send(entry)
            return sent

    async def _send(self, entry: OutboxEntry) -> int:
        now = self.clock.now()
        appointment = AppointmentMessage.from_json(entry.appointment)
        envelope = build_report(
            appointment,
            sender_id=self.client_id,
            recipient_id=entry.recipient_id,
            internal_id=self._new_id(),
            sent_at=now,
            expires_at=now + self.message_ttl,
        )
        entry.distribution_ids.append(envelope["distributionID"])
        entry.transmissions += 1
        self.outbox.save(entry)  # remember the id before it can be acknowledged
        try:
            await self.transport.publish(entry.recipient_id, envelope)
        except Exception as exc:  # broker down, connection lost, ...
            entry.last_error = f"publish failed: {exc!r}"
            self._schedule_retry(entry)
            self.outbox.save(entry)
            return 0
        if entry.state is OutboxState.PENDING or entry.state is OutboxState.SENT:
            entry.state = OutboxState.SENT
            entry.next_attempt_at = now + self.ack_timeout
            self.outbox.save(entry)
        return 1

    def _schedule_retry(self, entry: OutboxEntry) -> None:
        entry.attempts += 1
        if entry.attempts >= self.max_attempts:
            entry.state = OutboxState.FAILED
            return
        entry.state = OutboxState.PENDING
        entry.next_attempt_at = self.clock.now() + self.backoff.delay(entry.attempts)

    # --- views ---------------------------------------------------------------------------
    def states(self) -> dict[str, int]:
        counts: dict[str, int] = {s.value: 0 for s in OutboxState}
        for entry in self.outbox.entries():
            counts[entry.state.value] += 1
        return counts
