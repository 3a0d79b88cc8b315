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
from collections.abc import Iterable
from dataclasses import dataclass
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
        self._by_owner: dict[str, list[SlotView]] = {}
        for slot in sorted(slots, key=lambda s: (s.start, s.id)):
            owner = slot.sos_siret or slot.practitioner_id or ""
            self._by_owner.setdefault(owner, []).append(slot)

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
        """The free slots matching ``query`` (ids compared prefixed, whatever the caller sent)."""
        fetch = (
            self.source.association_slots
            if query.target == "Schedule"
            else self.source.practitioner_slots
        )
        ge, le, booked = query.start_ge, query.start_le, self._booked
        out: list[SlotView] = []
        for owner in dict.fromkeys(query.ids):
            # the source answers for this owner only: the window and bookings remain to check
            out += (s for s in fetch(owner) if ge <= s.start <= le and s.id not in booked)
        if query.use_case == "ps":  # CPTS-only slots are INT_R04 slots
            out = [s for s in out if not _PS_TYPES.isdisjoint(s.types)]
        if len(self._seen) < _SEEN_LIMIT:
            self._seen.update((s.id, s) for s in out)
        return out


_PS_TYPES = frozenset({"PUBLIC", "PRO", "SNP"})  # JDV_J165: the INT_R01 slot types

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
