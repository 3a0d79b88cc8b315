"""The SAS agenda: expansion into free slots, capacity, exceptions, leave, DST, merge (spec §4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from sasref.clock import PARIS, FixedClock
from sasref.errors import InvalidInput
from sasref.sasagenda import (
    AgendaSlot,
    DisabledOccurrence,
    Leave,
    Modality,
    OfferSource,
    SasAgenda,
    SlotFull,
    Window,
    expand,
    merge_offers,
    orient,
    search_window,
)

# Friday 27 March 2026, 10:00 Paris; DST starts on Sunday 29 March at 02:00 (→ 03:00).
FRIDAY = date(2026, 3, 27)
SATURDAY = date(2026, 3, 28)
SUNDAY = date(2026, 3, 29)
NOW = datetime(2026, 3, 27, 10, 0, tzinfo=PARIS)


def _agenda(*slots: AgendaSlot, **kw: object) -> SasAgenda:
    return SasAgenda("ag", "810000000001", "place-1", slots=slots, **kw)  # type: ignore[arg-type]


def _window() -> Window:
    return search_window(FixedClock(NOW))


def test_search_window_is_now_to_d_plus_2_end_of_day_paris() -> None:
    w = _window()
    assert w.start == NOW
    assert w.end == datetime(2026, 3, 29, 23, 59, 59, tzinfo=PARIS)
    assert w.end.utcoffset() == timedelta(hours=2)  # Sunday evening is already summer time


def test_dated_slots_inside_the_window_only() -> None:
    agenda = _agenda(
        AgendaSlot("past", FRIDAY, time(8), time(9)),
        AgendaSlot("today", FRIDAY, time(14), time(14, 30)),
        AgendaSlot("d2", SUNDAY, time(18), time(18, 30)),
        AgendaSlot("d3", date(2026, 3, 30), time(8), time(8, 30)),
    )
    free = expand(agenda, _window())
    assert [f.slot_id for f in free] == ["today", "d2"]
    assert free[0].start == datetime(2026, 3, 27, 14, 0, tzinfo=PARIS)
    assert free[0].owner_id == "810000000001" and free[0].place_id == "place-1"


def test_started_creneau_dropped_but_ongoing_plage_kept() -> None:
    agenda = _agenda(
        AgendaSlot("creneau", FRIDAY, time(9, 45), time(10, 15)),
        AgendaSlot("plage", FRIDAY, time(9), time(12), max_patients=4),
    )
    free = expand(agenda, _window())
    assert [f.slot_id for f in free] == ["plage"]
    assert free[0].is_plage and free[0].remaining == 4


def test_recurring_rule_expands_weekly_from_its_first_day() -> None:
    saturdays = AgendaSlot("sat", date(2026, 3, 7), time(9), time(9, 30), weekday=6)
    later = AgendaSlot("late", date(2026, 4, 1), time(9), time(9, 30), weekday=6)  # not started
    stopped = AgendaSlot(
        "stop", date(2026, 3, 7), time(10), time(10, 30), weekday=6, until=SATURDAY
    )
    free = expand(_agenda(saturdays, later, stopped), _window())
    assert [(f.slot_id, f.day) for f in free] == [("sat", SATURDAY)]
    wide = Window(NOW, datetime(2026, 4, 12, tzinfo=PARIS))
    assert [f.day for f in expand(_agenda(saturdays), wide)] == [
        SATURDAY,
        date(2026, 4, 4),
        date(2026, 4, 11),
    ]


def test_dst_spring_forward_keeps_wall_clock_times() -> None:
    agenda = _agenda(
        AgendaSlot("sat", date(2026, 3, 1), time(9), time(9, 30), weekday=6),
        AgendaSlot("sun", date(2026, 3, 1), time(9), time(9, 30), weekday=7),
        AgendaSlot("night", SUNDAY, time(1, 30), time(3, 30), max_patients=2),
    )
    w = Window(
        datetime(2026, 3, 28, 0, 0, tzinfo=PARIS), datetime(2026, 3, 29, 23, 0, tzinfo=PARIS)
    )
    free = {f.slot_id: f for f in expand(agenda, w)}
    assert free["sat"].start.isoformat() == "2026-03-28T09:00:00+01:00"
    assert free["sun"].start.isoformat() == "2026-03-29T09:00:00+02:00"
    # 01:30 CET → 03:30 CEST lasts one real hour (02:00-03:00 does not exist that night).
    night = free["night"]
    assert night.end.astimezone(UTC) - night.start.astimezone(UTC) == timedelta(hours=1)
    assert free["night"].start.astimezone(UTC).hour == 0


def test_dst_fall_back_ambiguous_time_takes_first_occurrence() -> None:
    day = date(2026, 10, 25)
    agenda = _agenda(AgendaSlot("amb", day, time(2, 30), time(4), max_patients=3))
    w = Window(datetime(2026, 10, 24, 12, tzinfo=PARIS), datetime(2026, 10, 25, 23, tzinfo=PARIS))
    (slot,) = expand(agenda, w)
    assert slot.start.utcoffset() == timedelta(hours=2)
    assert slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == timedelta(hours=2, minutes=30)


def test_capacity_and_orientations() -> None:
    plage = AgendaSlot("plage", FRIDAY, time(14), time(16), max_patients=3)
    creneau = AgendaSlot("c", FRIDAY, time(16), time(16, 15))
    agenda = _agenda(plage, creneau)
    agenda = orient(agenda, slot_id="plage", day=FRIDAY, patients=2)
    free = {f.slot_id: f for f in expand(agenda, _window())}
    assert free["plage"].booked == 2 and free["plage"].remaining == 1
    agenda = orient(agenda, slot_id="plage", day=FRIDAY)
    agenda = orient(agenda, slot_id="c", day=FRIDAY)
    assert expand(agenda, _window()) == []  # both full: not free any more
    with pytest.raises(SlotFull):
        orient(agenda, slot_id="plage", day=FRIDAY)
    with pytest.raises(InvalidInput):
        orient(agenda, slot_id="plage", day=SATURDAY)  # no occurrence that day
    with pytest.raises(InvalidInput):
        orient(agenda, slot_id="nope", day=FRIDAY)
    with pytest.raises(InvalidInput):
        orient(agenda, slot_id="plage", day=FRIDAY, patients=0)


def test_disabled_occurrence_leave_and_vacation_mode() -> None:
    rule = AgendaSlot("daily-sat", date(2026, 3, 7), time(9), time(9, 30), weekday=6)
    sunday = AgendaSlot("sun", SUNDAY, time(11), time(11, 30))
    friday = AgendaSlot("fri", FRIDAY, time(15), time(15, 30))
    agenda = _agenda(rule, sunday, friday)
    assert len(expand(agenda, _window())) == 3
    off = replace(agenda, disabled=frozenset({DisabledOccurrence("daily-sat", SATURDAY)}))
    assert [f.slot_id for f in expand(off, _window())] == ["fri", "sun"]
    with pytest.raises(InvalidInput):
        orient(off, slot_id="daily-sat", day=SATURDAY)
    # A leave period hides overlapping occurrences only (here Sunday 11:15 → Monday).
    leave = Leave(datetime(2026, 3, 29, 11, 15, tzinfo=PARIS), datetime(2026, 3, 30, tzinfo=PARIS))
    on_leave = replace(agenda, leaves=(leave,))
    assert [f.slot_id for f in expand(on_leave, _window())] == ["fri", "daily-sat"]
    assert expand(replace(agenda, vacation_mode=True), _window()) == []


def test_slot_and_leave_validation() -> None:
    with pytest.raises(InvalidInput):
        AgendaSlot("x", FRIDAY, time(10), time(9))
    with pytest.raises(InvalidInput):
        AgendaSlot("x", FRIDAY, time(9), time(10), max_patients=0)
    with pytest.raises(InvalidInput):
        AgendaSlot("x", FRIDAY, time(9), time(10), weekday=8)
    with pytest.raises(InvalidInput):
        AgendaSlot("x", FRIDAY, time(9), time(10), modalities=())
    with pytest.raises(InvalidInput):
        Leave(datetime(2026, 3, 2), datetime(2026, 3, 3))
    with pytest.raises(InvalidInput):
        Window(NOW, NOW - timedelta(hours=1))
    slot = AgendaSlot("x", FRIDAY, time(9), time(10), modalities=(Modality.HOME,), weekday=5)
    assert slot.kind == "recurring" and slot.capacity == 1


def test_other_time_zone_agenda() -> None:
    agenda = replace(
        _agenda(AgendaSlot("re", FRIDAY, time(14), time(14, 30))), timezone="Indian/Reunion"
    )
    (slot,) = expand(agenda, _window())
    assert slot.start.isoformat() == "2026-03-27T14:00:00+04:00"


def test_merge_editor_slots_win_for_a_served_place() -> None:
    sas = expand(_agenda(AgendaSlot("s", FRIDAY, time(14), time(15))), _window())
    merged = merge_offers(
        {"served": ["e1", "e2"], "served-empty": []},
        {"served": sas, "served-empty": sas, "sas-only": sas},
    )
    assert merged["served"].source is OfferSource.EDITOR
    assert merged["served"].editor_slots == ("e1", "e2") and merged["served"].sas_slots == ()
    assert merged["served"].ignored_sas_slots == 1
    # The editor answered "nothing free": still no SAS slots on that card (no union).
    assert merged["served-empty"].source is OfferSource.EDITOR and merged["served-empty"].count == 0
    assert merged["sas-only"].source is OfferSource.SAS and merged["sas-only"].sas_slots == tuple(
        sas
    )
    assert merged["sas-only"].count == 1
    assert set(merged) == {"served", "served-empty", "sas-only"}
