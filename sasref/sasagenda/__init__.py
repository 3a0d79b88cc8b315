"""The SAS's own agenda ("agenda SAS", SNP) for practitioners without an interfaced editor.

Spec: ``sas-platform-search.md`` §4. Pure core: :mod:`.model` (the agenda as data),
:mod:`.expand` (concrete free slots over the search window), :mod:`.merge` (editor slots win
for a place an editor serves, §1.5). Persistence lives in :mod:`sasref.storage.agenda`.
"""

from __future__ import annotations

from sasref.sasagenda.expand import Window, expand, search_window
from sasref.sasagenda.merge import MergedOffer, OfferSource, merge_offers
from sasref.sasagenda.model import (
    AgendaSlot,
    DisabledOccurrence,
    FreeSlot,
    Leave,
    Modality,
    SasAgenda,
    SlotFull,
    SlotKind,
    orient,
)

__all__ = [
    "AgendaSlot",
    "DisabledOccurrence",
    "FreeSlot",
    "Leave",
    "MergedOffer",
    "Modality",
    "OfferSource",
    "SasAgenda",
    "SlotFull",
    "SlotKind",
    "Window",
    "expand",
    "merge_offers",
    "orient",
    "search_window",
]
