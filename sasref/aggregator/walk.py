"""Project an editor's searchset onto flat :class:`~sasref.aggregator.offers.SlotOffer` records.

The Bundle is walked by reference by :func:`sasref.search.walk_searchset` (the tolerant reader
of digest §13); this module only flattens its :class:`~sasref.search.OfferGraph` into one record
per free slot, with the identifiers the consolidation looks cards up with.
"""

from __future__ import annotations

from typing import Any

from sasref.aggregator.offers import SlotOffer
from sasref.search import OfferedSlot, OfferGraph, walk_searchset


def _offer(slot: OfferedSlot, editor: str, kind: str, **where: Any) -> SlotOffer:
    return SlotOffer(
        editor=editor,
        kind=kind,
        slot_id=slot.id,
        start=slot.start,
        end=slot.end,
        types=slot.types,
        consultation_types=slot.consultation_types,
        motifs=slot.motifs,
        reason=slot.reason,
        booking_url=slot.booking_url if isinstance(slot.booking_url, str) else None,
        cpts=tuple(link.finess for link in slot.cpts if link.finess),
        **where,
    )


def _ps_offers(
    slots: list[OfferedSlot],
    editor: str,
    kind: str,
    practitioner_id: str,
    place_id: str | None,
    structure_id: str | None,
    place_name: str | None,
) -> list[SlotOffer]:
    """:func:`_offer` for the slots of one place (positional, one call per slot: hot path)."""
    return [
        SlotOffer(
            editor,
            kind,
            slot.id,
            slot.start,
            slot.end,
            slot.types,
            slot.consultation_types,
            slot.motifs,
            slot.reason,
            slot.booking_url if isinstance(slot.booking_url, str) else None,
            practitioner_id,
            place_id,
            structure_id,
            place_name,
            tuple(link.finess for link in slot.cpts if link.finess) if slot.cpts else (),
        )
        for slot in slots
    ]


def flatten(graph: OfferGraph, *, editor: str, kind: str) -> tuple[list[SlotOffer], set[str]]:
    """One offer per free slot, and the identifiers (IDNPS or SIRET) the editor answered for."""
    offers: list[SlotOffer] = []
    if kind == "sos":
        for association in graph.associations.values():
            for fixed_point in association.fixed_points.values():
                offers.extend(
                    _offer(
                        slot,
                        editor,
                        kind,
                        sos_siret=association.siret,
                        fixed_point_id=fixed_point.identifier,
                        place_name=fixed_point.name,
                    )
                    for slot in fixed_point.slots
                )
        answered = {s for s, a in graph.associations.items() if a.siret == s}
        return offers, answered
    for idnps, practitioner in graph.practitioners.items():
        for place in practitioner.places.values():
            offers += _ps_offers(
                place.slots,
                editor,
                kind,
                idnps,
                place.location_id,
                place.structure_id,
                place.name,
            )
    return offers, set(graph.practitioners)


def offers_of(
    bundle: dict[str, Any], *, editor: str, kind: str
) -> tuple[list[SlotOffer], set[str]]:
    """Walk and flatten; problems the walker tolerated are not errors here."""
    return flatten(walk_searchset(bundle), editor=editor, kind=kind)
