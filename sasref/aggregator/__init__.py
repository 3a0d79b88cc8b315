"""SAS-side fan-out to the editors: registry, routing, deadlines, outcomes, consolidation.

* :mod:`.registry` — the editors and the learned practitioner → editor mapping, batches of 25;
* :mod:`.client` — the concurrent calls with per-call and overall deadlines (I/O);
* :mod:`.http` — what those calls need from HTTP, and its httpx implementation (in process);
* :mod:`.sockets` — its aiohttp implementation, the platform's client on real sockets;
* :mod:`.offers` / :mod:`.walk` — the tolerant reading of each answer;
* :mod:`.outcome` — what happened at each editor;
* :mod:`.window` / :mod:`.consolidate` — slots by day for a card (pure).
"""

from __future__ import annotations

from sasref.aggregator.client import (
    DEFAULT_CALL_DEADLINE,
    DEFAULT_OVERALL_DEADLINE,
    Aggregator,
    FanOutRequest,
    FanOutResult,
)
from sasref.aggregator.consolidate import CardSlots, DaySlots, OfferIndex, SlotItem, with_origin
from sasref.aggregator.http import FanOutAnswer, FanOutHttp, HttpxFanOut, ObservedFanOut
from sasref.aggregator.offers import BundleReading, SlotOffer, read_bundle
from sasref.aggregator.outcome import EditorOutcome, EditorSummary, OutcomeStatus, summarize
from sasref.aggregator.registry import (
    MAX_IDS_PER_CALL,
    EditorRegistry,
    Routing,
    batches,
    parse_editor_option,
)
from sasref.aggregator.sockets import AiohttpFanOut, fanout_http_client
from sasref.aggregator.window import SearchWindow

__all__ = [
    "DEFAULT_CALL_DEADLINE",
    "DEFAULT_OVERALL_DEADLINE",
    "MAX_IDS_PER_CALL",
    "Aggregator",
    "AiohttpFanOut",
    "BundleReading",
    "CardSlots",
    "DaySlots",
    "EditorOutcome",
    "EditorRegistry",
    "EditorSummary",
    "FanOutAnswer",
    "FanOutHttp",
    "FanOutRequest",
    "FanOutResult",
    "HttpxFanOut",
    "ObservedFanOut",
    "OfferIndex",
    "OutcomeStatus",
    "Routing",
    "SearchWindow",
    "SlotItem",
    "SlotOffer",
    "batches",
    "fanout_http_client",
    "parse_editor_option",
    "read_bundle",
    "summarize",
    "with_origin",
]
