"""Activity indicators, pure parts: the query's validation, CSV, SAMU keys, the recorder."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from sasref.clock import PARIS, FixedClock
from sasref.errors import InvalidInput
from sasref.indicators import (
    IndicatorRecorder,
    fill_days,
    parse_indicator_query,
    samu_key,
    to_csv,
)
from sasref.storage.indicators import Increments, IndicatorRow

TODAY = date(2026, 6, 16)


def test_query_defaults_to_the_last_30_days_by_day() -> None:
    query = parse_indicator_query(start=None, end=None, group_by=None, today=TODAY)
    assert (query.start, query.end, query.group_by) == (date(2026, 5, 18), TODAY, "day")
    assert query.days == 30


@pytest.mark.parametrize(
    ("start", "end", "group_by", "message"),
    [
        ("2026-13-01", None, None, "from='2026-13-01': a date YYYY-MM-DD"),
        (None, "demain", None, "to='demain'"),
        ("2026-06-10", "2026-06-01", None, "is after"),
        (None, None, "region", "group_by='region': one of day, samu, use_case, editor"),
        ("2020-01-01", "2026-01-01", None, "at most 731 days"),
    ],
)
def test_query_refuses_bad_parameters_clearly(
    start: str | None, end: str | None, group_by: str | None, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_indicator_query(start=start, end=end, group_by=group_by, today=TODAY)


def test_days_are_filled_and_csv_has_one_line_per_row() -> None:
    query = parse_indicator_query(start="2026-06-14", end="2026-06-16", group_by="day", today=TODAY)
    rows = fill_days(query, [IndicatorRow("2026-06-15", searches=3, appointments=1)])
    assert [r.key for r in rows] == ["2026-06-14", "2026-06-15", "2026-06-16"]
    assert to_csv(query, rows).splitlines() == [
        "day,searches,slots_shown,orientations,appointments",
        "2026-06-14,0,0,0,0",
        "2026-06-15,3,0,0,1",
        "2026-06-16,0,0,0,0",
    ]


def test_samu_keys() -> None:
    assert samu_key("33") == "33" and samu_key("samu2a") == "2A" and samu_key("2b") == "2B"
    assert samu_key(None) == samu_key("") == "inconnu"


class FakeRepository:
    def __init__(self) -> None:
        self.batches: list[dict[tuple[str, date, str], tuple[int, int, int, int]]] = []
        self.fail = False

    def add(self, *, increments: Increments) -> int:
        if self.fail:
            raise RuntimeError("database down")
        self.batches.append(dict(increments))
        return len(increments)


def recorder() -> tuple[IndicatorRecorder, FakeRepository, FixedClock]:
    repo = FakeRepository()
    clock = FixedClock(datetime(2026, 6, 16, 23, 59, tzinfo=PARIS))
    return IndicatorRecorder(repo, clock=clock, interval=None), repo, clock  # type: ignore[arg-type]


async def test_a_search_counts_once_per_dimension_member() -> None:
    rec, repo, clock = recorder()
    rec.record_search(
        samu="33",
        slots_by_use_case={"ps": 12, "cpts": 0},
        slots_by_editor={"editeur-01": 7, "editeur-02": 0, "agenda-sas": 5},
    )
    clock.advance(timedelta(minutes=2))  # the next day, in Paris
    rec.record_search(samu=None, slots_by_use_case={"sos": 2}, slots_by_editor={"editeur-01": 2})
    assert await rec.flush() == 9
    (batch,) = repo.batches
    day1, day2 = date(2026, 6, 16), date(2026, 6, 17)
    assert batch[("samu", day1, "33")] == (1, 12, 0, 0)
    assert batch[("use_case", day1, "cpts")] == (1, 0, 0, 0)
    assert batch[("editor", day1, "editeur-01")] == (1, 7, 0, 0)
    assert batch[("editor", day1, "agenda-sas")] == (1, 5, 0, 0)
    assert batch[("samu", day2, "inconnu")] == (1, 2, 0, 0)
    assert rec.totals[("searches", "samu", "33")] == 1
    assert await rec.flush() == 0


async def test_appointments_are_orientations_too_and_failed_writes_are_kept() -> None:
    rec, repo, _ = recorder()
    rec.record_appointment(samu="33", use_case="marketplace", editor="editeur-02")
    rec.record_orientation(samu="33", use_case="surnumeraire")
    repo.fail = True
    with pytest.raises(RuntimeError):
        await rec.flush()
    rec.record_orientation(samu="33", use_case="surnumeraire")
    repo.fail = False
    await rec.flush()
    (batch,) = repo.batches
    day = date(2026, 6, 16)
    assert batch[("samu", day, "33")] == (0, 0, 3, 1)
    assert batch[("use_case", day, "marketplace")] == (0, 0, 1, 1)
    assert batch[("use_case", day, "surnumeraire")] == (0, 0, 2, 0)
    assert batch[("editor", day, "editeur-02")] == (0, 0, 1, 1)
    assert ("editor", day, "") not in batch
