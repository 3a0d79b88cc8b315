"""The editor's INT_R03 outbox in the journey: nothing lost while the SAS is down, changes
delivered once and in order, status changes as conditional PUTs reaching the LRM (INT_L02)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest

from mocks.editor_booking import AppointmentOutbox, PushState
from mocks.editor_booking.driver import Browser, csrf_of, form_action, slot_links
from mocks.journey import Journey, JourneySettings
from sasref.clock import PARIS, FixedClock

PATIENT = {"family": "Durand", "given": "Paul", "birth_date": "1950-12-24", "phone": "+33612345678"}


@pytest.fixture
async def journey() -> AsyncIterator[Journey]:
    async with Journey(JourneySettings()).in_process() as j:
        yield j


async def book(j: Journey) -> tuple[Browser, str, str]:
    """Log in as the regulator, book the first target slot; (browser, editor, confirmation URL)."""
    assert j.urls is not None
    browser = Browser(j.browser())
    target = j.pick_slot()
    await browser.login_with_psc(j.urls.sas, "regulateur")
    results, _ = await browser.follow(j.urls.sas + target.search_path)
    link = next(u for u in slot_links(results.text) if f"slot={target.slot.id}" in u)
    page, url = await browser.follow(link)
    done, final = await browser.follow(
        form_action(page.text, url),
        method="POST",
        data={**PATIENT, "csrf_token": csrf_of(page.text)},
    )
    assert done.status_code == 200
    return browser, target.editor, final


async def change_status(browser: Browser, confirmation: str, status: str) -> httpx.Response:
    page = await browser.request("GET", confirmation)
    response, _ = await browser.follow(
        f"{confirmation}/status", method="POST",
        data={"status": status, "csrf_token": csrf_of(page.text)},
    )  # fmt: skip
    return response


async def sas_appointments(j: Journey, browser: Browser) -> list[dict[str, object]]:
    assert j.urls is not None
    result: list[dict[str, object]] = (
        await browser.http.get(j.urls.sas + "/journey/appointments")
    ).json()
    return result


async def test_cancellation_is_a_conditional_put_and_reaches_the_lrm(journey: Journey) -> None:
    j = journey
    browser, editor, confirmation = await book(j)
    page = await change_status(browser, confirmation, "cancelled")
    assert 'id="status">cancelled' in page.text
    pushes = j.bookings[editor].outbox.pushes
    assert [(p.method, p.body["status"], p.state) for p in pushes] == [
        ("POST", "booked", PushState.DELIVERED),
        ("PUT", "cancelled", PushState.DELIVERED),
    ]
    assert pushes[1].last_status == 200
    assert pushes[0].location == pushes[1].location  # same SAS appointment, updated
    (stored,) = await sas_appointments(j, browser)
    assert stored["status"] == "cancelled" and stored["version"] == 2
    await j.settle()
    (lrm,) = await j.lrm_appointments()
    assert lrm["appointment"]["status"] == "cancelled"
    assert [h["method"] for h in lrm["history"]] == ["CreateAppointment", "UpdateAppointment"]
    # a cancelled appointment does not change any more
    again = await browser.request("GET", confirmation)
    assert "Marquer" not in again.text


@pytest.mark.parametrize("status", ["fulfilled", "noshow"])
async def test_later_statuses_are_reported(journey: Journey, status: str) -> None:
    browser, _, confirmation = await book(journey)
    await change_status(browser, confirmation, status)
    (stored,) = await sas_appointments(journey, browser)
    assert stored["status"] == status
    await journey.settle()
    (lrm,) = await journey.lrm_appointments()
    assert lrm["appointment"]["status"] == status


async def test_sas_down_then_back_delivers_everything_once_in_order(journey: Journey) -> None:
    j = journey
    assert j.outage is not None and isinstance(j.clock, FixedClock)
    j.outage.down = True
    browser, editor, confirmation = await book(j)
    outbox = j.bookings[editor].outbox
    (push,) = outbox.pushes
    assert push.state is PushState.PENDING and push.last_error is not None
    assert "503" in push.last_error
    page = await browser.request("GET", confirmation)
    assert "en attente" in page.text  # the regulator sees the report is not through yet
    await change_status(browser, confirmation, "cancelled")
    assert [p.state for p in outbox.pushes] == [PushState.PENDING, PushState.PENDING]
    assert outbox.pushes[1].attempts == 0  # waits behind the POST: order is kept

    assert await outbox.flush() == 0  # the backoff delay has not elapsed: no new attempt
    assert j.outage.refused == 1
    j.clock.advance(timedelta(seconds=1))
    assert await outbox.flush() == 0  # still down: second attempt, longer delay
    assert (j.outage.refused, outbox.pushes[0].attempts) == (2, 2)
    assert outbox.pushes[0].next_attempt - j.clock.now() == timedelta(seconds=2)

    j.outage.down = False
    assert await outbox.flush() == 0  # recovered, but the retry is not due yet
    j.clock.advance(timedelta(seconds=2))
    assert await outbox.flush() == 2
    assert [p.state for p in outbox.pushes] == [PushState.DELIVERED, PushState.DELIVERED]
    assert [p.attempt_log[-1] for p in outbox.pushes] == ["POST -> 201", "PUT -> 200"]
    assert await outbox.flush() == 0  # nothing delivered twice
    (stored,) = await sas_appointments(j, browser)
    assert stored["status"] == "cancelled" and stored["version"] == 2
    await j.settle()
    (lrm,) = await j.lrm_appointments()
    assert lrm["appointment"]["status"] == "cancelled"
    assert [h["result"] for h in lrm["history"]] == ["created", "updated"]


async def test_a_refused_push_is_kept_and_does_not_block_the_queue(journey: Journey) -> None:
    j = journey
    browser, editor, _ = await book(j)
    outbox = j.bookings[editor].outbox
    bad = dict(outbox.pushes[0].body, status="not-a-status")
    outbox.enqueue("PUT", outbox.pushes[0].identifier, bad)
    outbox.enqueue("PUT", outbox.pushes[0].identifier, dict(outbox.pushes[0].body, status="noshow"))
    await outbox.flush()
    states = [(p.state, p.last_status) for p in outbox.pushes]
    assert states[1][0] is PushState.REJECTED and states[1][1] in (400, 422)
    assert states[2] == (PushState.DELIVERED, 200)
    assert outbox.summary() == {"pending": 0, "delivered": 2, "rejected": 1}
    (stored,) = await sas_appointments(j, browser)
    assert stored["status"] == "noshow"


async def test_transport_errors_are_retried_with_exponential_backoff() -> None:
    clock = FixedClock(datetime(2026, 6, 16, 9, 0, tzinfo=PARIS))
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) <= 3:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(201, headers={"Location": "https://sas.test/fhir/Appointment/1"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        outbox = AppointmentOutbox(http, "https://sas.test/fhir", clock)
        push = outbox.enqueue("POST", ("urn:x", "1"), {"resourceType": "Appointment"})
        delays = []
        while push.state is PushState.PENDING:
            await outbox.flush()
            delays.append((push.next_attempt - clock.now()).total_seconds())
            clock.set(push.next_attempt)
        assert calls == ["POST"] * 4
        assert delays[:3] == [1.0, 2.0, 4.0]
        assert push.location == "https://sas.test/fhir/Appointment/1"
        assert outbox.location_of(("urn:x", "1")) == push.location
