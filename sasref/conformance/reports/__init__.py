"""The four faces of a :class:`~sasref.conformance.model.Report`: a terminal table (rich),
JSON (``Report.to_json``), JUnit XML for an editor's CI, and a self-contained HTML page.

In JUnit and HTML alike, a check *fails* exactly when it fails the run (the exit code): an
optional (SHOULD) check that fails without ``--strict`` is reported as a warning.
"""

from __future__ import annotations

from sasref.conformance.model import CheckResult, Verdict

__all__ = ["fails_run", "is_warning"]


def fails_run(result: CheckResult, strict: bool) -> bool:
    return result.verdict in (Verdict.FAIL, Verdict.ERROR) and result.counts(strict)


def is_warning(result: CheckResult, strict: bool) -> bool:
    """A failed or errored check that does not fail the run (optional, without ``--strict``)."""
    return result.verdict in (Verdict.FAIL, Verdict.ERROR) and not result.counts(strict)
