"""The faces of a ``sasref check`` report: exit code, JSON, JUnit XML (the common schema shape,
read back with ``xml.etree``), self-contained HTML, and the terminal table."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from rich.console import Console

from sasref.clock import PARIS
from sasref.conformance import CHECKS, CheckResult, Evidence, Report, Verdict
from sasref.conformance.reports.html import html_report
from sasref.conformance.reports.junit import junit_xml
from sasref.conformance.reports.terminal import print_report

EVIL = '<script>alert("x")</script> & friends'


def _report(strict: bool = False, optional_only: bool = False) -> Report:
    evidence = Evidence("GET https://e.test/fhir/Slot?a=1", 200, 12.0, "text/html", EVIL, "why")
    results = [
        CheckResult(CHECKS["metadata.capability-statement"], Verdict.PASS, "FHIR 4.0.1"),
        CheckResult(CHECKS["ps.id-spaces"], Verdict.FAIL, "optional broke", (evidence,)),
        CheckResult(CHECKS["tls.version"], Verdict.SKIP, "plain http"),
    ]
    if not optional_only:
        results += [
            CheckResult(CHECKS["ps.total"], Verdict.FAIL, f"total 3 but 2 {EVIL}", (evidence,)),
            CheckResult(CHECKS["ps.json"], Verdict.ERROR, "the kit could not judge"),
        ]
    started = datetime(2024, 6, 12, 8, tzinfo=PARIS)
    return Report("https://e.test/fhir", started, ("ps",), strict, results, ["a note"], 1.5)


def test_exit_code_counts_mandatory_checks_and_optional_ones_with_strict() -> None:
    assert _report().exit_code == 1
    assert [r.id for r in _report().failures] == ["ps.total", "ps.json"]
    assert _report(optional_only=True).exit_code == 0
    assert _report(strict=True, optional_only=True).exit_code == 1
    assert "FAIL: ps.total, ps.json" in _report().summary()
    assert _report(optional_only=True).summary().endswith("PASS")


def test_json_report() -> None:
    data = json.loads(json.dumps(_report().to_json()))
    assert data["passed"] is False and data["counts"] == {"pass": 1, "fail": 2, "skip": 1,
                                                          "error": 1}  # fmt: skip
    total = next(r for r in data["results"] if r["id"] == "ps.total")
    assert total["verdict"] == "fail" and total["mandatory"] is True
    assert total["requirements"] == ["fhir-total"]
    assert total["evidence"][0]["request"].startswith("GET ") and total["evidence"][0]["status"]


@pytest.mark.parametrize("strict", [False, True])
def test_junit_xml_has_the_common_shape(strict: bool) -> None:
    report = _report(strict)
    root = ET.fromstring(junit_xml(report))
    assert root.tag == "testsuites"
    cases = root.findall("testsuite/testcase")
    assert len(cases) == int(root.get("tests", "")) == len(report.results)
    for suite in root.findall("testsuite"):
        children = suite.findall("testcase")
        assert int(suite.get("tests", "")) == len(children)
        for tag, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(suite.get(attr, "")) == sum(1 for c in children if c.find(tag) is not None)
        assert suite.find("properties/property[@name='baseUrl']") is not None
    by_name = {c.get("name"): c for c in cases}
    assert by_name["ps.total"].find("failure") is not None
    assert by_name["ps.json"].find("error") is not None
    assert by_name["tls.version"].find("skipped") is not None
    optional = by_name["ps.id-spaces"]
    assert (optional.find("failure") is not None) is strict  # fails the run only with --strict
    if not strict:
        assert "WARNING" in (optional.findtext("system-out") or "")
    failures = sum(int(s.get("failures", "")) for s in root.findall("testsuite"))
    assert int(root.get("failures", "")) == failures == (2 if strict else 1)


def test_html_is_self_contained_escaped_and_shows_the_verdicts() -> None:
    page = html_report(_report())
    assert page.startswith("<!DOCTYPE html>") and "NON CONFORME" in page
    for check_id in ("ps.total", "ps.json", "tls.version", "metadata.capability-statement"):
        assert f'id="{check_id}"' in page
    for label in ("réussi", "échec", "non testé", "erreur", "facultatif"):
        assert label in page
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "<link" not in page and "src=" not in page and "url(" not in page
    assert 'badge ok">CONFORME' in html_report(_report(optional_only=True))


def test_terminal_report_names_the_failures_and_their_evidence() -> None:
    console = Console(record=True, width=140)
    print_report(_report(), console)
    text = console.export_text()
    assert "FAIL ps.total" in text and "total 3 but 2" in text
    assert "GET https://e.test/fhir/Slot?a=1" in text and "requirements: fhir-total" in text
    assert "WARN" in text  # the optional failure
    assert "note: a note" in text and "FAIL: ps.total, ps.json" in text
