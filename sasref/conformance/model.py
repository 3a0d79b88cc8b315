"""Results as data (Inferno-style, style anchors §4 and lesson 10): a check is a
:class:`CheckSpec` with a stable id, a title, the IG requirements it verifies and whether it is
mandatory; running it gives a :class:`CheckResult` — a :class:`Verdict`, a message naming the
bad value, and the :class:`Evidence` it was judged on (request line, status, response excerpt).
A :class:`Report` holds every result of one run and decides the exit code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["CheckResult", "CheckSpec", "Evidence", "Report", "Verdict"]

Json = dict[str, Any]


class Verdict(StrEnum):
    """``pass``; ``fail`` (the server breaks the requirement); ``skip`` (not testable here,
    the message says why); ``error`` (the kit could not judge: the message says what broke)."""

    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """What a check verifies. ``id`` is stable (reports and CI compare runs by it); ``group`` is
    ``metadata``, ``ps``, ``cpts``, ``sos``, ``accounts`` or ``tls``; a failing ``mandatory``
    check fails the run, an optional one (a SHOULD) only with ``--strict``."""

    id: str
    title: str
    requirements: tuple[str, ...]
    mandatory: bool
    group: str
    description: str = ""

    def to_json(self) -> Json:
        return {
            "id": self.id,
            "title": self.title,
            "requirements": list(self.requirements),
            "mandatory": self.mandatory,
            "group": self.group,
        }


@dataclass(frozen=True, slots=True)
class Evidence:
    """One exchange a verdict rests on: ``request`` is the request line (``GET https://…``),
    ``status`` the HTTP status (``None``: no answer), ``excerpt`` the start of the answer (or
    the part at fault: ``note`` says which), ``error`` what went wrong on the wire."""

    request: str
    status: int | None = None
    elapsed_ms: float | None = None
    content_type: str | None = None
    excerpt: str = ""
    note: str = ""
    request_body: str | None = None
    error: str | None = None

    def to_json(self) -> Json:
        out: Json = {"request": self.request, "status": self.status}
        if self.elapsed_ms is not None:
            out["elapsedMs"] = round(self.elapsed_ms, 1)
        for key, value in (
            ("contentType", self.content_type),
            ("requestBody", self.request_body),
            ("error", self.error),
            ("note", self.note),
            ("excerpt", self.excerpt),
        ):
            if value:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: CheckSpec
    verdict: Verdict
    message: str
    evidence: tuple[Evidence, ...] = ()

    @property
    def id(self) -> str:
        return self.check.id

    def counts(self, strict: bool) -> bool:
        """Whether this result decides the exit code (mandatory, or any check with strict)."""
        return self.check.mandatory or strict

    def to_json(self) -> Json:
        return {
            **self.check.to_json(),
            "verdict": self.verdict.value,
            "message": self.message,
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(slots=True)
class Report:
    """Every result of one run against ``base_url``, in the order the checks ran."""

    base_url: str
    started: datetime
    use_cases: tuple[str, ...]
    strict: bool = False
    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # discovery: what was found, what was not
    duration_s: float = 0.0

    def result(self, check_id: str) -> CheckResult:
        for r in self.results:
            if r.id == check_id:
                return r
        raise KeyError(check_id)

    @property
    def failures(self) -> list[CheckResult]:
        """Results that fail the run: failed or errored checks that count."""
        return [
            r
            for r in self.results
            if r.verdict in (Verdict.FAIL, Verdict.ERROR) and r.counts(self.strict)
        ]

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def counts(self) -> dict[str, int]:
        found = Counter(r.verdict.value for r in self.results)
        return {v.value: found.get(v.value, 0) for v in Verdict}

    def summary(self) -> str:
        """One line: the counts and the verdict of the run."""
        c = self.counts()
        words = ", ".join(f"{c[v.value]} {v.value}" for v in Verdict if c[v.value])
        if self.ok:
            return f"{words or 'no check'} — PASS"
        ids = ", ".join(r.id for r in self.failures[:5])
        more = f" (+{len(self.failures) - 5})" if len(self.failures) > 5 else ""
        return f"{words} — FAIL: {ids}{more}"

    def to_json(self) -> Json:
        return {
            "tool": "sasref check",
            "baseUrl": self.base_url,
            "started": self.started.isoformat(),
            "durationSeconds": round(self.duration_s, 3),
            "useCases": list(self.use_cases),
            "strict": self.strict,
            "passed": self.ok,
            "counts": self.counts(),
            "notes": list(self.notes),
            "results": [r.to_json() for r in self.results],
        }
