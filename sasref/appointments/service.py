"""INT_R03 server logic with its I/O (IG digest §4): check, upsert, record, forward to the LRM.

:meth:`AppointmentService.receive` is what ``POST``/``PUT [base]/Appointment`` do; it returns a
:class:`Reply` (status, FHIR JSON body, ``Location``) and never raises on bad input:

- ``400`` + OperationOutcome: not JSON, not a FHIR resource, not an ``Appointment``, a PUT
  without a usable ``?identifier=system|value``, or a body identifier other than the query's;
- ``422`` + OperationOutcome: the resource breaks ``FrAppointmentSAS`` / ``sas-sos-appointment``
  (:func:`sasref.profiles.validate`, strict), or its ``FrAppointmentOperator`` names no known
  regulator account;
- ``201`` (created) / ``200`` (updated) + ``Location: [base]/Appointment/<id>``.

Each accepted version is recorded for the indicators (:class:`OrientationRecord`) and handed to
``on_accepted`` (the INT_L02 forwarder); a failure there is logged, never turned into an HTTP
error: the outbox behind it keeps the message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sasref.appointments.core import (
    ActionKind,
    StoredAppointment,
    appointment_identifier,
    decide,
    operator_identifier,
    orientation_category,
    parse_identifier_query,
    profile_of,
)
from sasref.appointments.store import AppointmentStore, OrientationRecord
from sasref.clock import Clock
from sasref.fhir.outcome import operation_outcome
from sasref.lrm.from_fhir import effector_idnps, sas_appointment_id
from sasref.regulators.model import RegulatorAccount
from sasref.regulators.registry import RegulatorLookup

log = logging.getLogger(__name__)

Validator = Callable[[dict[str, Any], str], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Accepted:
    appointment: StoredAppointment
    created: bool
    regulator: RegulatorAccount


@dataclass(frozen=True, slots=True)
class Reply:
    status_code: int
    body: dict[str, Any]
    location: str | None = None


def _strict_validate(resource: dict[str, Any], profile: str) -> dict[str, Any]:
    from sasref.profiles import validate  # imported late: the profiles package is large

    return validate(resource, profile=profile, mode="strict")


def _has_errors(result: dict[str, Any]) -> bool:
    return any(
        isinstance(i, dict) and i.get("severity") in ("error", "fatal")
        for i in result.get("issue") or []
    )


class AppointmentService:
    def __init__(
        self,
        store: AppointmentStore,
        regulators: RegulatorLookup,
        clock: Clock,
        *,
        validator: Validator = _strict_validate,
        on_accepted: Callable[[Accepted], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.regulators = regulators
        self.clock = clock
        self.validator = validator
        self.on_accepted = on_accepted

    async def receive(
        self, body: bytes, *, base_url: str, query_identifier: str | None = None, put: bool = False
    ) -> Reply:
        try:
            resource: Any = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            return Reply(400, operation_outcome("structure", "the body is not JSON"))
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            return Reply(400, operation_outcome("structure", "the body is not a FHIR resource"))
        if resource["resourceType"] != "Appointment":
            return Reply(
                400,
                operation_outcome(
                    "not-supported", f"expected an Appointment, got {resource['resourceType']}"
                ),
            )
        query_key: tuple[str, str] | None = None
        if put:
            query_key = parse_identifier_query(query_identifier)
            if query_key is None:
                return Reply(
                    400,
                    operation_outcome(
                        "required",
                        "a conditional update needs ?identifier=system|value "
                        f"(got {query_identifier!r})",
                    ),
                )
        validation = self.validator(resource, profile_of(resource))
        if _has_errors(validation):
            return Reply(422, validation)
        key = appointment_identifier(resource)
        if key is None:  # the profile requires it; belt and braces
            return Reply(
                422,
                operation_outcome("required", "Appointment.identifier (system, value) is required"),
            )
        if query_key is not None and query_key != key:
            return Reply(
                400,
                operation_outcome(
                    "invalid",
                    f"the body identifier {key[0]}|{key[1]} differs from the query "
                    f"identifier {query_key[0]}|{query_key[1]}",
                ),
            )
        operator = operator_identifier(resource)
        regulator = self.regulators.find(*operator) if operator else None
        if regulator is None:
            shown = "|".join(operator) if operator else "(none)"
            return Reply(
                422,
                operation_outcome(
                    "business-rule",
                    f"FrAppointmentOperator {shown} is not a known regulator account",
                ),
            )
        stored = await self._upsert(key, resource, operator, regulator)
        location = f"{base_url.rstrip('/')}/Appointment/{stored.appointment.id}"
        return Reply(
            201 if stored.created else 200,
            stored.appointment.resource,
            location,
        )

    async def _upsert(
        self,
        key: tuple[str, str],
        resource: dict[str, Any],
        operator: tuple[str, str] | None,
        regulator: RegulatorAccount,
    ) -> Accepted:
        now = self.clock.now()
        existing = await self.store.get(*key)
        action = decide(existing, resource, sas_appointment_id(*key))
        status = str(resource.get("status"))
        category = orientation_category(resource)
        history = existing.status_history if existing else ()
        if action.status_changed:
            history = (*history, (status, now))
        stored = StoredAppointment(
            id=action.appointment_id,
            identifier_system=key[0],
            identifier_value=key[1],
            resource={**resource, "id": action.appointment_id},
            status=status,
            version=action.version,
            created_at=existing.created_at if existing else now,
            updated_at=now,
            orientation_category=category,
            regulator=operator,
            status_history=history,
        )
        await self.store.save(stored)
        await self.store.record_orientation(
            OrientationRecord(
                appointment_id=stored.id,
                category=category,
                status=status,
                at=now,
                regulator="|".join(operator) if operator else None,
                practitioner=effector_idnps(resource),
                created=action.kind is ActionKind.CREATE,
            )
        )
        accepted = Accepted(stored, action.kind is ActionKind.CREATE, regulator)
        if self.on_accepted is not None:
            try:
                await self.on_accepted(accepted)
            except Exception:
                log.exception("INT_L02 forwarding of appointment %s failed", stored.id)
        return accepted

    async def read(self, appointment_id: str) -> Reply:
        stored = await self.store.get_by_id(appointment_id)
        if stored is None:
            return Reply(
                404, operation_outcome("not-found", f"Appointment/{appointment_id} is unknown")
            )
        return Reply(200, stored.resource)
