"""French geography for the directory, the platform's geocoding and the mock population.

Embedded reference data (``sasref/directory/data/*.json``, no network, no ``../shared``):

* ``departments.json`` — the 101 départements (metropolitan ``01``…``95`` with Corsica
  ``2A``/``2B``, overseas ``971``…``976``), their region and prefecture (INSEE code, name,
  postcode, coordinates);
* ``communes.json`` — about 500 communes (every prefecture, sub-prefectures, notable towns) with
  INSEE code, postcodes, town-centre coordinates (~0.01°) and approximate population;
* ``radius.json`` — every row of ``SAS_Rayons_zones_de_recherche_2025.ods``
  (sas-platform-search.md Appendix A).

Search radius, sas-platform-search.md §1.3: an **address or city** search draws a circle of the
département's ``cityDefaultRadius`` around the geocoded point (5–50 km: the lower the medical
density, the bigger the radius); a **département** search uses the département barycentre and its
``countyRadius``. ``enlargementValue`` (half the city radius, rounded up) is carried but unused by
the platform: there is no automatic widening. Guyane (973) and Mayotte (976) have no data (0) in
the file; sasref then falls back to :data:`NO_DATA_CITY_RADIUS_KM` (the table's cap, what the
bucketing rule gives a very low-density territory) — a sasref choice, flagged by
:attr:`RadiusRule.has_data`.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

from sasref.errors import InvalidInput

__all__ = [
    "COMMUNES",
    "DEPARTMENTS",
    "NO_DATA_CITY_RADIUS_KM",
    "RADIUS_RULES",
    "Commune",
    "Department",
    "RadiusRule",
    "bucket_radius_km",
    "commune_by_insee",
    "communes_in_department",
    "communes_within",
    "department",
    "department_of_insee",
    "department_of_postcode",
    "distance_km",
    "estimate_radius_km",
    "find_communes",
    "normalize_department_code",
    "normalize_name",
    "radius_rule",
    "search_centre",
    "search_radius_km",
]

EARTH_RADIUS_KM: Final = 6371.0088
#: City radius used where the 2025 table has no data (973, 976): the table's cap (§1.3 buckets).
NO_DATA_CITY_RADIUS_KM: Final = 50
#: Département radius where the table has none (overseas): sasref's own estimate per territory,
#: the distance from the prefecture that covers the inhabited part of the territory.
NO_DATA_COUNTY_RADIUS_KM: Final[dict[str, int]] = {
    "971": 60,
    "972": 40,
    "973": 250,
    "974": 50,
    "976": 25,
}


@dataclass(frozen=True, slots=True)
class Department:
    """A département and its prefecture."""

    code: str  # "01".."95", "2A", "2B", "971".."976"
    name: str
    region: str
    prefecture_insee: str
    prefecture_name: str
    prefecture_postcode: str
    latitude: float  # of the prefecture's town centre
    longitude: float

    @property
    def overseas(self) -> bool:
        return len(self.code) == 3


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune: INSEE (COG) code, main postcode, town-centre coordinates."""

    insee: str
    name: str
    postcode: str  # the main one (first of ``postcodes``)
    department: str
    latitude: float
    longitude: float
    population: int = 0  # approximate, 0 = unknown
    postcodes: tuple[str, ...] = ()  # every postcode of the commune (arrondissements included)


@dataclass(frozen=True, slots=True)
class RadiusRule:
    """One row of the 2025 radius table (Appendix A), keyed by the canonical département code."""

    department: str
    label: str
    area_km2: int
    county_radius_km: int  # département-level search; 0 = not provided
    barycentre: tuple[float, float] | None  # None where the file has 0,0
    city_default_radius_km: int  # address/city search; 0 = not provided
    enlargement_km: int  # carried, unused by the platform

    @property
    def has_data(self) -> bool:
        return self.city_default_radius_km > 0


def _load(name: str) -> list[dict[str, Any]]:
    text = resources.files("sasref.directory").joinpath("data", name).read_text(encoding="utf-8")
    rows: list[dict[str, Any]] = json.loads(text)["rows"]
    return rows


def _load_communes() -> dict[str, Commune]:
    out: dict[str, Commune] = {}
    for r in _load("communes.json"):
        postcodes = tuple(r["postcodes"])
        out[r["insee"]] = Commune(
            insee=r["insee"],
            name=r["name"],
            postcode=postcodes[0],
            department=r["department"],
            latitude=r["lat"],
            longitude=r["lon"],
            population=r["population"],
            postcodes=postcodes,
        )
    return out


def _load_departments() -> dict[str, Department]:
    return {
        r["code"]: Department(
            code=r["code"],
            name=r["name"],
            region=r["region"],
            prefecture_insee=r["prefecture_insee"],
            prefecture_name=r["prefecture_name"],
            prefecture_postcode=r["prefecture_postcode"],
            latitude=r["lat"],
            longitude=r["lon"],
        )
        for r in _load("departments.json")
    }


def _load_radius() -> dict[str, RadiusRule]:
    out: dict[str, RadiusRule] = {}
    for r in _load("radius.json"):
        code = normalize_department_code(r["code"])
        bary = (r["barycentre_lat"], r["barycentre_lon"])
        out[code] = RadiusRule(
            department=code,
            label=r["label"],
            area_km2=r["area_km2"],
            county_radius_km=r["county_radius_km"],
            barycentre=None if bary == (0.0, 0.0) else bary,
            city_default_radius_km=r["city_default_radius_km"],
            enlargement_km=r["enlargement_km"],
        )
    return out


# --- Codes ---------------------------------------------------------------------------------------
_DEPT_CODE = re.compile(r"(?:0?[1-9]|[1-8]\d|9[0-5]|20?[AB]|97[1-46])")


def normalize_department_code(code: str) -> str:
    """``"1"``/``"01"`` → ``"01"``, ``"20A"``/``"2a"`` → ``"2A"``, ``"971"`` → ``"971"``.

    Raises :class:`InvalidInput` for anything that is not a département code.
    """
    text = code.strip().upper()
    if _DEPT_CODE.fullmatch(text) is None:
        raise InvalidInput(f"{code!r} is not a département code")
    if text.endswith(("A", "B")):
        return "2" + text[-1]
    return text.zfill(2)


def department_of_insee(insee: str) -> str:
    """The département code an INSEE commune code belongs to (``97x`` overseas, ``2A``/``2B``)."""
    return insee[:3] if insee.startswith("97") else insee[:2]


def department_of_postcode(postcode: str) -> str:
    """The département of a postcode: ``97x``; Corsica ``200``/``201`` → 2A, else 2B."""
    if len(postcode) != 5 or not postcode.isdigit():
        raise InvalidInput(f"{postcode!r} is not a French postcode")
    if postcode.startswith("97"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if postcode[2] in "01" else "2B"
    return postcode[:2]


def normalize_name(text: str) -> str:
    """Case, accent, ligature and punctuation-insensitive form of a place name."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    words = re.sub(r"[^a-z0-9]+", " ", folded).split()
    expand = {"st": "saint", "ste": "sainte"}
    return " ".join(expand.get(w, w) for w in words)


# --- Tables --------------------------------------------------------------------------------------
COMMUNES: Final[dict[str, Commune]] = _load_communes()
DEPARTMENTS: Final[dict[str, Department]] = _load_departments()
RADIUS_RULES: Final[dict[str, RadiusRule]] = _load_radius()


def department(code: str) -> Department:
    """The département of ``code`` (any accepted spelling); :class:`InvalidInput` if unknown."""
    canonical = normalize_department_code(code)
    try:
        return DEPARTMENTS[canonical]
    except KeyError:
        raise InvalidInput(f"{code!r} is not a département code") from None


def commune_by_insee(insee: str) -> Commune | None:
    """The commune of an INSEE code, or ``None`` when it is not in the embedded selection."""
    return COMMUNES.get(insee.strip().upper())


@cache
def communes_in_department(code: str) -> tuple[Commune, ...]:
    """The embedded communes of a département, most populated first."""
    canonical = normalize_department_code(code)
    found = [c for c in COMMUNES.values() if c.department == canonical]
    return tuple(sorted(found, key=lambda c: (-c.population, c.insee)))


@cache
def _name_index() -> tuple[tuple[str, Commune], ...]:
    return tuple((normalize_name(c.name), c) for c in COMMUNES.values())


def find_communes(query: str) -> list[Commune]:
    """Communes matching a postcode (5 digits) or a name, best first.

    Names match case-, accent- and hyphen-insensitively ("st" = "saint"): exact names first, then
    names starting with the query, then names containing it; ties by population.
    """
    text = query.strip()
    if len(text) == 5 and text.isdigit():
        hits = [c for c in COMMUNES.values() if text in c.postcodes]
        return sorted(hits, key=lambda c: (-c.population, c.insee))
    needle = normalize_name(text)
    if not needle:
        return []
    ranked: list[tuple[int, int, str, Commune]] = []
    for name, c in _name_index():
        if name == needle:
            rank = 0
        elif name.startswith(needle):
            rank = 1
        elif needle in name:
            rank = 2
        else:
            continue
        ranked.append((rank, -c.population, c.insee, c))
    return [c for *_, c in sorted(ranked)]


# --- Distances -----------------------------------------------------------------------------------
def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def communes_within(lat: float, lon: float, radius_km: float) -> list[Commune]:
    """Embedded communes whose centre lies within ``radius_km`` of a point, nearest first."""
    # cheap box pre-filter before the haversine (1° of latitude ≈ 111.2 km everywhere)
    dlat = radius_km / 111.0 + 0.01
    dlon = radius_km / (111.0 * max(0.05, math.cos(math.radians(min(89.0, abs(lat) + dlat)))))
    hits = [
        (d, c.insee, c)
        for c in COMMUNES.values()
        if abs(c.latitude - lat) <= dlat
        and abs(c.longitude - lon) <= dlon + 0.01
        and (d := distance_km(lat, lon, c.latitude, c.longitude)) <= radius_km
    ]
    return [c for *_, c in sorted(hits)]


# --- Search radius (sas-platform-search.md §1.3, Appendix A) ------------------------------------
def radius_rule(department_code: str) -> RadiusRule:
    """The Appendix A row of a département."""
    return RADIUS_RULES[department(department_code).code]


def search_radius_km(
    department_code: str, kind: Literal["address", "city", "county"] = "address"
) -> int:
    """The radius (km) of a search located in a département.

    ``address``/``city``: the département's ``cityDefaultRadius``; ``county`` (the user typed the
    département itself): its ``countyRadius``, centred on :func:`search_centre`. Where the table
    has no data, the documented sasref fallbacks apply.
    """
    rule = radius_rule(department_code)
    if kind == "county":
        if rule.county_radius_km > 0:
            return rule.county_radius_km
        return NO_DATA_COUNTY_RADIUS_KM[rule.department]
    return rule.city_default_radius_km if rule.has_data else NO_DATA_CITY_RADIUS_KM


def search_centre(department_code: str) -> tuple[float, float]:
    """Centre of a département-level search: the table's barycentre, else the prefecture."""
    rule = radius_rule(department_code)
    if rule.barycentre is not None:
        return rule.barycentre
    dep = DEPARTMENTS[rule.department]
    return (dep.latitude, dep.longitude)


def estimate_radius_km(population_density: float, gp_per_100k: float) -> float:
    """The 2020 spreadsheet's "radius for 5 PS" (§1.3), literal formula ``SQRT(1/3.14)/d × 5``.

    ``d`` = GPs per km² = population density × GPs per 100 000 inhabitants / 100 000.
    """
    ps_per_km2 = population_density * gp_per_100k / 100_000
    if ps_per_km2 <= 0:
        raise InvalidInput("densities must be positive")
    return math.sqrt(1 / 3.14) / ps_per_km2 * 5


def bucket_radius_km(estimate_km: float) -> int:
    """The 2025 bucketing of an estimate (§1.3): <5→5, <25→10, <50→20, <75→30, ≤100→40, else 50."""
    for bound, radius in ((5, 5), (25, 10), (50, 20), (75, 30)):
        if estimate_km < bound:
            return radius
    return 40 if estimate_km <= 100 else 50
