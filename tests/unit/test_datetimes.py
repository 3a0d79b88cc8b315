"""Instants written the IG way, read tolerantly; DST days of 2024 in Paris.

In 2024 Paris switched to summer time on Sunday 31 March (02:00 → 03:00) and back on Sunday
27 October (03:00 → 02:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sasref.clock import PARIS
from sasref.errors import InvalidDateTime
from sasref.fhir.datetimes import format_date, format_instant, parse_date, parse_datetime

IG = "2024-06-12T16:20:00.000+02:00"


def test_format_instant_ig_style() -> None:
    assert format_instant(datetime(2024, 6, 12, 16, 20, tzinfo=PARIS)) == IG
    assert format_instant(datetime(2024, 6, 12, 14, 20, tzinfo=UTC)) == IG
    assert format_instant(datetime(2024, 1, 12, 16, 20, tzinfo=PARIS)).endswith(".000+01:00")


def test_format_instant_truncates_to_milliseconds() -> None:
    dt = datetime(2024, 12, 31, 23, 59, 59, 999_999, tzinfo=PARIS)
    assert format_instant(dt) == "2024-12-31T23:59:59.999+01:00"


def test_format_instant_naive_is_paris_wall_time() -> None:
    assert format_instant(datetime(2024, 6, 12, 16, 20)) == IG


@pytest.mark.parametrize(
    "text",
    [
        IG,
        "2024-06-12T16:20:00.000 02:00",  # "+" decoded to a space by URL decoding
        "2024-06-12T16:20:00.000%2B02:00",  # "+" left percent-encoded
        "2024-06-12T16:20:00+02:00",
        "2024-06-12T16:20:00+0200",
        "2024-06-12T14:20:00Z",
        "2024-06-12T14:20:00.000z",
        "2024-06-12T16:20:00",  # no offset: Paris
        "2024-06-12T16:20",
        "2024-06-12 16:20:00",
        "  2024-06-12T16:20:00.000+02:00 ",
        "2024-06-12T09:20:00-05:00",
    ],
)
def test_parse_datetime_tolerant(text: str) -> None:
    parsed = parse_datetime(text)
    assert parsed == datetime(2024, 6, 12, 16, 20, tzinfo=PARIS)
    assert parsed.utcoffset() == timedelta(hours=2)
    assert (parsed.hour, parsed.minute) == (16, 20)  # Paris wall time
    assert format_instant(parsed) == IG


def test_parse_datetime_fraction_digits() -> None:
    assert parse_datetime("2024-06-12T16:20:00.5+02:00").microsecond == 500_000
    assert parse_datetime("2024-06-12T16:20:00.123456789+02:00").microsecond == 123_456


def test_parse_date_only_is_start_of_paris_day() -> None:
    assert parse_datetime("2024-06-12") == datetime(2024, 6, 11, 22, 0, tzinfo=UTC)
    assert format_instant(parse_datetime("2024-01-12")) == "2024-01-12T00:00:00.000+01:00"


def test_parse_datetime_other_default_tz() -> None:
    assert parse_datetime("2024-06-12T16:20:00", default_tz=UTC) == datetime(
        2024, 6, 12, 16, 20, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "2024-13-01",
        "2024-02-30",
        "2024-06-12T25:00:00",
        "2024-06-12T16:60:00",
        "2024-06-12T16:20:00+25:00",
        "2024-06-12T16:20:00+02:60",
        "2024-06",
        "12/06/2024",
        "2024-06-12T16:20:00.+02:00",
        "2024-06-12T16:20:00+02",
        "20240612",
    ],
)
def test_parse_datetime_rejects_garbage(text: str) -> None:
    with pytest.raises(InvalidDateTime) as exc:
        parse_datetime(text)
    assert repr(text) in str(exc.value)


def test_parse_datetime_rejects_non_strings() -> None:
    with pytest.raises(InvalidDateTime):
        parse_datetime(20240612)  # type: ignore[arg-type]


# --- DST ------------------------------------------------------------------------------------
def test_spring_gap_moves_forward() -> None:
    # 02:30 does not exist on 2024-03-31: read with the pre-gap offset (+01:00) = 03:30+02:00.
    parsed = parse_datetime("2024-03-31T02:30:00")
    assert parsed == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert format_instant(parsed) == "2024-03-31T03:30:00.000+02:00"
    assert format_instant(datetime(2024, 3, 31, 2, 30)) == "2024-03-31T03:30:00.000+02:00"


def test_spring_day_offsets() -> None:
    assert format_instant(parse_datetime("2024-03-31T01:59:59")).endswith("+01:00")
    assert format_instant(parse_datetime("2024-03-31T03:00:00")).endswith("+02:00")
    # The day is 23 hours long.
    assert parse_datetime("2024-04-01") - parse_datetime("2024-03-31") == timedelta(hours=23)


def test_autumn_fold_takes_first_occurrence() -> None:
    parsed = parse_datetime("2024-10-27T02:30:00")
    assert format_instant(parsed) == "2024-10-27T02:30:00.000+02:00"
    # With explicit offsets both occurrences are kept apart.
    first = parse_datetime("2024-10-27T02:30:00.000+02:00")
    second = parse_datetime("2024-10-27T02:30:00.000+01:00")
    assert second - first == timedelta(hours=1)
    assert format_instant(second) == "2024-10-27T02:30:00.000+01:00"
    assert parse_datetime("2024-10-28") - parse_datetime("2024-10-27") == timedelta(hours=25)


def test_slots_across_the_autumn_change() -> None:
    start = parse_datetime("2024-10-27T01:45:00.000+02:00")
    texts = [format_instant(start + timedelta(minutes=30 * i)) for i in range(4)]
    assert texts == [
        "2024-10-27T01:45:00.000+02:00",
        "2024-10-27T02:15:00.000+02:00",
        "2024-10-27T02:45:00.000+02:00",
        "2024-10-27T02:15:00.000+01:00",
    ]


# --- Dates ----------------------------------------------------------------------------------
def test_format_and_parse_date() -> None:
    assert format_date(date(2024, 6, 12)) == "2024-06-12"
    assert format_date(datetime(2024, 6, 11, 23, 30, tzinfo=UTC)) == "2024-06-12"  # Paris date
    assert format_date(datetime(2024, 6, 11, 23, 30)) == "2024-06-11"
    assert parse_date("2024-06-12") == date(2024, 6, 12)
    for bad in ("2024-6-12", "20240612", "2024-02-30", "x"):
        with pytest.raises(InvalidDateTime):
            parse_date(bad)


# --- Properties -----------------------------------------------------------------------------
aware = st.datetimes(
    min_value=datetime(1972, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([PARIS, UTC, timezone(timedelta(hours=-5, minutes=-30))]),
    allow_imaginary=False,
)


@given(aware)
def test_format_parse_roundtrip(dt: datetime) -> None:
    text = format_instant(dt)
    parsed = parse_datetime(text)
    # Compared in UTC: PEP 495 makes == False across zones for ambiguous (fold) wall times.
    expected = dt.replace(microsecond=dt.microsecond // 1000 * 1000)
    assert parsed.astimezone(UTC) == expected.astimezone(UTC)
    assert format_instant(parsed) == text
    assert parse_datetime(text.replace("+", " ")) == parsed


@given(aware)
def test_format_instant_shape(dt: datetime) -> None:
    text = format_instant(dt)
    assert len(text) == len("2024-06-12T16:20:00.000+02:00")
    assert text[19] == "." and text[23] in "+-"
    assert text[23:] in ("+01:00", "+02:00")
