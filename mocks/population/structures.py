"""CPTS and SOS Médecins associations of the mock population (digest §2.3, §2.4; platform §6).

* CPTS: a FINESS, "CPTS <territory>", an intervention zone of neighbouring communes (zones do
  not overlap), members drawn among the practitioners practising in the zone — a practitioner
  with places in two zones can belong to two CPTS — and an editor that supports CPTS (the most
  common CPTS-capable editor among its members).
* SOS Médecins: a SIRET, "SOS Médecins <city>", 1–4 fixed consultation points (PFG) with
  ``hoursOfOperation``-like :class:`OpeningHours`, served by an SOS-capable editor.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import time

from mocks.population.common import jitter, landline, street_line
from mocks.population.editors import CPTS, SOS
from mocks.population.people import Draft, IdFactory
from sasref.directory.geo import COMMUNES, Commune, communes_within, search_radius_km
from sasref.directory.model import (
    Address,
    Cpts,
    EditorInfo,
    FixedPoint,
    OpeningHours,
    SosAssociation,
)

__all__ = ["make_cpts", "make_sos"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
WEEKEND = ("sat", "sun")
_SOS_HOURS: tuple[tuple[OpeningHours, ...], ...] = (
    (OpeningHours(WEEKDAYS, time(8), time(20)), OpeningHours(WEEKEND, time(9), time(19))),
    (OpeningHours((*WEEKDAYS, *WEEKEND), time(8), time(23)),),
    (OpeningHours(WEEKDAYS, time(18), time(23)), OpeningHours(WEEKEND, time(8), time(20))),
    (
        OpeningHours(WEEKDAYS, time(9), time(12, 30)),
        OpeningHours(WEEKDAYS, time(14), time(21)),
        OpeningHours(("sat",), time(9), time(18)),
    ),
)
_TERRITORY = ("{}", "{}", "Grand {}", "Pays de {}", "{} et environs", "{} Agglomération")


def _draw_communes(rng: random.Random, pool: Sequence[Commune]) -> list[Commune]:
    """``pool`` in a random order where big towns tend to come first."""
    return sorted(pool, key=lambda c: -(rng.random() ** (1.0 / (c.population**0.6 + 50))))


def _address(rng: random.Random, commune: Commune) -> Address:
    lat, lon = jitter(rng, commune)
    return Address(
        street_line(rng),
        rng.choice(commune.postcodes or (commune.postcode,)),
        commune.name,
        commune.insee,
        commune.department,
        lat,
        lon,
    )


def make_cpts(
    rng: random.Random,
    ids: IdFactory,
    drafts: Sequence[Draft],
    editors: Sequence[EditorInfo],
    count: int,
) -> tuple[Cpts, ...]:
    """``count`` CPTS (fewer if the map runs out of free communes); fills ``Draft.cpts``."""
    capable = {e.name for e in editors if CPTS in e.use_cases}
    if not capable or count < 1:
        return ()
    by_commune: dict[str, list[Draft]] = defaultdict(list)
    for d in drafts:
        for insee in dict.fromkeys(p.address.insee for p in d.places):
            by_commune[insee].append(d)
    assigned: set[str] = set()
    result: list[Cpts] = []
    for centre in _draw_communes(rng, [COMMUNES[i] for i in sorted(by_commune)]):
        if len(result) >= count:
            break
        if centre.insee in assigned:
            continue
        radius = min(25, max(8, search_radius_km(centre.department)))
        near = communes_within(centre.latitude, centre.longitude, radius)
        zone = [
            c.insee for c in near if c.department == centre.department and c.insee not in assigned
        ][:8]
        assigned.update(zone)
        candidates = list(dict.fromkeys(d for i in zone for d in by_commune.get(i, ())))
        members = [d for d in candidates if rng.random() < 0.6] or candidates[:1]
        finess = "1" + ids.finess(centre.department)
        votes = Counter(d.editor for d in members if d.editor in capable)
        editor = (
            min(votes, key=lambda e: (-votes[e], e or "")) if votes else rng.choice(sorted(capable))
        )
        for d in members:
            d.cpts.append(finess)
        result.append(
            Cpts(
                finess=finess,
                name="CPTS " + rng.choice(_TERRITORY).format(centre.name),
                phone=landline(rng, centre.department),
                department=centre.department,
                zone=tuple(zone),
                members=tuple(d.id for d in members),
                editor=editor,
            )
        )
    return tuple(result)


def make_sos(
    rng: random.Random, ids: IdFactory, editors: Sequence[EditorInfo], count: int
) -> tuple[SosAssociation, ...]:
    """``count`` SOS Médecins associations in distinct towns of 30,000+ inhabitants."""
    capable = sorted(e.name for e in editors if SOS in e.use_cases)
    if not capable or count < 1:
        return ()
    towns = [c for c in sorted(COMMUNES.values(), key=lambda c: c.insee) if c.population >= 30_000]
    cum = tuple(itertools.accumulate(float(i + 1) for i in range(len(capable))))
    result: list[SosAssociation] = []
    for index, town in enumerate(_draw_communes(rng, towns)[:count]):
        near = [
            c
            for c in communes_within(town.latitude, town.longitude, 20)
            if c.department == town.department
        ]
        points = []
        for k in range(rng.choice((1, 1, 2, 2, 3, 4))):
            commune = town if k == 0 else rng.choice(near)
            points.append(
                FixedPoint(
                    id=f"pfg-{index:04d}-{k + 1}",
                    name=f"Point fixe de garde SOS Médecins {commune.name}"
                    + (f" {k + 1}" if k else ""),
                    address=_address(rng, commune),
                    phone=landline(rng, commune.department),
                    hours=rng.choice(_SOS_HOURS),
                )
            )
        # a few SOS editors serve most associations (later editors weigh less)
        editor = capable[len(capable) - 1 - bisect.bisect_right(cum, rng.random() * cum[-1])]
        result.append(
            SosAssociation(
                siret="3" + ids.siret(),
                name=f"SOS Médecins {town.name}",
                phone=landline(rng, town.department),
                department=town.department,
                fixed_points=tuple(points),
                editor=editor,
            )
        )
    return tuple(result)
