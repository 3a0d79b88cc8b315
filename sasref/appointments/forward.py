"""Forward each accepted INT_R03 appointment to its SAMU's LRM (INT_L02, IG digest §5.4).

:class:`LrmForwarder` is the ``on_accepted`` hook of the appointment service: it builds the
``RS-SAS-RDV`` payload (:func:`sasref.lrm.from_fhir.appointment_message`) and submits it to the
:class:`~sasref.lrm.publisher.LrmPublisher` (outbox first), addressed to
``fr.health.samu<département>`` of the **regulator's SAMU** (``RegulatorAccount.samu_department``,
else ``default_department``). First version → ``CreateAppointment``; later ones →
``UpdateAppointment`` (a cancellation is an update with ``status = cancelled``).

The practitioner's names / speciality and the structure are not in the Appointment: a
``practitioner_lookup(idnps)`` supplied by the platform (the directory) provides them; without
it the ``practitioner`` / ``organization`` blocks are left out (both are 0..1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sasref.appointments.service import Accepted
from sasref.lrm.from_fhir import LrmContext, appointment_message, effector_idnps
from sasref.lrm.messages import (
    Method,
    OrganizationInfo,
    PractitionerInfo,
    RegulatorInfo,
    samu_client_id,
)
from sasref.lrm.publisher import LrmPublisher

log = logging.getLogger(__name__)

PractitionerLookup = Callable[[str], tuple[PractitionerInfo | None, OrganizationInfo | None]]


class LrmForwarder:
    def __init__(
        self,
        publisher: LrmPublisher,
        *,
        practitioner_lookup: PractitionerLookup | None = None,
        default_department: str | None = None,
    ) -> None:
        self.publisher = publisher
        self.practitioner_lookup = practitioner_lookup
        self.default_department = default_department
        self.skipped: list[str] = []  # appointment ids with no SAMU to send to

    def context(self, accepted: Accepted) -> LrmContext | None:
        account = accepted.regulator
        department = account.samu_department or self.default_department
        if department is None:
            return None
        practitioner = organization = None
        idnps = effector_idnps(accepted.appointment.resource)
        if idnps and self.practitioner_lookup is not None:
            practitioner, organization = self.practitioner_lookup(idnps)
        return LrmContext(
            samu_department=department,
            # the national id only: the SAS technical UUID never goes to the LRM
            regulator=RegulatorInfo(
                name=account.family,
                first_name=account.given,
                email=account.email,
                regulator_id=account.national_id,
            ),
            practitioner=practitioner,
            organization=organization,
            orientation_category=accepted.appointment.orientation_category,
        )

    async def __call__(self, accepted: Accepted) -> None:
        context = self.context(accepted)
        stored = accepted.appointment
        if context is None:
            log.warning("INT_L02: no SAMU known for appointment %s; not forwarded", stored.id)
            self.skipped.append(stored.id)
            return
        message = appointment_message(
            stored.resource,
            appointment_id=stored.id,
            method=Method.CREATE if accepted.created else Method.UPDATE,
            context=context,
            received_at=stored.updated_at,
        )
        await self.publisher.submit(message, samu_client_id(context.samu_department))
