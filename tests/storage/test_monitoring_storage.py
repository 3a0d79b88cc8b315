"""Monitoring transitions/alerts and indicator rollups, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from sasref.clock import FixedClock
from sasref.monitoring import Alert, AlertKind, AlertResolved, Control, FluxState, Transition
from sasref.monitoring.model import Severity
from sasref.storage import IndicatorRepository, MonitoringRepository

ACTIVE, OFF = FluxState.ACTIVE, FluxState.DEACTIVATED
ERRORS, FLUX, SLOW = AlertKind.ERROR_RATE, AlertKind.FLUX_DEACTIVATED, AlertKind.LATENCY
WARNING, CRITICAL = Severity.WARNING, Severity.CRITICAL


def test_transitions_and_alerts_round_trip(engine: Engine, clock: FixedClock) -> None:
    repo = MonitoringRepository(engine, clock=clock)
    t0 = clock.now()
    t1 = t0 + timedelta(minutes=5)
    repo.apply(
        events=[
            Alert("ed-1", ERRORS, WARNING, "25 %", t0, 0.25, 0.2),
            Transition("ed-1", t0, ACTIVE, OFF, Control.AUTO, "taux d'échec 60 %"),
            Alert("ed-1", FLUX, CRITICAL, "flux désactivé", t0),
            Transition("ed-2", t0, ACTIVE, OFF, Control.FORCED, "maintenance", "Dr X"),
        ]
    )
    repo.apply(
        events=[
            Transition("ed-1", t1, OFF, ACTIVE, Control.AUTO, "3 sondes réussies"),
            AlertResolved("ed-1", FLUX, t1, "flux réactivé"),
            AlertResolved("ed-1", ERRORS, t1, "flux réactivé"),
        ]
    )
    last = {t.editor: t for t in repo.last_transitions()}
    assert last["ed-1"].to_state is ACTIVE and last["ed-1"].at == t1
    assert last["ed-2"].control is Control.FORCED and last["ed-2"].actor == "Dr X"
    assert [t.reason for t in repo.transitions(editor="ed-1")] == [
        "3 sondes réussies",
        "taux d'échec 60 %",
    ]
    assert repo.alerts(open_only=True) == []
    closed = repo.alerts()
    assert {a.kind for a in closed} == {ERRORS, FLUX}
    assert all(a.resolved_at == t1 and a.resolution == "flux réactivé" for a in closed)
    assert {a.kind: a.value for a in closed} == {ERRORS: 0.25, FLUX: None}


def test_an_alert_opened_and_closed_in_one_batch(engine: Engine, clock: FixedClock) -> None:
    repo = MonitoringRepository(engine, clock=clock)
    now = clock.now()
    repo.apply(
        events=[
            Alert("ed", SLOW, WARNING, "lent", now),
            AlertResolved("ed", SLOW, now, "revenu sous le seuil"),
            Alert("ed", SLOW, WARNING, "lent encore", now),
        ]
    )
    alerts = repo.alerts(editor="ed")
    assert [(a.message, a.resolved_at is None) for a in alerts] == [
        ("lent encore", True),
        ("lent", False),
    ]


def test_indicator_increments_add_up_and_group(engine: Engine, clock: FixedClock) -> None:
    repo = IndicatorRepository(engine, clock=clock)
    d1, d2, d3 = date(2026, 3, 26), date(2026, 3, 27), date(2026, 3, 28)
    repo.add(
        increments={
            ("samu", d1, "33"): (2, 10, 1, 1),
            ("samu", d2, "33"): (1, 5, 0, 0),
            ("samu", d2, "inconnu"): (1, 0, 0, 0),
            ("editor", d1, "editeur-01"): (2, 10, 1, 1),
            ("use_case", d2, "sos"): (1, 5, 0, 0),
        }
    )
    repo.add(increments={("samu", d2, "33"): (3, 1, 2, 1), ("samu", d3, "75"): (9, 9, 9, 9)})
    by_day = repo.totals(start=d1, end=d2, group_by="day")
    assert [(r.key, r.searches, r.slots_shown, r.orientations) for r in by_day] == [
        ("2026-03-26", 2, 10, 1),
        ("2026-03-27", 5, 6, 2),
    ]
    by_samu = {r.key: r for r in repo.totals(start=d1, end=d2, group_by="samu")}
    assert set(by_samu) == {"33", "inconnu"} and by_samu["33"].searches == 6
    assert by_samu["33"].appointments == 2
    assert [r.key for r in repo.totals(start=d1, end=d3, group_by="editor")] == ["editeur-01"]
    assert [r.key for r in repo.totals(start=d1, end=d3, group_by="use_case")] == ["sos"]
    assert repo.count_rows() == 6
