"""The offer graph an editor's searchset is walked into (digest §2, §16): SAS side, pure data.

:func:`sasref.search.walk.walk_searchset` builds it; the aggregator flattens its slots into
offers. Practitioners carry their places and slots, SOS associations their fixed points; CPTS
slots carry the CPTS they are opened to (:class:`CptsLink`); what the tolerant reader had to
absorb or drop is kept as :class:`Problem`\\ s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "CptsLink",
    "FixedPointOffer",
    "OfferGraph",
    "OfferedSlot",
    "PlaceOffer",
    "PractitionerOffer",
    "Problem",
    "SosOffer",
]

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something off in a Bundle that the walker tolerated (or had to drop)."""

    code: str  # e.g. "missing-search-mode", "wrong-total", "unresolved-reference"
    message: str
    where: str | None = None  # "Slot/abc"


@dataclass(frozen=True, slots=True)
class CptsLink:
    finess: str | None
    name: str | None
    phone: str | None
    healthcare_service: str  # "HealthcareService/<id>"


@dataclass(frozen=True, slots=True)
class OfferedSlot:
    id: str
    start: datetime
    end: datetime
    types: tuple[str, ...]
    consultation_types: tuple[str, ...]
    motifs: tuple[str, ...]
    reason: str | None
    booking_url: str | None
    specialties: tuple[str, ...] = ()  # TRE_R38 codes
    specialty_texts: tuple[str, ...] = ()  # text-only specialties (FAQ 9)
    cpts: tuple[CptsLink, ...] = ()
    schedule: str | None = None  # "Schedule/<id>"


@dataclass(slots=True)
class PlaceOffer:
    role: str  # "PractitionerRole/<id>"
    location_id: str | None = None
    name: str | None = None
    line: str | None = None
    postal_code: str | None = None
    city: str | None = None
    structure_id: str | None = None
    phone: str | None = None
    slots: list[OfferedSlot] = field(default_factory=list)


@dataclass(slots=True)
class PractitionerOffer:
    id: str  # prefixed IDNPS
    family: str | None = None
    given: str | None = None
    places: dict[str, PlaceOffer] = field(default_factory=dict)  # by role reference

    @property
    def slots(self) -> list[OfferedSlot]:
        return [s for place in self.places.values() for s in place.slots]


@dataclass(slots=True)
class FixedPointOffer:
    location: str  # "Location/<id>"
    identifier: str | None = None
    name: str | None = None
    line: str | None = None
    postal_code: str | None = None
    city: str | None = None
    phone: str | None = None
    hours: list[Json] = field(default_factory=list)
    slots: list[OfferedSlot] = field(default_factory=list)


@dataclass(slots=True)
class SosOffer:
    siret: str | None
    name: str | None = None
    phone: str | None = None
    fixed_points: dict[str, FixedPointOffer] = field(default_factory=dict)


@dataclass(slots=True)
class OfferGraph:
    """Everything one searchset offered, plus what was wrong with it."""

    kind: str  # "ps" | "cpts" | "sos" | "empty"
    declared_total: int | None
    practitioners: dict[str, PractitionerOffer] = field(default_factory=dict)
    associations: dict[str, SosOffer] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def slots(self) -> list[OfferedSlot]:
        out = [s for p in self.practitioners.values() for s in p.slots]
        out += [
            s for a in self.associations.values() for f in a.fixed_points.values() for s in f.slots
        ]
        return out
