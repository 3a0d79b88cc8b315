"""OperationOutcome, both ways: the one-issue outcome a FHIR endpoint answers, and the
diagnostics a client reports from the outcome it received (digest §2.1, §9: errors as
OperationOutcome with the right 4xx).

Pure: JSON in, JSON or text out.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["describe_error_body", "operation_outcome", "outcome_texts"]


def operation_outcome(
    code: str,
    diagnostics: str,
    *,
    severity: str = "error",
    expression: str | None = None,
) -> dict[str, Any]:
    """An OperationOutcome with one issue (``expression``: where, as a FHIRPath)."""
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def outcome_texts(document: Any) -> list[str]:
    """Each issue's words: ``diagnostics``, else ``details.text``, else its ``code``; empty
    when ``document`` is not an OperationOutcome."""
    if not isinstance(document, dict) or document.get("resourceType") != "OperationOutcome":
        return []
    texts = []
    for issue in document.get("issue") or ():
        if isinstance(issue, dict):
            details = issue.get("details")
            text = issue.get("diagnostics") or (
                details.get("text") if isinstance(details, dict) else None
            )
            texts.append(str(text or issue.get("code")))
    return texts


def describe_error_body(text: str) -> str:
    """One line for an error answer's body: its OperationOutcome's texts, else its start."""
    try:
        document = json.loads(text)
    except ValueError:
        return text[:200]
    if isinstance(document, dict) and document.get("resourceType") == "OperationOutcome":
        return "; ".join(outcome_texts(document)) or "OperationOutcome"
    return str(document)[:200]
