"""The journey on fixed loopback ports for a person with a browser (``sasref demo``,
``python -m mocks.journey``): the port layout, the ready line, the walk-through hints."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from mocks.journey.core import Journey
from mocks.journey.model import JourneySettings, JourneyUrls
from sasref import eventloop
from sasref.auth import SsoMode
from sasref.clock import Clock, SystemClock
from sasref.directory.model import EditorInfo
from sasref.errors import ConfigurationError

#: Offsets from the platform's port: PSC, LRM, first editor.
PSC_OFFSET, LRM_OFFSET, EDITORS_OFFSET = 1, 2, 101


def demo_ports(editor_names: Iterable[str], port: int = 8000) -> dict[str, int]:
    """Fixed ports for a hand-driven demo: SAS ``port``, PSC ``port+1``, LRM ``port+2``, editors
    ``port+101``, ``port+102``, ..."""
    ports = {"sas": port, "psc": port + PSC_OFFSET, "lrm": port + LRM_OFFSET}
    ports.update({name: port + EDITORS_OFFSET + i for i, name in enumerate(editor_names)})
    return ports


def editors_range(urls: JourneyUrls) -> str:
    """``http://127.0.0.1:8101-8140`` (or the single URL, or ``none``)."""
    roots = list(urls.editors.values())
    if not roots:
        return "none"
    if len(roots) == 1:
        return roots[0]
    last_port = roots[-1].rsplit(":", 1)[1]
    return f"{roots[0]}-{last_port}"


def ready_line(journey: Journey) -> str:
    """The ONE line the demo prints when everything listens."""
    urls = journey.urls
    assert urls is not None
    s = journey.settings
    mine = f" +{len(s.extra_editors)} of yours" if s.extra_editors else ""
    return (
        f"sasref demo ready: platform {urls.sas}/  PSC {urls.psc}/  LRM {urls.lrm}/appointments  "
        f"editors {editors_range(urls)} ({len(urls.editors)}{mine})  SSO {s.sso_mode.value}"
    )


def journey_hints(journey: Journey) -> list[str]:
    """What to do by hand in a browser (docs/booking-journey.md §4)."""
    urls = journey.urls
    assert urls is not None
    try:
        example = f"{urls.sas}{journey.pick_slot().search_path}"
    except LookupError:
        example = f"{urls.sas}/"
    token = journey.settings.api_token
    hints = [
        f"1. open {example}  (or {urls.sas}/ and search near any préfecture)",
        "2. on the fake ProSanté Connect page click a regulator persona",
        "3. click a slot: the editor's booking page opens, already authenticated",
        "4. fill in the patient and book; see the SAS copy at "
        f"{urls.sas}/journey/appointments and the LRM's at {urls.lrm}/appointments",
    ]
    if token:
        hints.append(
            f"scripts: curl -H 'Authorization: Bearer {token}' "
            f"'{urls.sas}/api/v1/search?city=Bordeaux'"
        )
    return hints


def journey_banner(journey: Journey) -> str:
    """The ready line and the walk-through, as one text (``python -m mocks.journey``)."""
    return "\n".join([ready_line(journey), *("  " + h for h in journey_hints(journey))])


async def run_journey_demo(
    stop: asyncio.Event,
    *,
    seed: int = 42,
    editors: int = 3,
    practitioners: int = 2000,
    host: str = "127.0.0.1",
    port: int = 8000,
    sso_mode: SsoMode = SsoMode.SAS,
    clock: Clock | None = None,
    on_ready: Callable[[str], object] | None = None,
    extra_editors: Iterable[EditorInfo] = (),
    database_url: str = "sqlite:///:memory:",
    api_token: str | None = None,
) -> JourneyUrls:
    """Serve the journey on fixed loopback ports (:func:`demo_ports`) until ``stop`` is set.

    ``on_ready(text)`` receives :func:`journey_banner` once everything listens. Uses the system
    clock by default so the agendas follow the real time."""
    journey = Journey(
        JourneySettings(
            seed=seed,
            editors=editors,
            practitioners=practitioners,
            sso_mode=sso_mode,
            clock=clock or SystemClock(),
            background=True,
            extra_editors=tuple(extra_editors),
            database_url=database_url,
            api_token=api_token,
        )
    )
    urls = await journey.start_serving(host, demo_ports(journey.editor_names, port))
    try:
        if on_ready is not None:
            on_ready(journey_banner(journey))
        await stop.wait()
    finally:
        await journey.aclose()
    return urls


def main(argv: list[str] | None = None) -> int:
    """``python -m mocks.journey [--port 8000] [--sso sas|psc]``: the journey demo alone
    (``sasref demo`` is the same with a progress display and the 40-editor fleet)."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(prog="python -m mocks.journey", description=main.__doc__)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--editors", type=int, default=3)
    parser.add_argument("--practitioners", type=int, default=2000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--sso", choices=[m.value for m in SsoMode], default=SsoMode.SAS.value)
    args = parser.parse_args(argv)

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await run_journey_demo(
            stop, seed=args.seed, editors=args.editors, practitioners=args.practitioners,
            host=args.host, port=args.port, sso_mode=SsoMode(args.sso),
            on_ready=lambda text: sys.stdout.write(text + "\n") and sys.stdout.flush(),
        )  # fmt: skip

    try:
        eventloop.run(go())
    except (OSError, ConfigurationError) as exc:
        sys.stderr.write(f"mocks.journey: {exc}\n")
        return 1
    return 0
