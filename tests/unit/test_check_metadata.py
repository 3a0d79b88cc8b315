"""What ``sasref check`` reads in a CapabilityStatement (:mod:`sasref.conformance.metadata`):
the use cases declared, the comparison with what is served, and discovery."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from mocks.editor import EditorSettings
from mocks.editor.capability import capability_statement
from sasref.conformance.exchange import Exchange, Step
from sasref.conformance.metadata import (
    declared_use_cases,
    discovered_ids,
    discovery_steps,
    evaluate_capability,
    evaluate_ig_profiles,
    evaluate_matches_served,
    evaluate_use_cases,
    metadata_step,
)
from sasref.conformance.model import Verdict
from sasref.fhir.systems import IDNPS_SYSTEM, Profile

BASE = "https://editeur.test/fhir"
Json = dict[str, Any]


def _exchange(body: Any, status: int = 200, step: Step | None = None) -> Exchange:
    return Exchange.answered(step or metadata_step(BASE), status, {}, orjson.dumps(body), 0.01)


def _mock_cs(*cases: str) -> Json:
    return capability_statement(EditorSettings("e", BASE, use_cases=frozenset(cases)))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("SAS-GestionnaireAgenda-PsIndiv", {"ps"}),
        ("SAS-GestionnaireAgenda-CPTS", {"cpts"}),
        ("SAS-GestionnaireAgenda-SOS", {"sos"}),
        ("SAS-GestionnaireStructure", {"accounts"}),
    ],
)
def test_the_igs_own_statements_declare_their_use_case(
    shared_dir: Any, name: str, expected: set[str]
) -> None:
    path = shared_dir / "ig" / "ans.fhir.fr.sas-1.2.0" / f"CapabilityStatement-{name}.json"
    cs = json.loads(path.read_text(encoding="utf-8"))
    # the IG's statements are requirements: they declare by their resources, not instantiates
    assert set(declared_use_cases(cs)) == expected


def test_instantiates_wins_over_resources() -> None:
    cs = _mock_cs("ps", "sos")
    assert set(declared_use_cases(cs)) == {"ps", "sos", "accounts"}
    assert declared_use_cases(cs)["sos"] == "instantiates SAS-GestionnaireAgenda-SOS"
    assert declared_use_cases(None) == {}


def test_capability_statement_verdicts() -> None:
    ok = evaluate_capability(_exchange(_mock_cs("ps")))
    assert ok.verdict is Verdict.PASS and "4.0.1" in ok.message
    old = evaluate_capability(_exchange({**_mock_cs("ps"), "fhirVersion": "3.0.2"}))
    assert old.verdict is Verdict.FAIL and "'3.0.2'" in old.message
    missing = evaluate_capability(_exchange({"resourceType": "OperationOutcome"}, 404))
    assert missing.verdict is Verdict.FAIL and "404" in missing.message


def test_use_cases_asked_but_not_declared() -> None:
    declared = declared_use_cases(_mock_cs("ps"))
    assert evaluate_use_cases(declared, ("ps",), True, True).verdict is Verdict.PASS
    refused = evaluate_use_cases(declared, ("sos",), True, True)
    assert refused.verdict is Verdict.FAIL and "SOS" in refused.message
    assert evaluate_use_cases({}, (), False, True).verdict is Verdict.FAIL


def test_matches_served_compares_both_ways() -> None:
    cs = _mock_cs("ps")
    declared = declared_use_cases(cs)
    ok = _exchange({"resourceType": "Bundle", "type": "searchset"})
    refused = _exchange({"resourceType": "OperationOutcome", "issue": []}, 404)
    assert evaluate_matches_served(cs, declared, {"ps": ok}).verdict is Verdict.PASS
    served_undeclared = evaluate_matches_served(cs, declared, {"ps": ok, "sos": ok})
    assert served_undeclared.verdict is Verdict.FAIL
    assert "SOS is served but not declared" in served_undeclared.message
    declared_unserved = evaluate_matches_served(cs, declared, {"ps": refused})
    assert "INT_R01 is declared but 404" in declared_unserved.message
    slot = next(r for r in cs["rest"][0]["resource"] if r["type"] == "Slot")
    slot["searchInclude"] = ["Slot:schedule"]
    lacking = evaluate_matches_served(cs, declared, {"ps": ok})
    assert lacking.verdict is Verdict.FAIL and "Schedule:actor" in lacking.message


def test_ig_profiles_optional_check() -> None:
    assert evaluate_ig_profiles(_mock_cs("ps", "sos")).verdict is Verdict.PASS
    cs = _mock_cs("ps")
    slot = next(r for r in cs["rest"][0]["resource"] if r["type"] == "Slot")
    slot["profile"], slot["supportedProfile"] = "http://example.org/MySlot", []
    result = evaluate_ig_profiles(cs)
    assert result.verdict is Verdict.FAIL and "MySlot" in result.message
    assert not result.check.mandatory


def test_discovery_needs_the_igs_practitioner_search() -> None:
    assert discovery_steps(_mock_cs("ps"), BASE) == {}  # its Practitioner is FrPractitionerRegul
    cs = _mock_cs("ps")
    aggregator = {"type": "Practitioner", "profile": Profile.PRACTITIONER_PS,
                  "interaction": [{"code": "search-type"}]}  # fmt: skip
    cs["rest"][0]["resource"].append(aggregator)
    cs["rest"][0]["resource"] = cs["rest"][0]["resource"][::-1]  # the aggregator one first
    step = discovery_steps(cs, BASE)["ps"]
    assert step.url == f"{BASE}/Practitioner?_count=25"
    practitioner = {"resourceType": "Practitioner", "meta": {"profile": [Profile.PRACTITIONER_PS]},
                    "identifier": [{"system": IDNPS_SYSTEM, "value": "810002673899"}]}  # fmt: skip
    regulator = {**practitioner, "meta": {"profile": [Profile.PRACTITIONER_REGUL]},
                 "identifier": [{"system": IDNPS_SYSTEM, "value": "810100050075"}]}  # fmt: skip
    bundle = {"resourceType": "Bundle", "type": "searchset",
              "entry": [{"resource": practitioner}, {"resource": regulator}]}  # fmt: skip
    assert discovered_ids(_exchange(bundle, step=step), "ps") == ("810002673899",)
