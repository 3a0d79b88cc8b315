"""The per-answer checks of ``sasref check`` (:mod:`sasref.conformance.searchset`), on searchsets
rendered by :func:`sasref.search.build_searchset` and then spoiled one way at a time: a right
answer has no finding, each spoilt one exactly the finding naming the bad value."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import pytest

from mocks.editor.sample import RPPS_A, RPPS_B, SIRET_SOS, sample_shard
from sasref.clock import PARIS, FixedClock
from sasref.conformance.exchange import Exchange, Step
from sasref.conformance.plan import search_plan
from sasref.conformance.searchset import FINDERS, Answer, owned_keys, self_link_findings
from sasref.search import build_searchset, parse_query, slot_matches

NOW = datetime(2024, 6, 12, 8, tzinfo=PARIS)
BASE = "https://editeur-01.test/fhir"
Json = dict[str, Any]


def _answer(use_case: str, ids: tuple[str, ...], step: str = "basic") -> Answer:
    shard = sample_shard(FixedClock(NOW))
    plan = search_plan(use_case, BASE, ids, NOW)
    planned = plan.steps[step]
    query = parse_query(_params(planned.url), plan.target)  # type: ignore[arg-type]
    slots = [s for s in shard.slots if slot_matches(query, s)]
    bundle = build_searchset(query, shard.catalog(), slots, base_url=BASE, self_url=planned.url)
    return Answer(Exchange.answered(planned, 200, {}, b"{}", 0.01), copy.deepcopy(bundle),
                  use_case)  # fmt: skip


def _params(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query)


@pytest.fixture(scope="module")
def ps() -> Answer:
    return _answer("ps", (RPPS_A, RPPS_B))


def _spoilt(answer: Answer) -> Answer:
    return Answer(answer.exchange, copy.deepcopy(answer.bundle), answer.use_case)


def _first(answer: Answer, rtype: str) -> Json:
    return next(e["resource"] for e in answer.bundle["entry"]
                if e["resource"]["resourceType"] == rtype)  # fmt: skip


@pytest.mark.parametrize("use_case", ["ps", "cpts", "sos"])
def test_a_right_answer_has_no_finding(use_case: str) -> None:
    ids = (SIRET_SOS,) if use_case == "sos" else (RPPS_A, RPPS_B)
    answer = _answer(use_case, ids)
    assert any(answer.slots)
    for name, finder in FINDERS.items():
        assert finder(answer) == [], name
    assert self_link_findings(answer) == []


def test_total_counts_the_matches(ps: Answer) -> None:
    bad = _spoilt(ps)
    bad.bundle["total"] = len(bad.bundle["entry"])
    (message, part), *_ = FINDERS["total"](Answer(bad.exchange, bad.bundle, "ps"))
    assert f"total {len(bad.bundle['entry'])}" in message and part == {"total": bad.bundle["total"]}


def test_search_mode_missing_or_wrong(ps: Answer) -> None:
    bad = _spoilt(ps)
    bad.bundle["entry"][1].pop("search")
    bad.bundle["entry"][0]["search"]["mode"] = "include"
    messages = [m for m, _ in FINDERS["search-mode"](Answer(bad.exchange, bad.bundle, "ps"))]
    assert "entry 0" in messages[0] and "'match' expected" in messages[0]
    assert "entry 1" in messages[1] and "no search.mode" in messages[1]


def test_self_link_with_a_raw_plus_is_named(ps: Answer) -> None:
    bad = _spoilt(ps)
    bad.bundle["link"][0]["url"] = bad.bundle["link"][0]["url"].replace("%2B", "+")
    (message, _), *_ = self_link_findings(bad)
    assert "start=" in message and "%2B" in message


def test_self_link_missing(ps: Answer) -> None:
    bad = _spoilt(ps)
    bad.bundle.pop("link")
    assert self_link_findings(bad)[0][0] == "the Bundle has no self link"


def test_meta_profile_missing_or_foreign(ps: Answer) -> None:
    bad = _spoilt(ps)
    _first(bad, "Schedule").pop("meta")
    _first(bad, "Practitioner")["meta"]["profile"] = ["http://example.org/Other"]
    messages = [m for m, _ in FINDERS["meta-profile"](Answer(bad.exchange, bad.bundle, "ps"))]
    assert any("Schedule/" in m and "no meta.profile" in m for m in messages)
    assert any("http://example.org/Other" in m for m in messages)


def test_unprefixed_identifiers_are_named(ps: Answer) -> None:
    bad = _spoilt(ps)
    practitioner = _first(bad, "Practitioner")
    practitioner["identifier"][0]["value"] = practitioner["identifier"][0]["value"][1:]
    (message, part), *_ = FINDERS["prefixed-ids"](Answer(bad.exchange, bad.bundle, "ps"))
    assert repr(part["value"]) in message and "not prefixed" in message


def test_an_instant_with_its_plus_decoded(ps: Answer) -> None:
    bad = _spoilt(ps)
    slot = _first(bad, "Slot")
    slot["start"] = slot["start"].replace("+", " ")
    (message, _), *_ = FINDERS["instants"](Answer(bad.exchange, bad.bundle, "ps"))
    assert slot["start"] in message and "decoded to a space" in message


def test_text_only_specialty_status_and_booking_url(ps: Answer) -> None:
    bad = _spoilt(ps)
    slot = _first(bad, "Slot")
    slot["specialty"] = [{"text": "Pneumologie"}]
    slot["status"] = "busy"
    slot["comment"] = "appeler le cabinet"
    answer = Answer(bad.exchange, bad.bundle, "ps")
    assert "Pneumologie" in FINDERS["specialty-coded"](answer)[0][0]
    assert "'busy'" in FINDERS["status-free"](answer)[0][0]
    assert "'appeler le cabinet'" in FINDERS["booking-url"](answer)[0][0]


def test_window_and_identifier_filter(ps: Answer) -> None:
    bad = _spoilt(ps)
    _first(bad, "Slot")["start"] = "2030-01-01T10:00:00.000+01:00"
    answer = Answer(bad.exchange, bad.bundle, "ps")
    assert "2030-01-01T10:00:00.000+01:00" in FINDERS["window"](answer)[0][0]
    asked_one = Step("ps:x", "GET", ps.exchange.step.url, "", ids=(RPPS_A,))
    narrowed = Answer(Exchange.answered(asked_one, 200, {}, b"", 0.0), ps.bundle, "ps")
    assert FINDERS["identifier-filter"](narrowed) == [
        (f"slots of {RPPS_B}, which the request did not ask for", None)
    ]


def test_a_dangling_schedule_breaks_the_references(ps: Answer) -> None:
    bad = _spoilt(ps)
    bad.bundle["entry"] = [e for e in bad.bundle["entry"]
                           if e["resource"]["resourceType"] != "Schedule"]  # fmt: skip
    findings = FINDERS["references"](Answer(bad.exchange, bad.bundle, "ps"))
    assert findings and "Schedule/" in findings[0][0]


def test_owned_keys_split_the_answer_by_identifier(ps: Answer) -> None:
    a, b = owned_keys(ps, RPPS_A), owned_keys(ps, RPPS_B)
    assert a and b and not a & b
    assert a | b == ps.keys("Slot")
    sos = _answer("sos", (SIRET_SOS,))
    assert {k.split("/")[0] for k in owned_keys(sos, SIRET_SOS)} == {"Slot", "Schedule"}
