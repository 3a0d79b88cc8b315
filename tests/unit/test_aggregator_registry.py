"""Editor registry, batching and the learned practitioner → editor routing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sasref.aggregator.outcome import EditorOutcome, OutcomeStatus, summarize
from sasref.aggregator.registry import EditorRegistry, Routing, batches, parse_editor_option
from sasref.aggregator.window import SearchWindow
from sasref.clock import PARIS
from sasref.directory.model import EditorInfo
from sasref.errors import ConfigurationError

NOW = datetime(2024, 6, 12, 16, 20, tzinfo=PARIS)


def test_parse_editor_option() -> None:
    editor = parse_editor_option("mine=http://127.0.0.1:9000/fhir/")
    assert (editor.name, editor.base_url) == ("mine", "http://127.0.0.1:9000/fhir")
    assert editor.use_cases == {"ps", "cpts", "sos"}
    for bad in ("noequals", "=http://x", "name=", "name=ftp://x", "name=localhost:80"):
        with pytest.raises(ConfigurationError):
            parse_editor_option(bad)


def test_registry_from_config_and_use_cases() -> None:
    registry = EditorRegistry.from_config({"a": "https://a.test/fhir", "b": "https://b.test"})
    assert [e.name for e in registry] == ["a", "b"]
    registry.add(EditorInfo("c", "C", "https://c.test", use_cases=frozenset({"sos"})))
    assert [e.name for e in registry.for_use_case("sos")] == ["a", "b", "c"]
    assert [e.name for e in registry.for_use_case("ps")] == ["a", "b"]
    registry.remove("a")
    assert "a" not in registry and len(registry) == 2
    assert [e.name for e in EditorRegistry.from_config(["x=http://x.test"])] == ["x"]


def test_batches_of_25() -> None:
    ids = [f"8{i:011d}" for i in range(60)] + ["800000000000"]  # one duplicate
    chunks = batches(ids)
    assert [len(c) for c in chunks] == [25, 25, 10]
    assert [i for chunk in chunks for i in chunk] == ids[:60]
    with pytest.raises(ValueError):
        batches(ids, 0)


def test_unknown_goes_to_everyone_then_is_learned() -> None:
    routing = Routing()
    plan, unknown = routing.route(["p1", "p2"], ["a", "b", "c"], NOW)
    assert plan == {"a": ["p1", "p2"], "b": ["p1", "p2"], "c": ["p1", "p2"]}
    assert unknown == ["p1", "p2"]
    routing.learn("b", ["p1"])
    plan, unknown = routing.route(["p1", "p2"], ["a", "b", "c"], NOW)
    assert plan == {"a": ["p2"], "b": ["p1", "p2"], "c": ["p2"]}
    assert unknown == ["p2"]
    assert routing.editors_of("p1") == {"b"}


def test_known_editor_no_longer_registered_falls_back_to_everyone() -> None:
    routing = Routing()
    routing.declare("p1", "gone")
    plan, unknown = routing.route(["p1"], ["a"], NOW)
    assert plan == {"a": ["p1"]} and unknown == ["p1"]


def test_nobody_is_remembered_for_a_while() -> None:
    routing = Routing(negative_ttl=timedelta(minutes=5))
    routing.nobody(["p9"], NOW)
    assert routing.route(["p9"], ["a"], NOW + timedelta(minutes=4)) == ({}, [])
    assert routing.route(["p9"], ["a"], NOW + timedelta(minutes=6)) == ({"a": ["p9"]}, ["p9"])
    routing.nobody(["p9"], NOW)
    routing.declare("p9", "a")  # a later declaration wins over the negative entry
    assert routing.route(["p9"], ["a", "b"], NOW) == ({"a": ["p9"]}, [])


def test_window_now_to_j_plus_2() -> None:
    window = SearchWindow.from_now(NOW)
    assert window.end == datetime(2024, 6, 14, 23, 59, 59, tzinfo=PARIS)
    assert [d.day for d in window.days] == [12, 13, 14]
    assert window.day_index(NOW - timedelta(minutes=1)) is None  # already started
    assert window.day_index(NOW + timedelta(hours=8)) == 1
    assert window.day_index(datetime(2024, 6, 15, 0, 0, tzinfo=PARIS)) is None
    assert window.label(2) == "Après-demain"
    with pytest.raises(ValueError):
        SearchWindow.from_now(datetime(2024, 6, 12))


def test_summarize_worst_status_wins() -> None:
    outcomes = [
        EditorOutcome("b", "ps", OutcomeStatus.OK, 25, slots=3),
        EditorOutcome("b", "ps", OutcomeStatus.TIMEOUT, 5, messages=("late",)),
        EditorOutcome("a", "sos", OutcomeStatus.EMPTY, 1),
    ]
    summary = summarize(outcomes)
    assert [(s.editor, s.status, s.calls, s.slots) for s in summary] == [
        ("a", OutcomeStatus.EMPTY, 1, 0),
        ("b", OutcomeStatus.TIMEOUT, 2, 3),
    ]
    assert OutcomeStatus.TIMEOUT.failed and not OutcomeStatus.RULE_VIOLATIONS.failed
    assert (
        "HTTP 503"
        in EditorOutcome("x", "ps", OutcomeStatus.HTTP_ERROR, 1, http_status=503).summary()
    )
