"""Persistence of the SAS agenda (spec ``sas-platform-search.md`` §4) for :mod:`sasref.sasagenda`.

:meth:`AgendaRepository.save` writes an agenda's definition (slots, disabled occurrences, leave,
vacation mode, additional info); orientations are only written by :meth:`AgendaRepository.orient`,
which checks capacity inside the write transaction (the agenda row is updated first, which takes
PostgreSQL's row lock and SQLite's write lock, so two regulators cannot overbook a slot).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from sasref.errors import InvalidInput
from sasref.sasagenda.expand import Window, expand
from sasref.sasagenda.model import (
    AgendaSlot,
    DisabledOccurrence,
    FreeSlot,
    Leave,
    Modality,
    SasAgenda,
    orient,
)
from sasref.storage.base import Repository
from sasref.storage.tables import (
    AgendaRow,
    AgendaSlotRow,
    DisabledOccurrenceRow,
    LeaveRow,
    OrientationRow,
)

_LOAD = (
    selectinload(AgendaRow.slots),
    selectinload(AgendaRow.disabled),
    selectinload(AgendaRow.leaves),
)


def _slot_row(slot: AgendaSlot, position: int) -> AgendaSlotRow:
    return AgendaSlotRow(
        id=slot.id,
        position=position,
        day=slot.day,
        start=slot.start,
        end=slot.end,
        modalities=[m.value for m in slot.modalities],
        max_patients=slot.max_patients,
        weekday=slot.weekday,
        until=slot.until,
    )


def _bookings(s: Session, agenda_ids: list[str]) -> dict[str, dict[tuple[str, date], int]]:
    out: dict[str, dict[tuple[str, date], int]] = {a: {} for a in agenda_ids}
    if not agenda_ids:
        return out
    rows = s.execute(
        select(
            OrientationRow.agenda_id,
            OrientationRow.slot_id,
            OrientationRow.day,
            func.sum(OrientationRow.patients),
        )
        .where(OrientationRow.agenda_id.in_(agenda_ids))
        .group_by(OrientationRow.agenda_id, OrientationRow.slot_id, OrientationRow.day)
    )
    for agenda_id, slot_id, day, total in rows:
        out[agenda_id][(slot_id, day)] = int(total)
    return out


def _agenda(row: AgendaRow, bookings: dict[tuple[str, date], int]) -> SasAgenda:
    return SasAgenda(
        id=row.id,
        owner_id=row.owner_id,
        place_id=row.place_id,
        timezone=row.timezone,
        slots=tuple(
            AgendaSlot(
                id=r.id,
                day=r.day,
                start=r.start,
                end=r.end,
                modalities=tuple(Modality(m) for m in r.modalities),
                max_patients=r.max_patients,
                weekday=r.weekday,
                until=r.until,
            )
            for r in row.slots
        ),
        disabled=frozenset(DisabledOccurrence(d.slot_id, d.day) for d in row.disabled),
        leaves=tuple(Leave(lv.start, lv.end) for lv in row.leaves),
        vacation_mode=row.vacation_mode,
        additional_info=row.additional_info,
        bookings=bookings,
    )


class AgendaRepository(Repository):
    def save(self, *, agenda: SasAgenda, at: datetime | None = None) -> None:
        """Create or replace the agenda's definition (orientations already made are kept)."""
        with self._tx() as s:
            row = s.scalars(
                select(AgendaRow).where(AgendaRow.id == agenda.id).options(*_LOAD)
            ).one_or_none()
            if row is None:
                row = AgendaRow(id=agenda.id)
                s.add(row)
            row.owner_id = agenda.owner_id
            row.place_id = agenda.place_id
            row.timezone = agenda.timezone
            row.vacation_mode = agenda.vacation_mode
            row.additional_info = agenda.additional_info[:1000]
            row.updated_at = self._now(at)
            row.slots = [_slot_row(sl, i) for i, sl in enumerate(agenda.slots)]
            row.disabled = [
                DisabledOccurrenceRow(slot_id=d.slot_id, day=d.day) for d in agenda.disabled
            ]
            row.leaves = [LeaveRow(start=lv.start, end=lv.end) for lv in agenda.leaves]

    def get(self, *, agenda_id: str) -> SasAgenda | None:
        with self._tx() as s:
            row = s.scalars(
                select(AgendaRow).where(AgendaRow.id == agenda_id).options(*_LOAD)
            ).one_or_none()
            if row is None:
                return None
            return _agenda(row, _bookings(s, [row.id])[row.id])

    def find(
        self, *, owner_ids: Iterable[str] | None = None, place_ids: Iterable[str] | None = None
    ) -> list[SasAgenda]:
        """Agendas of these owners and/or places (all agendas when neither is given)."""
        q = select(AgendaRow).options(*_LOAD).order_by(AgendaRow.id)
        if owner_ids is not None:
            q = q.where(AgendaRow.owner_id.in_(list(owner_ids)))
        if place_ids is not None:
            q = q.where(AgendaRow.place_id.in_(list(place_ids)))
        with self._tx() as s:
            rows = list(s.scalars(q))
            booked = _bookings(s, [r.id for r in rows])
            return [_agenda(r, booked[r.id]) for r in rows]

    def delete(self, *, agenda_id: str) -> bool:
        with self._tx() as s:
            row = s.get(AgendaRow, agenda_id)
            if row is None:
                return False
            s.delete(row)
            return True

    def _require(self, agenda_id: str) -> SasAgenda:
        agenda = self.get(agenda_id=agenda_id)
        if agenda is None:
            raise InvalidInput(f"unknown SAS agenda {agenda_id!r}")
        return agenda

    def add_slot(self, *, agenda_id: str, slot: AgendaSlot) -> None:
        agenda = self._require(agenda_id)
        if any(s.id == slot.id for s in agenda.slots):
            raise InvalidInput(f"agenda {agenda_id} already has a slot {slot.id!r}")
        self.save(agenda=replace(agenda, slots=(*agenda.slots, slot)))

    def remove_slot(self, *, agenda_id: str, slot_id: str) -> None:
        agenda = self._require(agenda_id)
        agenda.slot(slot_id)
        self.save(agenda=replace(agenda, slots=tuple(s for s in agenda.slots if s.id != slot_id)))

    def disable_occurrence(
        self, *, agenda_id: str, slot_id: str, day: date, all_following: bool = False
    ) -> None:
        """Switch off one occurrence, or (``all_following``) stop the series from ``day``."""
        agenda = self._require(agenda_id)
        slot = agenda.slot(slot_id)
        if all_following:
            if slot.weekday is None:
                raise InvalidInput("only a recurring slot has following occurrences")
            slots = tuple(replace(s, until=day) if s.id == slot_id else s for s in agenda.slots)
            self.save(agenda=replace(agenda, slots=slots))
        else:
            disabled = agenda.disabled | {DisabledOccurrence(slot_id, day)}
            self.save(agenda=replace(agenda, disabled=frozenset(disabled)))

    def add_leave(self, *, agenda_id: str, leave: Leave) -> None:
        agenda = self._require(agenda_id)
        self.save(agenda=replace(agenda, leaves=(*agenda.leaves, leave)))

    def set_vacation_mode(self, *, agenda_id: str, on: bool) -> None:
        agenda = self._require(agenda_id)
        self.save(agenda=replace(agenda, vacation_mode=on))

    def orient(
        self,
        *,
        agenda_id: str,
        slot_id: str,
        day: date,
        patients: int = 1,
        regulator_id: str | None = None,
        at: datetime | None = None,
    ) -> int:
        """Book patients on an occurrence; returns the places left. Raises
        :class:`~sasref.sasagenda.model.SlotFull` (``slot_full``) when there is no room."""
        now = self._now(at)
        with self._tx() as s:
            # Write first: locks the agenda row (PostgreSQL) / the database (SQLite).
            locked = s.execute(
                update(AgendaRow).where(AgendaRow.id == agenda_id).values(updated_at=now)
            )
            if locked.rowcount == 0:  # type: ignore[attr-defined]
                raise InvalidInput(f"unknown SAS agenda {agenda_id!r}")
            row = s.scalars(
                select(AgendaRow).where(AgendaRow.id == agenda_id).options(*_LOAD)
            ).one()
            agenda = orient(
                _agenda(row, _bookings(s, [agenda_id])[agenda_id]),
                slot_id=slot_id,
                day=day,
                patients=patients,
            )
            s.add(
                OrientationRow(
                    agenda_id=agenda_id,
                    slot_id=slot_id,
                    day=day,
                    patients=patients,
                    regulator_id=regulator_id,
                    created_at=now,
                )
            )
            return agenda.slot(slot_id).capacity - agenda.booked(slot_id, day)

    def free_slots(
        self,
        *,
        window: Window,
        owner_ids: Iterable[str] | None = None,
        place_ids: Iterable[str] | None = None,
    ) -> dict[tuple[str, str], list[FreeSlot]]:
        """Free SAS slots in ``window`` keyed by ``(owner_id, place_id)`` (empty lists dropped)."""
        out: dict[tuple[str, str], list[FreeSlot]] = {}
        for agenda in self.find(owner_ids=owner_ids, place_ids=place_ids):
            free = expand(agenda, window)
            if free:
                out.setdefault((agenda.owner_id, agenda.place_id), []).extend(free)
        return out
