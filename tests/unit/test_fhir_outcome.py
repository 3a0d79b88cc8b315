"""sasref.fhir.outcome: the one-issue OperationOutcome and reading one back."""

from __future__ import annotations

import json

from sasref.fhir.outcome import describe_error_body, operation_outcome, outcome_texts


def test_one_issue_outcome() -> None:
    assert operation_outcome("security", "no") == {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "security", "diagnostics": "no"}],
    }
    fatal = operation_outcome("invalid", "x", severity="fatal", expression="Slot.start")
    assert fatal["issue"][0] == {
        "severity": "fatal",
        "code": "invalid",
        "diagnostics": "x",
        "expression": ["Slot.start"],
    }


def test_texts_fall_back_to_details_then_code() -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"code": "invalid", "diagnostics": "bad date"},
            {"code": "required", "details": {"text": "identifier missing"}},
            {"code": "security", "details": "not an object"},
            "not an issue",
        ],
    }
    assert outcome_texts(outcome) == ["bad date", "identifier missing", "security"]
    assert outcome_texts({"resourceType": "Bundle"}) == []


def test_error_bodies_are_described_in_one_line() -> None:
    body = json.dumps(operation_outcome("not-found", "Appointment/x is unknown"))
    assert describe_error_body(body) == "Appointment/x is unknown"
    empty = json.dumps({"resourceType": "OperationOutcome", "issue": []})
    assert describe_error_body(empty) == "OperationOutcome"
    assert describe_error_body('{"error": "nope"}') == "{'error': 'nope'}"
    assert describe_error_body("<html>" + "x" * 500) == ("<html>" + "x" * 500)[:200]
