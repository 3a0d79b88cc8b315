"""OperationOutcome building for the SAS profile checks.

Every rule reports through an :class:`Issues` collector; the collector knows the validation
mode, so rules the IG contradicts (digest §13, ``docs/ig-decisions.md``) are reported with
:meth:`Issues.relaxed`: an ``error`` in ``strict`` mode (what the ANS validator reports), a
``warning`` in ``tolerant`` mode (what the SAS platform accepts from real editors).

Issues are plain FHIR JSON dicts (``OperationOutcome.issue``) with a FHIRPath-like
``expression`` (``Slot.specialty[0]``, ``Bundle.entry[3].resource.status``).
"""

from __future__ import annotations

from typing import Any, Final, Literal

#: Validation mode: ``strict`` = the ANS validator's reading, ``tolerant`` = what SAS accepts.
Mode = Literal["strict", "tolerant"]
STRICT: Final = "strict"
TOLERANT: Final = "tolerant"
MODES: Final[tuple[str, ...]] = (STRICT, TOLERANT)

Severity = Literal["fatal", "error", "warning", "information"]
_SEVERITY_RANK: Final = {"fatal": 0, "error": 1, "warning": 2, "information": 3}


class Issues:
    """Collects OperationOutcome issues for one validation run."""

    __slots__ = ("issues", "strict")

    def __init__(self, mode: str = STRICT) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.strict = mode == STRICT
        self.issues: list[dict[str, Any]] = []

    def add(self, severity: Severity, code: str, message: str, path: str | None) -> None:
        issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": message}
        if path:
            issue["expression"] = [path]
        self.issues.append(issue)

    def error(self, code: str, message: str, path: str | None) -> None:
        self.add("error", code, message, path)

    def warning(self, code: str, message: str, path: str | None) -> None:
        self.add("warning", code, message, path)

    def info(self, code: str, message: str, path: str | None) -> None:
        self.add("information", code, message, path)

    def relaxed(self, code: str, message: str, path: str | None, why: str) -> None:
        """An error in strict mode, a warning saying why it is tolerated in tolerant mode."""
        if self.strict:
            self.add("error", code, message, path)
        else:
            self.add("warning", code, f"{message} [tolerated: {why}]", path)

    def outcome(self) -> dict[str, Any]:
        return build_outcome(self.issues)


def build_outcome(issues: list[dict[str, Any]]) -> dict[str, Any]:
    """An OperationOutcome dict; with no issue at all, one ``information`` "all OK" issue
    (OperationOutcome.issue is 1..*)."""
    if not issues:
        issues = [{"severity": "information", "code": "informational", "diagnostics": "OK"}]
    ordered = sorted(issues, key=lambda i: _SEVERITY_RANK.get(i.get("severity", ""), 9))
    return {"resourceType": "OperationOutcome", "issue": ordered}


def has_errors(outcome: dict[str, Any]) -> bool:
    """True when the OperationOutcome holds a ``fatal`` or ``error`` issue."""
    return any(i.get("severity") in ("fatal", "error") for i in outcome.get("issue", ()))


def issues_table(outcome: dict[str, Any]) -> list[dict[str, str]]:
    """The issues as flat rows (severity, code, location, message) — e.g. for a DataFrame."""
    rows = []
    for issue in outcome.get("issue", ()):
        expression = issue.get("expression") or [""]
        rows.append(
            {
                "severity": str(issue.get("severity", "")),
                "code": str(issue.get("code", "")),
                "location": str(expression[0]),
                "message": str(issue.get("diagnostics", "")),
            }
        )
    return rows
