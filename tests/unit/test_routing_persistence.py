"""The write-behind routing store and the editor merge (sasref.aggregator.persistence), with a
fake backend: what is learned is kept in memory, written in batches, kept on failure."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from sasref.aggregator.persistence import RoutingStore, merge_editors, routing_scopes
from sasref.aggregator.registry import Routing
from sasref.clock import PARIS, FixedClock
from sasref.directory.model import EditorInfo
from sasref.storage.routing import LearnedRoute, NobodyRoute, RoutingState

NOW = datetime(2024, 6, 12, 16, 20, tzinfo=PARIS)


class FakeBackend:
    """Records each batch; can be told to fail; serves a saved state per scope."""

    def __init__(self, saved: dict[str, RoutingState] | None = None) -> None:
        self.saved = saved or {}
        self.batches: list[tuple[list[LearnedRoute], list[NobodyRoute], datetime | None]] = []
        self.fail = False
        self.loads: list[tuple[str, datetime | None]] = []

    def load(
        self, *, scope: str, now: datetime | None = None, learned_since: datetime | None = None
    ) -> RoutingState:
        self.loads.append((scope, learned_since))
        return self.saved.get(scope, RoutingState())

    def apply(
        self,
        *,
        learned: Sequence[LearnedRoute] = (),
        nobody: Sequence[NobodyRoute] = (),
        purge_before: datetime | None = None,
    ) -> None:
        if self.fail:
            raise OSError("database down")
        self.batches.append((list(learned), list(nobody), purge_before))

    def learned(self) -> set[tuple[str, str, str]]:
        return {(r.scope, r.identifier, r.editor) for b in self.batches for r in b[0]}

    def nobody(self) -> set[tuple[str, str]]:
        return {(n.scope, n.identifier) for b in self.batches for n in b[1]}


def tables() -> dict[str, Routing]:
    shared = Routing()
    return {"ps": shared, "cpts": shared, "sos": Routing()}


# --- Routing hooks (pure) ----------------------------------------------------------------------
class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, object]] = []

    def learned(self, identifier: str, editor: str) -> None:
        self.events.append(("learned", identifier, editor))

    def nobody(self, identifier: str, until: datetime) -> None:
        self.events.append(("nobody", identifier, until))


def test_listener_hears_new_facts_only() -> None:
    recorder = Recorder()
    routing = Routing(negative_ttl=timedelta(minutes=5), listener=recorder)
    routing.learn("a", ["p1", "p2"])
    routing.learn("a", ["p1"])  # known already: nothing new
    routing.learn("b", ["p1"])
    routing.nobody(["p1", "p9"], NOW)  # p1 is known: no negative entry for it
    assert recorder.events == [
        ("learned", "p1", "a"),
        ("learned", "p2", "a"),
        ("learned", "p1", "b"),
        ("nobody", "p9", NOW + timedelta(minutes=5)),
    ]


def test_restore_is_silent_and_a_known_editor_beats_a_negative_entry() -> None:
    recorder = Recorder()
    routing = Routing(listener=recorder)
    later = NOW + timedelta(minutes=3)
    routing.restore({"p1": ["a", "b"]}, {"p1": later, "p2": later})
    assert recorder.events == []
    assert routing.editors_of("p1") == {"a", "b"}
    assert routing.negative_until("p1") is None
    assert routing.negative_until("p2") == later
    assert routing.route(["p1", "p2"], ["a", "b", "c"], NOW) == ({"a": ["p1"], "b": ["p1"]}, [])


def test_forget_editor_makes_its_identifiers_unknown_again() -> None:
    routing = Routing()
    routing.learn("a", ["p1", "p2"])
    routing.learn("b", ["p2"])
    assert routing.forget_editor("a") == 2
    assert not routing.is_known("p1") and routing.editors_of("p2") == {"b"}
    assert routing.forget_editor("a") == 0


# --- editors -------------------------------------------------------------------------------------
def test_configuration_wins_over_saved_editors() -> None:
    configured = [
        EditorInfo("a", "A", "https://a.test/fhir"),
        EditorInfo("b", "B", "https://b.test/fhir"),
    ]
    saved = [
        EditorInfo("b", "B saved", "https://elsewhere.test/fhir"),
        EditorInfo("mine", "Mine", "http://127.0.0.1:9000/fhir"),
    ]
    merged = merge_editors(configured, saved)
    assert [(e.name, e.base_url) for e in merged.editors] == [
        ("a", "https://a.test/fhir"),
        ("b", "https://b.test/fhir"),
        ("mine", "http://127.0.0.1:9000/fhir"),
    ]
    assert merged.configured == {"a", "b"}
    assert merged.shadowed == ("b",)


# --- the store -----------------------------------------------------------------------------------
def test_scopes_follow_the_shared_tables() -> None:
    routing = tables()
    scopes = routing_scopes(routing)
    assert list(scopes) == ["ps", "sos"]
    assert scopes["ps"] is routing["cpts"]


def test_attach_loads_every_scope_before_listening() -> None:
    until = NOW + timedelta(minutes=5)
    backend = FakeBackend(
        {"ps": RoutingState({"p1": {"a"}}, {"p9": until}), "sos": RoutingState({"s1": {"b"}})}
    )
    store = RoutingStore(backend, clock=FixedClock(NOW), max_age=timedelta(days=7))
    routing = tables()
    assert store.attach(routing) == {"ps": 2, "sos": 1}
    week_ago = NOW - timedelta(days=7)
    assert backend.loads == [("ps", week_ago), ("sos", week_ago)]
    assert routing["cpts"].editors_of("p1") == {"a"}
    assert routing["ps"].negative_until("p9") == until
    assert routing["sos"].editors_of("s1") == {"b"}
    assert store.pending == 0  # what was loaded is not written back


async def test_facts_are_buffered_then_written_in_one_batch() -> None:
    backend = FakeBackend()
    clock = FixedClock(NOW)
    store = RoutingStore(backend, clock=clock, interval=3600)
    routing = tables()
    store.attach(routing)
    routing["ps"].learn("a", ["p1", "p2"])
    routing["cpts"].learn("b", ["p1"])
    routing["sos"].nobody(["s9"], NOW)
    routing["ps"].nobody(["p7"], NOW)
    routing["ps"].learn("c", ["p7"])  # learned after the negative entry: the negative one goes
    assert backend.batches == []  # nothing written on the hot path
    assert store.pending == 5
    assert await store.flush() == 5
    assert store.pending == 0 and len(backend.batches) == 1
    assert backend.learned() == {
        ("ps", "p1", "a"),
        ("ps", "p2", "a"),
        ("ps", "p1", "b"),
        ("ps", "p7", "c"),
    }
    assert backend.nobody() == {("sos", "s9")}
    learned, nobody, purge = backend.batches[0]
    assert {r.learned_at for r in learned} == {NOW}
    assert nobody[0].until == NOW + routing["sos"].negative_ttl
    assert purge == NOW  # expired negative entries are purged with each batch
    assert await store.flush() == 0 and len(backend.batches) == 1  # idle: no database round
    await store.aclose()


async def test_a_failed_batch_is_kept_for_the_next_round() -> None:
    backend = FakeBackend()
    store = RoutingStore(backend, clock=FixedClock(NOW), interval=3600)
    routing = tables()
    store.attach(routing)
    routing["ps"].learn("a", ["p1"])
    routing["ps"].nobody(["p2"], NOW)
    backend.fail = True
    with pytest.raises(OSError):
        await store.flush()
    assert store.pending == 2
    routing["ps"].learn("b", ["p2"])  # meanwhile p2 got an editor: its negative entry is moot
    backend.fail = False
    assert await store.flush() == 2
    assert backend.learned() == {("ps", "p1", "a"), ("ps", "p2", "b")}
    assert backend.nobody() == set()
    await store.aclose()


async def test_the_periodic_write_starts_with_the_first_fact_and_close_writes_the_rest() -> None:
    backend = FakeBackend()
    store = RoutingStore(backend, clock=FixedClock(NOW), interval=0.01)
    routing = tables()
    store.attach(routing)
    routing["ps"].learn("a", ["p1"])
    for _ in range(500):  # wait for the background round (no timing assert)
        if backend.batches:
            break
        await asyncio.sleep(0.01)
    assert backend.learned() == {("ps", "p1", "a")}
    store.interval = 3600
    await store.aclose()
    routing["ps"].learn("a", ["p2"])  # after close: kept pending, no new background task
    assert store.pending == 1
    await asyncio.sleep(0.05)
    assert backend.learned() == {("ps", "p1", "a")}


async def test_close_writes_pending_facts_and_survives_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = FakeBackend()
    store = RoutingStore(backend, clock=FixedClock(NOW), interval=3600)
    routing = tables()
    store.attach(routing)
    routing["sos"].learn("a", ["s1"])
    await store.aclose()
    assert backend.learned() == {("sos", "s1", "a")}
    failing = FakeBackend()
    failing.fail = True
    other = RoutingStore(failing, clock=FixedClock(NOW), interval=3600)
    routing = tables()
    other.attach(routing)
    routing["ps"].learn("a", ["p1"])
    await other.aclose()  # logged, not raised: the routing is a cache
    assert "not saved at shutdown" in caplog.text


def test_facts_outside_an_event_loop_wait_for_a_flush() -> None:
    backend = FakeBackend()
    store = RoutingStore(backend, clock=FixedClock(NOW))
    routing = tables()
    store.attach(routing)
    routing["ps"].learn("a", ["p1"])  # no running loop: no background task, still pending
    assert store.pending == 1
    assert asyncio.run(store.flush()) == 1
    assert backend.learned() == {("ps", "p1", "a")}


async def test_forget_editor_drops_pending_facts_and_routes() -> None:
    backend = FakeBackend()
    store = RoutingStore(backend, clock=FixedClock(NOW), interval=3600)
    routing = tables()
    store.attach(routing)
    routing["ps"].learn("gone", ["p1"])
    routing["ps"].learn("kept", ["p2"])
    routing["sos"].learn("gone", ["s1"])
    assert store.forget_editor("gone") == 2
    assert not routing["ps"].is_known("p1") and not routing["sos"].is_known("s1")
    await store.aclose()
    assert backend.learned() == {("ps", "p2", "kept")}


async def test_paused_holds_back_writes() -> None:
    backend = FakeBackend()
    store = RoutingStore(backend, clock=FixedClock(NOW), interval=3600)
    routing = tables()
    store.attach(routing)
    routing["ps"].learn("a", ["p1"])
    async with store.paused():
        flushing = asyncio.create_task(store.flush())
        await asyncio.sleep(0)
        assert backend.batches == [] and not flushing.done()
    assert await flushing == 1
    await store.aclose()


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="interval"):
        RoutingStore(FakeBackend(), interval=0)
