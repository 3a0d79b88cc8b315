"""The SAS-side fan-out to every editor: INT_R01, INT_R04 and the SOS search (digest §2).

One search sends, concurrently, one call per editor and batch of at most 25 identifiers. Each
call has its own deadline (7 s by default, the IG's figure) and every call is also bounded by the
search's overall deadline, so an editor that hangs never delays a search past its deadline and
never hides another editor's slots. Whatever happens, each call yields an
:class:`~sasref.aggregator.outcome.EditorOutcome` kept with the result.

This module is the thin I/O adapter: reading the answers (tolerant profile check and Bundle
walking) lives in :mod:`sasref.aggregator.offers`, routing in :mod:`sasref.aggregator.registry`.
The HTTP is injected: a :class:`~sasref.aggregator.http.FanOutHttp` (the platform's default,
:func:`sasref.aggregator.sockets.fanout_http_client`, is aiohttp on real sockets) or any
:class:`httpx.AsyncClient` (in-process mounts, tests, notebooks), see :mod:`.http`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from sasref.aggregator.http import FanOutHttp, as_fanout_http
from sasref.aggregator.offers import BundleReading, SlotOffer, read_bundle
from sasref.aggregator.outcome import MAX_MESSAGES, EditorOutcome, OutcomeStatus
from sasref.aggregator.registry import (
    MAX_IDS_PER_CALL,
    EditorGate,
    EditorRegistry,
    Routing,
    batches,
)
from sasref.aggregator.window import SearchWindow
from sasref.clock import Clock, SystemClock
from sasref.directory.model import EditorInfo
from sasref.search.query import SlotQuery

#: Per-call deadline (seconds): the IG's "response required in < 7 s".
DEFAULT_CALL_DEADLINE = 7.0
#: Overall deadline of one search's fan-out (seconds).
DEFAULT_OVERALL_DEADLINE = 8.0

_ACCEPT = "application/fhir+json, application/json+fhir;q=0.9, application/json;q=0.8"
_ACCEPT_HEADERS = {"Accept": _ACCEPT}


@dataclass(frozen=True, slots=True)
class FanOutRequest:
    """What to ask the editors: practitioners (INT_R01), CPTS members (INT_R04), SOS SIRETs."""

    window: SearchWindow
    practitioners: tuple[str, ...] = ()
    cpts_members: tuple[str, ...] = ()
    sos_sirets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FanOutResult:
    """Slots from every editor that answered in time, and one outcome per call."""

    window: SearchWindow
    offers: tuple[SlotOffer, ...]
    outcomes: tuple[EditorOutcome, ...]
    elapsed_ms: float
    #: (kind, identifier) pairs an editor answered for: their places are "served by an editor".
    answered: frozenset[tuple[str, str]] = field(default=frozenset())

    @property
    def failed(self) -> tuple[EditorOutcome, ...]:
        return tuple(o for o in self.outcomes if o.failed)


@dataclass(frozen=True, slots=True)
class _Call:
    editor: EditorInfo
    kind: str
    ids: tuple[str, ...]
    query: SlotQuery


class Aggregator:
    """Fan-out client. One instance per platform: it keeps the learned routing between searches."""

    def __init__(
        self,
        http: httpx.AsyncClient | FanOutHttp,
        registry: EditorRegistry,
        *,
        clock: Clock | None = None,
        call_deadline: float = DEFAULT_CALL_DEADLINE,
        overall_deadline: float = DEFAULT_OVERALL_DEADLINE,
        validate: bool = True,
        gate: EditorGate | None = None,
    ) -> None:
        if call_deadline <= 0 or overall_deadline <= 0:
            raise ValueError("deadlines must be positive")
        self.http = http
        self._fetch = as_fanout_http(http)
        self.registry = registry
        self.clock: Clock = clock or SystemClock()
        self.call_deadline = call_deadline
        self.overall_deadline = overall_deadline
        self.validate = validate
        #: The editor monitoring: which editors are asked, told of every outcome.
        self.gate = gate
        # Learned routing: "ps" and "cpts" share one mapping (a practitioner's agenda software is
        # the same for INT_R01 and INT_R04), "sos" is keyed by SIRET.
        practitioners = Routing()
        self.routing: dict[str, Routing] = {
            "ps": practitioners,
            "cpts": practitioners,
            "sos": Routing(),
        }

    # -- planning (pure) --------------------------------------------------------------------
    def plan(self, request: FanOutRequest) -> tuple[list[_Call], dict[str, list[str]]]:
        """The calls to make, and per kind the identifiers asked to the whole fleet."""
        now = self.clock.now()
        start, end = request.window.start, request.window.end
        calls: list[_Call] = []
        unknown: dict[str, list[str]] = {}
        wanted: Sequence[tuple[str, Sequence[str]]] = (
            ("ps", request.practitioners),
            ("cpts", request.cpts_members),
            ("sos", request.sos_sirets),
        )
        for kind, ids in wanted:
            if not ids:
                continue
            editors = {e.name: e for e in self.registry.for_use_case(kind)}
            plan, unknown[kind] = self.routing[kind].route(ids, editors, now)
            for name, editor_ids in plan.items():
                for batch in batches(editor_ids, MAX_IDS_PER_CALL):
                    if kind == "ps":
                        query = SlotQuery.ps(start, end, batch)
                    elif kind == "cpts":
                        query = SlotQuery.cpts(start, end, batch)
                    else:
                        query = SlotQuery.sos(start, end, batch)
                    calls.append(_Call(editors[name], kind, tuple(batch), query))
        return self._gated(calls, unknown)

    # -- I/O --------------------------------------------------------------------------------
    async def search(self, request: FanOutRequest) -> FanOutResult:
        """Ask every relevant editor concurrently; never longer than the overall deadline."""
        calls, unknown = self.plan(request)
        origin = time.perf_counter()
        deadline = origin + self.overall_deadline
        tasks = [asyncio.create_task(self._one(call, origin, deadline)) for call in calls]
        results: list[tuple[EditorOutcome, BundleReading | None]] = []
        if tasks:
            results = list(await asyncio.gather(*tasks))
        elapsed = (time.perf_counter() - origin) * 1000
        offers: list[SlotOffer] = []
        answered: set[tuple[str, str]] = set()
        for call, (_, reading) in zip(calls, results, strict=True):
            if reading is None:
                continue
            offers.extend(reading.offers)
            known_here = reading.answered_ids & set(call.ids)
            self.routing[call.kind].learn(call.editor.name, known_here)
            answered.update((call.kind, i) for i in known_here)
        self._remember_nobody(calls, results, unknown)
        if self.gate is not None:
            self.gate.record([outcome for outcome, _ in results])
        return FanOutResult(
            window=request.window,
            offers=tuple(offers),
            outcomes=tuple(outcome for outcome, _ in results),
            elapsed_ms=elapsed,
            answered=frozenset(answered),
        )

    def _gated(
        self, calls: list[_Call], unknown: dict[str, list[str]]
    ) -> tuple[list[_Call], dict[str, list[str]]]:
        """Drop the calls to editors whose flux is deactivated (:attr:`gate`). Identifiers of a
        kind some editor was not asked about are not "answered by nobody" this time."""
        if self.gate is None:
            return calls, unknown
        asks = self.gate.asks
        kept = [c for c in calls if asks(c.editor.name)]
        if len(kept) == len(calls):
            return calls, unknown
        skipped = {c.kind for c in calls if not asks(c.editor.name)}
        return kept, {kind: ([] if kind in skipped else ids) for kind, ids in unknown.items()}

    def _remember_nobody(
        self,
        calls: Sequence[_Call],
        results: Sequence[tuple[EditorOutcome, BundleReading | None]],
        unknown: dict[str, list[str]],
    ) -> None:
        """Unknown ids that every editor answered cleanly without knowing: a negative entry."""
        now = self.clock.now()
        for kind, ids in unknown.items():
            kind_results = [r for c, r in zip(calls, results, strict=True) if c.kind == kind]
            if not kind_results or any(o.failed for o, _ in kind_results):
                continue
            self.routing[kind].nobody(ids, now)

    async def _one(
        self, call: _Call, origin: float, deadline: float
    ) -> tuple[EditorOutcome, BundleReading | None]:
        url = call.query.to_url(call.editor.base_url)
        started = time.perf_counter()
        budget = max(0.0, min(self.call_deadline, deadline - started))

        def outcome(status: OutcomeStatus, **extra: Any) -> EditorOutcome:
            return EditorOutcome(
                editor=call.editor.name,
                kind=call.kind,
                status=status,
                requested=len(call.ids),
                started_ms=(started - origin) * 1000,
                ended_ms=(time.perf_counter() - origin) * 1000,
                url=url,
                **extra,
            )

        try:
            async with asyncio.timeout(budget):
                answer = await self._fetch.get(url, _ACCEPT_HEADERS)
        except TimeoutError:
            message = f"no answer within {budget:.1f} s"
            return outcome(OutcomeStatus.TIMEOUT, messages=(message,)), None
        except httpx.HTTPError as exc:
            return outcome(OutcomeStatus.TRANSPORT_ERROR, messages=(type(exc).__name__,)), None
        if not 200 <= answer.status < 300:
            return (
                outcome(
                    OutcomeStatus.HTTP_ERROR,
                    http_status=answer.status,
                    messages=_outcome_messages(answer.body),
                ),
                None,
            )
        try:
            document = _loads(answer.body)
        except (ValueError, UnicodeDecodeError) as exc:
            return outcome(OutcomeStatus.INVALID_JSON, messages=(str(exc)[:200],)), None
        try:
            reading = read_bundle(
                document, editor=call.editor.name, kind=call.kind, validate=self.validate
            )
        except Exception as exc:  # one editor's odd document must never break the search
            message = f"unreadable answer: {type(exc).__name__}: {exc}"[:200]
            return outcome(OutcomeStatus.INVALID_FHIR, messages=(message,)), None
        if reading.unusable:
            return (
                outcome(
                    OutcomeStatus.INVALID_FHIR,
                    http_status=answer.status,
                    violations=reading.violations,
                    messages=reading.messages[:MAX_MESSAGES],
                ),
                None,
            )
        if reading.violations:
            status = OutcomeStatus.RULE_VIOLATIONS
        else:
            status = OutcomeStatus.OK if reading.offers else OutcomeStatus.EMPTY
        return (
            outcome(
                status,
                http_status=answer.status,
                slots=len(reading.offers),
                violations=reading.violations,
                messages=reading.messages[:MAX_MESSAGES],
            ),
            reading,
        )


#: Digits → "0", to spot a run of 19+ digits (an integer orjson would turn into a float).
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19


def _loads(body: bytes) -> Any:
    """Parse JSON: orjson (about three times faster) first, the standard library when it refuses.

    The fallback keeps what ``json.loads`` reads readable exactly as before: UTF-16/32 bodies,
    NaN, and integers beyond 64 bits (orjson would silently make them floats, hence the screen
    for long digit runs, also harmlessly hit by long digit strings); its error message is the
    one reported for garbage.
    """
    if _LONG_NUMBER in body.translate(_DIGITS):
        return json.loads(body)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


def _outcome_messages(body: bytes) -> tuple[str, ...]:
    """The diagnostics of an OperationOutcome body, when there is one."""
    try:
        document = _loads(body)
    except (ValueError, UnicodeDecodeError):
        return ()
    if not isinstance(document, dict) or document.get("resourceType") != "OperationOutcome":
        return ()
    messages = []
    for issue in document.get("issue") or ():
        if isinstance(issue, dict):
            text = issue.get("diagnostics") or (issue.get("details") or {}).get("text")
            if text:
                messages.append(str(text)[:200])
    return tuple(messages[:MAX_MESSAGES])


__all__ = [
    "DEFAULT_CALL_DEADLINE",
    "DEFAULT_OVERALL_DEADLINE",
    "Aggregator",
    "FanOutRequest",
    "FanOutResult",
]
