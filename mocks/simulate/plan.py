"""The seeded timeline of a simulation (pure): who searches where and when, who books, when an
editor breaks and when it recovers."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sasref.directory.geo import DEPARTMENTS

Fault = Literal["error", "timeout", "garbage", "none"]

#: ``/admin/behaviour`` patches of the mock editors: breaking, and healing, per fault.
FAULT_PATCHES: dict[str, dict[str, Any]] = {
    "error": {"faults": {"error_rate": 1.0}},
    "timeout": {"faults": {"hang_rate": 1.0}},
    "garbage": {"faults": {"malformed_json_rate": 1.0}},
}
HEAL_PATCH: dict[str, Any] = {
    "faults": {"error_rate": 0.0, "hang_rate": 0.0, "malformed_json_rate": 0.0}
}


@dataclass(frozen=True, slots=True)
class SimulationSettings:
    """``regulators`` searching for ``minutes`` (simulated in process, real against a live
    demo), each every ``search_every`` minutes on average (exponential gaps), booking after
    ``booking_share`` of their searches. An editor breaks (``fault``) from ``fault_from`` to
    ``fault_to`` of the run (fractions); ``editor`` names it (default: the editor that showed
    the most slots before the fault)."""

    regulators: int = 5
    minutes: float = 120.0
    seed: int = 1
    search_every: float = 10.0
    booking_share: float = 0.15
    fault: Fault = "error"
    fault_from: float = 1 / 3
    fault_to: float = 2 / 3
    editor: str | None = None

    def __post_init__(self) -> None:
        if self.regulators < 1 or self.minutes <= 0 or self.search_every <= 0:
            raise ValueError("regulators >= 1, minutes > 0 and search_every > 0 are required")
        if not 0 <= self.booking_share <= 1:
            raise ValueError("booking_share is a fraction in [0, 1]")
        if not 0 <= self.fault_from < self.fault_to <= 1:
            raise ValueError("0 <= fault_from < fault_to <= 1 is required")
        if self.fault not in (*FAULT_PATCHES, "none"):
            raise ValueError(f"unknown fault {self.fault!r}")


@dataclass(frozen=True, slots=True)
class PlannedSearch:
    minute: float
    regulator: int
    insee: str  # where (a préfecture, unless the runner steers it to the broken editor)
    book: bool


@dataclass(frozen=True, slots=True)
class Plan:
    searches: tuple[PlannedSearch, ...]
    break_at: float | None
    heal_at: float | None
    #: Regulator index → the département of their SAMU (each a different SAMU, as long as
    #: there are SAMUs enough; the runner logs them in as that SAMU's régulateur persona).
    samus: tuple[str, ...] = ()

    def samu_of(self, regulator: int) -> str | None:
        return self.samus[regulator] if regulator < len(self.samus) else None


def default_places() -> list[str]:
    """Every préfecture (INSEE code): where regulators search by default."""
    return sorted(d.prefecture_insee for d in DEPARTMENTS.values())


#: The share of a regulator's searches around their own SAMU's préfecture (the rest: anywhere,
#: a patient away from home, a neighbouring département).
HOME_SHARE = 0.7


def make_plan(settings: SimulationSettings, places: Sequence[str] | None = None) -> Plan:
    """The timeline for ``settings`` (the same for the same seed): each regulator works for a
    SAMU drawn without replacement and searches mostly around its préfecture (``places``, if
    given, replaces every place)."""
    rng = random.Random(settings.seed)
    where = list(places or default_places())
    codes = sorted(DEPARTMENTS)
    samus = rng.sample(codes, settings.regulators) if settings.regulators <= len(codes) else []
    searches = []
    for regulator in range(settings.regulators):
        home = DEPARTMENTS[samus[regulator]].prefecture_insee if samus else None
        minute = rng.expovariate(1 / settings.search_every)
        while minute < settings.minutes:
            book = rng.random() < settings.booking_share
            near_home = home is not None and places is None and rng.random() < HOME_SHARE
            insee = home if near_home and home is not None else rng.choice(where)
            searches.append(PlannedSearch(minute, regulator, insee, book))
            minute += rng.expovariate(1 / settings.search_every)
    searches.sort(key=lambda s: (s.minute, s.regulator))
    samu_codes = tuple(samus)
    if settings.fault == "none":
        return Plan(tuple(searches), None, None, samu_codes)
    return Plan(
        tuple(searches),
        settings.minutes * settings.fault_from,
        settings.minutes * settings.fault_to,
        samu_codes,
    )


__all__ = [
    "FAULT_PATCHES",
    "HEAL_PATCH",
    "Fault",
    "Plan",
    "PlannedSearch",
    "SimulationSettings",
    "default_places",
    "make_plan",
]
