"""Where a simulation runs: the journey in process (injected clock: a day in seconds) or a live
``sasref demo`` (real time, ``--url``)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Protocol

import httpx

from mocks.journey import Journey, JourneySettings
from sasref.clock import PARIS, FixedClock
from sasref.monitoring import MonitoringSettings

#: The API token of the in-process journey (the administrator's reads and switches).
SIM_TOKEN = "sasref-simulate"

#: Monitoring thresholds scaled to a simulated day with a handful of regulators: judged over
#: 15 min from 4 calls, probes every 5 min, 2 good probes reactivate. Rounds are driven by the
#: simulation (``tick_seconds=None``), so a run replays the same for the same seed.
SIMULATION_MONITORING = MonitoringSettings(
    window=timedelta(minutes=15),
    min_calls=4,
    probe_interval=timedelta(minutes=5),
    probe_successes=2,
    tick_seconds=None,
)


class Target(Protocol):
    """What the simulator needs from an ecosystem."""

    sas_url: str
    api_headers: dict[str, str]

    def client(self) -> httpx.AsyncClient:
        """A fresh client (its own cookies: one per regulator)."""
        ...

    def now(self) -> datetime: ...

    async def advance_to(self, minute: float) -> None:
        """Let time pass until ``minute`` after the start."""
        ...

    async def settle(self) -> None:
        """Let the editors' INT_R03 pushes reach the platform."""
        ...


class InProcessTarget:
    """A started in-process :class:`~mocks.journey.Journey` on a :class:`FixedClock`: time
    advances in ``step``s, each followed by one monitoring round (windows, due probes)."""

    def __init__(self, journey: Journey, *, step: timedelta = timedelta(seconds=30)) -> None:
        if not isinstance(journey.clock, FixedClock) or journey.urls is None:
            raise ValueError("a started in-process journey on a FixedClock is required")
        self.journey = journey
        self.clock: FixedClock = journey.clock
        self.start = self.clock.now()
        self.step = step
        self.sas_url = journey.urls.sas
        token = journey.settings.api_token
        self.api_headers = {"Authorization": f"Bearer {token}"} if token else {}

    def client(self) -> httpx.AsyncClient:
        return self.journey.browser()

    def now(self) -> datetime:
        return self.clock.now()

    async def advance_to(self, minute: float) -> None:
        assert self.journey.sas is not None
        monitor = self.journey.sas.state.service.activity.monitor
        target = self.start + timedelta(minutes=minute)
        while self.clock.now() < target:
            self.clock.advance(min(self.step, target - self.clock.now()))
            await monitor.tick()

    async def settle(self) -> None:
        await self.journey.settle()


def simulation_journey(
    *, seed: int = 7, editors: int = 3, practitioners: int = 800, start: datetime | None = None
) -> Journey:
    """The journey a simulation runs in process: a fixed clock (Tuesday 08:00 by default),
    :data:`SIMULATION_MONITORING`, the token :data:`SIM_TOKEN`, a short editor deadline."""
    clock = FixedClock(start or datetime(2026, 6, 16, 8, 0, tzinfo=PARIS))
    return Journey(
        JourneySettings(
            seed=seed,
            editors=editors,
            practitioners=practitioners,
            clock=clock,
            api_token=SIM_TOKEN,
            call_deadline=1.0,
            monitoring=SIMULATION_MONITORING,
        )
    )


class LiveTarget:
    """A running ``sasref demo`` (its platform URL and API token): real time, real sockets."""

    def __init__(self, url: str, token: str | None, *, timeout: float = 30.0) -> None:
        self.sas_url = url.rstrip("/")
        self.api_headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.timeout = timeout
        self._origin = time.monotonic()
        self._clients: list[httpx.AsyncClient] = []

    def client(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(timeout=self.timeout, trust_env=False)
        self._clients.append(client)
        return client

    def now(self) -> datetime:
        return datetime.now(PARIS)

    async def advance_to(self, minute: float) -> None:
        delay = self._origin + minute * 60 - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    async def settle(self) -> None:
        return None  # the demo's outboxes push in the background

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
        self._clients.clear()


__all__ = [
    "SIMULATION_MONITORING",
    "SIM_TOKEN",
    "InProcessTarget",
    "LiveTarget",
    "Target",
    "simulation_journey",
]
