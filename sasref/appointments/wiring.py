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

from dataclasses import dataclass

from fastapi import APIRouter

from sasref.appointments.forward import LrmForwarder, PractitionerLookup
from sasref.appointments.router import appointments_router
from sasref.appointments.service import AppointmentService
from sasref.appointments.store import AppointmentStore, InMemoryAppointmentStore
from sasref.clock import Clock
from sasref.lrm.outbox import InMemoryOutbox, Outbox
from sasref.lrm.publisher import LrmPublisher
from sasref.lrm.transport import HubTransport
from sasref.regulators.registry import RegulatorLookup


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
) -> AppointmentStack:
    publisher = forwarder = None
    if transport is not None:
        publisher = LrmPublisher(transport, outbox or InMemoryOutbox(), clock)
        forwarder = LrmForwarder(publisher, practitioner_lookup=practitioner_lookup)
    service = AppointmentService(
        store or InMemoryAppointmentStore(), regulators, clock, on_accepted=forwarder
    )
    router = appointments_router(service, prefix=prefix, base_url=base_url)
    return AppointmentStack(service, router, publisher, forwarder, flush_interval)
