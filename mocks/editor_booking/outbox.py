"""The editor's INT_R03 outbox: every Appointment push is kept until the SAS acknowledges it.

IG digest §4.1-4.2: the editor creates the appointment with ``POST [base]/Appointment`` and
reports every later change with ``PUT [base]/Appointment?identifier=system|value``. The SAS may
be down or slow; nothing may be lost and changes must arrive in the order they happened (a
``cancelled`` overtaken by an older ``booked`` would resurrect the appointment).

:class:`AppointmentOutbox` is a persistent-in-memory FIFO:

* :meth:`~AppointmentOutbox.enqueue` records the push first (it is then the outbox's
  responsibility), :meth:`~AppointmentOutbox.flush` sends what is due **in order**;
* ``201``/``200`` acknowledge a push (``delivered``, with the SAS's ``Location``);
* a transport error, ``408``, ``429`` or a ``5xx`` keeps the push at the head of the queue and
  schedules the next attempt with exponential backoff (on the injected clock) — later pushes wait
  behind it, which is what keeps the order;
* ``401``/``403`` refuse the **caller**, not the appointment (the SAS checks the editor's mTLS
  client certificate, digest §11: a certificate naming another editor, or none): the push stays
  pending at the head of the queue with the OperationOutcome's diagnostics in ``last_error``
  (``GET /admin/outbox``), a warning is logged and the next attempt follows the backoff — once
  the certificate is fixed, everything goes through in order, nothing lost;
* any other ``4xx`` is a refusal that resending cannot fix: the push is ``rejected`` (kept, with
  the OperationOutcome's diagnostics, for the editor's support) and the queue moves on;
* :meth:`~AppointmentOutbox.run` flushes periodically (the editor app starts it in the
  background); tests call :meth:`~AppointmentOutbox.flush` and move a ``FixedClock``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

import httpx

from sasref.background import Backoff, Periodic
from sasref.clock import Clock
from sasref.fhir.outcome import describe_error_body

__all__ = [
    "CALLER_REFUSED_STATUSES",
    "RETRYABLE_STATUSES",
    "AppointmentOutbox",
    "Push",
    "PushState",
]

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: The SAS refuses the editor itself (its certificate): held and retried, not rejected.
CALLER_REFUSED_STATUSES = frozenset({401, 403})


class PushState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    REJECTED = "rejected"


@dataclass(slots=True)
class Push:
    """One INT_R03 request waiting for (or having got) the SAS's acknowledgement."""

    seq: int
    method: Literal["POST", "PUT"]
    identifier: tuple[str, str]  # (system, value) of the Appointment
    body: dict[str, Any]
    enqueued_at: datetime
    next_attempt: datetime
    state: PushState = PushState.PENDING
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None
    location: str | None = None
    attempt_log: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "method": self.method,
            "identifier": "|".join(self.identifier),
            "status": self.body.get("status"),
            "state": self.state.value,
            "attempts": self.attempts,
            "lastStatus": self.last_status,
            "lastError": self.last_error,
            "location": self.location,
            "nextAttempt": self.next_attempt.isoformat(),
        }


class AppointmentOutbox:
    """FIFO of INT_R03 pushes to the SAS's FHIR base ``sas_fhir_base`` (see module docstring)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        sas_fhir_base: str,
        clock: Clock,
        *,
        base_delay: timedelta = timedelta(seconds=1),
        factor: float = 2.0,
        max_delay: timedelta = timedelta(minutes=5),
        timeout: float = 10.0,
    ) -> None:
        self.http = http
        self.sas_fhir_base = sas_fhir_base.rstrip("/")
        self.clock = clock
        self.backoff = Backoff(base_delay, factor, max_delay)
        self.timeout = timeout
        self.pushes: list[Push] = []
        self._lock = asyncio.Lock()
        self._periodic = Periodic(self.flush, name="int-r03-outbox")

    # --- queue ---------------------------------------------------------------------------
    def enqueue(
        self, method: Literal["POST", "PUT"], identifier: tuple[str, str], body: dict[str, Any]
    ) -> Push:
        now = self.clock.now()
        push = Push(len(self.pushes) + 1, method, identifier, body, now, now)
        self.pushes.append(push)
        return push

    def pending(self) -> list[Push]:
        return [p for p in self.pushes if p.state is PushState.PENDING]

    def location_of(self, identifier: tuple[str, str]) -> str | None:
        """The SAS ``Location`` of an appointment, once a push about it was acknowledged."""
        found = [p.location for p in self.pushes if p.identifier == identifier and p.location]
        return found[-1] if found else None

    def describe(self, identifier: tuple[str, str]) -> str:
        """The delivery of an appointment's last push, in French (the editors' pages)."""
        pushes = [p for p in self.pushes if p.identifier == identifier]
        if not pushes:
            return "—"
        last = pushes[-1]
        if last.state is PushState.DELIVERED:
            return f"transmis ({last.method} → {last.last_status}, {last.location})"
        if last.state is PushState.REJECTED:
            return f"refusé par le SAS : {last.last_error}"
        return f"en attente (tentatives : {last.attempts}, dernière erreur : {last.last_error})"

    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in PushState}
        for push in self.pushes:
            counts[push.state.value] += 1
        return counts

    # --- sending -------------------------------------------------------------------------
    async def flush(self) -> int:
        """Send every due push, oldest first; stop at the first one that must wait.

        Returns the number of pushes acknowledged by this call.
        """
        delivered = 0
        async with self._lock:
            for push in self.pending():
                if push.next_attempt > self.clock.now():
                    break  # head-of-line: later pushes must not overtake this one
                if not await self._attempt(push):
                    break
                if push.state is PushState.DELIVERED:
                    delivered += 1
        return delivered

    async def _attempt(self, push: Push) -> bool:
        """One try; ``False`` when the push stays pending (the queue must wait)."""
        push.attempts += 1
        url = f"{self.sas_fhir_base}/Appointment"
        headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
        params = {"identifier": "|".join(push.identifier)} if push.method == "PUT" else None
        try:
            response = await self.http.request(
                push.method, url, params=params, json=push.body, headers=headers,
                timeout=self.timeout,
            )  # fmt: skip
        except httpx.HTTPError as exc:
            return self._retry_later(push, None, f"{type(exc).__name__}: {exc}")
        push.last_status = response.status_code
        if response.status_code in (200, 201):
            push.state = PushState.DELIVERED
            push.location = response.headers.get("location")
            push.last_error = None
            push.attempt_log.append(f"{push.method} -> {response.status_code}")
            return True
        detail = describe_error_body(response.text)
        if response.status_code in RETRYABLE_STATUSES:
            return self._retry_later(push, response.status_code, detail)
        if response.status_code in CALLER_REFUSED_STATUSES:
            log.warning(
                "INT_R03 push %s held: the SAS refuses this editor (HTTP %s: %s)",
                push.seq, response.status_code, detail,
            )  # fmt: skip
            return self._retry_later(push, response.status_code, detail)
        push.state = PushState.REJECTED
        push.last_error = f"HTTP {response.status_code}: {detail}"
        push.attempt_log.append(f"{push.method} -> {response.status_code} (rejected)")
        log.warning("INT_R03 push %s rejected by the SAS: %s", push.seq, push.last_error)
        return True

    def _retry_later(self, push: Push, status: int | None, detail: str) -> bool:
        push.last_error = f"HTTP {status}: {detail}" if status else detail
        push.next_attempt = self.clock.now() + self.backoff.delay(push.attempts)
        push.attempt_log.append(f"{push.method} -> {status or 'transport error'} (retry)")
        return False

    # --- background ----------------------------------------------------------------------
    async def run(self, interval: float = 1.0) -> None:
        await self._periodic.run(interval)

    def start_background(self, interval: float = 1.0) -> None:
        self._periodic.start(interval)

    async def stop(self) -> None:
        await self._periodic.stop()
