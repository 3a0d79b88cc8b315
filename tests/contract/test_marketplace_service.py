"""A marketplace's requests on the injected clock: dispatch, answers, expiry, cancellation and
the INT_R03 reports (a fake SAS behind ``httpx.MockTransport``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import httpx
import pytest

from mocks.editor_booking import AppointmentOutbox, Patient
from mocks.marketplace import (
    AnswerRefused,
    CareRequestDraft,
    MarketplaceBehaviour,
    MarketplaceService,
    PatientAddress,
    RequestState,
    make_marketplaces,
)
from sasref.clock import PARIS, FixedClock
from sasref.fhir.identifiers import regulator_technical_identifier

NOW = datetime(2026, 6, 16, 9, 0, tzinfo=PARIS)
PROFILE = make_marketplaces(7, 1)[0]
OPERATOR = regulator_technical_identifier("5a3c9d1e-0b7f-4e2a-9c61-7d0e5f4b2a10")


@dataclass
class FakeSas:
    """Records INT_R03 requests; ``down`` answers 503."""

    down: bool = False
    seen: list[tuple[str, str]] = field(default_factory=list)  # (method, status)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(503, json={"resourceType": "OperationOutcome", "issue": []})
        body = json.loads(request.content)
        self.seen.append((request.method, body["status"]))
        location = {"Location": "https://sas.test/fhir/Appointment/1"}
        return httpx.Response(201 if request.method == "POST" else 200, headers=location)


@dataclass
class Setup:
    service: MarketplaceService
    clock: FixedClock
    sas: FakeSas


@pytest.fixture(name="s")
async def setup() -> AsyncIterator[Setup]:
    clock, sas = FixedClock(NOW), FakeSas()
    async with httpx.AsyncClient(transport=httpx.MockTransport(sas.handle)) as http:
        outbox = AppointmentOutbox(http, "https://sas.test/fhir", clock)
        service = MarketplaceService(
            PROFILE, outbox, clock, identifier_system="https://pdm-01.test/demande", seed=7,
            behaviour=MarketplaceBehaviour(no_taker_rate=0),
        )  # fmt: skip
        yield Setup(service, clock, sas)


def draft(care: str = "soins-infirmiers", hours: int = 8) -> CareRequestDraft:
    return CareRequestDraft(
        Patient("Martin", "Léa", date(1984, 2, 3), "0612345678"),
        PatientAddress("12 rue X", "33000", "Bordeaux", "33063", "33"),
        care, "", NOW, NOW + timedelta(hours=hours),
    )  # fmt: skip


def file(s: Setup) -> str:
    filed = s.service.file(draft(), operator=OPERATOR, requested_by="Margot Fernandes",
                           requested_by_sub="sub-1")  # fmt: skip
    return filed.id


async def test_a_request_is_reported_pending_then_booked_when_accepted(s: Setup) -> None:
    request_id = file(s)
    request = s.service.requests[request_id]
    assert request.state is RequestState.DISPATCHING and request.deadline == NOW + timedelta(
        hours=1
    )
    await s.service.outbox.flush()
    assert s.sas.seen == [("POST", "pending")]
    plan = list(s.service.plans[request_id])
    s.clock.set(plan[-1].at - timedelta(seconds=1))
    assert await s.service.run_due() == len(plan) - 1  # the declines so far
    assert request.state is RequestState.DISPATCHING
    s.clock.set(plan[-1].at)
    await s.service.run_due()
    assert request.state is RequestState.ACCEPTED
    assert request.practitioner is not None and request.practitioner.idnps == plan[-1].practitioner
    assert s.sas.seen == [("POST", "pending"), ("PUT", "booked")]
    assert [e.kind for e in request.events] == ["created", *["declined"] * (len(plan) - 1),
                                                "accepted"]  # fmt: skip
    assert request_id not in s.service.plans


async def test_silence_expires_the_request_at_its_deadline(s: Setup) -> None:
    s.service.behaviour = s.service.behaviour.merged({"never_answers": True})
    request = s.service.requests[file(s)]
    s.clock.advance(timedelta(minutes=59))
    assert await s.service.run_due() == 0
    s.clock.advance(timedelta(minutes=5))
    assert await s.service.run_due() == 1
    assert request.state is RequestState.EXPIRED and request.closed_at == request.deadline
    assert s.sas.seen == [("POST", "pending"), ("PUT", "cancelled")]


async def test_when_everyone_declines_the_request_is_refused(s: Setup) -> None:
    s.service.behaviour = s.service.behaviour.merged({"no_taker_rate": 1})
    request = s.service.requests[file(s)]
    s.clock.advance(timedelta(hours=2))
    await s.service.run_due()
    assert request.state is RequestState.REFUSED
    assert request.closed_at == max(e.at for e in request.events if e.kind == "declined")
    assert s.sas.seen[-1] == ("PUT", "cancelled")


async def test_a_slow_pool_answers_too_late(s: Setup) -> None:
    s.service.behaviour = s.service.behaviour.merged({"slow_minutes": 70})
    request = s.service.requests[file(s)]
    s.clock.advance(timedelta(hours=3))
    await s.service.run_due()
    assert request.state is RequestState.EXPIRED
    assert [e.kind for e in request.events] == ["created", "expired"]


async def test_answers_twice_reports_twice_and_changes_nothing_the_second_time(s: Setup) -> None:
    s.service.behaviour = s.service.behaviour.merged({"answers_twice": True})
    request = s.service.requests[file(s)]
    s.clock.advance(timedelta(hours=1))
    await s.service.run_due()
    assert request.state is RequestState.ACCEPTED
    assert [e.kind for e in request.events][-2:] == ["accepted", "duplicate"]
    assert s.sas.seen == [("POST", "pending")] * 2 + [("PUT", "booked")] * 2


async def test_answers_on_a_closed_or_unknown_request_are_refused(s: Setup) -> None:
    request_id = file(s)
    nurse = next(m for m in PROFILE.pool if m.profession == "60")
    kine = next(m for m in PROFILE.pool if m.profession == "70")
    with pytest.raises(AnswerRefused) as unknown:
        s.service.answer("nope", nurse.idnps, True)
    assert unknown.value.status == 404
    with pytest.raises(AnswerRefused) as stranger:
        s.service.answer(request_id, "810000000009", True)
    assert stranger.value.status == 422 and "not a professional" in stranger.value.message
    with pytest.raises(AnswerRefused) as unqualified:
        s.service.answer(request_id, kine.idnps, True)
    assert unqualified.value.status == 422 and "cannot take" in unqualified.value.message
    s.service.cancel(request_id)
    with pytest.raises(AnswerRefused) as closed:
        s.service.answer(request_id, nurse.idnps, True)
    assert closed.value.status == 409 and "cancelled" in closed.value.message
    with pytest.raises(AnswerRefused) as again:
        s.service.cancel(request_id)
    assert again.value.status == 409
    assert request_id not in s.service.plans  # nothing more happens to it


async def test_the_taker_answering_again_changes_nothing_another_gets_409(s: Setup) -> None:
    request_id = file(s)
    nurses = [m for m in PROFILE.pool if m.profession == "60"]
    request, changed = s.service.answer(request_id, nurses[0].idnps, True)
    assert changed and request.state is RequestState.ACCEPTED
    _, changed = s.service.answer(request_id, nurses[0].idnps, True)
    assert not changed
    with pytest.raises(AnswerRefused) as other:
        s.service.answer(request_id, nurses[1].idnps, True)
    assert other.value.status == 409
    await s.service.outbox.flush()
    assert s.sas.seen == [("POST", "pending"), ("PUT", "booked")]


async def test_while_the_sas_is_down_the_reports_wait_in_order(s: Setup) -> None:
    s.sas.down = True
    request_id = file(s)
    s.service.cancel(request_id)
    await s.service.outbox.flush()
    assert s.service.outbox.summary() == {"pending": 2, "delivered": 0, "rejected": 0}
    s.sas.down = False
    s.clock.advance(timedelta(seconds=2))
    await s.service.outbox.flush()
    assert s.sas.seen == [("POST", "pending"), ("PUT", "cancelled")]
