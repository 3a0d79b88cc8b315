"""The mock French health offer (issue 3 §2): editors, practitioners, CPTS, SOS, free slots.

``generate_population(seed, clock, editors=40, practitioners=4000, days=3)`` is deterministic
from its seed and clock; slots are generated lazily over the rolling window ``now → now + days``.
Modules: :mod:`~mocks.population.editors`, :mod:`~mocks.population.people`,
:mod:`~mocks.population.structures`, :mod:`~mocks.population.slots`,
:mod:`~mocks.population.population`, :mod:`~mocks.population.export`.
"""

from __future__ import annotations

from mocks.population.editors import CPTS, PS, SOS
from mocks.population.people import SPECIALITY_WEIGHTS
from mocks.population.population import EditorShard, Population, generate_population
from mocks.population.slots import SAS_AGENDA_URL, PractitionerWeek, SlotRecord

__all__ = [
    "CPTS",
    "PS",
    "SAS_AGENDA_URL",
    "SOS",
    "SPECIALITY_WEIGHTS",
    "EditorShard",
    "Population",
    "PractitionerWeek",
    "SlotRecord",
    "generate_population",
]
