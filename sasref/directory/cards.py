"""Result cards of a directory search (spec ``sas-platform-search.md`` §1.5-1.6, §3.2, §6.1-6.2).

Each card carries what the slot aggregator needs to fetch free slots:

* :class:`PractitionerCard` — one practitioner at one place (the platform indexes one document
  per place of practice): the practitioner's national id, the place, its editor and agenda kind;
* :class:`CptsCard` — a CPTS replacing its member cards (§6.2): FINESS, members, editor (INT_R04);
* :class:`SosCard` — one SOS Médecins fixed point (PFG, §6.1): SIRET, fixed point, editor (the
  Schedule search by SIRET);
* :class:`StructureCard` — an MSP or a centre de santé taking part in the SAS as such, listed by
  the surnuméraire search only (§6.3): sasref has no structure agenda, so it has no slots.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

from sasref.directory.model import (
    AgendaKind,
    Cpts,
    FixedPoint,
    HealthStructure,
    Place,
    Practitioner,
    SosAssociation,
)


@dataclass(frozen=True, slots=True)
class PractitionerCard:
    practitioner: Practitioner
    place: Place
    distance_km: float | None  # from the search centre
    treating: bool = False  # the LRM's médecin traitant, pinned first (§3.2)
    kind: Literal["practitioner"] = "practitioner"

    @property
    def key(self) -> str:
        return f"ps:{self.practitioner.id}:{self.place.id}"

    @property
    def practitioner_id(self) -> str:
        return self.practitioner.id

    @property
    def editor(self) -> str | None:
        return self.practitioner.editor

    @property
    def agenda(self) -> AgendaKind:
        return self.practitioner.agenda

    @property
    def participant(self) -> bool:
        return self.practitioner.sas_participant


@dataclass(frozen=True, slots=True)
class CptsCard:
    cpts: Cpts
    members: tuple[Practitioner, ...]  # every member known to the directory (the member list)
    replaced: tuple[PractitionerCard, ...]  # the member cards of this search it stands for
    distance_km: float | None  # of its nearest replaced member
    kind: Literal["cpts"] = "cpts"

    @property
    def key(self) -> str:
        return f"cpts:{self.cpts.finess}"

    @property
    def finess(self) -> str:
        return self.cpts.finess

    @property
    def editor(self) -> str | None:
        return self.cpts.editor

    @property
    def agenda(self) -> AgendaKind:
        return AgendaKind.EDITOR if self.cpts.editor else AgendaKind.NONE

    @property
    def participant(self) -> bool:
        return True

    @property
    def member_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.members)


@dataclass(frozen=True, slots=True)
class SosCard:
    association: SosAssociation
    fixed_point: FixedPoint
    distance_km: float | None
    kind: Literal["sos"] = "sos"

    @property
    def key(self) -> str:
        return f"sos:{self.association.siret}:{self.fixed_point.id}"

    @property
    def siret(self) -> str:
        return self.association.siret

    @property
    def editor(self) -> str | None:
        return self.association.editor

    @property
    def agenda(self) -> AgendaKind:
        # An association without an interfaced editor fills the SAS agenda of its fixed points.
        return AgendaKind.EDITOR if self.association.editor else AgendaKind.SAS

    @property
    def participant(self) -> bool:
        return True  # fixed points are listed because the association takes part in the SAS


@dataclass(frozen=True, slots=True)
class StructureCard:
    structure: HealthStructure
    distance_km: float | None
    kind: Literal["structure"] = "structure"

    @property
    def key(self) -> str:
        return f"structure:{self.structure.id}"

    @property
    def editor(self) -> str | None:
        return None

    @property
    def agenda(self) -> AgendaKind:
        return AgendaKind.NONE

    @property
    def participant(self) -> bool:
        return self.structure.overbooking


Card = PractitionerCard | CptsCard | SosCard | StructureCard


class CardList(Sequence[Card]):
    """The ordered cards of a search, built on first access (a département search can match
    thousands of offers while a page shows five). Slices are tuples; compares like a tuple."""

    __slots__ = ("_build", "_cache", "_entries")

    def __init__(self, entries: Sequence[Any], build: Callable[[Any], Card]) -> None:
        self._entries = entries
        self._build = build
        self._cache: list[Card | None] = [None] * len(entries)

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> Card: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Card, ...]: ...

    def __getitem__(self, index: int | slice) -> Card | tuple[Card, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        card = self._cache[index]
        if card is None:
            card = self._cache[index] = self._build(self._entries[index])
        return card

    def __iter__(self) -> Iterator[Card]:
        for i in range(len(self)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CardList({len(self)} cards)"
