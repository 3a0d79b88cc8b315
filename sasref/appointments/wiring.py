"""One call to assemble the SAS appointment side for the platform app (INT_R03 + INT_L02).

::

    stack = build_appointment_stack(regulators=registry, clock=clock,
                                    transport=hub.connect("fr.health.ptfsas"))
    app.include_router(stack.router)  # POST/PUT /fhir/Appointment, GET /fhir/Appointment/{id}
    # in the app's lifespan:
    await stack.start()                       # consume .ack/.info, flush the outbox periodically
    ...
    await stack.stop()

Without a ``transport`` appointments are stored and counted but not forwarded to any LRM. With
one, each goes to the SAMU of the regulator who took it (:mod:`sasref.appointments.forward`);
other INT_L02 producers use the same ``stack.forwarder``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from fastapi import APIRouter

from sasref.appointments.forward import LrmForwarder, PractitionerLookup
from sasref.appointments.router import appointments_router
from sasref.appointments.service import Accepted, AppointmentService
from sasref.appointments.store import AppointmentStore, InMemoryAppointmentStore
from sasref.clock import Clock
from sasref.lrm.outbox import InMemoryOutbox, Outbox
from sasref.lrm.publisher import LrmPublisher
from sasref.lrm.transport import HubTransport
from sasref.regulators.registry import RegulatorLookup

AcceptedHook = Callable[[Accepted], Awaitable[None]]
_log = logging.getLogger(__name__)


def each(hooks: Sequence[AcceptedHook]) -> AcceptedHook:
    """One hook calling ``hooks`` in order; an exception in one is logged, the next still runs."""

    async def call(accepted: Accepted) -> None:
        for hook in hooks:
            try:
                await hook(accepted)
            except Exception:
                _log.exception("appointment hook %r failed for %s", hook, accepted.appointment.id)

    return call


@dataclass(slots=True)
class AppointmentStack:
    service: AppointmentService
    router: APIRouter
    publisher: LrmPublisher | None = None
    forwarder: LrmForwarder | None = None
    flush_interval: float = 5.0

    async def start(self) -> None:
        if self.publisher is not None:
            await self.publisher.start()
            self.publisher.start_background(self.flush_interval)

    async def stop(self) -> None:
        if self.publisher is not None:
            await self.publisher.stop()
            await self.publisher.transport.close()


def build_appointment_stack(
    *,
    regulators: RegulatorLookup,
    clock: Clock,
    store: AppointmentStore | None = None,
    transport: HubTransport | None = None,
    outbox: Outbox | None = None,
    practitioner_lookup: PractitionerLookup | None = None,
    prefix: str = "/fhir",
    base_url: str | None = None,
    flush_interval: float = 5.0,
    on_accepted: Sequence[AcceptedHook] = (),
) -> AppointmentStack:
    """``on_accepted``: more hooks told of each accepted appointment after the INT_L02 forwarder
    (the platform's indicators); one failing is logged and never stops the others."""
    publisher = forwarder = None
    if transport is not None:
        publisher = LrmPublisher(transport, outbox or InMemoryOutbox(), clock)
        forwarder = LrmForwarder(publisher, practitioner_lookup=practitioner_lookup)
    hooks = [h for h in (forwarder, *on_accepted) if h is not None]
    service = AppointmentService(
        store or InMemoryAppointmentStore(),
        regulators,
        clock,
        on_accepted=hooks[0] if len(hooks) == 1 else (each(hooks) if hooks else None),
    )
    router = appointments_router(service, prefix=prefix, base_url=base_url)
    return AppointmentStack(service, router, publisher, forwarder, flush_interval)
