"""What the editor side needs to answer a slot search: free slots and the offer they belong to.

:class:`SlotView` is the small, storage-agnostic view of one free slot that
:func:`sasref.search.bundle.build_searchset` renders (digest §2.2–§2.4); a data source (the mock
population, a real agenda) adapts its own records to it. :class:`OfferCatalog` resolves the
identifiers a slot points to (practitioners, CPTS, SOS associations of
:mod:`sasref.directory.model`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sasref.directory.model import Cpts, FixedPoint, Place, Practitioner, SosAssociation

__all__ = ["OfferCatalog", "SlotView"]


@dataclass(frozen=True, slots=True)
class SlotView:
    """One free slot, as the searchset renders it.

    PS/CPTS slots set ``practitioner_id`` and ``place_id``; SOS slots set ``sos_siret`` and
    ``fixed_point_id``. ``types`` are TRE_R314 codes (``PUBLIC``, ``PRO``, ``SNP``, ``CPTS``),
    ``consultation_types`` v3-ActCode codes (``AMB``, ``VR``, ``HH``), ``reason`` a v2-0276 code
    (``ROUTINE``, ``WALKIN``), ``motifs`` free texts; ``cpts`` the prefixed FINESS of the CPTS
    the slot is opened to (when ``CPTS`` is among ``types``).
    """

    id: str
    start: datetime
    end: datetime
    types: tuple[str, ...]
    consultation_types: tuple[str, ...] = ("AMB",)
    motifs: tuple[str, ...] = ()
    reason: str = "ROUTINE"
    booking_url: str | None = None
    practitioner_id: str | None = None
    place_id: str | None = None
    cpts: tuple[str, ...] = ()
    sos_siret: str | None = None
    fixed_point_id: str | None = None


@dataclass(frozen=True, slots=True)
class OfferCatalog:
    """Lookups by prefixed identifier: practitioners (IDNPS), CPTS (FINESS), SOS (SIRET)."""

    practitioners: Mapping[str, Practitioner] = field(default_factory=dict)
    cpts: Mapping[str, Cpts] = field(default_factory=dict)
    associations: Mapping[str, SosAssociation] = field(default_factory=dict)

    def place(self, practitioner_id: str, place_id: str) -> Place | None:
        practitioner = self.practitioners.get(practitioner_id)
        if practitioner is None:
            return None
        return next((p for p in practitioner.places if p.id == place_id), None)

    def fixed_point(self, siret: str, fixed_point_id: str) -> FixedPoint | None:
        association = self.associations.get(siret)
        if association is None:
            return None
        return next((f for f in association.fixed_points if f.id == fixed_point_id), None)
