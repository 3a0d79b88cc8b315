"""Shared plumbing of the repositories: an engine, a session factory and an injected clock.

An in-memory SQLite database is ONE connection shared by every thread (``StaticPool``): the
repositories' transactions on it take turns (a re-entrant lock per engine, held for the whole
transaction in the thread that runs it), or a background writer and a request's worker thread
would interleave two transactions on that connection. Other databases have a pool of
connections and need no lock.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from sasref.clock import Clock, SystemClock
from sasref.storage.engine import session_factory

_SHARED: weakref.WeakKeyDictionary[object, threading.RLock] = weakref.WeakKeyDictionary()
_SHARED_GUARD = threading.Lock()


def _turns(engine: Engine) -> AbstractContextManager[object]:
    """The lock of an engine whose one connection every thread shares, else no lock."""
    pool = engine.pool
    if not isinstance(pool, StaticPool):
        return nullcontext()
    with _SHARED_GUARD:
        lock = _SHARED.get(pool)
        if lock is None:
            lock = _SHARED[pool] = threading.RLock()
    return lock


class Repository:
    """Each public method runs in its own short transaction: safe to call from worker threads."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()
        self._sessions = session_factory(engine)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with _turns(self.engine), self._sessions() as session, session.begin():
            yield session

    def _now(self, at: datetime | None = None) -> datetime:
        return at if at is not None else self.clock.now()
