"""A seeded activity simulator for the SAS ecosystem (``sasref simulate``, issue 12).

* :mod:`.plan` — the seeded timeline (searches, bookings, an editor's fault and recovery);
* :mod:`.targets` — the journey in process on an injected clock, or a live ``sasref demo``;
* :mod:`.runner` — :class:`Simulator`: regulators log in through the fake PSC, search through
  the JSON API, book on the editors' pages; the broken editor's flux is watched through the
  administration API.

::

    journey = simulation_journey(seed=7)
    async with journey.in_process():
        report = await Simulator(InProcessTarget(journey), SimulationSettings(minutes=600)).run()
"""

from __future__ import annotations

from mocks.simulate.plan import (
    FAULT_PATCHES,
    HEAL_PATCH,
    Plan,
    PlannedSearch,
    SimulationSettings,
    default_places,
    make_plan,
)
from mocks.simulate.runner import FluxSnapshot, SimulationReport, Simulator
from mocks.simulate.targets import (
    SIM_TOKEN,
    SIMULATION_MONITORING,
    InProcessTarget,
    LiveTarget,
    Target,
    simulation_journey,
)

__all__ = [
    "FAULT_PATCHES",
    "HEAL_PATCH",
    "SIMULATION_MONITORING",
    "SIM_TOKEN",
    "FluxSnapshot",
    "InProcessTarget",
    "LiveTarget",
    "Plan",
    "PlannedSearch",
    "SimulationReport",
    "SimulationSettings",
    "Simulator",
    "Target",
    "default_places",
    "make_plan",
    "simulation_journey",
]
