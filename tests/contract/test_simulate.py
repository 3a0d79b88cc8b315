"""``sasref simulate`` in process (issue 12): regulators search and book through the journey's
interfaces, an editor breaks then recovers, and the platform alerts, deactivates and reactivates
its flux — the same way for the same seed."""

from __future__ import annotations

from mocks.simulate import (
    InProcessTarget,
    SimulationSettings,
    Simulator,
    make_plan,
    simulation_journey,
)

SETTINGS = SimulationSettings(regulators=4, minutes=300, seed=2, search_every=10)


async def simulate() -> dict[str, object]:
    journey = simulation_journey(seed=7)
    async with journey.in_process():
        report = await Simulator(InProcessTarget(journey), SETTINGS).run()
        assert journey.sas is not None
        service = journey.sas.state.service
        await service.activity.indicators.flush()
        totals = service.activity.indicators.repository.totals(
            start=report.started.date(),
            end=report.ended.date(),
            group_by="samu",  # type: ignore[union-attr]
        )
    assert report.searches > 50 and report.failed_searches == 0
    assert report.bookings > 0 and report.slots_shown > 0
    assert report.statuses["http_error"] >= 3  # the broken editor's failures were seen
    # what the platform counted is what the regulators did, each for their own SAMU
    plan = make_plan(SETTINGS)
    assert {t.key for t in totals} == set(plan.samus) and len(plan.samus) == SETTINGS.regulators
    assert sum(t.searches for t in totals) == report.searches
    assert sum(t.appointments for t in totals) == report.bookings
    # a booked slot is an orientation too; a search with no slot to book, an orientation en
    # surnuméraire through the suggested switch
    assert report.orientations > 0 and report.failed_orientations == 0
    assert sum(t.orientations for t in totals) == report.bookings + report.orientations
    assert {t.key: t.searches for t in totals} == report.searches_by_samu
    # every planned search ran, plus the surnuméraire lists the switch opened
    assert len(plan.searches) + report.switches == report.searches
    assert report.switches >= report.orientations
    summary = report.summary()
    assert summary["broken editor"] is not None
    states = [m["to_state"] for m in report.transitions]
    assert states == ["deactivated", "active"], report.transitions
    assert report.broken_at is not None and report.healed_at is not None
    deactivated, reactivated = (m["at"] for m in report.transitions)
    assert report.broken_at.isoformat() < deactivated < report.healed_at.isoformat() < reactivated
    assert {a["kind"] for a in report.alerts} >= {"error_rate", "flux_deactivated"}
    assert all(not a["open"] for a in report.alerts)
    assert [s.state for s in report.flux][-1] == "active"
    return summary


async def test_a_simulated_morning_shows_an_alert_a_deactivation_and_a_recovery() -> None:
    first = await simulate()
    assert await simulate() == first  # seeded: the same morning again
