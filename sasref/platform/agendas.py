"""Where the platform reads SAS-agenda slots from (spec §4): the database, or memory.

:class:`StoredAgendas` reads :class:`sasref.storage.AgendaRepository` (the default: agendas
created through the platform persist). :class:`MemoryAgendas` holds agendas in memory — the demo
and the notebooks give the population's SAS agendas this way, without writing hundreds of rows at
start-up. Both answer free slots keyed ``(owner_id, place_id)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from sasref.sasagenda import FreeSlot, SasAgenda, Window, expand
from sasref.storage import AgendaRepository

FreeSlots = Mapping[tuple[str, str], Sequence[FreeSlot]]


class AgendaSource(Protocol):
    def free_slots(self, *, window: Window, owner_ids: Iterable[str]) -> FreeSlots: ...


class StoredAgendas:
    def __init__(self, repository: AgendaRepository) -> None:
        self.repository = repository

    def free_slots(self, *, window: Window, owner_ids: Iterable[str]) -> FreeSlots:
        return self.repository.free_slots(window=window, owner_ids=owner_ids)


class MemoryAgendas:
    def __init__(self, agendas: Iterable[SasAgenda]) -> None:
        self.by_owner: dict[str, list[SasAgenda]] = {}
        for agenda in agendas:
            self.by_owner.setdefault(agenda.owner_id, []).append(agenda)

    def free_slots(self, *, window: Window, owner_ids: Iterable[str]) -> FreeSlots:
        out: dict[tuple[str, str], list[FreeSlot]] = {}
        for owner in owner_ids:
            for agenda in self.by_owner.get(owner, ()):
                free = expand(agenda, window)
                if free:
                    out.setdefault((agenda.owner_id, agenda.place_id), []).extend(free)
        return out
