"""The care types a marketplace ("place de marché", PDM) answers, and who provides them.

The IG has no vocabulary for them (digest §0: the marketplace is a functional mention only); the
seed slides name the platforms (home nursing, paramedical, home medical visits). sasref keeps a
small closed list, each type tied to the TRE_G15 profession of the professionals who take it
(``60`` infirmier, ``70`` masseur-kinésithérapeute, ``50`` sage-femme, ``10`` médecin) and the
usual length of the visit. Labels are French: the regulator reads them. docs/ig-decisions.md,
section "Marketplace (PDM)", says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Final

from sasref.fhir.specialities import PROFESSIONS

__all__ = ["CARE_TYPES", "CareType"]


@dataclass(frozen=True, slots=True)
class CareType:
    code: str
    label: str
    profession: str  # TRE_G15 code of the professionals who take this care
    duration: timedelta  # usual length of the visit
    speciality: str | None = None  # TRE_R38, médecins only

    @property
    def profession_label(self) -> str:
        return PROFESSIONS[self.profession].display


def _types(*items: CareType) -> Mapping[str, CareType]:
    return MappingProxyType({t.code: t for t in items})


#: Every care type a marketplace of sasref can offer, by code.
CARE_TYPES: Final[Mapping[str, CareType]] = _types(
    CareType("soins-infirmiers", "Soins infirmiers à domicile", "60", timedelta(minutes=30)),
    CareType("prise-de-sang", "Prise de sang à domicile", "60", timedelta(minutes=15)),
    CareType("pansement", "Pansement, surveillance de plaie", "60", timedelta(minutes=30)),
    CareType("kine-respiratoire", "Kinésithérapie respiratoire", "70", timedelta(minutes=30)),
    CareType("suivi-post-natal", "Suivi post-natal (sage-femme)", "50", timedelta(minutes=45)),
    CareType("visite-medicale", "Visite médicale à domicile", "10", timedelta(minutes=30), "SM54"),
)
