"""Shared plumbing of the repositories: an engine, a session factory and an injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sasref.clock import Clock, SystemClock
from sasref.storage.engine import session_factory


class Repository:
    """Each public method runs in its own short transaction: safe to call from worker threads."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()
        self._sessions = session_factory(engine)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def _now(self, at: datetime | None = None) -> datetime:
        return at if at is not None else self.clock.now()
