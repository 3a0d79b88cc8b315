"""Where the SAS keeps INT_R03 appointments and the orientations counted by the indicators.

:class:`AppointmentStore` is the protocol the service uses (async, so a database-backed store can
run its synchronous repository in a worker thread); :class:`InMemoryAppointmentStore` is the
default. :class:`RepositoryAppointmentStore` adapts ``sasref.storage.AppointmentRepository``
(SQLite/PostgreSQL) for the appointments; it keeps orientations in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Protocol

import anyio.to_thread

from sasref.appointments.core import StoredAppointment, operator_identifier, orientation_category
from sasref.lrm.from_fhir import effector_idnps, sas_appointment_id

if TYPE_CHECKING:
    from sasref.storage import AppointmentRecord, AppointmentRepository


@dataclass(frozen=True, slots=True)
class OrientationRecord:
    """One accepted appointment version, as the indicators count it."""

    appointment_id: str
    category: str
    status: str
    at: datetime
    regulator: str | None  # "system|value"
    practitioner: str | None  # IDNPS of the effector, when known
    created: bool


class AppointmentStore(Protocol):
    async def get(self, system: str, value: str) -> StoredAppointment | None: ...

    async def get_by_id(self, appointment_id: str) -> StoredAppointment | None: ...

    async def save(self, appointment: StoredAppointment) -> None: ...

    async def record_orientation(self, record: OrientationRecord) -> None: ...

    async def orientations(self) -> list[OrientationRecord]: ...


class InMemoryAppointmentStore:
    def __init__(self) -> None:
        self.appointments: dict[tuple[str, str], StoredAppointment] = {}
        self._orientations: list[OrientationRecord] = []

    async def get(self, system: str, value: str) -> StoredAppointment | None:
        return self.appointments.get((system, value))

    async def get_by_id(self, appointment_id: str) -> StoredAppointment | None:
        return next((a for a in self.appointments.values() if a.id == appointment_id), None)

    async def save(self, appointment: StoredAppointment) -> None:
        key = (appointment.identifier_system, appointment.identifier_value)
        self.appointments[key] = appointment

    async def record_orientation(self, record: OrientationRecord) -> None:
        self._orientations.append(record)

    async def orientations(self) -> list[OrientationRecord]:
        return list(self._orientations)


class RepositoryAppointmentStore(InMemoryAppointmentStore):
    """Appointments in ``sasref.storage`` (kept as received, with status history)."""

    def __init__(self, repository: AppointmentRepository) -> None:
        super().__init__()
        self.repository = repository

    def _stored(self, record: AppointmentRecord) -> StoredAppointment:
        resource = dict(record.resource)
        operator = operator_identifier(resource)
        return StoredAppointment(
            id=sas_appointment_id(record.identifier_system, record.identifier_value),
            identifier_system=record.identifier_system,
            identifier_value=record.identifier_value,
            resource=resource,
            status=record.status,
            version=record.version,
            created_at=record.created_at,
            updated_at=record.updated_at,
            orientation_category=orientation_category(resource),
            regulator=operator,
            status_history=tuple((h.status, h.at) for h in record.history),
        )

    async def get(self, system: str, value: str) -> StoredAppointment | None:
        record = await anyio.to_thread.run_sync(
            partial(self.repository.get, identifier_system=system, identifier_value=value)
        )
        return None if record is None else self._stored(record)

    async def get_by_id(self, appointment_id: str) -> StoredAppointment | None:
        found = await super().get_by_id(appointment_id)
        if found is not None:
            return await self.get(found.identifier_system, found.identifier_value)
        # not seen by this process (restart): the id is derived, so scan the stored keys
        offset = 0
        while True:
            page = await anyio.to_thread.run_sync(
                partial(self.repository.list, limit=500, offset=offset)
            )
            for record in page:
                if sas_appointment_id(record.identifier_system, record.identifier_value) == (
                    appointment_id
                ):
                    return self._stored(record)
            if len(page) < 500:
                return None
            offset += 500

    async def save(self, appointment: StoredAppointment) -> None:
        await super().save(replace(appointment, resource={}))  # id index only
        practitioner = effector_idnps(appointment.resource)
        await anyio.to_thread.run_sync(
            partial(
                self.repository.upsert,
                identifier_system=appointment.identifier_system,
                identifier_value=appointment.identifier_value,
                resource_json=appointment.resource,
                status=appointment.status,
                practitioner_id=practitioner,
                at=appointment.updated_at,
            )
        )
