"""Consolidation: editor offers and SAS-agenda slots → slots by day for a card (spec §1.5, §1.9).

Pure functions, no I/O. For one card (a practitioner's place, a CPTS, an SOS association):

* editor offers are found by identifier (IDNPS + place, CPTS FINESS, SIRET + fixed point);
* the SAS agenda's free slots are merged with :func:`sasref.sasagenda.merge_offers`: when an
  editor answered for the place, its slots win and the SAS agenda's are ignored (§1.5, §8.4);
* slots that already started or fall after J+2 23:59:59 are dropped, the rest is bucketed into
  today / tomorrow / the day after and sorted by start;
* booking links are ``Slot.comment`` with ``origin=sas`` appended (digest §2.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sasref.aggregator.offers import SlotOffer
from sasref.aggregator.window import SearchWindow
from sasref.sasagenda import FreeSlot, OfferSource, merge_offers

_MODALITY_CODES = {"physical": "AMB", "teleconsultation": "VR", "home": "HH"}


def with_origin(url: str | None, origin: str = "sas") -> str | None:
    """Append ``origin=sas`` to a booking URL (replacing an ``origin`` already there)."""
    if not url:
        return None
    url = url.strip()
    if "origin=" not in url and "#" not in url:  # the usual case, without re-encoding the URL
        return f"{url}{'&' if '?' in url else '?'}origin={origin}"
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "origin"]
    query.append(("origin", origin))
    return urlunsplit(parts._replace(query=urlencode(query)))


@lru_cache(maxsize=8192)
def _iso_ms(moment: datetime, tz: tzinfo | None, fold: int) -> str:
    # Keyed by the zone and fold too: aware datetimes of the same instant compare equal
    # whatever their offset (and a zone ignores fold in ==), their texts differ.
    return moment.isoformat(timespec="milliseconds")


def iso_ms(moment: datetime) -> str:
    """``moment.isoformat(timespec="milliseconds")``, formatted once per distinct datetime (a
    search shows the same slot times on many cards, search after search)."""
    return _iso_ms(moment, moment.tzinfo, moment.fold)


@dataclass(frozen=True, slots=True)
class SlotItem:
    """One slot as a card shows it."""

    start: datetime
    end: datetime
    source: str  # "editor" | "sas"
    editor: str | None = None
    types: tuple[str, ...] = ()
    consultation_types: tuple[str, ...] = ()
    motifs: tuple[str, ...] = ()
    booking_url: str | None = None  # with origin=sas
    capacity: int = 1
    remaining: int = 1
    practitioner_id: str | None = None
    place_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": iso_ms(self.start),
            "end": iso_ms(self.end),
            "source": self.source,
            "editor": self.editor,
            "types": list(self.types),
            "consultation_types": list(self.consultation_types),
            "motifs": list(self.motifs),
            "booking_url": self.booking_url,
            "capacity": self.capacity,
            "remaining": self.remaining,
            "practitioner_id": self.practitioner_id,
        }


@dataclass(frozen=True, slots=True)
class DaySlots:
    day: date
    label: str
    slots: tuple[SlotItem, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "label": self.label,
            "slots": [s.as_dict() for s in self.slots],
        }


@dataclass(frozen=True, slots=True)
class CardSlots:
    """The slots of one card, by day, and where they came from."""

    days: tuple[DaySlots, ...]
    source: str | None = None  # "editor" | "sas" | None when nothing is known
    editors: tuple[str, ...] = ()
    ignored_sas_slots: int = 0

    @property
    def total(self) -> int:
        return sum(len(d.slots) for d in self.days)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "source": self.source,
            "editors": list(self.editors),
            "days": [d.as_dict() for d in self.days],
        }


def from_offer(offer: SlotOffer) -> SlotItem:
    return SlotItem(
        offer.start,
        offer.end,
        "editor",
        offer.editor,
        offer.types,
        offer.consultation_types,
        offer.motifs,
        with_origin(offer.booking_url),
        1,
        1,
        offer.practitioner_id,
        offer.place_name,
    )


def from_free_slot(slot: FreeSlot) -> SlotItem:
    return SlotItem(
        start=slot.start,
        end=slot.end,
        source="sas",
        types=("SNP",),
        consultation_types=tuple(_MODALITY_CODES.get(str(m), str(m)) for m in slot.modalities),
        capacity=slot.capacity,
        remaining=slot.remaining,
        practitioner_id=slot.owner_id,
    )


def group_by_day(items: Iterable[SlotItem], window: SearchWindow) -> tuple[DaySlots, ...]:
    """Bucket into the window's days (J, J+1, J+2), sorted by start; started slots dropped.

    A SAS plage horaire (capacity > 1) stays while it has not ended, as on the platform.
    """
    buckets: dict[int, list[SlotItem]] = {i: [] for i in range(len(window.days))}
    for item in items:
        index = window.day_index(item.start)
        if index is None and item.capacity > 1 and item.start < window.start < item.end:
            index = 0
        if index is not None:
            buckets[index].append(item)
    return tuple(
        DaySlots(
            day=day,
            label=window.label(i),
            slots=tuple(sorted(buckets[i], key=lambda s: (s.start, s.end, s.editor or ""))),
        )
        for i, day in enumerate(window.days)
    )


@dataclass
class OfferIndex:
    """Editor offers by the identifiers cards look them up with."""

    by_practitioner: dict[str, list[SlotOffer]] = field(default_factory=dict)
    by_cpts: dict[str, list[SlotOffer]] = field(default_factory=dict)
    by_siret: dict[str, list[SlotOffer]] = field(default_factory=dict)

    @classmethod
    def build(cls, offers: Iterable[SlotOffer]) -> OfferIndex:
        index = cls()
        seen: set[tuple[str, str, str]] = set()
        for offer in offers:
            # The same slot may come back from two calls (a practitioner in two batches).
            key = (offer.editor, offer.kind, offer.slot_id)
            if offer.slot_id and key in seen:
                continue
            seen.add(key)
            if offer.kind == "sos":
                if offer.sos_siret:
                    index.by_siret.setdefault(offer.sos_siret, []).append(offer)
            elif offer.kind == "cpts":
                for finess in offer.cpts:
                    index.by_cpts.setdefault(finess, []).append(offer)
            elif offer.practitioner_id:
                index.by_practitioner.setdefault(offer.practitioner_id, []).append(offer)
        return index


def practitioner_slots(
    index: OfferIndex,
    window: SearchWindow,
    practitioner_id: str,
    *,
    structure_ids: Sequence[str] = (),
    served_by_editor: bool = False,
    sas_slots: Sequence[FreeSlot] = (),
) -> CardSlots:
    """A practitioner card: editor slots (for its places' structures) or else SAS-agenda slots.

    ``served_by_editor`` is true when an editor answered for this practitioner (even with no
    slot): its (absent) slots then win over the SAS agenda, as on the platform.
    """
    offers = index.by_practitioner.get(practitioner_id, [])
    if structure_ids:
        # Places are matched on their structure id (IDNST), the only place identity an editor
        # and the directory share; an editor that omits it keeps all its slots on the card.
        offers = [o for o in offers if o.structure_id is None or o.structure_id in structure_ids]
    editor: dict[str, Sequence[SlotItem]] = {}
    if served_by_editor or offers:
        editor[practitioner_id] = [from_offer(o) for o in offers]
    sas: dict[str, Sequence[FreeSlot]] = {practitioner_id: list(sas_slots)} if sas_slots else {}
    merged = merge_offers(editor, sas).get(practitioner_id)
    if merged is None:
        return CardSlots(days=group_by_day((), window))
    if merged.source is OfferSource.EDITOR:
        items: list[SlotItem] = list(merged.editor_slots)
    else:
        items = [from_free_slot(s) for s in merged.sas_slots]
    return CardSlots(
        days=group_by_day(items, window),
        source=merged.source.value,
        editors=tuple(sorted({o.editor for o in offers})),
        ignored_sas_slots=merged.ignored_sas_slots,
    )


def cpts_slots(index: OfferIndex, window: SearchWindow, finess: str) -> CardSlots:
    """A CPTS card: every INT_R04 slot opened to this CPTS, whoever the member is."""
    offers = index.by_cpts.get(finess, [])
    return CardSlots(
        days=group_by_day((from_offer(o) for o in offers), window),
        source="editor" if offers else None,
        editors=tuple(sorted({o.editor for o in offers})),
    )


def sos_slots(
    index: OfferIndex,
    window: SearchWindow,
    siret: str,
    *,
    fixed_point_ids: Sequence[str] = (),
    sas_slots: Mapping[str, Sequence[FreeSlot]] | None = None,
) -> CardSlots:
    """An SOS card: the association's editor slots (for its fixed points when given)."""
    offers = index.by_siret.get(siret, [])
    if fixed_point_ids:
        offers = [o for o in offers if o.fixed_point_id in fixed_point_ids or not o.fixed_point_id]
    items = [from_offer(o) for o in offers]
    source = "editor" if offers else None
    if not offers and sas_slots:
        items = [from_free_slot(s) for slots in sas_slots.values() for s in slots]
        source = "sas" if items else None
    return CardSlots(
        days=group_by_day(items, window),
        source=source,
        editors=tuple(sorted({o.editor for o in offers})),
    )
