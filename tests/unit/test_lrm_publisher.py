"""The INT_L02 publisher's decisions, with a recording transport (no hub): outbox first,
supersession, error handling, bounded backoff (digest §5.1, §5.3)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest

from sasref.background import Backoff
from sasref.clock import PARIS, FixedClock
from sasref.lrm.messages import (
    SAS_CLIENT_ID,
    AppointmentMessage,
    ErrorCode,
    Method,
    build_ack,
    build_error,
    format_hub_datetime,
)
from sasref.lrm.outbox import InMemoryOutbox, JsonFileOutbox, OutboxEntry, OutboxState
from sasref.lrm.publisher import LrmPublisher
from sasref.lrm.transport import Handler

T0 = datetime(2025, 6, 17, 10, 15, tzinfo=PARIS)
SAMU = "fr.health.samu330"


class Recorder:
    client_id = SAS_CLIENT_ID

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []
        self.handlers: dict[str, Handler] = {}
        self.down = False

    async def publish(self, to_client_id: str, envelope: Mapping[str, Any] | bytes) -> None:
        if self.down:
            raise ConnectionError("down")
        assert isinstance(envelope, Mapping)
        self.published.append(dict(envelope))

    async def consume(self, queue: str, handler: Handler) -> None:
        self.handlers[queue] = handler

    async def close(self) -> None:
        pass


def appt(
    method: Method = Method.CREATE,
    status: str = "booked",
    appointment_id: str = "2d2db05f-e2b0-4169-be8f-891806da2c74",
) -> AppointmentMessage:
    return AppointmentMessage(
        appointment_id, method, format_hub_datetime(T0),
        format_hub_datetime(T0 + timedelta(hours=1)), status,
    )  # fmt: skip


async def setup() -> tuple[LrmPublisher, Recorder, FixedClock]:
    clock = FixedClock(T0)
    transport = Recorder()
    counter = itertools.count(1)
    publisher = LrmPublisher(
        transport, InMemoryOutbox(), clock, id_factory=lambda: f"id{next(counter)}",
        backoff=Backoff(timedelta(seconds=5), 2, timedelta(seconds=30)), max_attempts=3,
    )  # fmt: skip
    await publisher.start()
    assert set(transport.handlers) == {"fr.health.ptfsas.ack", "fr.health.ptfsas.info"}
    return publisher, transport, clock


def error(code: ErrorCode, source: dict[str, Any], clock: FixedClock) -> dict[str, Any]:
    return build_error(code, "x", source, sender_id=SAMU, recipient_id=SAS_CLIENT_ID,
                       distribution="e", sent_at=clock.now(), expires_at=clock.now())  # fmt: skip


def method_of(envelope: dict[str, Any]) -> str:
    message = envelope["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
    return str(message["appointment"]["method"])


def only(publisher: LrmPublisher) -> OutboxEntry:
    (entry,) = [e for e in publisher.outbox.entries() if e.open]
    return entry


def test_backoff_grows_and_is_capped() -> None:
    backoff = Backoff(timedelta(seconds=5), 2, timedelta(seconds=30))
    assert [backoff.delay(n).total_seconds() for n in range(1, 6)] == [5, 10, 20, 30, 30]


async def test_ack_closes_the_entry() -> None:
    publisher, transport, _ = await setup()
    entry = await publisher.submit(appt(), SAMU)
    assert len(transport.published) == 1
    assert publisher.states()["sent"] == 1
    ack = build_ack(
        transport.published[0]["distributionID"], sender_id=SAMU, recipient_id=SAS_CLIENT_ID,
        internal_id="a", sent_at=T0, expires_at=T0,
    )  # fmt: skip
    await transport.handlers["fr.health.ptfsas.ack"](ack)
    assert publisher.states()["acked"] == 1
    assert entry.acked_at == T0


async def test_no_ack_means_resend_after_timeout() -> None:
    publisher, transport, clock = await setup()
    await publisher.submit(appt(), SAMU)
    assert await publisher.flush() == 0
    clock.advance(publisher.ack_timeout)
    assert await publisher.flush() == 1
    assert transport.published[0]["distributionID"] != transport.published[1]["distributionID"]


@pytest.mark.parametrize(
    ("method", "code", "resent_as"),
    [(Method.CREATE, ErrorCode.CONFLICT, "UpdateAppointment"),
     (Method.UPDATE, ErrorCode.NOT_FOUND, "CreateAppointment")],
)  # fmt: skip
async def test_conflict_and_not_found_switch_method(
    method: Method, code: ErrorCode, resent_as: str
) -> None:
    publisher, transport, clock = await setup()
    await publisher.submit(appt(method), SAMU)
    await transport.handlers["fr.health.ptfsas.info"](error(code, transport.published[0], clock))
    assert [method_of(e) for e in transport.published] == [method.value, resent_as]
    assert only(publisher).attempts == 0  # not a failure: no backoff


async def test_schema_error_is_permanent() -> None:
    publisher, transport, clock = await setup()
    entry = await publisher.submit(appt(), SAMU)
    await transport.handlers["fr.health.ptfsas.info"](
        error(ErrorCode.INVALID_MESSAGE, transport.published[0], clock)
    )
    assert entry.state is OutboxState.FAILED and len(transport.published) == 1


async def test_newer_message_supersedes_and_late_errors_are_ignored() -> None:
    publisher, transport, clock = await setup()
    first = await publisher.submit(appt(), SAMU)
    second = await publisher.submit(appt(Method.UPDATE, "cancelled"), SAMU)
    assert first.state is OutboxState.SUPERSEDED and second.state is OutboxState.SENT
    await transport.handlers["fr.health.ptfsas.info"](
        error(ErrorCode.DEAD_LETTERED_QUEUE, transport.published[0], clock)
    )
    assert first.state is OutboxState.SUPERSEDED and len(transport.published) == 2


async def test_broker_down_backs_off_then_gives_up(tmp_path: Any) -> None:
    publisher, transport, clock = await setup()
    transport.down = True
    entry = await publisher.submit(appt(), SAMU)
    assert (entry.state, entry.attempts) == (OutboxState.PENDING, 1)
    assert entry.next_attempt_at == T0 + timedelta(seconds=5)
    clock.advance(timedelta(seconds=5))
    await publisher.flush()
    assert entry.next_attempt_at == clock.now() + timedelta(seconds=10)
    clock.advance(timedelta(seconds=10))
    await publisher.flush()
    assert entry.state is OutboxState.FAILED and entry.transmissions == 3
    assert publisher.states()["failed"] == 1


def test_json_outbox_round_trip(tmp_path: Any) -> None:
    path = tmp_path / "o.json"
    outbox = JsonFileOutbox(path)
    entry = OutboxEntry("k", "a", SAMU, appt().to_json(), T0, T0, distribution_ids=["d1"])
    outbox.save(entry)
    reread = JsonFileOutbox(path)
    assert reread.get("k") == entry
    assert reread.find_by_distribution_id("d1") == entry
    assert reread.open_entries() == [entry]


async def test_the_publisher_works_on_open_entries_only() -> None:
    """Acknowledged entries stay in the outbox (history) but drop out of what is flushed."""
    publisher, transport, clock = await setup()
    first = await publisher.submit(appt(), SAMU)
    second = await publisher.submit(appt(appointment_id="6f1c2a4e-0000-4000-8000-0000000000b2"),
                                    SAMU)  # fmt: skip
    assert publisher.outbox.open_entries() == [first, second]
    ack = build_ack(
        transport.published[0]["distributionID"], sender_id=SAMU, recipient_id=SAS_CLIENT_ID,
        internal_id="a", sent_at=T0, expires_at=T0,
    )  # fmt: skip
    await transport.handlers["fr.health.ptfsas.ack"](ack)
    assert first.state is OutboxState.ACKED
    assert publisher.outbox.open_entries() == [second]
    assert publisher.outbox.entries() == [first, second]
    clock.advance(timedelta(minutes=5))  # the ack timeout: only the open one is sent again
    assert await publisher.flush() == 1 and len(transport.published) == 3
