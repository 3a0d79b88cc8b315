"""The SAS agenda as plain data (spec ``sas-platform-search.md`` §4.1-4.4, §4.6).

One :class:`SasAgenda` per place of practice (a practitioner's place, a structure, an SOS fixed
point). Its slots are either *dated* (one day) or *recurring* (a weekly rule from a first date,
optionally stopped from an ``until`` date). A slot is a **créneau** (one patient,
``max_patients == -1`` as the platform stores it) or a **plage horaire** (``max_patients = N > 0``
patients). Single occurrences of a recurring slot can be disabled; leave periods and the
"vacation mode" hide slots; orientations (bookings by a regulator) consume capacity.

Times are wall-clock times in the agenda's IANA time zone. Unlike the real platform, which forces a
fixed ``+01:00`` offset for Europe/Paris (quirk §8.5), occurrences are computed with the zone's
real rules, so a 09:00 slot stays at 09:00 on both sides of a DST change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from sasref.errors import InvalidInput, SasrefError


class SlotKind(StrEnum):
    DATED = "dated"
    RECURRING = "recurring"


class Modality(StrEnum):
    """Consultation modalities of a SAS-agenda slot (as the platform names them)."""

    PHYSICAL = "physical"  # au cabinet (AMB)
    TELECONSULTATION = "teleconsultation"  # (VR)
    HOME = "home"  # visite à domicile (HH)


class SlotFull(SasrefError):
    """An orientation was attempted on an occurrence whose capacity is used up (``slot_full``)."""


@dataclass(frozen=True, slots=True)
class AgendaSlot:
    """A slot definition: dated (``weekday is None``) or weekly recurring (``weekday`` 1-7).

    ``day`` is the date of a dated slot, or the first date of a recurring series. ``until``
    (recurring only) stops the series from that date included, as "disable all following
    occurrences" does on the platform.
    """

    id: str
    day: date
    start: time
    end: time
    modalities: tuple[Modality, ...] = (Modality.PHYSICAL,)
    max_patients: int = -1  # -1: a créneau for one patient; N > 0: a plage for N patients
    weekday: int | None = None  # ISO weekday 1 (Monday) .. 7 for a recurring slot
    until: date | None = None

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput(f"slot {self.id}: end {self.end} is not after start {self.start}")
        if self.max_patients == 0 or self.max_patients < -1:
            raise InvalidInput(f"slot {self.id}: max_patients must be -1 or > 0")
        if self.weekday is not None and not 1 <= self.weekday <= 7:
            raise InvalidInput(f"slot {self.id}: weekday must be 1..7")
        if not self.modalities:
            raise InvalidInput(f"slot {self.id}: at least one modality")

    @property
    def kind(self) -> SlotKind:
        return SlotKind.DATED if self.weekday is None else SlotKind.RECURRING

    @property
    def capacity(self) -> int:
        """How many patients the slot accepts (1 for a créneau)."""
        return 1 if self.max_patients == -1 else self.max_patients

    def occurs_on(self, d: date) -> bool:
        """Whether the slot has an occurrence on local date ``d`` (ignoring exceptions/leave)."""
        if self.weekday is None:
            return d == self.day
        if d < self.day or (self.until is not None and d >= self.until):
            return False
        return d.isoweekday() == self.weekday


@dataclass(frozen=True, slots=True)
class DisabledOccurrence:
    """One occurrence of a recurring slot switched off (``create_slot_disabled``, §4.3)."""

    slot_id: str
    day: date


@dataclass(frozen=True, slots=True)
class Leave:
    """An unavailability period [start, end) (§4.4); slots overlapping it are hidden."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("leave periods need aware datetimes")
        if self.end <= self.start:
            raise InvalidInput("a leave period must end after it starts")


OccurrenceKey = tuple[str, date]


@dataclass(frozen=True)
class SasAgenda:
    """The SAS agenda of one place. ``owner_id`` is the prefixed national id of the practitioner
    (IDNPS) or structure (FINESS/SIRET); ``place_id`` the directory place / fixed-point id."""

    id: str
    owner_id: str
    place_id: str
    timezone: str = "Europe/Paris"
    slots: tuple[AgendaSlot, ...] = ()
    disabled: frozenset[DisabledOccurrence] = frozenset()
    leaves: tuple[Leave, ...] = ()
    vacation_mode: bool = False  # hides every slot (§4.4)
    additional_info: str = ""  # free text shown to regulators, ≤ 1000 chars
    bookings: Mapping[OccurrenceKey, int] = field(default_factory=dict)  # orientations

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def slot(self, slot_id: str) -> AgendaSlot:
        for s in self.slots:
            if s.id == slot_id:
                return s
        raise InvalidInput(f"agenda {self.id} has no slot {slot_id!r}")

    def booked(self, slot_id: str, day: date) -> int:
        return self.bookings.get((slot_id, day), 0)


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The aware instant of wall time ``at`` on ``day``; a time skipped by a DST jump is moved
    forward (02:30 on the spring-forward day becomes 03:30), an ambiguous one takes its first
    occurrence."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz, fold=0)
    # Normalise through UTC: a non-existent wall time comes back shifted by the DST gap.
    return aware.astimezone(UTC).astimezone(tz)


def occurrence_bounds(slot: AgendaSlot, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return local_instant(day, slot.start, tz), local_instant(day, slot.end, tz)


def is_available(agenda: SasAgenda, slot: AgendaSlot, day: date) -> bool:
    """Whether the occurrence of ``slot`` on ``day`` exists and is not disabled nor on leave."""
    if agenda.vacation_mode or not slot.occurs_on(day):
        return False
    if DisabledOccurrence(slot.id, day) in agenda.disabled:
        return False
    if not agenda.leaves:
        return True
    # Compare in UTC: Python compares datetimes sharing a tzinfo by wall time, not by instant.
    start, end = (t.astimezone(UTC) for t in occurrence_bounds(slot, day, agenda.tz))
    return not any(
        lv.start.astimezone(UTC) < end and start < lv.end.astimezone(UTC) for lv in agenda.leaves
    )


def orient(agenda: SasAgenda, *, slot_id: str, day: date, patients: int = 1) -> SasAgenda:
    """Book ``patients`` on the occurrence of ``slot_id`` on ``day`` (§4.6): a new agenda with the
    capacity decremented. Raises :class:`SlotFull` when it would exceed the capacity and
    :class:`InvalidInput` when the occurrence does not exist or is hidden."""
    if patients < 1:
        raise InvalidInput("an orientation books at least one patient")
    slot = agenda.slot(slot_id)
    if not is_available(agenda, slot, day):
        raise InvalidInput(f"slot {slot_id!r} has no available occurrence on {day.isoformat()}")
    taken = agenda.booked(slot_id, day)
    if taken + patients > slot.capacity:
        raise SlotFull(f"slot {slot_id!r} on {day.isoformat()} is full ({taken}/{slot.capacity})")
    bookings = dict(agenda.bookings)
    bookings[(slot_id, day)] = taken + patients
    return replace(agenda, bookings=bookings)


@dataclass(frozen=True, slots=True)
class FreeSlot:
    """A concrete occurrence with room left, ready to be shown on a card."""

    agenda_id: str
    owner_id: str
    place_id: str
    slot_id: str
    day: date  # local date of the occurrence (the orientation key with slot_id)
    start: datetime
    end: datetime
    modalities: tuple[Modality, ...]
    capacity: int
    booked: int

    @property
    def remaining(self) -> int:
        return self.capacity - self.booked

    @property
    def is_plage(self) -> bool:
        """A plage horaire (several patients) rather than a single créneau."""
        return self.capacity > 1
