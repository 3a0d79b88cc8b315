"""What the kit sends and what it got back, as plain data the pure checks read.

A :class:`Step` is a planned request (built by :mod:`sasref.conformance.plan` and
:mod:`sasref.conformance.accounts`); the runner (:mod:`sasref.conformance.runner`) turns each
into an :class:`Exchange`: the status, headers, body and time of the answer — or why there was
none. :meth:`Exchange.evidence` is what a check keeps of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from sasref.conformance.model import Evidence

__all__ = ["Exchange", "Step", "excerpt"]

Json = dict[str, Any]
FHIR_JSON = "application/fhir+json"
_EXCERPT = 700
_KEPT_HEADERS = ("content-type", "location", "etag", "retry-after")


@dataclass(frozen=True, slots=True)
class Step:
    """One planned request. ``key`` names it in the plan (``ps.basic``, ``accounts.create``);
    ``expect`` is what a conformant server answers (``200``, ``201``, ``4xx``…) and
    ``window`` the ``(ge, le)`` instants of a slot search, for the window check."""

    key: str
    method: str
    url: str
    purpose: str
    headers: tuple[tuple[str, str], ...] = (("Accept", FHIR_JSON),)
    body: bytes | None = None
    expect: str = "200"
    optional: bool = False
    window: tuple[Any, Any] | None = None
    ids: tuple[str, ...] = ()  # the identifiers the search asked for (prefixed)

    @property
    def line(self) -> str:
        return f"{self.method} {self.url}"


@dataclass(slots=True)
class Exchange:
    """A step and its answer. ``status`` is ``None`` when there was none: ``error`` says why
    (timeout, connection reset…), or ``not_sent`` why the kit did not send it."""

    step: Step
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    elapsed: float | None = None
    error: str | None = None
    not_sent: str | None = None
    _parsed: tuple[Any, str | None] | None = None

    @classmethod
    def answered(
        cls, step: Step, status: int, headers: Any, body: bytes, elapsed: float
    ) -> Exchange:
        kept = {k: str(headers[k]) for k in _KEPT_HEADERS if k in headers}
        return cls(step, status, kept, body, elapsed)

    @property
    def has_answer(self) -> bool:
        return self.status is not None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def _parse(self) -> tuple[Any, str | None]:
        if self._parsed is None:
            if not self.body.strip():
                self._parsed = (None, "empty body")
            else:
                try:
                    self._parsed = (orjson.loads(self.body), None)
                except orjson.JSONDecodeError as exc:
                    self._parsed = (None, f"not JSON: {exc}")
        return self._parsed

    @property
    def document(self) -> Any:
        """The body parsed as JSON (``None`` when empty or not JSON: :attr:`json_error`)."""
        return self._parse()[0]

    @property
    def json_error(self) -> str | None:
        return self._parse()[1] if self.has_answer else None

    def resource(self, resource_type: str) -> Json | None:
        """The body when it is a JSON object of ``resource_type``, else ``None``."""
        doc = self.document
        if isinstance(doc, dict) and doc.get("resourceType") == resource_type:
            return doc
        return None

    def outcome_text(self) -> str:
        """The diagnostics of an OperationOutcome body, else the body's start."""
        from sasref.fhir.outcome import outcome_texts

        texts = outcome_texts(self.document)
        return "; ".join(texts) if texts else excerpt(self.body, 160)

    def describe(self) -> str:
        """One phrase: ``200 in 35 ms``, ``503 (service unavailable…)``, ``no answer: …``."""
        if self.not_sent:
            return f"not sent: {self.not_sent}"
        if self.status is None:
            error = self.error or "?"
            return error if error.startswith("no answer") else f"no answer: {error}"
        if self.status >= 400:
            return f"{self.status} ({self.outcome_text()})"
        if self.json_error:
            return f"{self.status}, {self.json_error}"
        return f"{self.status} in {(self.elapsed or 0) * 1000:.0f} ms"

    def describe_searchset(self) -> str:
        """:meth:`describe`, saying what the body is when a 200 is not a searchset."""
        doc = self.document
        if self.status == 200 and isinstance(doc, dict):
            kind = doc.get("type")
            if doc.get("resourceType") != "Bundle" or kind != "searchset":
                return f"200, a {doc.get('resourceType')} of type {kind!r}, not a searchset"
        return self.describe()

    def evidence(self, note: str = "", part: Any = None) -> Evidence:
        """What a verdict keeps of this exchange; ``part`` (JSON or text) replaces the body's
        start as the excerpt when the fault is in one element."""
        if part is None:
            shown = excerpt(self.body) if self.has_answer else ""
        elif isinstance(part, str | bytes):
            shown = excerpt(part)
        else:
            shown = excerpt(orjson.dumps(part, option=orjson.OPT_INDENT_2))
        body = self.step.body
        return Evidence(
            request=self.step.line,
            status=self.status,
            elapsed_ms=None if self.elapsed is None else self.elapsed * 1000,
            content_type=self.content_type or None,
            excerpt=shown,
            note=note,
            request_body=excerpt(body, 400) if body else None,
            error=self.error or self.not_sent,
        )


def excerpt(data: str | bytes, limit: int = _EXCERPT) -> str:
    """The first ``limit`` characters of ``data`` (decoded leniently), ``…`` when cut."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text if len(text) <= limit else text[:limit] + "…"
