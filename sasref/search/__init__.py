"""The slot-search contract of the SAS IG, both sides (digest §2, §6, §7, §13).

* :mod:`~sasref.search.query` — build and tolerantly parse INT_R01/INT_R04 ``GET Slot`` and SOS
  ``GET Schedule`` queries (:class:`SlotQuery`, :func:`parse_slot_query`, :class:`QueryError`);
* :mod:`~sasref.search.bundle` — editor side: render the searchset (:func:`build_searchset`);
* :mod:`~sasref.search.walk` — SAS side: walk a searchset into an :class:`OfferGraph`.

Pure: no I/O.
"""

from __future__ import annotations

from sasref.search.bundle import build_searchset, empty_searchset, slot_matches
from sasref.search.graph import (
    CptsLink,
    FixedPointOffer,
    OfferedSlot,
    OfferGraph,
    PlaceOffer,
    PractitionerOffer,
    Problem,
    SosOffer,
)
from sasref.search.query import (
    MAX_IDENTIFIERS,
    QueryError,
    SlotQuery,
    UseCase,
    parse_query,
    parse_schedule_query,
    parse_slot_query,
)
from sasref.search.views import OfferCatalog, SlotView
from sasref.search.walk import walk_searchset

__all__ = [
    "MAX_IDENTIFIERS",
    "CptsLink",
    "FixedPointOffer",
    "OfferCatalog",
    "OfferGraph",
    "OfferedSlot",
    "PlaceOffer",
    "PractitionerOffer",
    "Problem",
    "QueryError",
    "SlotQuery",
    "SlotView",
    "SosOffer",
    "UseCase",
    "build_searchset",
    "empty_searchset",
    "parse_query",
    "parse_schedule_query",
    "parse_slot_query",
    "slot_matches",
    "walk_searchset",
]
