"""The health-offer model shared by the national directory, the SAS agenda and the mocks.

Plain frozen dataclasses, no I/O. Identifiers are stored **prefixed**, as the IG writes them in
responses (digest §9): RPPS ``8…``, ADELI ``0…`` for professionals; FINESS ``1…``, SIRET ``3…``,
RPPS rang ``4…`` for structures. The mock population (``mocks.population``) produces these
objects; the directory indexes them; the mock editors serve them as FHIR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from enum import IntEnum, StrEnum


class AgendaKind(StrEnum):
    """Where a practitioner's free slots come from."""

    EDITOR = "editor"  # an interfaced editor's agenda software (INT_R01/R04)
    SAS = "sas"  # the SAS platform's own agenda
    NONE = "none"  # no agenda visible to the SAS: the card shows contact details only


class ParticipationVia(IntEnum):
    """How a practitioner takes part in the SAS (effector setting ``participation_sas_via``,
    spec §1.12, §6.1-6.3): through their own office, a CPTS, an MSP or SOS Médecins."""

    OWN_OFFICE = 1
    CPTS = 2
    MSP = 3
    SOS = 4


class StructureKind(StrEnum):
    """The multi-professional structures that take part in the SAS as such (spec §6.3)."""

    MSP = "msp"  # maison de santé pluriprofessionnelle, TRE_R66 603
    CDS = "cds"  # centre de santé, TRE_R66 124


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address with its commune and coordinates (WGS84)."""

    line: str
    postal_code: str
    city: str
    insee: str  # INSEE code of the commune
    department: str  # département code, e.g. "33", "2A", "971"
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Place:
    """One place of practice (lieu d'exercice) of a practitioner: a PractitionerRole.

    ``structure_id`` is the prefixed national structure id (FINESS ``1…`` > SIRET ``3…`` >
    RPPS rang ``4…``, the FAQ priority) of the structure the place belongs to.
    """

    id: str  # stable technical id, unique in the population
    name: str
    address: Address
    structure_id: str
    structure_name: str
    phone: str  # "+33XXXXXXXXX"


@dataclass(frozen=True, slots=True)
class Practitioner:
    """A health professional (PS) of the directory."""

    id: str  # prefixed national id (IDNPS): "8" + RPPS, or "0" + ADELI
    family: str
    given: str
    gender: str  # "female" | "male"
    speciality: str  # TRE_R38 code, e.g. "SM54"
    speciality_display: str
    profession: str  # TRE_G15 code, "10" for a médecin
    places: tuple[Place, ...]
    phone: str
    agenda: AgendaKind = AgendaKind.NONE
    editor: str | None = None  # editor name when agenda == EDITOR
    sas_participant: bool = False  # takes part in the SAS (ranked first)
    cpts: tuple[str, ...] = ()  # FINESS (prefixed) of the CPTS it belongs to
    participation_via: ParticipationVia = ParticipationVia.OWN_OFFICE
    #: Opt-in "accepte des patients en sus des disponibilités" (surnuméraire, spec §6.3); what
    #: the search shows also depends on the participation: :mod:`sasref.directory.overbooking`.
    overbooking: bool = False

    @property
    def raw_id(self) -> str:
        """The id without its 1-character type prefix (RPPS 11 digits, ADELI 9)."""
        return self.id[1:]


@dataclass(frozen=True, slots=True)
class Cpts:
    """A Communauté Professionnelle Territoriale de Santé."""

    finess: str  # prefixed FINESS "1…"
    name: str
    phone: str
    department: str
    zone: tuple[str, ...]  # INSEE codes of the communes of its intervention zone
    members: tuple[str, ...]  # prefixed practitioner ids
    editor: str | None = None  # the editor that serves its members' CPTS slots


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """One ``hoursOfOperation`` entry of a fixed care point."""

    days: tuple[str, ...]  # "mon".."sun"
    opening: time
    closing: time


@dataclass(frozen=True, slots=True)
class FixedPoint:
    """A fixed consultation point (PFG / LFC) of an SOS Médecins association: a Location."""

    id: str  # editor technical id (the Location identifier value, type INTRN)
    name: str
    address: Address
    phone: str
    hours: tuple[OpeningHours, ...]


@dataclass(frozen=True, slots=True)
class SosAssociation:
    """An SOS Médecins association and its fixed points."""

    siret: str  # prefixed SIRET "3…"
    name: str
    phone: str
    department: str
    fixed_points: tuple[FixedPoint, ...]
    editor: str | None = None
    #: The association's participation (its settings, spec §6.1): its fixed points accept extra
    #: patients ("en sus des disponibilités") when it takes part, which listed associations do.
    overbooking: bool = True


@dataclass(frozen=True, slots=True)
class HealthStructure:
    """An MSP or a centre de santé: the place of several practitioners (their
    :attr:`Place.structure_id`) and, when it opts in, a recipient of orientations en
    surnuméraire in its own name (its structure settings, spec §6.3)."""

    id: str  # prefixed FINESS "1…"
    kind: StructureKind
    name: str
    address: Address
    phone: str
    overbooking: bool = False  # takes part in the SAS: accepts extra patients


@dataclass(frozen=True, slots=True)
class EditorInfo:
    """An agenda-software editor of the fleet."""

    name: str  # short machine name, e.g. "editeur-07"
    software: str  # product name shown to users
    base_url: str  # FHIR base, e.g. "https://editeur-07.test/fhir"
    use_cases: frozenset[str] = field(default_factory=lambda: frozenset({"ps"}))  # ps/cpts/sos
