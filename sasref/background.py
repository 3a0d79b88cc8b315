"""Retry machinery shared by the outboxes (INT_L02 publisher, the mock editors' INT_R03 push).

:class:`Periodic` calls an async function every ``interval`` seconds until stopped: a failing
round is logged and the loop goes on, because a transient fault must never stop delivery.
:class:`Backoff` spaces the attempts of one message. :class:`WriteBehind` is the periodic write
of what a hot path kept in memory (learned routing, indicators, monitoring events).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta


class Periodic:
    """Runs ``action`` every ``interval`` seconds as an asyncio task; ``stop()`` cancels it."""

    def __init__(self, action: Callable[[], Awaitable[object]], *, name: str) -> None:
        self._action = action
        self._name = name
        self._task: asyncio.Task[None] | None = None
        self._log = logging.getLogger(f"sasref.background.{name}")

    @property
    def running(self) -> bool:
        return self._task is not None

    async def run(self, interval: float) -> None:
        while True:
            try:
                await self._action()
            except Exception:  # the loop must survive anything one round meets
                self._log.exception("%s: a round failed; retrying in %s s", self._name, interval)
            await asyncio.sleep(interval)

    def start(self, interval: float) -> None:
        """Start the loop (once: a second call while it runs does nothing)."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(interval), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class WriteBehind:
    """Runs ``action`` (a write of what was kept in memory) every ``interval`` seconds in the
    running event loop, started by the first fact (:meth:`start`: a platform served without
    lifespan events still writes), one write at a time (:meth:`lock`, per loop), and never
    cancelled half-way by :meth:`stop`. ``interval`` ``None``: no periodic write (the owner
    calls its flush). ``skip_first``: :class:`Periodic` runs a round at once; skipping it makes
    the first write come ``interval`` seconds after the first fact, with the facts meanwhile."""

    def __init__(
        self,
        action: Callable[[], Awaitable[object]],
        *,
        name: str,
        interval: float | None,
        skip_first: bool = False,
    ) -> None:
        if interval is not None and interval <= 0:
            raise ValueError(f"{name}: the interval must be positive")
        self._action = action
        self.name = name
        self.interval = interval
        self._skip_first = skip_first
        self._skip = skip_first
        self._periodic: Periodic | None = None
        self._periodic_loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self.closed = False

    def start(self) -> None:
        """Start the periodic write in the running loop (nothing outside a loop, once closed,
        or without an interval)."""
        if self.closed or self.interval is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a fact outside any loop (a script): written by an explicit flush
            return
        if self._periodic is not None and self._periodic_loop is loop:
            return
        self._periodic_loop, self._skip = loop, self._skip_first
        self._periodic = Periodic(self._round, name=self.name)
        self._periodic.start(self.interval)

    async def _round(self) -> None:
        if self._skip:
            self._skip = False
            return
        await self._action()

    def lock(self) -> asyncio.Lock:
        """The lock of the writes, in the running loop."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    async def stop(self) -> None:
        """No more periodic writes (the owner writes what is left)."""
        self.closed = True
        if self._periodic is not None:
            if self._periodic_loop is asyncio.get_running_loop():
                async with self.lock():  # never cancel a write half-way
                    await self._periodic.stop()
            self._periodic = None


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff: ``base * factor**(attempt-1)``, capped at ``maximum``."""

    base: timedelta = timedelta(seconds=5)
    factor: float = 2.0
    maximum: timedelta = timedelta(minutes=10)

    def delay(self, attempt: int) -> timedelta:
        seconds = self.base.total_seconds() * self.factor ** max(attempt - 1, 0)
        return min(timedelta(seconds=seconds), self.maximum)
