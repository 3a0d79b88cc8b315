"""What happened at each editor during one fan-out (IG digest §2.1, §13; issue 4 "Faults").

Every call the aggregator makes yields exactly one :class:`EditorOutcome`, whatever the editor
did: answered, hung, failed, sent garbage or a Bundle that breaks the profiles. Outcomes travel
with the search result so a regulator (discreetly) and a developer (in detail) can see which
editor failed and how. ``started_ms``/``ended_ms`` are offsets from the start of the fan-out, for
the timeline plot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class OutcomeStatus(StrEnum):
    """How one editor call ended."""

    OK = "ok"  # usable answer with at least one slot
    EMPTY = "empty"  # usable answer, no slot (an empty searchset, ``total: 0``)
    TIMEOUT = "timeout"  # no answer before the per-call or overall deadline
    HTTP_ERROR = "http_error"  # a non-2xx status (``http_status`` says which)
    TRANSPORT_ERROR = "transport_error"  # connection refused, reset, TLS...
    INVALID_JSON = "invalid_json"  # the body is not JSON
    INVALID_FHIR = "invalid_fhir"  # JSON but not a usable searchset Bundle
    RULE_VIOLATIONS = "rule_violations"  # usable, slots kept, but the profiles are broken

    @property
    def failed(self) -> bool:
        """True when the editor's answer could not be used at all."""
        return self not in (OutcomeStatus.OK, OutcomeStatus.EMPTY, OutcomeStatus.RULE_VIOLATIONS)


#: How many violation messages an outcome keeps (the count is always exact).
MAX_MESSAGES = 3


@dataclass(frozen=True, slots=True)
class EditorOutcome:
    """One call to one editor: what was asked, what came back, and when."""

    editor: str
    kind: str  # "ps" | "cpts" | "sos"
    status: OutcomeStatus
    requested: int  # identifiers sent in this call (<= 25)
    slots: int = 0  # usable free slots received
    http_status: int | None = None
    violations: int = 0  # error-level profile issues (tolerant mode)
    messages: tuple[str, ...] = ()  # the first messages, for diagnostics
    started_ms: float = 0.0
    ended_ms: float = 0.0
    url: str = ""

    @property
    def duration_ms(self) -> float:
        return self.ended_ms - self.started_ms

    @property
    def failed(self) -> bool:
        return self.status.failed

    def summary(self) -> str:
        """One line for a regulator: "editeur-07: timeout after 7000 ms"."""
        detail = {
            OutcomeStatus.OK: f"{self.slots} créneau(x)",
            OutcomeStatus.EMPTY: "aucun créneau",
            OutcomeStatus.TIMEOUT: f"pas de réponse en {self.duration_ms:.0f} ms",
            OutcomeStatus.HTTP_ERROR: f"erreur HTTP {self.http_status}",
            OutcomeStatus.TRANSPORT_ERROR: "connexion impossible",
            OutcomeStatus.INVALID_JSON: "réponse non JSON",
            OutcomeStatus.INVALID_FHIR: "réponse FHIR inexploitable",
            OutcomeStatus.RULE_VIOLATIONS: (
                f"{self.slots} créneau(x), {self.violations} écart(s) aux profils"
            ),
        }[self.status]
        return f"{self.editor} ({self.kind}): {detail}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "editor": self.editor,
            "kind": self.kind,
            "status": self.status.value,
            "requested": self.requested,
            "slots": self.slots,
            "http_status": self.http_status,
            "violations": self.violations,
            "messages": list(self.messages),
            "started_ms": round(self.started_ms, 1),
            "ended_ms": round(self.ended_ms, 1),
        }


@dataclass(frozen=True, slots=True)
class EditorSummary:
    """All calls to one editor in one search, folded: the worst status wins."""

    editor: str
    status: OutcomeStatus
    calls: int
    slots: int
    violations: int
    http_status: int | None
    messages: tuple[str, ...] = field(default=())


#: Worst first: the status shown for an editor that had several calls.
_SEVERITY: tuple[OutcomeStatus, ...] = (
    OutcomeStatus.TIMEOUT,
    OutcomeStatus.TRANSPORT_ERROR,
    OutcomeStatus.HTTP_ERROR,
    OutcomeStatus.INVALID_JSON,
    OutcomeStatus.INVALID_FHIR,
    OutcomeStatus.RULE_VIOLATIONS,
    OutcomeStatus.OK,
    OutcomeStatus.EMPTY,
)


def summarize(outcomes: Iterable[EditorOutcome]) -> list[EditorSummary]:
    """Fold outcomes per editor (sorted by name); worst status first wins."""
    by_editor: dict[str, list[EditorOutcome]] = {}
    for outcome in outcomes:
        by_editor.setdefault(outcome.editor, []).append(outcome)
    result = []
    for name in sorted(by_editor):
        calls = by_editor[name]
        worst = min(calls, key=lambda o: _SEVERITY.index(o.status))
        messages: list[str] = []
        for call in calls:
            messages.extend(m for m in call.messages if m not in messages)
        result.append(
            EditorSummary(
                editor=name,
                status=worst.status,
                calls=len(calls),
                slots=sum(c.slots for c in calls),
                violations=sum(c.violations for c in calls),
                http_status=worst.http_status,
                messages=tuple(messages[:MAX_MESSAGES]),
            )
        )
    return result
