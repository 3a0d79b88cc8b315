"""sasref.eventloop: uvloop when installed, the standard library's loop on request."""

from __future__ import annotations

import asyncio

import pytest

from sasref import eventloop
from sasref.errors import ConfigurationError


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_picks_uvloop_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("uvloop")
    monkeypatch.delenv(eventloop.LOOP_VARIABLE, raising=False)
    assert eventloop.loop_name() == "uvloop"
    assert eventloop.run(_loop_module()).startswith("uvloop")


def test_the_environment_can_force_the_standard_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(eventloop.LOOP_VARIABLE, "asyncio")
    assert eventloop.loop_name() == "asyncio"
    assert eventloop.run(_loop_module()).startswith("asyncio")


def test_an_unknown_choice_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(eventloop.LOOP_VARIABLE, "tokio")
    with pytest.raises(ConfigurationError, match="SASREF_EVENT_LOOP='tokio'"):
        eventloop.loop_factory()


def test_asking_for_a_missing_uvloop_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "uvloop", None)  # import fails as if not installed
    assert eventloop.loop_factory("auto") is None
    with pytest.raises(ConfigurationError, match="not installed"):
        eventloop.loop_factory("uvloop")
