"""In-memory state of one mock editor: its offer (shard), its free slots, its regulator accounts.

* :class:`EditorShard` — what the editor serves: its practitioners, CPTS, SOS associations and
  free slots (as :class:`sasref.search.SlotView`);
* :class:`SlotSource` — where free slots come from (a fixed list, or the population whose
  window rolls with the clock); :class:`SlotStore` — the source minus booked slots;
* :class:`AccountStore` — the INT_R02 regulator accounts (digest §3), a tiny repository keyed
  by identifier ``(system, value)``.
"""

from __future__ import annotations

import copy
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any, Protocol

from sasref.directory.model import Cpts, EditorInfo, Practitioner, SosAssociation
from sasref.search import OfferCatalog, SlotQuery, SlotView
from sasref.search.query import prefix_practitioner_id

Json = dict[str, Any]


class SlotSource(Protocol):
    """Where an editor's free slots come from, per owner, in the current window."""

    def practitioner_slots(self, practitioner_id: str) -> Iterable[SlotView]: ...

    def association_slots(self, siret: str) -> Iterable[SlotView]: ...


class StaticSlots:
    """A fixed set of slots (a hand-built shard), indexed by owner."""

    def __init__(self, slots: Iterable[SlotView]) -> None:
        by_owner: dict[str, list[SlotView]] = {}
        for slot in sorted(slots, key=lambda s: (s.start, s.id)):
            owner = slot.sos_siret or slot.practitioner_id or ""
            by_owner.setdefault(owner, []).append(slot)
        # tuples: the same immutable answer each time lets SlotStore keep its index
        self._by_owner = {owner: tuple(views) for owner, views in by_owner.items()}

    def practitioner_slots(self, practitioner_id: str) -> Iterable[SlotView]:
        return self._by_owner.get(practitioner_id, ())

    def association_slots(self, siret: str) -> Iterable[SlotView]:
        return self._by_owner.get(siret, ())


@dataclass(frozen=True, slots=True)
class EditorShard:
    """The part of the health offer one editor serves.

    Slots come from ``slot_source`` when given (e.g. the population, which rolls its window
    with the clock), else from the fixed ``slots``.
    """

    editor: EditorInfo
    practitioners: tuple[Practitioner, ...] = ()
    cpts: tuple[Cpts, ...] = ()
    associations: tuple[SosAssociation, ...] = ()
    slots: tuple[SlotView, ...] = ()
    slot_source: SlotSource | None = None

    def catalog(self) -> OfferCatalog:
        return OfferCatalog(
            practitioners={p.id: p for p in self.practitioners},
            cpts={c.finess: c for c in self.cpts},
            associations={a.siret: a for a in self.associations},
        )

    def source(self) -> SlotSource:
        return self.slot_source if self.slot_source is not None else StaticSlots(self.slots)


class SlotStore:
    """The free slots an editor serves: its source minus the booked ones.

    ``book`` takes a slot out of the agenda (the booking flow calls it); it knows the slots of
    the static source and every slot already served in a search.
    """

    def __init__(self, source: SlotSource, known: Iterable[SlotView] = ()) -> None:
        self.source = source
        self._booked: set[str] = set()
        self._seen: dict[str, SlotView] = {s.id: s for s in known}
        self._index: dict[tuple[bool, bool, str], _OwnerIndex] = {}

    def book(self, slot_id: str) -> SlotView | None:
        """Book a free slot; ``None`` when unknown or already booked."""
        slot = self._seen.get(slot_id)
        if slot is None or slot_id in self._booked:
            return None
        self._booked.add(slot_id)
        return slot

    @property
    def booked(self) -> frozenset[str]:
        return frozenset(self._booked)

    def select(self, query: SlotQuery) -> list[SlotView]:
        """The free slots matching ``query`` (ids compared prefixed, whatever the caller sent).

        Per owner, in the source's order: the window is two bisections in an index of the
        source's answer, kept while the source answers with the very same tuple (a source
        answering lists, which might be mutated, is indexed anew on each call).
        """
        schedules = query.target == "Schedule"
        fetch = self.source.association_slots if schedules else self.source.practitioner_slots
        ps_only = query.use_case == "ps"  # CPTS-only slots are INT_R04 slots
        ge, le, booked = query.start_ge, query.start_le, self._booked
        seen = self._seen if len(self._seen) < _SEEN_LIMIT else None
        out: list[SlotView] = []
        for owner in dict.fromkeys(query.ids):
            found = fetch(owner)
            key = (schedules, ps_only, owner)
            index = self._index.get(key)
            if index is None or index.source is not found or type(found) is not tuple:
                if len(self._index) >= _INDEX_LIMIT:  # unknown ids must not grow it forever
                    self._index.clear()
                index = self._index[key] = _OwnerIndex(found, ps_only)
            part = index.window(ge, le, seen)
            out += [s for s in part if s.id not in booked] if booked else part
        return out


class _OwnerIndex:
    """One owner's slots as its source answered them, indexed by start when in start order."""

    __slots__ = ("remembered", "source", "starts", "views")

    def __init__(self, source: Iterable[SlotView], ps_only: bool) -> None:
        self.source = source  # held: its identity tells whether the index is still valid
        views = list(source)
        if ps_only:
            views = [s for s in views if not _PS_TYPES.isdisjoint(s.types)]
        self.views = views
        starts = [s.start for s in views]
        ordered = all(a <= b for a, b in pairwise(starts))
        self.starts = starts if ordered else None
        self.remembered: set[tuple[int, int]] = set()

    def window(
        self, ge: datetime, le: datetime, seen: dict[str, SlotView] | None
    ) -> list[SlotView]:
        """The slots starting in ``[ge, le]``; recorded in ``seen`` (for booking) when given."""
        starts = self.starts
        if starts is None:  # a source not in start order: scan it
            part = [s for s in self.views if ge <= s.start <= le]
            if seen is not None:
                seen.update((s.id, s) for s in part)
            return part
        span = (bisect_left(starts, ge), bisect_right(starts, le))
        part = self.views[span[0] : span[1]]
        if seen is not None and span not in self.remembered:
            self.remembered.add(span)  # the same span of the same views: recorded already
            seen.update((s.id, s) for s in part)
        return part


_PS_TYPES = frozenset({"PUBLIC", "PRO", "SNP"})  # JDV_J165: the INT_R01 slot types

#: Owners whose slots SlotStore keeps indexed (an editor has a few thousand at most).
_INDEX_LIMIT = 50_000

#: Served slots remembered for booking (bounded: a long-running server must not grow forever).
_SEEN_LIMIT = 200_000


class Conflict(Exception):
    """An identifier of the body is already held by another account."""


class AccountStore:
    """Regulator accounts (``FrPractitionerRegul``) keyed by any of their identifiers."""

    def __init__(self) -> None:
        self._accounts: dict[str, Json] = {}
        self._counter = 0

    @staticmethod
    def key(system: str, value: str) -> tuple[str, str]:
        """Identifier match key: prefix-insensitive for RPPS/ADELI, case-insensitive UUIDs."""
        return system.strip(), prefix_practitioner_id(value.strip()).lower()

    def _keys(self, resource: Json) -> set[tuple[str, str]]:
        return {
            self.key(str(i.get("system", "")), str(i.get("value", "")))
            for i in resource.get("identifier") or []
            if i.get("value")
        }

    def __len__(self) -> int:
        return len(self._accounts)

    def all(self) -> list[Json]:
        return [copy.deepcopy(r) for r in self._accounts.values()]

    def get(self, account_id: str) -> Json | None:
        found = self._accounts.get(account_id)
        return copy.deepcopy(found) if found is not None else None

    def find(self, system: str, value: str) -> list[str]:
        """Ids of the accounts holding identifier ``system|value``."""
        wanted = self.key(system, value)
        return [i for i, r in self._accounts.items() if wanted in self._keys(r)]

    def _check_free(self, resource: Json, except_id: str | None) -> None:
        keys = self._keys(resource)
        for account_id, existing in self._accounts.items():
            if account_id != except_id and keys & self._keys(existing):
                raise Conflict(f"identifier already held by Practitioner/{account_id}")

    def create(self, resource: Json, *, now: str) -> Json:
        self._check_free(resource, None)
        self._counter += 1
        account_id = f"regul-{self._counter}"
        return self._store(account_id, resource, now, version=1)

    def replace(self, account_id: str, resource: Json, *, now: str) -> Json:
        """Replace an account's content (identifiers included: the body wins, digest §3.2)."""
        self._check_free(resource, account_id)
        version = int(self._accounts[account_id]["meta"].get("versionId", "1")) + 1
        return self._store(account_id, resource, now, version=version)

    def _store(self, account_id: str, resource: Json, now: str, *, version: int) -> Json:
        stored = copy.deepcopy(resource)
        stored["id"] = account_id
        meta = dict(stored.get("meta") or {})
        meta["versionId"] = str(version)
        meta["lastUpdated"] = now
        stored["meta"] = meta
        self._accounts[account_id] = stored
        return copy.deepcopy(stored)
