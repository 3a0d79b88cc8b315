"""Settings of one mock editor and its mutable runtime state."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mocks.editor.behaviour import Behaviour
from mocks.editor.store import AccountStore, EditorShard, SlotStore
from mocks.editor.tls import ClientName
from sasref.clock import Clock, SystemClock
from sasref.directory.model import EditorInfo
from sasref.search import OfferCatalog
from sasref.search.bundle import EntryCache

#: Request bodies above this size are refused with 413.
MAX_BODY_BYTES = 1_000_000
USE_CASES = frozenset({"ps", "cpts", "sos"})
CACHE_LIMIT = 100_000


@dataclass(slots=True)
class EditorSettings:
    """Everything :func:`mocks.editor.create_app` needs; ``behaviour`` is the initial one.

    ``base_url`` is the FHIR base the editor answers under (``https://editeur-07.test/fhir``):
    its path is where the FHIR routes are mounted, and every ``fullUrl`` starts with it.
    ``expected_client``: the CN/OU the FHIR API requires of the client certificate (mTLS,
    digest §11; :mod:`mocks.editor.tls`), ``None`` (the default) for no check.
    """

    name: str
    base_url: str
    software: str = "Agenda mock"
    seed: int = 0
    use_cases: frozenset[str] = frozenset({"ps", "cpts", "sos"})
    data: EditorShard | None = None
    clock: Clock = field(default_factory=SystemClock)
    behaviour: Behaviour = field(default_factory=Behaviour)
    max_body_bytes: int = MAX_BODY_BYTES
    expected_client: ClientName | None = None

    def __post_init__(self) -> None:
        unknown = set(self.use_cases) - USE_CASES
        if unknown:
            raise ValueError(f"unknown use cases {sorted(unknown)} (known: {sorted(USE_CASES)})")
        self.base_url = self.base_url.rstrip("/")

    @property
    def base_path(self) -> str:
        """The path part of ``base_url`` (``/fhir``), ``""`` at the root."""
        return urlsplit(self.base_url).path.rstrip("/")

    @classmethod
    def from_shard(cls, shard: EditorShard, **overrides: object) -> EditorSettings:
        """Settings for the editor a population shard describes."""
        info = shard.editor
        values: dict[str, object] = {
            "name": info.name,
            "base_url": info.base_url,
            "software": info.software,
            "use_cases": frozenset(info.use_cases),
            "data": shard,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def info(self) -> EditorInfo:
        return EditorInfo(self.name, self.software, self.base_url, frozenset(self.use_cases))


class EditorState:
    """The live state of one editor app (``app.state.editor``): behaviour, slots, accounts."""

    def __init__(self, settings: EditorSettings) -> None:
        self.settings = settings
        self.behaviour = settings.behaviour.model_copy(deep=True)
        shard = settings.data or EditorShard(settings.info())
        self.catalog: OfferCatalog = shard.catalog()
        self.slots = SlotStore(shard.source(), shard.slots)
        self.accounts = AccountStore()
        self.rng = random.Random(settings.seed)
        self.specialities = {p.speciality: p.speciality_display for p in shard.practitioners}
        # Rendered Slot resources (slow path: quirks, faults) and serialised entries (hot path),
        # reused between searches; both bounded.
        self.render_cache: dict[tuple[str, str], dict[str, Any]] = {}
        self.entries = EntryCache(limit=CACHE_LIMIT)

    def trim_caches(self) -> None:
        if len(self.render_cache) > CACHE_LIMIT:
            self.render_cache.clear()
        self.entries.trim()

    def book_slot(self, slot_id: str) -> bool:
        """Remove a free slot (it was booked); ``False`` when unknown or already booked."""
        return self.slots.book(slot_id) is not None
