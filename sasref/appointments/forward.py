"""Forward each appointment a regulator took to **that regulator's SAMU** (INT_L02, IG digest §5).

This module holds the one routing rule of INT_L02 (``docs/ig-decisions.md``, "INT_L02
recipient"): the message goes to ``fr.health.samu<département>`` of the SAMU of the regulator who
booked (:func:`recipient_of`, from :attr:`RegulatorAccount.samu_department
<sasref.regulators.model.RegulatorAccount.samu_department>`, which the SAS keeps from its own
directory, :mod:`sasref.regulators.samu`). An appointment then stays with that SAMU: its later
messages (status changes) go where its first one went, even if the regulator has moved to another
SAMU since. There is no fallback SAMU: a regulator the SAS has no SAMU for is not forwarded
anywhere (the appointment stays at the SAS, listed in :attr:`LrmForwarder.unrouted`), since a
message at another SAMU's LRM is worse than none.

Every INT_L02 producer goes through :class:`LrmForwarder`:

- INT_R03 appointments from editors: the forwarder is the appointment service's ``on_accepted``
  hook (:meth:`LrmForwarder.__call__`): it builds the ``RS-SAS-RDV`` payload
  (:func:`sasref.lrm.from_fhir.appointment_message`); first version → ``CreateAppointment``,
  later ones → ``UpdateAppointment`` (a cancellation is an update with ``status = cancelled``);
- any other appointment the SAS itself knows of (SAS agenda, "en surnuméraire", marketplace):
  build the :class:`~sasref.lrm.messages.AppointmentMessage` (:func:`regulator_info` gives its
  ``regulator`` block) and call :meth:`LrmForwarder.forward` with the regulator's account.

The practitioner's names / speciality and the structure are not in the Appointment: a
``practitioner_lookup(idnps)`` supplied by the platform (the directory) provides them; without
it the ``practitioner`` / ``organization`` blocks are left out (both are 0..1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sasref.appointments.service import Accepted
from sasref.lrm.from_fhir import (
    LrmContext,
    appointment_message,
    effector_idnps,
    structure_participant,
)
from sasref.lrm.messages import (
    AppointmentMessage,
    Method,
    OrganizationInfo,
    PractitionerInfo,
    RegulatorInfo,
)
from sasref.lrm.outbox import OutboxEntry
from sasref.lrm.publisher import LrmPublisher
from sasref.regulators.model import RegulatorAccount

__all__ = ["LrmForwarder", "PractitionerLookup", "recipient_of", "regulator_info"]

log = logging.getLogger(__name__)

PractitionerLookup = Callable[[str], tuple[PractitionerInfo | None, OrganizationInfo | None]]


def recipient_of(regulator: RegulatorAccount) -> str | None:
    """The INT_L02 recipient of an appointment ``regulator`` took: their SAMU's Hub client id
    (``fr.health.samu690``), ``None`` when the SAS does not know their SAMU."""
    return regulator.samu_client_id


def regulator_info(account: RegulatorAccount) -> RegulatorInfo:
    """The payload's ``regulator`` block: the national id only (the SAS technical UUID never
    goes to the LRM, digest §5.4), names and login e-mail."""
    return RegulatorInfo(
        name=account.family,
        first_name=account.given,
        email=account.email,
        regulator_id=account.national_id,
    )


class LrmForwarder:
    def __init__(
        self, publisher: LrmPublisher, *, practitioner_lookup: PractitionerLookup | None = None
    ) -> None:
        self.publisher = publisher
        self.practitioner_lookup = practitioner_lookup
        #: appointment id → technical id of the regulator whose SAMU the SAS did not know.
        self.unrouted: dict[str, str] = {}

    def context(self, accepted: Accepted) -> LrmContext:
        """What the SAS adds to an INT_R03 Appointment: the regulator, the effector, the
        orientation category."""
        practitioner = organization = None
        idnps = effector_idnps(accepted.appointment.resource)
        if idnps and self.practitioner_lookup is not None:
            practitioner, organization = self.practitioner_lookup(idnps)
        if organization is None:
            organization = structure_participant(accepted.appointment.resource)
        return LrmContext(
            regulator=regulator_info(accepted.regulator),
            practitioner=practitioner,
            organization=organization,
            orientation_category=accepted.appointment.orientation_category,
        )

    async def forward(
        self, message: AppointmentMessage, regulator: RegulatorAccount
    ) -> OutboxEntry | None:
        """Submit ``message`` (outbox first) to the SAMU of ``regulator``, the regulator who took
        the appointment — or to the SAMU its first message went to; ``None`` (and
        :attr:`unrouted`) when the SAS has no SAMU for them."""
        first = self.publisher.outbox.first_recipient(message.appointment_id)
        recipient = first or recipient_of(regulator)
        if recipient is None:
            log.error(
                "INT_L02: no SAMU known for regulator %s; appointment %s not forwarded",
                regulator.technical_id,
                message.appointment_id,
            )
            self.unrouted[message.appointment_id] = regulator.technical_id
            return None
        self.unrouted.pop(message.appointment_id, None)
        return await self.publisher.submit(message, recipient)

    async def __call__(self, accepted: Accepted) -> None:
        stored = accepted.appointment
        message = appointment_message(
            stored.resource,
            appointment_id=stored.id,
            method=Method.CREATE if accepted.created else Method.UPDATE,
            context=self.context(accepted),
            received_at=stored.updated_at,
        )
        await self.forward(message, accepted.regulator)
