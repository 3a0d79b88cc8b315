"""Merging editor slots with SAS-agenda slots (spec ``sas-platform-search.md`` §1.5, §8.4).

The real platform never unions the two sources on one card: when the aggregator answers for a
place (``create``/``update``), the card shows the editor's slots only and the SAS-agenda slots of
that place are ignored; when it does not, the card shows the SAS-agenda slots. A place is
"served by an editor" as soon as its key is present in ``editor_slots`` — even with an empty
list (the editor answered "no free slot"), so the aggregator must only put keys for places an
editor actually answered about.

Keys are whatever identifies a place on a card (``(practitioner id, place id)``, an SOS fixed
point id...): the function is generic over them and over the editor slot type.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from sasref.sasagenda.model import FreeSlot

K = TypeVar("K", bound=Hashable)
E = TypeVar("E")


class OfferSource(StrEnum):
    EDITOR = "editor"
    SAS = "sas"


@dataclass(frozen=True, slots=True)
class MergedOffer(Generic[E]):
    """The slots one place shows: from its editor, or else from the SAS agenda."""

    source: OfferSource
    editor_slots: tuple[E, ...] = ()
    sas_slots: tuple[FreeSlot, ...] = ()
    ignored_sas_slots: int = 0  # SAS slots hidden because an editor serves the place

    @property
    def count(self) -> int:
        return len(self.editor_slots) if self.source is OfferSource.EDITOR else len(self.sas_slots)


def merge_offers(
    editor_slots: Mapping[K, Sequence[E]], sas_slots: Mapping[K, Sequence[FreeSlot]]
) -> dict[K, MergedOffer[E]]:
    """One :class:`MergedOffer` per key of either mapping; editor slots win for a served place."""
    merged: dict[K, MergedOffer[E]] = {}
    for key, slots in editor_slots.items():
        merged[key] = MergedOffer(
            source=OfferSource.EDITOR,
            editor_slots=tuple(slots),
            ignored_sas_slots=len(sas_slots.get(key, ())),
        )
    for key, free in sas_slots.items():
        if key not in merged:
            merged[key] = MergedOffer(source=OfferSource.SAS, sas_slots=tuple(free))
    return merged
