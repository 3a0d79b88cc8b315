"""The simulator's seeded timeline (pure) and its command line's refusals."""

from __future__ import annotations

import pytest

from mocks.simulate import SimulationSettings, default_places, make_plan
from sasref import cli
from sasref.directory.geo import DEPARTMENTS


def test_the_plan_is_seeded_sorted_and_places_the_fault() -> None:
    settings = SimulationSettings(regulators=4, minutes=300, seed=9, search_every=15)
    plan = make_plan(settings)
    assert plan == make_plan(settings)  # the same seed, the same day
    assert plan != make_plan(SimulationSettings(regulators=4, minutes=300, seed=10))
    minutes = [s.minute for s in plan.searches]
    assert minutes == sorted(minutes) and minutes[0] > 0 and minutes[-1] < 300
    assert {s.regulator for s in plan.searches} == {0, 1, 2, 3}
    # 4 regulators, one search per 15 min on average over 300 min: about 80
    assert 50 < len(plan.searches) < 120
    assert (plan.break_at, plan.heal_at) == (100.0, 200.0)
    assert {s.insee for s in plan.searches} <= set(default_places())
    # four regulators of four SAMUs, searching mostly around their own préfecture
    assert len(set(plan.samus)) == 4
    for regulator, samu in enumerate(plan.samus):
        mine = [s.insee for s in plan.searches if s.regulator == regulator]
        home = DEPARTMENTS[samu].prefecture_insee
        assert mine.count(home) > len(mine) / 2, (samu, mine)
    assert any(s.book for s in plan.searches)
    calm = make_plan(SimulationSettings(minutes=60, fault="none"))
    assert calm.break_at is None and calm.heal_at is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"regulators": 0},
        {"minutes": 0},
        {"booking_share": 2.0},
        {"fault_from": 0.8, "fault_to": 0.2},
        {"fault": "meteor"},
    ],
)
def test_settings_refuse_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SimulationSettings(**kwargs)  # type: ignore[arg-type]


def test_command_line_refuses_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["simulate", "--regulators", "0"]) == 2
    assert "regulators >= 1" in capsys.readouterr().err
