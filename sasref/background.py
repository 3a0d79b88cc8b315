"""Retry machinery shared by the outboxes (INT_L02 publisher, the mock editors' INT_R03 push).

:class:`Periodic` calls an async function every ``interval`` seconds until stopped: a failing
round is logged and the loop goes on, because a transient fault must never stop delivery.
:class:`Backoff` spaces the attempts of one message.
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


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff: ``base * factor**(attempt-1)``, capped at ``maximum``."""

    base: timedelta = timedelta(seconds=5)
    factor: float = 2.0
    maximum: timedelta = timedelta(minutes=10)

    def delay(self, attempt: int) -> timedelta:
        seconds = self.base.total_seconds() * self.factor ** max(attempt - 1, 0)
        return min(timedelta(seconds=seconds), self.maximum)
