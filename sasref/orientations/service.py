"""Orientations en surnuméraire, with their I/O: check, record, tell the LRM (spec §4.6, §6.3).

:class:`OrientationService` is what ``/api/v1/orientations`` and the regulator's pages call:

* :meth:`~OrientationService.create` checks the request (:mod:`sasref.orientations.rules`), finds
  the recipient in the directory (:func:`sasref.directory.overbooking.resolve_recipient`), saves
  the orientation (SQLite/PostgreSQL, :class:`sasref.storage.OrientationRepository`) and only then
  hands it to the INT_L02 forwarder as a new appointment (``CreateAppointment``, ``booked``);
* :meth:`~OrientationService.cancel` sets it ``cancelled`` (once, however many times it is asked)
  and forwards the change (``UpdateAppointment``, ``cancelled``).

**Nothing duplicated**: a request carrying an ``idempotency_key`` already used by the same
regulator returns the first orientation (``created`` false), and a request without one is keyed by
regulator, recipient and date-time while that orientation stands (a double click). **Nothing
lost**: the orientation is saved before anything is sent; the forwarder is the appointment stack's
(:class:`sasref.appointments.forward.LrmForwarder`, attached with :meth:`attach_lrm`), whose
publisher keeps every message in its outbox until the LRM acknowledges it, so a Hub that is down
only delays the message. Without a forwarder (a platform without LRM) orientations are recorded.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import anyio.to_thread

from sasref.appointments.core import StoredAppointment
from sasref.appointments.service import Accepted
from sasref.auth.roles import Regulator
from sasref.clock import PARIS, Clock
from sasref.directory.directory import Directory
from sasref.directory.overbooking import (
    NotAcceptingExtraPatients,
    RecipientError,
    UnknownRecipient,
    resolve_recipient,
)
from sasref.fhir.systems import SAS_APPOINTMENT_SYSTEM, SAS_SYSTEM
from sasref.orientations.fhir import appointment_resource
from sasref.orientations.model import (
    SURNUMERAIRE,
    Orientation,
    OrientationStatus,
    OrientingRegulator,
)
from sasref.orientations.rules import (
    MAX_DAYS_AHEAD,
    OrientationError,
    OrientationRequest,
    check_type,
    derived_key,
    parse_start,
)
from sasref.regulators.model import RegulatorAccount
from sasref.regulators.registry import RegulatorLookup
from sasref.storage.orientations import OrientationEntry, OrientationRepository

log = logging.getLogger(__name__)

Forward = Callable[[Accepted], Awaitable[None]]
MAX_KEY_LENGTH = 200

#: Who orients when the platform runs without a login (tests, a demo without PSC).
ANONYMOUS = Regulator(
    technical_id="00000000-0000-4000-8000-000000000000",
    national_id=None,
    psc_sub="anonymous",
    given_name="Régulateur",
    family_name="anonyme",
    email="regulation@sas.test",
)


class OrientationService:
    def __init__(
        self,
        repository: OrientationRepository,
        directory: Directory,
        clock: Clock,
        *,
        id_factory: Callable[[], str] = lambda: str(uuid.uuid4()),
        max_days_ahead: int = MAX_DAYS_AHEAD,
        on_created: Callable[[Orientation], None] | None = None,
        samu_of: Callable[[str], str | None] | None = None,
    ) -> None:
        """``on_created(orientation)``: told of each new orientation once it is saved (the
        platform's activity indicators); a failure there is logged, never the caller's."""
        self.repository = repository
        self.on_created = on_created
        #: A regulator's technical id → the département of their SAMU, as the SAS records it (the
        #: platform's ``regulator_samu``); without it, their account's.
        self.samu_of = samu_of
        self.directory = directory
        self.clock = clock
        self._new_id = id_factory
        self.max_days_ahead = max_days_ahead
        self.forward: Forward | None = None
        self.regulators: RegulatorLookup | None = None

    def attach_lrm(
        self,
        forward: Forward | None,
        *,
        regulators: RegulatorLookup | None = None,
    ) -> None:
        """Send orientations to the LRM through ``forward`` (the appointment stack's
        :class:`~sasref.appointments.forward.LrmForwarder`); ``regulators``: the SAS accounts,
        whose SAMU the forwarder routes by."""
        self.forward = forward
        self.regulators = regulators

    # --- entry points ------------------------------------------------------------------------
    async def create(
        self, request: OrientationRequest, regulator: Regulator | None
    ) -> tuple[Orientation, bool]:
        """Record (and forward) an orientation; ``(orientation, created)``. Raises
        :class:`OrientationError` on a request the SAS refuses."""
        check_type(request.orientation_type, request.slot)
        now = self.clock.now()
        start = parse_start(request.date, request.time, now, max_days_ahead=self.max_days_ahead)
        try:
            recipient = resolve_recipient(
                self.directory,
                type=_recipient_type(request.recipient_type),
                effector=request.effector,
                structure=request.structure,
                place=request.place,
            )
        except UnknownRecipient as exc:
            raise OrientationError(
                exc.field, "unknown", str(exc), "Destinataire inconnu de l'annuaire."
            ) from None
        except NotAcceptingExtraPatients as exc:
            raise OrientationError(
                exc.field,
                "refused",
                str(exc),
                "Ce destinataire n'accepte pas de patients en sus des disponibilités.",
            ) from None
        except RecipientError as exc:
            raise OrientationError(
                exc.field, "invalid", str(exc), "Destinataire de l'orientation incomplet."
            ) from None
        who = self._orienting(regulator)
        key = _explicit_key(request.idempotency_key, who.technical_id)
        if key is None:
            key = derived_key(who.technical_id, recipient, start)
        orientation = Orientation(
            id=self._new_id(),
            status=OrientationStatus.BOOKED,
            recipient=recipient,
            start=start,
            regulator=who,
            created_at=now,
            updated_at=now,
            history=((OrientationStatus.BOOKED, now),),
        )
        entry, created = await anyio.to_thread.run_sync(
            partial(
                self.repository.insert,
                id=orientation.id,
                idempotency_key=key,
                orientation_type=SURNUMERAIRE,
                status=orientation.status.value,
                category=recipient.category,
                recipient_id=recipient.structure or recipient.effector or "",
                effector_id=recipient.effector,
                start=start,
                regulator_id=who.technical_id,
                data=orientation.to_json(),
                at=now,
            )
        )
        if not created:
            first = Orientation.from_json(entry.data)
            if first.recipient.target() != recipient.target() or first.start != start:
                raise OrientationError(
                    "idempotency_key",
                    "conflict",
                    f"idempotency key {request.idempotency_key!r} was used for another "
                    f"orientation ({first.id})",
                    "Cette demande a déjà servi pour une autre orientation.",
                )
            return first, False
        if self.on_created is not None:
            try:
                self.on_created(orientation)
            except Exception:  # counting must never cost the regulator their orientation
                log.exception("on_created hook failed for orientation %s", orientation.id)
        await self._publish(orientation, created=True)
        return orientation, True

    async def cancel(self, orientation_id: str) -> tuple[Orientation, bool]:
        """Cancel (once) and forward the change; ``(orientation, changed)``."""
        entry = await self._entry(orientation_id)
        current = Orientation.from_json(entry.data)
        if current.status is OrientationStatus.CANCELLED:
            return current, False
        now = self.clock.now()
        cancelled = replace(
            current,
            status=OrientationStatus.CANCELLED,
            updated_at=now,
            version=current.version + 1,
            history=(*current.history, (OrientationStatus.CANCELLED, now)),
        )
        changed = await anyio.to_thread.run_sync(
            partial(
                self.repository.change_status,
                orientation_id,
                expected=OrientationStatus.BOOKED.value,
                status=OrientationStatus.CANCELLED.value,
                data=cancelled.to_json(),
                version=cancelled.version,
                # a key derived from the request stands for "this orientation exists": free it
                release_key=(entry.idempotency_key or "").startswith("auto:"),
                at=now,
            )
        )
        if not changed:  # cancelled meanwhile by another request
            return Orientation.from_json((await self._entry(orientation_id)).data), False
        await self._publish(cancelled, created=False)
        return cancelled, True

    async def get(self, orientation_id: str) -> Orientation:
        return Orientation.from_json((await self._entry(orientation_id)).data)

    async def list(
        self,
        *,
        status: str | None = None,
        category: str | None = None,
        recipient: str | None = None,
        regulator_id: str | None = None,
        day: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Orientation]:
        """Most recently made first; ``day`` (``YYYY-MM-DD``): orientations for that local day."""
        start_from = start_before = None
        if day is not None:
            try:
                first = datetime.fromisoformat(day).date()
            except ValueError:
                raise OrientationError(
                    "date", "invalid", f"date {day!r} is not a date (YYYY-MM-DD)", "Date invalide."
                ) from None
            start_from = datetime.combine(first, datetime.min.time(), tzinfo=PARIS)
            start_before = datetime.combine(
                first + timedelta(days=1), datetime.min.time(), tzinfo=PARIS
            )
        entries = await anyio.to_thread.run_sync(
            partial(
                self.repository.list,
                status=status,
                category=category,
                recipient=recipient,
                regulator_id=regulator_id,
                start_from=start_from,
                start_before=start_before,
                limit=limit,
                offset=offset,
            )
        )
        return [Orientation.from_json(e.data) for e in entries]

    # --- helpers -----------------------------------------------------------------------------
    async def _entry(self, orientation_id: str) -> OrientationEntry:
        entry = await anyio.to_thread.run_sync(self.repository.get, orientation_id)
        if entry is None:
            raise OrientationError(
                "id", "not_found", f"no orientation {orientation_id!r}", "Orientation inconnue."
            )
        return entry

    def _account(self, technical_id: str) -> RegulatorAccount | None:
        return self.regulators.find(SAS_SYSTEM, technical_id) if self.regulators else None

    def _orienting(self, regulator: Regulator | None) -> OrientingRegulator:
        """The regulator as the orientation keeps it (their SAMU from their SAS account)."""
        who = regulator or ANONYMOUS
        if self.samu_of is not None:  # also knows a script's API token, which has no account
            samu = self.samu_of(who.technical_id)
        else:
            account = self._account(who.technical_id)
            samu = account.samu_department if account else None
        return OrientingRegulator(
            technical_id=who.technical_id,
            family=who.family_name,
            given=who.given_name,
            email=who.email,
            national_id=who.national_id,
            samu_department=samu,
        )

    async def _publish(self, orientation: Orientation, *, created: bool) -> None:
        """Hand the orientation to the INT_L02 forwarder as an appointment version."""
        if self.forward is None:
            return
        who = orientation.regulator
        account = self._account(who.technical_id) or RegulatorAccount(
            technical_id=who.technical_id,
            family=who.family,
            given=who.given,
            email=who.email,
            national_id=who.national_id,
            samu_department=who.samu_department,
        )
        stored = StoredAppointment(
            id=orientation.id,
            identifier_system=SAS_APPOINTMENT_SYSTEM,
            identifier_value=orientation.id,
            resource=appointment_resource(orientation),
            status=orientation.status.value,
            version=orientation.version,
            created_at=orientation.created_at,
            updated_at=orientation.updated_at,
            orientation_category=orientation.recipient.category,
            regulator=who.identifier,
            status_history=tuple((s.value, at) for s, at in orientation.history),
        )
        try:
            await self.forward(Accepted(stored, created, account))
        except Exception:  # the orientation is saved; the forwarder's outbox owns retries
            log.exception("INT_L02 forwarding of orientation %s failed", orientation.id)


def _recipient_type(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise OrientationError(
            "recipient.type",
            "invalid",
            f"recipient.type must be 1 (effector) or 2 (structure), not {value!r}",
            "Type de destinataire invalide.",
        )
    return int(value)


def _explicit_key(value: str | None, regulator_id: str) -> str | None:
    if value is None or not value.strip():
        return None
    key = value.strip()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise OrientationError(
            "idempotency_key",
            "invalid",
            f"idempotency_key: at most {MAX_KEY_LENGTH} printable characters",
            "Identifiant de demande invalide.",
        )
    return f"{regulator_id}|{key}"
