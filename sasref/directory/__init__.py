"""The national directory of the SAS: practitioners, places, CPTS, SOS fixed points, MSP/CDS.

Spec ``sas-platform-search.md`` §1 (search), §3.2 (médecin traitant), §6.1-6.2 (SOS, CPTS),
§6.3 (surnuméraire: :mod:`.overbooking`), Appendix A (radius per département).
:class:`Directory` holds the data (from the mock population or a user's JSON file,
:mod:`.jsonformat`), :func:`geocode` locates a place with the embedded geography (:mod:`.geo`),
:class:`DirectorySearch` answers :class:`SearchRequest` with cards.
"""

from __future__ import annotations

from sasref.directory.cards import Card, CptsCard, PractitionerCard, SosCard, StructureCard
from sasref.directory.directory import Directory, PopulationLike
from sasref.directory.geocode import (
    GeocodingError,
    GeoPoint,
    PlaceKind,
    department_point,
    geocode,
    geocode_parts,
    point_at,
)
from sasref.directory.search import (
    GENERAL_PRACTICE,
    DirectorySearch,
    SearchRequest,
    SearchResult,
    TreatingLookup,
    TreatingStatus,
    UnknownSpeciality,
)

__all__ = [
    "GENERAL_PRACTICE",
    "Card",
    "CptsCard",
    "Directory",
    "DirectorySearch",
    "GeoPoint",
    "GeocodingError",
    "PlaceKind",
    "PopulationLike",
    "PractitionerCard",
    "SearchRequest",
    "SearchResult",
    "SosCard",
    "StructureCard",
    "TreatingLookup",
    "TreatingStatus",
    "UnknownSpeciality",
    "department_point",
    "geocode",
    "geocode_parts",
    "point_at",
]
