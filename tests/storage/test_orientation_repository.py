"""Orientations en surnuméraire in the database (SQLite and PostgreSQL): the idempotency key,
conditional status changes, the list filters."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from sasref.clock import PARIS, FixedClock
from sasref.storage import OrientationRepository, init_db

START = datetime(2026, 3, 27, 14, 15, tzinfo=PARIS)


def _insert(repo: OrientationRepository, n: int, **changes: Any) -> tuple[Any, bool]:
    fields: dict[str, Any] = {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "idempotency_key": f"reg|key-{n}",
        "orientation_type": 2,
        "status": "booked",
        "category": "PS",
        "recipient_id": "810000000001",
        "effector_id": "810000000001",
        "start": START,
        "regulator_id": "reg",
        "data": {"n": n, "nested": {"é": [1, 2]}},
    }
    fields.update(changes)
    return repo.insert(**fields)


def test_insert_get_and_the_idempotency_key(engine: Engine, clock: FixedClock) -> None:
    repo = OrientationRepository(engine, clock=clock)
    entry, created = _insert(repo, 1)
    assert created and entry.version == 1 and entry.created_at == clock.now()
    assert repo.get(entry.id) == entry and repo.by_key("reg|key-1") == entry
    assert entry.data == {"n": 1, "nested": {"é": [1, 2]}}
    again, created_again = _insert(repo, 2, idempotency_key="reg|key-1")
    assert not created_again and again == entry  # the first one, nothing duplicated
    assert repo.get("00000000-0000-4000-8000-000000000002") is None
    assert len(repo.list()) == 1
    assert repo.get("nope") is None and repo.by_key("nope") is None


def test_concurrent_inserts_with_one_key_make_one_orientation(engine: Engine) -> None:
    repo = OrientationRepository(engine, clock=FixedClock(START))
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: _insert(repo, n, idempotency_key="reg|same"), range(8)))
    assert sum(created for _, created in results) == 1
    assert len({entry.id for entry, _ in results}) == 1
    assert len(repo.list()) == 1


def test_change_status_is_conditional_and_may_release_the_key(
    engine: Engine, clock: FixedClock
) -> None:
    repo = OrientationRepository(engine, clock=clock)
    entry, _ = _insert(repo, 1, idempotency_key="auto:abc")
    later = clock.now() + timedelta(minutes=5)
    assert repo.change_status(
        entry.id, expected="booked", status="cancelled", data={"n": 1, "cancelled": True},
        version=2, release_key=True, at=later,
    )  # fmt: skip
    stored = repo.get(entry.id)
    assert stored is not None
    assert (stored.status, stored.version, stored.idempotency_key) == ("cancelled", 2, None)
    assert stored.data == {"n": 1, "cancelled": True} and stored.updated_at == later
    # a second cancellation changes nothing
    assert not repo.change_status(
        entry.id, expected="booked", status="cancelled", data={}, version=3
    )
    assert repo.get(entry.id) == stored
    # the key is free: a new identical request makes a new orientation
    _, created = _insert(repo, 2, idempotency_key="auto:abc")
    assert created
    assert not repo.change_status(
        "missing", expected="booked", status="cancelled", data={}, version=2
    )


def test_list_filters(engine: Engine, clock: FixedClock) -> None:
    repo = OrientationRepository(engine, clock=clock)
    _insert(repo, 1, at=clock.now())
    _insert(repo, 2, category="MSP", recipient_id="1330000101", effector_id=None,
            at=clock.now() + timedelta(seconds=1))  # fmt: skip
    _insert(repo, 3, category="CPTS", recipient_id="1330000001", effector_id="810000000003",
            regulator_id="other", start=START + timedelta(days=1),
            at=clock.now() + timedelta(seconds=2))  # fmt: skip
    third = _insert(repo, 4, at=clock.now() + timedelta(seconds=3))[0]
    repo.change_status(third.id, expected="booked", status="cancelled", data={}, version=2)

    def ns(**kw: Any) -> list[int]:
        return [int(e.id[-12:]) for e in repo.list(**kw)]

    assert ns() == [4, 3, 2, 1]  # most recently made first
    assert ns(status="booked") == [3, 2, 1] and ns(status="cancelled") == [4]
    assert ns(category="MSP") == [2]
    assert ns(recipient="1330000101") == [2]
    assert ns(recipient="810000000003") == [3]  # the CPTS member oriented for
    assert ns(recipient="810000000001") == [4, 1]
    assert ns(regulator_id="other") == [3]
    day = datetime(2026, 3, 28, tzinfo=PARIS)
    assert ns(start_from=day, start_before=day + timedelta(days=1)) == [3]
    assert ns(start_before=day) == [4, 2, 1]
    assert ns(limit=2) == [4, 3] and ns(limit=2, offset=2) == [2, 1]


def test_init_db_is_idempotent_with_the_new_table(engine: Engine) -> None:
    init_db(engine)
    repo = OrientationRepository(engine, clock=FixedClock(START))
    assert _insert(repo, 1)[1]


def test_orientations_made_at_the_same_instant_list_in_the_order_made(engine: Engine) -> None:
    repo = OrientationRepository(engine, clock=FixedClock(START))  # a fixed clock: one instant
    ids = [_insert(repo, n)[0].id for n in (9, 3, 7, 1)]
    assert [e.id for e in repo.list()] == ids[::-1]
