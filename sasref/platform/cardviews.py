"""The cards of a result page as the regulator sees them (spec §1.5, §1.6, §6.3): a
practitioner, CPTS, SOS fixed point or structure card with its slots by day, its title, address,
phone and details; the surnuméraire list's orientation recipient; the page's order.

Pure: the search (:mod:`sasref.platform.service`) gives the directory's cards, the aggregator's
answers and the SAS agenda's slots; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sasref.aggregator import FanOutResult
from sasref.aggregator.consolidate import (
    CardSlots,
    OfferIndex,
    cpts_slots,
    group_by_day,
    practitioner_slots,
    sos_slots,
)
from sasref.directory import (
    Card,
    CptsCard,
    Directory,
    PractitionerCard,
    StructureCard,
)
from sasref.directory.model import AgendaKind, Practitioner, StructureKind
from sasref.directory.overbooking import card_recipient
from sasref.platform.agendas import FreeSlots
from sasref.platform.results import CardView

STRUCTURE_LABELS = {
    StructureKind.MSP: "Maison de santé pluriprofessionnelle",
    StructureKind.CDS: "Centre de santé",
}


def orientable_view(directory: Directory, card: Card, view: CardView) -> CardView:
    """A surnuméraire card: who an orientation to it goes to (spec §4.6, §6.3)."""
    recipient = card_recipient(directory, card)
    if recipient is None:
        return view
    line = "Accepte des patients en sus des disponibilités"
    if recipient.category == "CPTS" and not isinstance(card, CptsCard):
        line += f" via la {recipient.name}"
    return replace(view, orientation=recipient.target(), details=(*view.details, line))


def card_view(card: Card, fan_out: FanOutResult, index: OfferIndex, sas: FreeSlots) -> CardView:
    """What the regulator sees of ``card``: its slots by day from the editors' answers
    (``index``) or the SAS agenda (``sas``), its title, address, phone and details."""
    window = fan_out.window
    if isinstance(card, StructureCard):
        structure, a = card.structure, card.structure.address
        return CardView(
            kind="structure",
            id=structure.id,
            title=structure.name,
            subtitle=STRUCTURE_LABELS[structure.kind],
            address=f"{a.line}, {a.postal_code} {a.city}",
            slots=CardSlots(days=group_by_day((), window)),
            phone=structure.phone,
            distance_km=card.distance_km,
            participant=card.participant,
        )
    if isinstance(card, PractitionerCard):
        p, place = card.practitioner, card.place
        slots = practitioner_slots(
            index,
            window,
            p.id,
            structure_ids=(place.structure_id,),
            served_by_editor=("ps", p.id) in fan_out.answered,
            sas_slots=list(sas.get((p.id, place.id), ())),
        )
        a = place.address
        return CardView(
            kind="practitioner",
            id=p.id,
            title=practitioner_title(p),
            subtitle=p.speciality_display,
            address=f"{place.name}, {a.line}, {a.postal_code} {a.city}",
            slots=slots,
            phone=place.phone or p.phone,
            distance_km=card.distance_km,
            participant=p.sas_participant,
            preferred_doctor=card.treating,
            details=(agenda_label(p),),
        )
    if isinstance(card, CptsCard):
        cpts = card.cpts
        names = ", ".join(practitioner_title(m.practitioner) for m in card.replaced[:3])
        more = len(card.replaced) - 3
        return CardView(
            kind="cpts",
            id=cpts.finess,
            title=cpts.name,
            subtitle=f"CPTS · {len(card.members)} membre(s)",
            address=f"Zone d'intervention : {len(cpts.zone)} commune(s)",
            slots=cpts_slots(index, window, cpts.finess),
            phone=cpts.phone,
            distance_km=card.distance_km,
            participant=True,
            details=(
                f"Membres dans la zone : {names}" + (f" et {more} autre(s)" if more > 0 else ""),
            ),
        )
    association, fixed_point = card.association, card.fixed_point
    sas_for_fp = {fixed_point.id: list(sas.get((association.siret, fixed_point.id), ()))}
    return CardView(
        kind="sos",
        id=association.siret,
        title=f"{association.name} — {fixed_point.name}",
        subtitle="SOS Médecins · point fixe de garde",
        address=fixed_point.address.city,  # the platform shows the city only (§6.1)
        slots=sos_slots(
            index,
            window,
            association.siret,
            fixed_point_ids=(fixed_point.id,),
            sas_slots=sas_for_fp,
        ),
        phone=fixed_point.phone or association.phone,
        distance_km=card.distance_km,
        participant=True,
    )


def order_page(cards: Sequence[CardView]) -> list[CardView]:
    """§1.6: médecin traitant first, then a stable partition by (slots, SAS participation)."""

    def group(card: CardView) -> int:
        if card.preferred_doctor:
            return 0
        has_slots = card.slots.total > 0
        return 1 + (0 if has_slots else 2) + (0 if card.participant else 1)

    return sorted(cards, key=group)


def practitioner_title(p: Practitioner) -> str:
    prefix = "Dr " if p.profession == "10" else ""
    return f"{prefix}{p.given} {p.family}"


def agenda_label(p: Practitioner) -> str:
    if p.agenda is AgendaKind.EDITOR:
        return "Agenda : logiciel éditeur"
    if p.agenda is AgendaKind.SAS:
        return "Agenda : agenda SAS"
    return "Pas d'agenda en ligne : contacter par téléphone"


__all__ = [
    "STRUCTURE_LABELS",
    "agenda_label",
    "card_view",
    "order_page",
    "orientable_view",
    "practitioner_title",
]
