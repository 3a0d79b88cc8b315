"""The result card of a place whose editor's flux is deactivated says so (French label).

A card's slots come from the editor that serves its practitioner (learned routing, else the
directory's declaration); when every such editor is deactivated, the platform did not ask it and
the card carries :data:`FLUX_DEACTIVATED_LABEL` instead of silently showing no slot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from sasref.aggregator import Routing
from sasref.directory import Card, CptsCard, PractitionerCard, SosCard
from sasref.directory.model import AgendaKind

FLUX_DEACTIVATED_LABEL = (
    "Flux éditeur désactivé : les créneaux de ce logiciel d'agenda sont momentanément indisponibles"
)
FLUX_DEACTIVATED_MEMBERS = "Flux éditeur désactivé pour une partie des membres"


def _withheld(
    kind: str, identifier: str, declared: str | None, routing: Mapping[str, Routing],
    asks: Callable[[str], bool],
) -> bool:  # fmt: skip
    editors: Iterable[str] = routing[kind].editors_of(identifier) or (
        (declared,) if declared else ()
    )
    names = list(editors)
    return bool(names) and not any(asks(name) for name in names)


def flux_notice(
    card: Card, routing: Mapping[str, Routing], asks: Callable[[str], bool]
) -> str | None:
    """The label ``card`` must carry, or ``None`` (``asks``: is this editor's flux active?)."""
    if isinstance(card, PractitionerCard):
        p = card.practitioner
        if p.agenda is AgendaKind.EDITOR and _withheld("ps", p.id, p.editor, routing, asks):
            return FLUX_DEACTIVATED_LABEL
        return None
    if isinstance(card, CptsCard):
        members = [m for m in card.members if m.agenda is AgendaKind.EDITOR]
        if any(_withheld("cpts", m.id, m.editor, routing, asks) for m in members):
            return FLUX_DEACTIVATED_MEMBERS
        return None
    if isinstance(card, SosCard):
        if card.agenda is AgendaKind.EDITOR and _withheld(
            "sos", card.siret, card.association.editor, routing, asks
        ):
            return FLUX_DEACTIVATED_LABEL
        return None
    return None  # an MSP or a centre de santé: no editor agenda (surnuméraire list only)


__all__ = ["FLUX_DEACTIVATED_LABEL", "FLUX_DEACTIVATED_MEMBERS", "flux_notice"]
