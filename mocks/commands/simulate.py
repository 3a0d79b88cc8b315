"""``sasref simulate``: seeded activity against the SAS ecosystem, so dashboards have data.

``sasref simulate --regulators N --minutes M --seed S`` runs the booking journey in process on
an injected clock (a day in seconds) with the simulation's monitoring thresholds
(:data:`mocks.simulate.SIMULATION_MONITORING`); ``--url http://127.0.0.1:8000`` drives a running
``sasref demo`` instead, in real time, with its API token (``--token``, default
``$SASREF_API_TOKEN`` or the demo's). Regulators log in through the fake ProSanté Connect, search,
book; an editor breaks mid-run (``--fault``) then recovers: the summary says when the platform
alerted, deactivated its flux and reactivated it. A progress bar shows the simulated time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from mocks.commands.demo import API_TOKEN_ENV, DEFAULT_API_TOKEN
from sasref import eventloop


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="seeded regulator activity (searches, bookings, an editor's fault) against the demo",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument("--regulators", type=int, default=5, help="regulators (default 5)")
    parser.add_argument("--minutes", type=float, default=240, help="run length (default 240)")
    parser.add_argument("--seed", type=int, default=1, help="simulation seed (default 1)")
    parser.add_argument(
        "--search-every", type=float, default=10, help="mean minutes between a regulator's searches"
    )
    parser.add_argument(
        "--booking-share", type=float, default=0.15, help="share of searches ending in a booking"
    )
    parser.add_argument(
        "--fault",
        choices=["error", "timeout", "garbage", "none"],
        default="error",
        help="how the editor breaks from 1/3 to 2/3 of the run (default error: HTTP 500s)",
    )
    parser.add_argument("--editor", default=None, help="the editor to break (default: busiest)")
    parser.add_argument("--url", default=None, help="a running demo's platform URL (real time)")
    parser.add_argument(
        "--token",
        default=os.environ.get(API_TOKEN_ENV, DEFAULT_API_TOKEN),
        help=f"the demo's API token (default ${API_TOKEN_ENV} or {DEFAULT_API_TOKEN!r})",
    )
    parser.add_argument("--editors", type=int, default=3, help="in process: editors (default 3)")
    parser.add_argument(
        "--practitioners", type=int, default=800, help="in process: practitioners (default 800)"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from mocks.simulate import SimulationSettings

    try:
        settings = SimulationSettings(
            regulators=args.regulators,
            minutes=args.minutes,
            seed=args.seed,
            search_every=args.search_every,
            booking_share=args.booking_share,
            fault=args.fault,
            editor=args.editor,
        )
    except ValueError as exc:
        print(f"sasref simulate: {exc}", file=sys.stderr)
        return 2
    try:
        summary = eventloop.run(_simulate(args, settings))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a demo that is not there, an editor that is not known
        print(f"sasref simulate: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        for key, value in summary.items():
            print(f"{key:>16}: {value if value is not None else '—'}")
    return 0


async def _simulate(args: argparse.Namespace, settings: Any) -> dict[str, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from mocks.simulate import InProcessTarget, LiveTarget, Simulator, simulation_journey

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} min"),
        TextColumn("{task.fields[stats]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("simulating", total=settings.minutes, stats="")

        def advance(minute: float, report: Any) -> None:
            stats = f"{report.searches} searches, {report.bookings} bookings"
            if report.flux:
                stats += f", {report.editor}: {report.flux[-1].state}"
            progress.update(task, completed=minute, stats=stats)

        if args.url:
            live = LiveTarget(args.url, args.token or None)
            try:
                report = await Simulator(live, settings, on_progress=advance).run()
            finally:
                await live.aclose()
        else:
            journey = simulation_journey(
                seed=args.seed, editors=args.editors, practitioners=args.practitioners
            )
            async with journey.in_process():
                target = InProcessTarget(journey)
                report = await Simulator(target, settings, on_progress=advance).run()
    summary: dict[str, Any] = report.summary()
    return summary
