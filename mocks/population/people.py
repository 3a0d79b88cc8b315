"""Practitioners and their places of practice (issue 3 §2, digest §2.2, §9, FAQ 7–8).

Every practitioner is a médecin (TRE_G15 ``10``) with a TRE_R38 speciality of the SAS SNP list
(JDV_J239) drawn with realistic weights (general practice ≈ 70 %), a valid RPPS (≈ 5 % ADELI
instead), 1–3 places in real communes near each other, each tied to a structure identified by
FINESS, SIRET or RPPS rang (the FAQ priority order; shared health centres share their FINESS).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from mocks.population.common import (
    NamePools,
    digits,
    jitter,
    landline,
    luhn_key,
    mobile,
    pick,
    street_line,
)
from sasref.directory.geo import COMMUNES, Commune, communes_within
from sasref.directory.model import (
    Address,
    AgendaKind,
    ParticipationVia,
    Place,
    Practitioner,
    StructureKind,
)
from sasref.fhir.identifiers import LA_POSTE_SIREN, make_finess
from sasref.fhir.specialities import speciality_display

__all__ = [
    "SPECIALITY_WEIGHTS",
    "Draft",
    "IdFactory",
    "SharedStructure",
    "StructurePool",
    "draft_practitioners",
    "finish",
]

#: TRE_R38 codes of JDV_J239 with the share of SAS-visible médecins we give them (sums to 100).
SPECIALITY_WEIGHTS: dict[str, float] = {
    "SM54": 70.0,  # médecine générale
    "SM40": 4.0,
    "SM42": 4.0,
    "SM38": 3.0,
    "SM04": 3.0,
    "SM15": 2.5,
    "SM20": 2.5,
    "SM39": 2.0,
    "SM44": 2.0,
    "SM19": 1.5,
    "SM32": 1.2,
    "SM16": 1.0,
    "SM03": 1.0,
    "SM57": 0.8,
    "SM43": 0.8,
    "SM36": 0.4,
    "SM21": 0.3,
}
_SPEC_CODES = tuple(SPECIALITY_WEIGHTS)
_SPEC_CUM = tuple(itertools.accumulate(SPECIALITY_WEIGHTS.values()))
_PLACES_CUM = (0.75, 0.95, 1.0)  # 1, 2 or 3 places


class IdFactory:
    """Unique, check-key-valid national identifiers for one population.

    RPPS, SIREN and SIRET keys use a table-driven Luhn (:func:`mocks.population.common.luhn_key`,
    tested equal to ``sasref.fhir.identifiers``); FINESS goes through ``make_finess`` (Corsica).
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def _fresh(self, make: Callable[[], str]) -> str:
        while True:
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value

    def rpps(self) -> str:
        def make() -> str:
            body = "10" + digits(self._rng, 8)
            return body + luhn_key(body)

        return self._fresh(make)

    def adeli(self, department: str) -> str:
        head = department[:2]  # "2A"/"2B" kept, overseas "97"
        return self._fresh(lambda: f"{head}1{digits(self._rng, 6)}")

    def finess(self, department: str) -> str:
        width = 8 - len(department)
        return self._fresh(lambda: make_finess(department + digits(self._rng, width)))

    def siret(self) -> str:
        def make() -> str:
            body = str(1 + int(self._rng.random() * 9)) + digits(self._rng, 7)
            siren = body + luhn_key(body)
            if siren == LA_POSTE_SIREN:  # its SIRETs follow another key rule
                siren = "1" + siren[1:-1] + luhn_key("1" + siren[1:-1])
            nic = siren + f"{1 + int(self._rng.random() * 99):04d}"
            return nic + luhn_key(nic)

        return self._fresh(make)


@dataclass(slots=True, eq=False)  # identity semantics: drafts are hashed in sets
class Draft:
    """A practitioner being built (CPTS membership is only known once zones are drawn)."""

    id: str
    family: str
    given: str
    gender: str
    speciality: str
    places: tuple[Place, ...]
    phone: str
    agenda: AgendaKind
    editor: str | None
    sas_participant: bool
    cpts: list[str] = field(default_factory=list)
    # surnuméraire settings, drawn once CPTS membership is known (mocks.population.overbooking)
    participation_via: ParticipationVia = ParticipationVia.OWN_OFFICE
    overbooking: bool = False


_COMMUNE_LIST: tuple[Commune, ...] = tuple(sorted(COMMUNES.values(), key=lambda c: c.insee))
_COMMUNE_CUM = tuple(itertools.accumulate(c.population**0.9 + 500 for c in _COMMUNE_LIST))


@cache
def _neighbours(insee: str) -> tuple[Commune, ...]:
    home = COMMUNES[insee]
    near = communes_within(home.latitude, home.longitude, 25.0)
    return tuple(c for c in near if c.department == home.department) or (home,)


def _pick(rng: random.Random, cum: tuple[float, ...]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


def _address(rng: random.Random, commune: Commune) -> Address:
    lat, lon = jitter(rng, commune)
    return Address(
        line=street_line(rng),
        postal_code=pick(rng, commune.postcodes or (commune.postcode,)),
        city=commune.name,
        insee=commune.insee,
        department=commune.department,
        latitude=lat,
        longitude=lon,
    )


_STRUCTURE_KINDS = {
    "Maison de santé pluriprofessionnelle": StructureKind.MSP,
    "Centre de santé": StructureKind.CDS,
}


@dataclass(frozen=True, slots=True)
class SharedStructure:
    """A health centre (MSP or centre de santé) drawn for the places of a commune."""

    finess: str  # prefixed "1…"
    kind: StructureKind
    name: str
    address: Address
    phone: str


class StructurePool:
    """Health centres (FINESS) shared by the practitioners of a commune."""

    def __init__(self, ids: IdFactory) -> None:
        self._ids = ids
        self._by_commune: dict[str, list[SharedStructure]] = {}

    def shared(self, rng: random.Random, commune: Commune) -> SharedStructure:
        pool = self._by_commune.setdefault(commune.insee, [])
        if pool and (rng.random() < 0.7 or len(pool) * 15_000 > commune.population):
            return rng.choice(pool)
        label = rng.choice(tuple(_STRUCTURE_KINDS))
        suffix = f" {len(pool) + 1}" if pool else ""
        entry = SharedStructure(
            "1" + self._ids.finess(commune.department),
            _STRUCTURE_KINDS[label],
            f"{label} de {commune.name}{suffix}",
            _address(rng, commune),
            landline(rng, commune.department),
        )
        pool.append(entry)
        return entry

    def all(self) -> list[SharedStructure]:
        """Every structure drawn, in drawing order per commune (communes in first-use order)."""
        return [s for pool in self._by_commune.values() for s in pool]


def _place(
    rng: random.Random,
    ids: IdFactory,
    structures: StructurePool,
    commune: Commune,
    place_id: str,
    rpps: str | None,
    rank: int,
    family: str,
) -> Place:
    draw = rng.random()
    if draw < 0.2:
        shared = structures.shared(rng, commune)
        return Place(
            place_id, shared.name, shared.address, shared.finess, shared.name, shared.phone
        )
    address = _address(rng, commune)
    phone = landline(rng, commune.department)
    if draw < 0.65 or rpps is None:  # a practice company (SCM/SELARL), or any ADELI holder
        name = f"Cabinet médical {address.line.split(' ', 1)[1]}"
        return Place(place_id, name, address, "3" + ids.siret(), name, phone)
    name = f"Cabinet du Dr {family}"
    return Place(place_id, name, address, f"4{rpps}{rank:03d}", name, phone)


def draft_practitioners(
    rng: random.Random,
    ids: IdFactory,
    names: NamePools,
    count: int,
    assign: Callable[[random.Random, str], tuple[AgendaKind, str | None, bool]],
    structures: StructurePool | None = None,
) -> list[Draft]:
    """``count`` practitioners; ``assign(rng, speciality) -> (agenda, editor, participant)``;
    the health centres their places share are drawn in ``structures``."""
    structures = structures if structures is not None else StructurePool(ids)
    drafts: list[Draft] = []
    for index in range(count):
        home = _COMMUNE_LIST[_pick(rng, _COMMUNE_CUM)]
        female = rng.random() < 0.52
        given = pick(rng, names.female if female else names.male)
        family = pick(rng, names.family)
        speciality = _SPEC_CODES[_pick(rng, _SPEC_CUM)]
        rpps = ids.rpps() if rng.random() >= 0.05 else None
        pid = "8" + rpps if rpps else "0" + ids.adeli(home.department)
        n_places = 1 + bisect.bisect_right(_PLACES_CUM, rng.random())
        communes = [home]
        near = _neighbours(home.insee)
        communes += [near[int(rng.random() * len(near))] for _ in range(n_places - 1)]
        places = tuple(
            _place(rng, ids, structures, c, f"lieu-{index:06d}-{k}", rpps, k + 1, family)
            for k, c in enumerate(communes)
        )
        agenda, editor, participant = assign(rng, speciality)
        phone = mobile(rng) if rng.random() < 0.3 else places[0].phone
        drafts.append(
            Draft(
                pid,
                family,
                given,
                "female" if female else "male",
                speciality,
                places,
                phone,
                agenda,
                editor,
                participant,
            )
        )
    return drafts


def finish(draft: Draft) -> Practitioner:
    """The frozen :class:`Practitioner` of a draft."""
    return Practitioner(
        id=draft.id,
        family=draft.family,
        given=draft.given,
        gender=draft.gender,
        speciality=draft.speciality,
        speciality_display=speciality_display(draft.speciality),
        profession="10",
        places=draft.places,
        phone=draft.phone,
        agenda=draft.agenda,
        editor=draft.editor,
        sas_participant=draft.sas_participant,
        cpts=tuple(draft.cpts),
        participation_via=draft.participation_via,
        overbooking=draft.overbooking,
    )
