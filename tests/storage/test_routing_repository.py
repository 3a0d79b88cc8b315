"""The learned routing and the saved editors on SQLite and PostgreSQL (issue 4 item 2)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from sasref.aggregator.persistence import RoutingStore
from sasref.aggregator.registry import Routing
from sasref.clock import FixedClock
from sasref.storage import EditorRepository, LearnedRoute, NobodyRoute, RoutingRepository


def test_apply_then_load(engine: Engine, clock: FixedClock) -> None:
    repo = RoutingRepository(engine, clock=clock)
    now = clock.now()
    soon, past = now + timedelta(minutes=10), now - timedelta(minutes=1)
    repo.apply(
        learned=[
            LearnedRoute("ps", "810000000001", "e1", now),
            LearnedRoute("ps", "810000000001", "e2", now),
            LearnedRoute("sos", "312345678900011", "e1", now),
        ],
        nobody=[
            NobodyRoute("ps", "810000000009", soon),
            NobodyRoute("ps", "810000000008", past),  # already expired
            NobodyRoute("sos", "399999999999999", soon),
        ],
    )
    ps = repo.load(scope="ps")
    assert ps.known == {"810000000001": {"e1", "e2"}}
    assert ps.nobody_until == {"810000000009": soon}  # aware datetimes back, expired left out
    sos = repo.load(scope="sos")
    assert sos.known == {"312345678900011": {"e1"}}
    assert set(sos.nobody_until) == {"399999999999999"}
    assert repo.load(scope="cpts").known == {}
    assert repo.counts() == {"ps": (2, 2), "sos": (1, 1)}


def test_apply_is_idempotent_and_a_learned_editor_clears_the_negative_entry(
    engine: Engine, clock: FixedClock
) -> None:
    repo = RoutingRepository(engine, clock=clock)
    now = clock.now()
    batch = [LearnedRoute("ps", "810000000001", "e1", now)]
    repo.apply(nobody=[NobodyRoute("ps", "810000000002", now + timedelta(minutes=5))])
    repo.apply(learned=batch)
    repo.apply(learned=batch)  # a batch written twice (retry after a lost answer)
    later = now + timedelta(minutes=1)
    repo.apply(
        learned=[LearnedRoute("ps", "810000000002", "e3", later)],
        nobody=[NobodyRoute("ps", "810000000002", later + timedelta(minutes=5))],  # same batch
    )
    state = repo.load(scope="ps")
    assert state.known == {"810000000001": {"e1"}, "810000000002": {"e3"}}
    assert state.nobody_until == {}
    assert repo.counts() == {"ps": (2, 0)}
    assert repo.editors_of(scope="ps", identifier="810000000002") == ["e3"]


def test_negative_entries_are_refreshed_and_purged(engine: Engine, clock: FixedClock) -> None:
    repo = RoutingRepository(engine, clock=clock)
    now = clock.now()
    repo.apply(nobody=[NobodyRoute("ps", "p1", now + timedelta(minutes=1))])
    repo.apply(nobody=[NobodyRoute("ps", "p1", now + timedelta(minutes=9))])
    assert repo.load(scope="ps").nobody_until == {"p1": now + timedelta(minutes=9)}
    repo.apply(nobody=[NobodyRoute("ps", "p2", now + timedelta(minutes=2))])
    clock.advance(timedelta(minutes=5))
    assert repo.load(scope="ps").nobody_until == {"p1": now + timedelta(minutes=9)}
    assert repo.purge_expired() == 1
    repo.apply(purge_before=now + timedelta(minutes=10))
    assert repo.counts() == {}


def test_old_routes_can_be_left_out(engine: Engine, clock: FixedClock) -> None:
    repo = RoutingRepository(engine, clock=clock)
    now = clock.now()
    repo.apply(
        learned=[
            LearnedRoute("ps", "p-old", "e1", now - timedelta(days=40)),
            LearnedRoute("ps", "p-new", "e1", now - timedelta(days=2)),
        ]
    )
    assert set(repo.load(scope="ps").known) == {"p-old", "p-new"}
    assert repo.load(scope="ps", learned_since=now - timedelta(days=30)).known == {"p-new": {"e1"}}
    # Learned again: the route is fresh again.
    repo.apply(learned=[LearnedRoute("ps", "p-old", "e1", now)])
    assert set(repo.load(scope="ps", learned_since=now - timedelta(days=30)).known) == {
        "p-old",
        "p-new",
    }


def test_many_routes_in_one_batch(engine: Engine, clock: FixedClock) -> None:
    repo = RoutingRepository(engine, clock=clock)
    now = clock.now()
    ids = [f"8{i:011d}" for i in range(3000)]
    repo.apply(
        learned=[LearnedRoute("ps", pid, f"e{i % 7}", now) for i, pid in enumerate(ids)],
        nobody=[NobodyRoute("sos", f"3{i:014d}", now + timedelta(hours=1)) for i in range(1500)],
    )
    state = repo.load(scope="ps")
    assert len(state.known) == 3000 and state.known[ids[8]] == {"e1"}
    assert repo.counts() == {"ps": (3000, 0), "sos": (0, 1500)}


def test_removing_a_saved_editor_forgets_its_routes(engine: Engine, clock: FixedClock) -> None:
    editors = EditorRepository(engine, clock=clock)
    routes = RoutingRepository(engine, clock=clock)
    editors.upsert(name="mine", software="Mine", base_url="http://127.0.0.1:9000/fhir")
    now = clock.now()
    routes.apply(
        learned=[
            LearnedRoute("ps", "p1", "mine", now),
            LearnedRoute("sos", "s1", "mine", now),
            LearnedRoute("ps", "p1", "other", now),
        ]
    )
    assert editors.editors_for(practitioner_id="p1") == ["mine", "other"]  # scope ps
    assert editors.remove(name="mine")
    assert routes.load(scope="ps").known == {"p1": {"other"}}
    assert routes.load(scope="sos").known == {}
    assert routes.forget_editor(editor="other") == 1
    assert not editors.remove(name="mine")


async def test_store_round_trip_through_the_database(engine: Engine, clock: FixedClock) -> None:
    """Platform A's tables, written behind; platform B's fresh tables, loaded at start."""
    shared = Routing()
    first = {"ps": shared, "cpts": shared, "sos": Routing()}
    store = RoutingStore(RoutingRepository(engine, clock=clock), clock=clock, interval=3600)
    store.attach(first)
    first["cpts"].learn("e1", ["810000000001"])
    first["sos"].learn("e2", ["312345678900011"])
    first["ps"].nobody(["810000000009"], clock.now())
    await store.aclose()

    shared = Routing()
    second = {"ps": shared, "cpts": shared, "sos": Routing()}
    loaded = RoutingStore(RoutingRepository(engine, clock=clock), clock=clock).attach(second)
    assert loaded == {"ps": 2, "sos": 1}
    now = clock.now()
    assert second["ps"].route(["810000000001", "810000000009"], ["e1", "e2"], now) == (
        {"e1": ["810000000001"]},
        [],
    )
    assert second["sos"].route(["312345678900011"], ["e1", "e2"], now) == (
        {"e2": ["312345678900011"]},
        [],
    )
