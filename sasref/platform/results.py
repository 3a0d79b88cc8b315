"""What a search returns to the regulator: cards with slots by day, and editor diagnostics.

Plain view objects shared by the JSON API and the HTML page (spec §1.5–§1.8, §3.2, §6.3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sasref.aggregator import CardSlots, EditorOutcome, EditorSummary, SearchWindow
from sasref.directory import GeoPoint


class SearchMode(StrEnum):
    """The two lists of the platform (spec §1.10, §6.3): offers with slots (default), or the
    offers accepting patients "en sus des disponibilités" (``bs_sas_overbooking``)."""

    SLOTS = "slots"
    SURNUMERAIRE = "surnumeraire"


#: The platform's label of the surnuméraire list (spec §6.3).
SURNUMERAIRE_LABEL = "Créneaux en sus des disponibilités"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """The search parameters, validated (``GET /api/v1/search``, the HTML form)."""

    address: str | None = None
    insee: str | None = None
    city: str | None = None
    postcode: str | None = None
    speciality: str | None = None
    practitioner: str | None = None  # the médecin traitant: RPPS (prefixed or not) or a name
    page: int = 1
    lrm_origin: str | None = None  # set when the search comes from an LRM contextual URL
    preferred_doctor_error: str | None = None  # sas_pf_001 / sas_pf_002 from the URL
    mode: SearchMode = SearchMode.SLOTS

    def as_params(self) -> dict[str, str]:
        """The query string of this search (for paging links)."""
        values = {
            "address": self.address,
            "insee": self.insee,
            "city": self.city,
            "postcode": self.postcode,
            "speciality": self.speciality,
            "practitioner": self.practitioner,
            "mode": None if self.mode is SearchMode.SLOTS else self.mode.value,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The switch to the surnuméraire list the platform offers (spec §1.8): when a with-slots
    search shows no slot (``no_result``, ``no_slot``) or reaches the end of its list
    (``end_of_list``). The routes add the URL of the same search in that mode."""

    reason: str
    message: str
    label: str = f"Rechercher : {SURNUMERAIRE_LABEL}"
    mode: SearchMode = SearchMode.SURNUMERAIRE

    def as_dict(self, url: str) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "reason": self.reason,
            "message": self.message,
            "label": self.label,
            "url": url,
        }


@dataclass(frozen=True, slots=True)
class CardView:
    """One result card: a practitioner's place, a CPTS, or an SOS Médecins association."""

    kind: str  # "practitioner" | "cpts" | "sos"
    id: str  # prefixed IDNPS, FINESS or SIRET
    title: str
    subtitle: str
    address: str
    slots: CardSlots
    phone: str | None = None
    distance_km: float | None = None
    participant: bool = False
    preferred_doctor: bool = False
    details: tuple[str, ...] = ()
    #: Surnuméraire list: the ``recipient`` of an orientation to this card (the API body's), or
    #: ``None`` when the card takes no orientation (spec §6.3: not shown with slots).
    orientation: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "subtitle": self.subtitle,
            "address": self.address,
            "phone": self.phone,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 2),
            "participant": self.participant,
            "preferred_doctor": self.preferred_doctor,
            "details": list(self.details),
            "slots": self.slots.as_dict(),
            "orientation": None if self.orientation is None else {"recipient": self.orientation},
        }


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: SearchQuery
    location: str
    speciality: str
    radius_km: float
    window: SearchWindow
    page: int
    pages: int
    total_cards: int
    cards: tuple[CardView, ...]
    editors: tuple[EditorSummary, ...] = ()
    outcomes: tuple[EditorOutcome, ...] = ()
    notices: tuple[str, ...] = ()
    preferred_doctor_code: str | None = None
    fanout_ms: float = 0.0
    elapsed_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    suggestion: Suggestion | None = None
    #: The place the search was run around (what other blocks of the page, the marketplaces',
    #: are chosen for: the same place, not a second geocoding of the query).
    point: GeoPoint | None = None

    @property
    def lrm_origin(self) -> str | None:
        return self.query.lrm_origin

    @property
    def mode(self) -> SearchMode:
        return self.query.mode

    @property
    def failed_editors(self) -> int:
        return sum(1 for e in self.editors if e.status.failed)

    def as_dict(self, suggestion_url: str | None = None) -> dict[str, Any]:
        """JSON view; ``suggestion_url``: where the suggested search is (the caller's route)."""
        suggestion = self.suggestion
        return {
            "query": {**self.query.as_params(), "page": self.page},
            "mode": self.mode.value,
            "suggestion": suggestion.as_dict(suggestion_url or "") if suggestion else None,
            "location": self.location,
            "speciality": self.speciality,
            "radius_km": self.radius_km,
            "window": {"start": self.window.start.isoformat(), "end": self.window.end.isoformat()},
            "page": self.page,
            "pages": self.pages,
            "total_cards": self.total_cards,
            "preferred_doctor_code": self.preferred_doctor_code,
            "lrm_origin": self.lrm_origin,
            "notices": list(self.notices),
            "cards": [c.as_dict() for c in self.cards],
            "diagnostics": {
                "fanout_ms": round(self.fanout_ms, 1),
                "elapsed_ms": round(self.elapsed_ms, 1),
                "editors": [
                    {
                        "editor": e.editor,
                        "status": e.status.value,
                        "calls": e.calls,
                        "slots": e.slots,
                        "violations": e.violations,
                        "http_status": e.http_status,
                        "messages": list(e.messages),
                    }
                    for e in self.editors
                ],
                "calls": [o.as_dict() for o in self.outcomes],
            },
        }


#: Spec §1.8 wording (the platform's, paraphrased).
NO_OFFER = "Aucune offre de soins n'est disponible sous 48 h dans la zone recherchée."
NO_SLOT_ON_PAGE = "Aucune offre de soins de cette page n'a de créneau disponible sous 48 h."
END_OF_LIST = "Toutes les offres de soins avec des disponibilités ont été affichées."
RELAUNCH = (
    f"Lancez la recherche « {SURNUMERAIRE_LABEL} » pour trouver les offres de soins qui acceptent "
    "d'être contactées par la régulation pour des patients en sus de leurs disponibilités."
)


def switch_suggestion(
    mode: SearchMode, cards: Sequence[CardView], *, page: int, pages: int
) -> Suggestion | None:
    """The switch to the surnuméraire list a with-slots search offers (spec §1.8): ``no_result``
    when nothing in the list has a slot (no card, or one page of cards without slots), ``no_slot``
    when this page shows none, ``end_of_list`` on the last page."""
    if mode is not SearchMode.SLOTS:
        return None
    if not any(card.slots.total for card in cards):
        if pages <= 1:
            return Suggestion("no_result", f"{NO_OFFER} {RELAUNCH}")
        return Suggestion("no_slot", f"{NO_SLOT_ON_PAGE} {RELAUNCH}")
    if page >= pages:
        return Suggestion("end_of_list", f"{END_OF_LIST} {RELAUNCH}")
    return None
