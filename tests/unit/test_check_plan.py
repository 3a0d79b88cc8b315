"""The searches ``sasref check`` plans (:mod:`sasref.conformance.plan`): every variant is the
same search as the IG's query when read by the SAS's own parser, the refused ones are
refused by it, and the window and filler identifiers are what the docstring says."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from sasref.clock import PARIS
from sasref.conformance.plan import filler_ids, search_plan, search_window, unprefixed
from sasref.fhir.identifiers import is_idnps, is_idnst, is_rpps, is_siret
from sasref.search import QueryError, SlotQuery, parse_query

NOW = datetime(2024, 6, 12, 8, 17, 33, 250000, tzinfo=PARIS)
BASE = "https://editeur.test/fhir"
RPPS = ("810002673899", "810100050075", "0331234567")
SIRET = ("334173748400020",)
SAME_SEARCH = ("basic", "id-pipe", "id-unprefixed", "id-spaces", "date-utc", "date-no-millis",
               "date-no-offset", "include-order", "accept-legacy")  # fmt: skip


def _read(url: str, target: str) -> SlotQuery:
    return parse_query(parse_qsl(urlsplit(url).query), target)  # type: ignore[arg-type]


def _search(q: SlotQuery) -> tuple[object, ...]:
    """What a query asks, whatever the order of its includes."""
    includes = (sorted(q.includes), sorted(q.iterate_includes), sorted(q.revincludes))
    return q.target, q.start_ge, q.start_le, q.identifiers, q.status, includes


def test_window_starts_on_a_whole_minute_after_now() -> None:
    ge, le = search_window(NOW)
    assert ge == datetime(2024, 6, 12, 8, 22, tzinfo=PARIS)
    assert le - ge == timedelta(hours=71)
    assert ge > NOW


@pytest.mark.parametrize(("use_case", "ids"), [("ps", RPPS), ("cpts", RPPS), ("sos", SIRET)])
def test_variants_are_the_same_search(use_case: str, ids: tuple[str, ...]) -> None:
    plan = search_plan(use_case, BASE, ids, NOW)
    basic = _read(plan.steps["basic"].url, plan.target)
    assert basic.use_case == use_case and basic.ids == ids
    assert (basic.start_ge, basic.start_le) == plan.window
    for name in SAME_SEARCH:
        if name in plan.steps:
            assert _search(_read(plan.steps[name].url, plan.target)) == _search(basic), name
    assert "|" in plan.steps["id-pipe"].url and "%7C" in plan.steps["basic"].url
    assert "%2B" in plan.steps["basic"].url and "Z" in plan.steps["date-utc"].url


@pytest.mark.parametrize(("use_case", "ids"), [("ps", RPPS), ("sos", SIRET)])
def test_the_refused_steps_are_refused_by_the_sas_parser(
    use_case: str, ids: tuple[str, ...]
) -> None:
    plan = search_plan(use_case, BASE, ids, NOW)
    for name, code in (("id-26", "too-costly"), ("bad-request", "invalid")):
        assert plan.steps[name].expect == "4xx"
        with pytest.raises(QueryError) as caught:
            _read(plan.steps[name].url, plan.target)
        assert caught.value.code == code
    assert len(_read(plan.steps["id-25"].url, plan.target).ids) == 25


def test_id_one_unknown_and_include_none() -> None:
    plan = search_plan("ps", BASE, RPPS, NOW)
    assert _read(plan.steps["id-one"].url, "Slot").ids == RPPS[:1]
    unknown = _read(plan.steps["unknown"].url, "Slot").ids
    assert len(unknown) == 1 and unknown[0] not in RPPS
    bare = _read(plan.steps["include-none"].url, "Slot")
    assert (bare.includes, bare.iterate_includes) == ((), ())
    assert plan.steps["accept-legacy"].headers == (("Accept", "application/json+fhir"),)


def test_without_identifiers_only_what_needs_none() -> None:
    plan = search_plan("sos", BASE, (), NOW)
    assert list(plan.steps) == ["unknown", "id-25", "id-26", "bad-request", "accept-legacy"]


def test_filler_identifiers_are_valid_distinct_and_not_given() -> None:
    rpps = filler_ids("ps", 26, exclude=("899000000002",))
    assert len(set(rpps)) == 26 and "899000000002" not in rpps
    assert all(is_idnps(v) and is_rpps(v[1:]) for v in rpps)
    siret = filler_ids("sos", 3)
    assert all(is_idnst(v) and is_siret(v[1:]) for v in siret)


def test_unprefixed_forms() -> None:
    assert unprefixed("810002673899", "ps") == "10002673899"
    assert unprefixed("0331234567", "ps") == "331234567"
    assert unprefixed("3456780581/11242343", "ps") is None  # a staff id has no bare form
    assert unprefixed("334173748400020", "sos") == "34173748400020"
    assert unprefixed("1330047127", "sos") is None
