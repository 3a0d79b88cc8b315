"""The seeded fleet of marketplace platforms ("places de marché", issue 9 item 2).

The seed slides name six real ones (Libheros, ContactIDEL, Médicalib, InzeeCare, Entr'actes,
UrgencesChrono): home nursing and paramedical platforms, one of home medical visits. The mock
fleet follows that mix with fictional brands: each :class:`MarketplaceProfile` has a family of
care types (:data:`sasref.marketplace.CARE_TYPES`), a territory (the first one and the medical
visits one are national, the others cover a region's départements), a company (SIRET), and its
own **pool of professionals** (:class:`PoolMember`): infirmiers, masseurs-kinésithérapeutes,
sages-femmes or médecins with a valid RPPS and their TRE_G15 profession, every one of them able
to take the platform's care types of their profession anywhere on its territory.

Deterministic: names come from one ``Faker("fr_FR")`` seeded with ``seed_instance`` from the
seed; identifiers and draws from ``random.Random`` streams derived from it. RPPS numbers start
with ``19`` so they never collide with the mock population's (``10…``).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from faker import Faker

from mocks.population.common import digits, stable_seed
from sasref.directory import geo
from sasref.fhir.identifiers import make_rpps, make_siren, make_siret
from sasref.marketplace import CARE_TYPES, MarketplaceEditor

__all__ = [
    "FAMILIES",
    "MAX_MARKETPLACES",
    "Family",
    "MarketplaceProfile",
    "PoolMember",
    "make_marketplaces",
]

#: At most this many marketplaces (their demo ports are port+60 … port+99).
MAX_MARKETPLACES: Final = 40


@dataclass(frozen=True, slots=True)
class Family:
    """A kind of platform: the care types it takes and how it presents itself."""

    key: str
    care_types: tuple[str, ...]
    brands: tuple[str, ...]
    pitch: str  # the description's start (French)


FAMILIES: Final = {
    f.key: f
    for f in (
        Family(
            "domicile",
            ("soins-infirmiers", "prise-de-sang", "pansement", "kine-respiratoire",
             "suivi-post-natal"),
            ("SoinsPlus", "Parcours Domicile", "Domicilia Santé"),
            "Infirmiers, kinésithérapeutes et sages-femmes libéraux à domicile",
        ),
        Family(
            "infirmiers",
            ("soins-infirmiers", "prise-de-sang", "pansement"),
            ("InfiDom", "IDEL Direct", "Soins&Vous", "DomiSoins"),
            "Infirmiers libéraux à domicile, 7 jours sur 7",
        ),
        Family(
            "paramedical",
            ("soins-infirmiers", "pansement", "kine-respiratoire"),
            ("ParaMed Relais", "Entre Soins", "Relais Paramédical"),
            "Soins infirmiers et kinésithérapie à domicile",
        ),
        Family(
            "visites",
            ("visite-medicale",),
            ("VisiMed", "Médecin Chez Vous"),
            "Visites de médecins généralistes à domicile",
        ),
        Family(
            "maternite",
            ("suivi-post-natal", "soins-infirmiers"),
            ("MaïaDom", "Naître Chez Soi"),
            "Sages-femmes et infirmiers pour le retour à domicile",
        ),
        Family(
            "kine",
            ("kine-respiratoire",),
            ("KinéVite", "RespiKiné"),
            "Kinésithérapie respiratoire à domicile (bronchiolite, BPCO)",
        ),
    )
}  # fmt: skip
#: The first six platforms, one per family (the slides' mix); the others are drawn.
_FIRST = ("domicile", "infirmiers", "paramedical", "visites", "maternite", "kine")
_NATIONAL = frozenset({0, 3})


@dataclass(frozen=True, slots=True)
class PoolMember:
    """A professional of a platform's pool."""

    idnps: str  # "8" + RPPS
    family: str
    given: str
    profession: str  # TRE_G15
    speciality: str | None  # TRE_R38, médecins only

    @property
    def display(self) -> str:
        prefix = "Dr " if self.profession == "10" else ""
        return f"{prefix}{self.given} {self.family}"

    def can_take(self, care: str) -> bool:
        return CARE_TYPES[care].profession == self.profession


@dataclass(frozen=True, slots=True)
class MarketplaceProfile:
    """One marketplace platform of the fleet: who it is, what it takes, where, with whom."""

    name: str  # "pdm-01"
    label: str
    company: str  # raison sociale
    siret: str  # prefixed IDNST ("3" + SIRET)
    family: str
    care_types: tuple[str, ...]
    departments: tuple[str, ...]
    pool: tuple[PoolMember, ...]

    @property
    def national(self) -> bool:
        return len(self.departments) == len(geo.DEPARTMENTS)

    @property
    def description(self) -> str:
        where = "partout en France" if self.national else self._region()
        return f"{FAMILIES[self.family].pitch} — {where}."

    def _region(self) -> str:
        regions = sorted({geo.DEPARTMENTS[d].region for d in self.departments})
        return ", ".join(regions)

    def member(self, idnps: str) -> PoolMember | None:
        return next((m for m in self.pool if m.idnps == idnps), None)

    def registry_entry(self, root: str, *, enabled: bool = True) -> MarketplaceEditor:
        """What the SAS registers for this platform served at web root ``root``."""
        return MarketplaceEditor(
            name=self.name,
            label=self.label,
            request_url=f"{root.rstrip('/')}/care-request",
            care_types=self.care_types,
            departments=self.departments,
            description=self.description,
            enabled=enabled,
        )


def _region_departments(rng: random.Random) -> tuple[str, ...]:
    regions: dict[str, list[str]] = {}
    for d in geo.DEPARTMENTS.values():
        if not d.overseas:
            regions.setdefault(d.region, []).append(d.code)
    region = sorted(regions)[int(rng.random() * len(regions))]
    return tuple(regions[region])


def _pool(
    fake: Faker, rng: random.Random, care_types: Iterable[str], used: set[str]
) -> tuple[PoolMember, ...]:
    professions = list(dict.fromkeys(CARE_TYPES[c].profession for c in care_types))
    members = []
    for profession in professions:
        speciality = next(
            (CARE_TYPES[c].speciality for c in care_types
             if CARE_TYPES[c].profession == profession), None,
        )  # fmt: skip
        for _ in range(6 + int(rng.random() * 9)):
            rpps = make_rpps("19" + digits(rng, 8))
            while rpps in used:
                rpps = make_rpps("19" + digits(rng, 8))
            used.add(rpps)
            female = rng.random() < (0.85 if profession in ("50", "60") else 0.5)
            given = fake.first_name_female() if female else fake.first_name_male()
            members.append(PoolMember("8" + rpps, fake.last_name(), given, profession, speciality))
    return tuple(members)


def make_marketplaces(seed: int, count: int = 6) -> tuple[MarketplaceProfile, ...]:
    """``count`` platforms ``pdm-01`` … (1 to :data:`MAX_MARKETPLACES`), the same for a seed."""
    if not 0 <= count <= MAX_MARKETPLACES:
        raise ValueError(f"marketplaces: 0 to {MAX_MARKETPLACES} (got {count})")
    fake = Faker("fr_FR")
    fake.seed_instance(stable_seed(seed, "marketplaces"))
    rng = random.Random(stable_seed(seed, "marketplaces", "draws"))
    used_rpps: set[str] = set()
    used_brands: set[str] = set()
    fleet: list[MarketplaceProfile] = []
    for i in range(count):
        key = _FIRST[i] if i < len(_FIRST) else sorted(FAMILIES)[int(rng.random() * len(FAMILIES))]
        family = FAMILIES[key]
        brands = [b for b in family.brands if b not in used_brands] or list(family.brands)
        brand = brands[int(rng.random() * len(brands))]
        used_brands.add(brand)
        label = brand if brand not in {p.label for p in fleet} else f"{brand} {i + 1}"
        siren = make_siren(str(1 + int(rng.random() * 9)) + digits(rng, 7))
        departments = tuple(geo.DEPARTMENTS) if i in _NATIONAL else _region_departments(rng)
        fleet.append(
            MarketplaceProfile(
                name=f"pdm-{i + 1:02d}",
                label=label,
                company=f"{fake.last_name()} {('SAS', 'SARL', 'SA')[int(rng.random() * 3)]}",
                siret="3" + make_siret(siren, "0001"),
                family=family.key,
                care_types=family.care_types,
                departments=departments,
                pool=_pool(fake, rng, family.care_types, used_rpps),
            )
        )
    return tuple(fleet)
