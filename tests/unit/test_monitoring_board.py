"""The editor monitoring's pure core: windows, figures, alerts, the flux state machine."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sasref.aggregator import EditorOutcome, OutcomeStatus
from sasref.clock import PARIS
from sasref.errors import ConfigurationError
from sasref.monitoring import (
    AlertKind,
    AlertResolved,
    CallWindow,
    Control,
    FluxState,
    HealthBoard,
    MonitoringSettings,
    Observation,
    Transition,
)
from sasref.monitoring.model import Alert
from sasref.monitoring.window import percentile

T0 = datetime(2026, 6, 16, 9, 0, tzinfo=PARIS)
SETTINGS = MonitoringSettings(
    window=timedelta(minutes=5),
    min_calls=4,
    probe_interval=timedelta(minutes=1),
    probe_successes=2,
    evaluate_every=timedelta(0),
    tick_seconds=None,
)


def outcome(status: OutcomeStatus, ms: float = 20.0, editor: str = "ed") -> EditorOutcome:
    return EditorOutcome(editor, "ps", status, requested=1, started_ms=0.0, ended_ms=ms)


def feed(board: HealthBoard, statuses: list[OutcomeStatus], at: datetime, ms: float = 20.0) -> list:
    events: list = []
    for status in statuses:
        events += board.observe(outcome(status, ms), at)
    return events


def test_window_counts_each_status_where_docs_say() -> None:
    window = CallWindow(timedelta(minutes=5))
    for status, ms in [
        (OutcomeStatus.OK, 10),
        (OutcomeStatus.EMPTY, 20),
        (OutcomeStatus.TIMEOUT, 7000),
        (OutcomeStatus.HTTP_ERROR, 30),
        (OutcomeStatus.TRANSPORT_ERROR, 1),
        (OutcomeStatus.INVALID_JSON, 40),
        (OutcomeStatus.INVALID_FHIR, 50),
        (OutcomeStatus.RULE_VIOLATIONS, 60),
    ]:
        window.add(Observation(T0, status, ms))
    stats = window.stats(T0)
    assert (stats.calls, stats.errors, stats.timeouts, stats.invalid) == (8, 4, 1, 2)
    assert stats.failures == 5 and stats.failure_rate == 5 / 8
    assert stats.p50_ms == 30 and stats.p95_ms == 7000


def test_window_forgets_calls_older_than_its_length() -> None:
    window = CallWindow(timedelta(minutes=5))
    window.add(Observation(T0, OutcomeStatus.HTTP_ERROR, 5))
    window.add(Observation(T0 + timedelta(minutes=3), OutcomeStatus.OK, 5))
    assert window.stats(T0 + timedelta(minutes=5)).calls == 2
    later = window.stats(T0 + timedelta(minutes=6))
    assert later.calls == 1 and later.errors == 0


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.95) == 95.0 and percentile(values, 0.5) == 50.0
    assert percentile([], 0.5) is None and percentile([3.0], 0.95) == 3.0


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ConfigurationError, match="alert_error_rate"):
        MonitoringSettings(alert_error_rate=1.5)
    with pytest.raises(ConfigurationError, match="window"):
        MonitoringSettings(window=timedelta(0))
    with pytest.raises(ConfigurationError, match="min_calls"):
        MonitoringSettings(min_calls=0)


def test_no_judgement_below_min_calls() -> None:
    board = HealthBoard(SETTINGS)
    assert feed(board, [OutcomeStatus.HTTP_ERROR] * 3, T0) == []
    assert board.asks("ed")


def test_errors_raise_an_alert_then_deactivate_the_flux_with_the_reason() -> None:
    board = HealthBoard(SETTINGS)
    feed(board, [OutcomeStatus.OK] * 4, T0)
    events = feed(board, [OutcomeStatus.HTTP_ERROR], T0)  # 1/5 = 20 % errors: alert only
    assert [type(e) for e in events] == [Alert]
    assert events[0].kind is AlertKind.ERROR_RATE and board.asks("ed")
    events = feed(board, [OutcomeStatus.TIMEOUT] * 5, T0)  # 4/8 failed ≥ 50 % at the 3rd
    moves = [e for e in events if isinstance(e, Transition)]
    assert len(moves) == 1
    move = moves[0]
    assert (move.from_state, move.to_state, move.control) == (
        FluxState.ACTIVE,
        FluxState.DEACTIVATED,
        Control.AUTO,
    )
    assert move.reason.startswith("taux d'échec 50% sur 5 min (4/8 appels")
    assert "3 time-out" in move.reason and "≥ seuil 50%" in move.reason
    kinds = {e.kind for e in events if isinstance(e, Alert)}
    assert {AlertKind.TIMEOUT_RATE, AlertKind.FLUX_DEACTIVATED} <= kinds
    assert not board.asks("ed")
    late = feed(board, [OutcomeStatus.HTTP_ERROR] * 4, T0)  # calls still in flight
    assert not any(isinstance(e, Transition) for e in late)


def test_slow_answers_deactivate_on_p95() -> None:
    board = HealthBoard(SETTINGS)
    events = feed(board, [OutcomeStatus.OK] * 4, T0, ms=6500)
    assert any(isinstance(e, Transition) and "p95" in e.reason for e in events)
    assert {e.kind for e in events if isinstance(e, Alert)} >= {AlertKind.LATENCY}


def test_invalid_bundles_alert_but_do_not_deactivate() -> None:
    board = HealthBoard(SETTINGS)
    events = feed(board, [OutcomeStatus.RULE_VIOLATIONS] * 5, T0)
    assert [e.kind for e in events if isinstance(e, Alert)] == [AlertKind.INVALID_BUNDLES]
    assert board.asks("ed")


def test_an_alert_closes_when_the_window_falls_back_under_the_threshold() -> None:
    board = HealthBoard(SETTINGS)
    feed(board, [OutcomeStatus.OK] * 3 + [OutcomeStatus.HTTP_ERROR], T0)
    assert AlertKind.ERROR_RATE in board.health("ed").alerts
    later = T0 + timedelta(minutes=6)  # the error left the window
    events = feed(board, [OutcomeStatus.OK] * 4, later)
    assert events == [AlertResolved("ed", AlertKind.ERROR_RATE, later, "revenu sous le seuil")]


def test_forced_active_is_never_deactivated_automatically() -> None:
    board = HealthBoard(SETTINGS)
    board.force("ed", FluxState.ACTIVE, T0, actor="ANS", reason="test")
    events = feed(board, [OutcomeStatus.HTTP_ERROR] * 10, T0)
    assert board.asks("ed") and not any(isinstance(e, Transition) for e in events)
    assert any(isinstance(e, Alert) for e in events)  # alerts still open


def deactivated_board() -> HealthBoard:
    board = HealthBoard(SETTINGS)
    feed(board, [OutcomeStatus.HTTP_ERROR] * 4, T0)
    assert not board.asks("ed")
    return board


def test_probes_reactivate_after_enough_good_answers_in_a_row() -> None:
    board = deactivated_board()
    assert board.due_probes(T0 + timedelta(seconds=59)) == []
    at = T0 + timedelta(minutes=1)
    assert board.due_probes(at) == ["ed"]
    assert board.probed("ed", outcome(OutcomeStatus.OK), at) == []
    at += timedelta(minutes=1)
    assert board.probed("ed", outcome(OutcomeStatus.HTTP_ERROR), at) == []  # the run restarts
    assert board.health("ed").good_probes == 0
    at += timedelta(minutes=1)
    board.probed("ed", outcome(OutcomeStatus.EMPTY), at)
    at += timedelta(minutes=1)
    events = board.probed("ed", outcome(OutcomeStatus.OK), at)
    move = events[0]
    assert isinstance(move, Transition) and move.to_state is FluxState.ACTIVE
    assert "2 sonde(s)" in move.reason
    closed = {e.kind for e in events if isinstance(e, AlertResolved)}
    assert AlertKind.FLUX_DEACTIVATED in closed and AlertKind.ERROR_RATE in closed
    assert board.asks("ed") and board.health("ed").window.stats(at).calls == 0
    assert board.due_probes(at + timedelta(hours=1)) == []


def test_a_slow_probe_is_not_a_good_one() -> None:
    board = deactivated_board()
    board.probed("ed", outcome(OutcomeStatus.OK, ms=SETTINGS.alert_p95_ms + 1), T0)
    assert board.health("ed").good_probes == 0
    board.probed("ed", None, T0)
    assert board.health("ed").last_probe is not None
    assert not board.health("ed").last_probe.good  # type: ignore[union-attr]


def test_forced_deactivation_waits_for_an_admin_and_auto_resumes_probing() -> None:
    board = HealthBoard(SETTINGS)
    events = board.force("ed", FluxState.DEACTIVATED, T0, actor="Dr X", reason="maintenance")
    move = events[0]
    assert isinstance(move, Transition) and move.control is Control.FORCED
    assert move.reason == "flux désactivé par Dr X : maintenance" and move.actor == "Dr X"
    assert board.due_probes(T0 + timedelta(hours=1)) == []  # forced: never probed
    events = board.force("ed", None, T0 + timedelta(hours=1), actor="Dr X", reason="")
    assert isinstance(events[0], Transition) and events[0].control is Control.AUTO
    assert events[0].to_state is FluxState.DEACTIVATED
    assert board.due_probes(T0 + timedelta(hours=1)) == ["ed"]


def test_restore_reloads_the_last_state_and_open_alerts() -> None:
    board = HealthBoard(SETTINGS)
    move = Transition("ed", T0, FluxState.ACTIVE, FluxState.DEACTIVATED, Control.AUTO, "r")
    alert = Alert("ed", AlertKind.FLUX_DEACTIVATED, "critical", "m", T0)  # type: ignore[arg-type]
    board.restore([move], [alert], T0 + timedelta(minutes=10))
    assert not board.asks("ed") and board.due_probes(T0 + timedelta(minutes=10)) == ["ed"]
    assert AlertKind.FLUX_DEACTIVATED in board.health("ed").alerts


def test_the_probe_asks_a_known_identifier_first_then_a_declared_one() -> None:
    from sasref.aggregator import Routing
    from sasref.directory import Directory
    from sasref.directory.model import AgendaKind, EditorInfo, Practitioner
    from sasref.monitoring import probe_target

    editor = EditorInfo("ed", "soft", "https://ed.test/fhir", frozenset({"ps", "sos"}))
    routing = {"ps": Routing(), "sos": Routing()}
    assert probe_target(editor, routing) is None
    declared = Practitioner(
        id="810000000042", family="X", given="Y", gender="female", speciality="SM54",
        speciality_display="Médecine générale", profession="10", places=(), phone="",
        agenda=AgendaKind.EDITOR, editor="ed",
    )  # fmt: skip
    assert probe_target(editor, routing, Directory([declared])) == ("ps", "810000000042")
    routing["ps"].learn("ed", ["810000000009", "810000000003"])
    routing["ps"].learn("other", ["810000000001"])
    assert probe_target(editor, routing, Directory([declared])) == ("ps", "810000000003")
    sos_only = EditorInfo("ed", "soft", "https://ed.test/fhir", frozenset({"sos"}))
    routing["sos"].learn("ed", ["31234567890123"])
    assert probe_target(sos_only, routing) == ("sos", "31234567890123")
