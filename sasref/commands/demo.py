"""``sasref demo``: the SAS platform and a fleet of mock editors on loopback (``make demo``).

Starts, in one process and one event loop: the seeded population, its editors (one uvicorn
server for the whole fleet, each editor under ``/<name>/fhir``, see :mod:`mocks.ecosystem`) and
the SAS platform. A progress display while starting, then ONE line with the URLs; Ctrl-C or
SIGTERM stops everything cleanly (exit 0, no traceback). ``--editor NAME=URL`` adds a user's own
editor server to the platform's registry.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

DEFAULT_PORT = 8000


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the SAS platform and a fleet of mock editors on loopback",
        description="The whole ecosystem on loopback: the SAS platform (search API, regulator "
        "pages, LRM contextual search) and N mock editors built from a seeded population.",
    )
    parser.add_argument("--editors", type=int, default=40, help="mock editors (default 40)")
    parser.add_argument("--practitioners", type=int, default=4000, help="default 4000")
    parser.add_argument("--seed", type=int, default=42, help="population seed (default 42)")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="platform port (8000)")
    parser.add_argument(
        "--fleet-port", type=int, default=None, help="the editors' shared port (default port+100)"
    )
    parser.add_argument(
        "--editor",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="add your own editor server (FHIR base URL) to the platform's registry; repeatable",
    )
    parser.add_argument("--db", default=None, metavar="URL", help="database URL (default SQLite)")
    parser.add_argument(
        "--deadline", type=float, default=7.0, help="per-editor deadline in seconds (default 7)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from sasref.aggregator import parse_editor_option
    from sasref.errors import ConfigurationError

    if args.editors < 1 or args.practitioners < 1:
        print("sasref demo: --editors and --practitioners must be >= 1", file=sys.stderr)  # noqa: T201
        return 2
    try:
        extra = [parse_editor_option(text) for text in args.editor]
    except ConfigurationError as exc:
        print(f"sasref demo: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    try:
        return asyncio.run(_serve(args, extra))
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        return 0


async def _serve(args: argparse.Namespace, extra: list[Any]) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

    from mocks.ecosystem import Ecosystem

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    console = Console(stderr=True)
    fleet_port = args.fleet_port or args.port + 100
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        step = progress.add_task(
            f"population (seed {args.seed}, {args.practitioners} practitioners)", total=None
        )
        ecosystem = await asyncio.to_thread(
            Ecosystem,
            args.seed,
            args.editors,
            args.practitioners,
            extra_editors=extra,
            database_url=args.db,
            call_deadline=args.deadline,
            overall_deadline=args.deadline + 1,
        )
        progress.update(step, description="editors", total=args.editors + 2, completed=0)

        def advance(text: str) -> None:
            progress.update(step, description=text, advance=1)

        try:
            running = await ecosystem.serve(args.host, args.port, fleet_port, on_progress=advance)
        except OSError as exc:
            progress.stop()
            print(f"sasref demo: {exc} (port in use? try --port)", file=sys.stderr)  # noqa: T201
            return 1
    mine = f", +{len(extra)} of yours" if extra else ""
    print(  # noqa: T201
        f"sasref demo ready: platform {running.platform_url}  "
        f"({args.editors} editors on {running.fleet_url}<name>/fhir{mine})  "
        f"API {running.platform_url}docs",
        flush=True,
    )
    await stop.wait()
    await running.stop()
    print("sasref demo stopped", file=sys.stderr, flush=True)  # noqa: T201
    return 0
