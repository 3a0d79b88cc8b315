"""Saving what the aggregator learns, and the editors added at run time (issue 4 item 2).

Issue 4 asks for an editor registry "from configuration, CLI or API" and a learned practitioner
→ editor mapping ("unknown practitioner → ask every editor, remember who answered"). Both must
survive a restart of the platform: an editor accepted by ``POST /api/v1/editors`` is never lost,
and a restarted platform does not ask the whole fleet again for every practitioner.

* :func:`merge_editors` — the registry at start: the configured editors (settings, ``--editor``)
  then the saved ones; **configuration wins** on a name clash (the saved one is shadowed, and the
  API refuses to change or delete a configured editor: see :mod:`sasref.platform.routes.api`).
* :class:`RoutingStore` — write-behind persistence of the pure
  :class:`~sasref.aggregator.registry.Routing`: it listens to each routing table, keeps the new
  facts in memory (the search's hot path never waits on the database) and writes them in one
  batch at most every ``interval`` seconds (:class:`sasref.background.WriteBehind`, started on the
  first fact by the running event loop) and at :meth:`RoutingStore.aclose`. A batch that fails is
  kept for the next round (upserts: writing it twice is harmless). :meth:`RoutingStore.attach`
  loads the saved state first.

The backend is anything with the :class:`RoutingBackend` methods
(:class:`sasref.storage.RoutingRepository`); its calls run in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sasref.aggregator.registry import Routing
from sasref.background import WriteBehind
from sasref.clock import Clock, SystemClock
from sasref.directory.model import EditorInfo
from sasref.storage.routing import LearnedRoute, NobodyRoute, RoutingState

#: Default seconds between two writes of the learned routing.
DEFAULT_FLUSH_INTERVAL = 5.0
#: Saved routes older than this are not reloaded: a restart asks the fleet again about those
#: practitioners (one may have changed software); the editor that answers again is saved anew.
DEFAULT_MAX_AGE = timedelta(days=30)

_log = logging.getLogger("sasref.aggregator.persistence")


# --- editors ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MergedEditors:
    """The registry at start: ``editors`` in order, and the saved names configuration shadows."""

    editors: tuple[EditorInfo, ...]
    configured: frozenset[str]
    shadowed: tuple[str, ...]


def merge_editors(configured: Iterable[EditorInfo], saved: Iterable[EditorInfo]) -> MergedEditors:
    """Configured editors first (the last of a repeated name wins, as in the registry), then the
    saved ones not named by the configuration."""
    mine: dict[str, EditorInfo] = {}
    for info in configured:
        mine[info.name] = info
    extra: dict[str, EditorInfo] = {}
    shadowed: list[str] = []
    for info in saved:
        if info.name in mine:
            shadowed.append(info.name)
        else:
            extra[info.name] = info
    return MergedEditors(
        editors=(*mine.values(), *extra.values()),
        configured=frozenset(mine),
        shadowed=tuple(shadowed),
    )


# --- routing ----------------------------------------------------------------------------------
class RoutingBackend(Protocol):
    """Where the routing is saved (:class:`sasref.storage.RoutingRepository`); blocking calls."""

    def load(
        self, *, scope: str, now: datetime | None = None, learned_since: datetime | None = None
    ) -> RoutingState: ...

    def apply(
        self,
        *,
        learned: Sequence[LearnedRoute] = (),
        nobody: Sequence[NobodyRoute] = (),
        purge_before: datetime | None = None,
    ) -> None: ...


def routing_scopes(routing: Mapping[str, Routing]) -> dict[str, Routing]:
    """One scope per distinct :class:`Routing`, named after the first kind using it.

    The aggregator shares one table between ``ps`` and ``cpts`` (a practitioner's agenda
    software is the same for INT_R01 and INT_R04): that table is scope ``ps``.
    """
    scopes: dict[str, Routing] = {}
    for kind, table in routing.items():
        if not any(table is seen for seen in scopes.values()):
            scopes[kind] = table
    return scopes


class _ScopeListener:
    """The :class:`~sasref.aggregator.registry.RoutingListener` of one scope."""

    __slots__ = ("scope", "store")

    def __init__(self, store: RoutingStore, scope: str) -> None:
        self.store = store
        self.scope = scope

    def learned(self, identifier: str, editor: str) -> None:
        self.store._learned_fact(self.scope, identifier, editor)

    def nobody(self, identifier: str, until: datetime) -> None:
        self.store._nobody_fact(self.scope, identifier, until)


class RoutingStore:
    """Write-behind persistence of the aggregator's routing tables (see the module docstring)."""

    def __init__(
        self,
        backend: RoutingBackend,
        *,
        clock: Clock | None = None,
        interval: float = DEFAULT_FLUSH_INTERVAL,
        max_age: timedelta | None = DEFAULT_MAX_AGE,
    ) -> None:
        if interval <= 0:
            raise ValueError("the flush interval must be positive")
        self.backend = backend
        self.clock: Clock = clock or SystemClock()
        self.interval = interval
        self.max_age = max_age
        self._learned: dict[tuple[str, str, str], datetime] = {}
        self._nobody: dict[tuple[str, str], datetime] = {}
        self._scopes: dict[str, Routing] = {}
        self._writer = WriteBehind(
            self.flush, name="routing-store", interval=interval, skip_first=True
        )
        self.flushed = 0  # facts written since start (diagnostics, tests)

    # -- set up ---------------------------------------------------------------------------------
    def attach(self, routing: Mapping[str, Routing]) -> dict[str, int]:
        """Load the saved state into each table, then listen to it (blocking: call at start).

        Routes learned more than ``max_age`` ago are left out (``None``: all are loaded).

        Returns the identifiers loaded per scope (learned + negative).
        """
        now = self.clock.now()
        since = None if self.max_age is None else now - self.max_age
        loaded: dict[str, int] = {}
        for scope, table in routing_scopes(routing).items():
            state = self.backend.load(scope=scope, now=now, learned_since=since)
            table.restore(state.known, state.nobody_until)
            table.listener = _ScopeListener(self, scope)
            self._scopes[scope] = table
            loaded[scope] = len(state.known) + len(state.nobody_until)
        return loaded

    @property
    def pending(self) -> int:
        """Facts waiting for the next write."""
        return len(self._learned) + len(self._nobody)

    # -- facts (event loop thread, hot path: memory only) ----------------------------------------
    def _learned_fact(self, scope: str, identifier: str, editor: str) -> None:
        self._learned[(scope, identifier, editor)] = self.clock.now()
        self._nobody.pop((scope, identifier), None)
        self._ensure_running()

    def _nobody_fact(self, scope: str, identifier: str, until: datetime) -> None:
        self._nobody[(scope, identifier)] = until
        self._ensure_running()

    def _ensure_running(self) -> None:
        """Start the periodic write in the running loop (a platform served without lifespan
        events, like the in-process demo, still saves what it learns)."""
        self._writer.start()

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """No write under way or starting inside: to delete saved routes (a removed editor)
        without a batch in flight writing them back."""
        async with self._writer.lock():
            yield

    def forget_editor(self, editor: str) -> int:
        """The editor left the registry: drop it from every table and from the pending facts
        (its saved routes are deleted with the saved editor, inside :meth:`paused`). Returns
        the identifiers affected."""
        count = sum(table.forget_editor(editor) for table in self._scopes.values())
        for key in [k for k in self._learned if k[2] == editor]:
            del self._learned[key]
        return count

    # -- writing --------------------------------------------------------------------------------
    async def flush(self) -> int:
        """Write the pending facts now (in a worker thread); returns how many were written.

        Waits for a write already under way, so every fact learned before the call is saved
        when it returns. On failure the facts stay pending (under any newer fact) and the error
        propagates.
        """
        async with self._writer.lock():
            learned, self._learned = self._learned, {}
            nobody, self._nobody = self._nobody, {}
            if not learned and not nobody:
                return 0
            rows = [LearnedRoute(s, i, e, at) for (s, i, e), at in learned.items()]
            negatives = [NobodyRoute(s, i, until) for (s, i), until in nobody.items()]
            now = self.clock.now()
            try:
                await asyncio.to_thread(
                    self.backend.apply, learned=rows, nobody=negatives, purge_before=now
                )
            except BaseException:
                self._requeue(learned, nobody)
                raise
            self.flushed += len(rows) + len(negatives)
            return len(rows) + len(negatives)

    def _requeue(
        self, learned: dict[tuple[str, str, str], datetime], nobody: dict[tuple[str, str], datetime]
    ) -> None:
        for key, at in learned.items():
            self._learned.setdefault(key, at)
        learned_ids = {(s, i) for s, i, _ in self._learned}
        for pair, until in nobody.items():
            if pair not in learned_ids:
                self._nobody.setdefault(pair, until)

    async def aclose(self) -> None:
        """Stop the periodic write and write what is pending (logged, not raised, on failure:
        the routing is a cache, losing it costs one fan-out per identifier)."""
        await self._writer.stop()
        try:
            await self.flush()
        except Exception:
            _log.exception("routing store: %d learned facts not saved at shutdown", self.pending)


__all__ = [
    "DEFAULT_FLUSH_INTERVAL",
    "DEFAULT_MAX_AGE",
    "MergedEditors",
    "RoutingBackend",
    "RoutingStore",
    "merge_editors",
    "routing_scopes",
]
