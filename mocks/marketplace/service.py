"""A marketplace's care requests, their dispatch to the pool, and their INT_R03 reports.

:class:`MarketplaceService` has no HTTP of its own (the app, :mod:`mocks.marketplace.app`, calls
it): :meth:`~MarketplaceService.file` records a request, plans the pool's answers
(:func:`mocks.marketplace.dispatch.plan_answers`) and reports the pending Appointment to the SAS
at once (``POST``); :meth:`~MarketplaceService.answer` applies a professional's answer (the
acceptance is a conditional ``PUT``, ``booked``, the professional as actor);
:meth:`~MarketplaceService.cancel` is the regulator's cancellation; :meth:`~MarketplaceService.tick`
applies the answers and expiries due on the injected clock (tests move a ``FixedClock`` and call
it; on sockets a background task does, :meth:`~MarketplaceService.start_background`).

Every report goes through the editors' :class:`~mocks.editor_booking.AppointmentOutbox`
(recorded first, sent in order, retried with backoff while the SAS is down: nothing lost).
An answer on a closed request raises :class:`AnswerRefused` (409): the app answers it with an
OperationOutcome.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from mocks.editor_booking import AppointmentOutbox
from mocks.marketplace.dispatch import Answer, MarketplaceBehaviour, deadline, plan_answers
from mocks.marketplace.fleet import MarketplaceProfile, PoolMember
from mocks.marketplace.model import CareRequest, RequestState, appointment_resource, visit_start
from mocks.marketplace.validation import CareRequestDraft
from sasref.background import Periodic
from sasref.clock import PARIS, Clock
from sasref.marketplace import CARE_TYPES

__all__ = ["AnswerRefused", "MarketplaceService"]

log = logging.getLogger(__name__)


@dataclass(eq=False)
class AnswerRefused(Exception):
    """An answer or a change the request cannot take: ``status`` 404, 409 or 422."""

    status: int
    code: str  # OperationOutcome issue code
    message: str

    def __str__(self) -> str:
        return self.message


def _at(moment: datetime) -> str:
    return f"{moment.astimezone(PARIS):%d/%m à %H:%M}"


class MarketplaceService:
    """The care requests of one marketplace (see the module docstring)."""

    def __init__(
        self,
        profile: MarketplaceProfile,
        outbox: AppointmentOutbox,
        clock: Clock,
        *,
        identifier_system: str,
        seed: int = 0,
        time_scale: float = 1.0,
        timeout: timedelta = timedelta(hours=1),
        behaviour: MarketplaceBehaviour | None = None,
    ) -> None:
        self.profile = profile
        self.outbox = outbox
        self.clock = clock
        self.identifier_system = identifier_system
        self.seed = seed
        self.time_scale = time_scale
        self.timeout = timeout
        self.behaviour = behaviour or MarketplaceBehaviour()
        self.requests: dict[str, CareRequest] = {}
        #: The planned answers not applied yet, by request id.
        self.plans: dict[str, list[Answer]] = {}
        self._rng = random.Random(seed)
        self._periodic = Periodic(self._round, name=f"marketplace-{profile.name}")

    # --- the regulator's side -----------------------------------------------------------------
    def file(
        self, draft: CareRequestDraft, *, operator: dict[str, object], requested_by: str,
        requested_by_sub: str,
    ) -> CareRequest:  # fmt: skip
        """Record a care request, plan the pool's answers, report it (pending) to the SAS."""
        now = self.clock.now()
        request_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        duration = CARE_TYPES[draft.care_type].duration
        request = CareRequest(
            id=request_id,
            identifier_system=self.identifier_system,
            created=now,
            patient=draft.patient,
            address=draft.address,
            care_type=draft.care_type,
            details=draft.details,
            window_start=draft.window_start,
            window_end=draft.window_end,
            operator=dict(operator),
            requested_by=requested_by,
            requested_by_sub=requested_by_sub,
            deadline=deadline(now, draft.window_end, duration, self.timeout * self.time_scale),
        )
        request.log(now, "created", f"Demande déposée par {requested_by or 'le régulateur'}")
        self.requests[request_id] = request
        candidates = [m for m in self.profile.pool if m.can_take(draft.care_type)]
        self.plans[request_id] = plan_answers(
            request_id, now, candidates, self.behaviour, seed=self.seed,
            time_scale=self.time_scale,
        )  # fmt: skip
        self._report(request, "POST")
        return request

    def cancel(self, request_id: str) -> CareRequest:
        """The regulator withdraws the request (dispatching or accepted)."""
        request = self._get(request_id)
        if request.state not in (RequestState.DISPATCHING, RequestState.ACCEPTED):
            raise AnswerRefused(409, "conflict", f"care request {request_id} is already "
                                f"{request.state.value}: it cannot be cancelled")  # fmt: skip
        self._close(request, RequestState.CANCELLED, self.clock.now(),
                    "Demande annulée par le régulateur")  # fmt: skip
        return request

    # --- the professionals' side ---------------------------------------------------------------
    def answer(
        self, request_id: str, idnps: str, accepted: bool, at: datetime | None = None
    ) -> tuple[CareRequest, bool]:
        """Apply a professional's answer; ``(request, changed)``. A repeated acceptance by the
        professional who took the request changes nothing (``changed`` false)."""
        request = self._get(request_id)
        at = at or self.clock.now()
        member = self.profile.member(idnps)
        if member is None:
            raise AnswerRefused(
                422, "business-rule", f"{idnps} is not a professional of {self.profile.label}"
            )
        if not member.can_take(request.care_type):
            raise AnswerRefused(
                422,
                "business-rule",
                f"{member.display} ({idnps}) cannot take '{request.care_type}' "
                f"(profession {member.profession})",
            )
        if not request.state.open:
            taker = request.practitioner
            if accepted and taker is not None and taker.idnps == idnps:
                request.log(at, "duplicate", f"Acceptation de {member.display} reçue une "
                            "seconde fois : ignorée", idnps)  # fmt: skip
                return request, False
            raise AnswerRefused(409, "conflict", f"care request {request_id} is "
                                f"{request.state.value}: it takes no more answers")  # fmt: skip
        if not accepted:
            request.log(at, "declined", f"{member.display} a décliné", idnps)
            return request, True
        self._accept(request, member, at)
        return request, True

    def _accept(self, request: CareRequest, member: PoolMember, at: datetime) -> None:
        request.state = RequestState.ACCEPTED
        request.practitioner = member
        request.visit_start = visit_start(request, at)
        request.visit_end = request.visit_start + CARE_TYPES[request.care_type].duration
        request.log(at, "accepted", f"{member.display} a accepté : passage le "
                    f"{_at(request.visit_start)}", member.idnps)  # fmt: skip
        self._report(request, "PUT")

    # --- time ------------------------------------------------------------------------------
    def tick(self) -> int:
        """Apply every answer and expiry due now; the number of changes applied."""
        now = self.clock.now()
        applied = 0
        for request_id, plan in list(self.plans.items()):
            request = self.requests[request_id]
            # an open request takes no answer after its deadline (it expires below)
            while (
                plan
                and plan[0].at <= now
                and (not request.state.open or plan[0].at <= request.deadline)
            ):
                due = plan.pop(0)
                try:
                    self.answer(request_id, due.practitioner, due.accepted, due.at)
                except AnswerRefused as exc:
                    log.info("%s: planned answer dropped: %s", self.profile.name, exc)
                applied += 1
                if request.state.open and not plan and not due.accepted:
                    self._close(request, RequestState.REFUSED, due.at,
                                "Tous les professionnels sollicités ont décliné")  # fmt: skip
            if not plan:
                self.plans.pop(request_id, None)
        for request in self.requests.values():
            if request.state.open and now >= request.deadline:
                self._close(request, RequestState.EXPIRED, request.deadline,
                            f"Aucun professionnel n'a accepté avant le {_at(request.deadline)} : "
                            "demande expirée")  # fmt: skip
                applied += 1
        return applied

    async def run_due(self) -> int:
        """:meth:`tick`, then send what it reported (one round of the background task)."""
        applied = self.tick()
        await self.outbox.flush()
        return applied

    async def _round(self) -> None:
        await self.run_due()

    def start_background(self, interval: float = 1.0) -> None:
        self._periodic.start(interval)

    async def stop(self) -> None:
        await self._periodic.stop()

    # --- helpers ---------------------------------------------------------------------------
    def _get(self, request_id: str) -> CareRequest:
        request = self.requests.get(request_id)
        if request is None:
            raise AnswerRefused(404, "not-found", f"care request {request_id} is unknown")
        return request

    def _close(self, request: CareRequest, state: RequestState, at: datetime, text: str) -> None:
        request.state = state
        request.closed_at = at
        request.log(at, state.value, text)
        self.plans.pop(request.id, None)
        self._report(request, "PUT")

    def _report(self, request: CareRequest, method: Literal["POST", "PUT"]) -> None:
        """INT_R03: the request's Appointment into the outbox (twice when the marketplace
        ``answers_twice``: the SAS must take the second as the same appointment)."""
        times = 2 if self.behaviour.answers_twice else 1
        for _ in range(times):
            self.outbox.enqueue(method, request.identifier, appointment_resource(request))
