"""Each quirk and fault of the mock editor's ``/admin/behaviour`` is caught by named checks of
``sasref check`` — a test per quirk and per fault, derived from the behaviour model: a new quirk
or fault without its scenario here fails the suite.

Every named check passes with the behaviour off and fails (mandatory: the run fails) with it on.
The latency scenario sets a response-time limit well under the injected delay (no timing assert:
a sleep never returns early); the hang one a short timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from mocks.editor import Faults, Quirks
from mocks.editor.sample import FINESS_CPTS_1, RPPS_A, RPPS_B, SIRET_SOS, sample_shard
from mocks.testing import MockNetwork
from sasref.clock import PARIS, FixedClock
from sasref.conformance import CheckConfig, Report, Verdict, run_checks

NOW = datetime(2024, 6, 12, 8, tzinfo=PARIS)
ROOT = "https://editeur-01.test"
SEARCHES = ("ps", "cpts", "sos")


def _each(name: str, cases: tuple[str, ...] = SEARCHES) -> set[str]:
    return {f"{uc}.{name}" for uc in cases}


#: quirk → the checks that must catch it
QUIRKS: dict[str, set[str]] = {
    "unprefixed_ids": _each("prefixed-ids"),
    "text_only_specialities": _each("specialty-coded", ("ps", "cpts")),
    "raw_plus_offsets": _each("self-link") | _each("instants"),
    "missing_search_mode": _each("search-mode"),
    "wrong_total": _each("total"),
}
#: fault → (the /admin/behaviour patch, the checks that must catch it, config overrides)
FAULTS: dict[str, tuple[dict[str, Any], set[str], dict[str, Any]]] = {
    "latency": ({"latency": {"kind": "fixed", "ms": 150}}, _each("response-time", ("ps",)),
                {"time_limit": 0.05, "use_cases": ("ps",)}),
    "error_rate": ({"error_rate": 1.0}, _each("http-200") | {"metadata.matches-served"}, {}),
    "hang_rate": ({"hang_rate": 1.0}, _each("http-200") | _each("response-time"),
                  {"timeout": 0.2}),
    "malformed_json_rate": ({"malformed_json_rate": 1.0}, _each("json"), {}),
    "invalid_fhir_rate": ({"invalid_fhir_rate": 1.0},
                          _each("profiles") | _each("status-free") | _each("references"), {}),
    "wrong_content_type_rate": ({"wrong_content_type_rate": 1.0}, _each("content-type"), {}),
}  # fmt: skip
#: fault fields that only tune another fault (tested with it)
FAULT_PARAMETERS = {"error_statuses": "error_rate", "hang_seconds": "hang_rate"}


def test_every_quirk_has_its_scenario() -> None:
    assert set(Quirks.model_fields) == set(QUIRKS)


def test_every_fault_has_its_scenario() -> None:
    assert set(Faults.model_fields) == set(FAULTS) | set(FAULT_PARAMETERS)
    assert set(FAULT_PARAMETERS.values()) <= set(FAULTS)


@pytest.fixture
async def net() -> AsyncIterator[MockNetwork]:
    clock = FixedClock(NOW)
    async with MockNetwork.from_shards([sample_shard(clock)], clock=clock, seed=11) as network:
        yield network


async def _run(net: MockNetwork, behaviour: dict[str, Any] | None, **extra: Any) -> Report:
    if behaviour is not None:
        answer = await net.client.put(f"{ROOT}/admin/behaviour", json=behaviour)
        assert answer.status_code == 200, answer.text
    values: dict[str, Any] = {
        "rpps": (RPPS_A, RPPS_B),
        "siret": (SIRET_SOS,),
        "finess": (FINESS_CPTS_1,),
        "clock": FixedClock(NOW),
        "time_limit": 60.0,
        "timeout": 5.0,
    }
    values.update(extra)
    return await run_checks(net.client, CheckConfig(f"{ROOT}/fhir", **values))


def _assert_caught(report: Report, expected: set[str]) -> None:
    verdicts = {r.id: r.verdict for r in report.results}
    missed = {c: verdicts.get(c) for c in expected if verdicts.get(c) is not Verdict.FAIL}
    assert missed == {}, missed
    assert not report.ok and report.exit_code == 1
    assert expected <= {r.id for r in report.failures}  # mandatory: each fails the run
    for check_id in expected:
        result = report.result(check_id)
        assert result.message and result.evidence, check_id  # named bad value, evidence


async def test_the_named_checks_pass_with_the_behaviour_off(net: MockNetwork) -> None:
    report = await _run(net, None)
    assert report.ok, [(r.id, r.message) for r in report.failures]
    named = set().union(*QUIRKS.values(), *(f[1] for f in FAULTS.values()))
    assert {c for c in named if report.result(c).verdict is not Verdict.PASS} == set()


@pytest.mark.parametrize("quirk", sorted(QUIRKS))
async def test_each_quirk_is_caught(net: MockNetwork, quirk: str) -> None:
    report = await _run(net, {"quirks": {quirk: True}})
    _assert_caught(report, QUIRKS[quirk])


@pytest.mark.parametrize(
    ("fault", "extra_patch"),
    [(f, {}) for f in sorted(FAULTS) if f != "error_rate"]
    + [("error_rate", {"error_statuses": [500]}), ("error_rate", {"error_statuses": [503]})],
)
async def test_each_fault_is_caught(net: MockNetwork, fault: str, extra_patch: Any) -> None:
    patch, expected, overrides = FAULTS[fault]
    report = await _run(net, {"faults": {**patch, **extra_patch}}, **overrides)
    _assert_caught(report, expected)
    if extra_patch:
        status = str(extra_patch["error_statuses"][0])
        assert status in report.result("ps.http-200").message


async def test_strict_validates_as_the_ans_validator(net: MockNetwork) -> None:
    # text-only specialties: the SAS tolerates them, the ANS validator does not
    tolerant = await _run(net, {"quirks": {"text_only_specialities": True}})
    strict = await _run(net, None, strict=True)
    assert tolerant.result("ps.profiles").verdict is Verdict.PASS
    assert strict.result("ps.profiles").verdict is Verdict.FAIL
    assert "no coding but is bound (required)" in strict.result("ps.profiles").message
    assert tolerant.result("ps.specialty-coded").verdict is Verdict.FAIL  # caught either way
