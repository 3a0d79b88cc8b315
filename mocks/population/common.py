"""Shared helpers of the mock population: stable random streams, phones, name pools.

Determinism (architecture conventions): every random choice comes from a ``random.Random``
seeded from the population seed — never from Python's salted ``hash()`` — so the same seed and
clock give the same population in every process.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass

from faker import Faker

from sasref.directory.geo import Commune

__all__ = [
    "NamePools",
    "digits",
    "jitter",
    "landline",
    "luhn_key",
    "make_name_pools",
    "mobile",
    "pick",
    "site_root",
    "stable_rng",
    "stable_seed",
    "street_line",
]


def stable_seed(*parts: object) -> int:
    """A 64-bit integer derived from ``parts`` (stable across processes, unlike ``hash()``)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def stable_rng(*parts: object) -> random.Random:
    """A ``random.Random`` seeded with :func:`stable_seed` of ``parts``."""
    return random.Random(stable_seed(*parts))


# --- Phones: "+33" + 9 digits (digest §2.1, FAQ 8) ---------------------------------------------
def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ZONE_1 = _codes("75 77 78 91 92 93 94 95")  # Île-de-France
_ZONE_2 = _codes("14 27 50 61 76 22 29 35 56 44 49 53 72 85 18 28 36 37 41 45")  # north-west
_ZONE_3 = _codes("02 59 60 62 80 08 10 51 52 54 55 57 67 68 88 21 25 39 58 70 71 89 90")  # NE
_ZONE_5 = _codes("09 12 31 32 46 65 81 82 16 17 19 23 24 33 40 47 64 79 86 87")  # south-west
# every other metropolitan département (south-east, Corsica) is zone 4


_DOUBLED = str.maketrans("0123456789", "0246813579")  # digit -> digit sum of its double


def luhn_key(body: str) -> str:
    """The Luhn check digit of ``body`` (same result as ``sasref.fhir.identifiers.luhn_key``,
    table-driven because the population computes ~100,000 of them)."""
    rev = body[::-1]
    total = sum(map(int, rev[0::2].translate(_DOUBLED))) + sum(map(int, rev[1::2]))
    return str(-total % 10)


def pick(rng: random.Random, items: tuple[str, ...] | list[str]) -> str:
    """``rng.choice`` without its Python-level overhead (one C call)."""
    return items[int(rng.random() * len(items))]


def digits(rng: random.Random, n: int) -> str:
    """``n`` random decimal digits."""
    return f"{int(rng.random() * 10**n):0{n}d}"


def landline(rng: random.Random, department: str) -> str:
    """A geographic number of the département's zone (01–05); overseas get a 09 number."""
    if len(department) == 3:
        zone = "9"
    elif department in _ZONE_1:
        zone = "1"
    elif department in _ZONE_2:
        zone = "2"
    elif department in _ZONE_3:
        zone = "3"
    elif department in _ZONE_5:
        zone = "5"
    else:
        zone = "4"  # south-east, Corsica
    return f"+33{zone}{10_000_000 + int(rng.random() * 90_000_000)}"


def mobile(rng: random.Random) -> str:
    """A mobile number (06/07)."""
    return f"+33{'67'[rng.random() < 0.5]}{10_000_000 + int(rng.random() * 90_000_000)}"


def site_root(base_url: str) -> str:
    """The editor's web root: its FHIR base without the trailing ``/fhir``."""
    root = base_url.rstrip("/")
    return root[: -len("/fhir")] if root.endswith("/fhir") else root


# --- Names --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NamePools:
    """French names drawn once from Faker (slow) and then picked from (fast)."""

    family: tuple[str, ...]
    female: tuple[str, ...]
    male: tuple[str, ...]


def make_name_pools(seed: int, size: int = 400) -> NamePools:
    """Pools of distinct French names, deterministic for ``seed`` (Faker ``seed_instance``)."""
    fake = Faker("fr_FR")
    fake.seed_instance(stable_seed(seed, "names"))

    def pool(draw: object, n: int) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for _ in range(n * 4):
            seen.setdefault(draw(), None)  # type: ignore[operator]
            if len(seen) >= n:
                break
        return tuple(seen)

    return NamePools(
        family=pool(fake.last_name, size),
        female=pool(fake.first_name_female, size // 2),
        male=pool(fake.first_name_male, size // 2),
    )


STREET_TYPES = ("rue", "rue", "rue", "avenue", "boulevard", "place", "allée", "chemin", "quai")
STREET_NAMES = (
    "de la République",
    "Victor Hugo",
    "Jean Jaurès",
    "Pasteur",
    "du Général de Gaulle",
    "des Lilas",
    "de la Gare",
    "Gambetta",
    "Jules Ferry",
    "du Marché",
    "de l'Église",
    "Émile Zola",
    "des Écoles",
    "du Moulin",
    "Voltaire",
    "de Verdun",
    "Carnot",
    "Foch",
    "de la Paix",
    "des Tilleuls",
    "Anatole France",
    "Saint-Martin",
    "du Stade",
    "de la Mairie",
    "Clemenceau",
    "Aristide Briand",
    "de la Liberté",
    "du 8 Mai 1945",
    "des Acacias",
    "Jean Moulin",
    "de la Fontaine",
    "du Château",
    "des Peupliers",
    "Paul Bert",
    "Lafayette",
)


def street_line(rng: random.Random) -> str:
    """A plausible street line: "12 rue Victor Hugo"."""
    number = 1 + int(rng.random() * 149)
    return f"{number} {pick(rng, STREET_TYPES)} {pick(rng, STREET_NAMES)}"


def jitter(rng: random.Random, commune: Commune) -> tuple[float, float]:
    """A point within the built-up area of a commune (radius grows with its population)."""
    spread_km = min(4.5, 0.4 + commune.population**0.5 / 400)
    dlat = (rng.random() * 2 - 1) * spread_km / 111.2  # km per degree of latitude
    dlon = (rng.random() * 2 - 1) * spread_km / (111.2 * math.cos(math.radians(commune.latitude)))
    return round(commune.latitude + dlat, 5), round(commune.longitude + dlon, 5)
