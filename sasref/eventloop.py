"""Which asyncio event loop the long-running commands use: uvloop when it is installed.

uvicorn already makes this choice for the servers it starts itself (``loop="auto"``:
``sasref mocks editor``), but ``sasref demo`` and the benchmarks start their uvicorn servers
inside a loop of their own, which was the standard library's. uvloop's loop (libuv) costs a
fraction of the CPU per socket operation; the platform's fan-out makes dozens of socket round
trips per search, so the choice shows in the throughput figures of ``make bench``
(``docs/decisions.md``).

``SASREF_EVENT_LOOP=asyncio`` forces the standard library's loop (to compare, or to debug with
asyncio's debug mode); ``uvloop`` requires it and fails clearly when it is missing.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from sasref.errors import ConfigurationError

T = TypeVar("T")

#: Environment variable naming the loop: ``auto`` (default), ``uvloop`` or ``asyncio``.
LOOP_VARIABLE = "SASREF_EVENT_LOOP"


def loop_factory(choice: str | None = None) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop factory for ``choice`` (default: the environment, then ``auto``);
    ``None`` means the standard library's loop."""
    choice = (choice or os.environ.get(LOOP_VARIABLE) or "auto").strip().lower()
    if choice not in ("auto", "uvloop", "asyncio"):
        raise ConfigurationError(f"{LOOP_VARIABLE}={choice!r}: expected auto, uvloop or asyncio")
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise ConfigurationError(
                f"{LOOP_VARIABLE}=uvloop but uvloop is not installed (pip install uvloop)"
            ) from None
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def loop_name(choice: str | None = None) -> str:
    """``"uvloop"`` or ``"asyncio"``: what :func:`run` would use."""
    return "asyncio" if loop_factory(choice) is None else "uvloop"


def run(main: Coroutine[Any, Any, T], *, choice: str | None = None) -> T:
    """:func:`asyncio.run` on the chosen loop (Ctrl-C cancels ``main`` as asyncio.run does)."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main)


__all__ = ["LOOP_VARIABLE", "loop_factory", "loop_name", "run"]
