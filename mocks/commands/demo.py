"""``sasref demo``: the whole SAS ecosystem on loopback (``make demo``, issues 4 and 5).

By default, the booking journey (:mod:`mocks.journey`) with the requested fleet: the fake
ProSanté Connect, the SAS platform with its PSC login, SAS IdP and INT_R03 server, the mock
editors with their booking pages (one uvicorn server each), the marketplace platforms
(``--marketplaces``, :mod:`mocks.marketplace`), the in-memory Hub Santé and the LRMs of the 101
SAMUs, shared by ``--lrm-vendors`` vendors (one uvicorn server each, a path per SAMU). Ports:
platform ``--port`` (8000), PSC +1, LRM vendors +10 … +29, marketplaces +60 … +99, editors +101,
+102, … A progress display
on stderr while starting, then ONE line on stdout with the URLs; Ctrl-C or SIGTERM stops
everything cleanly (exit 0, no traceback); a busy port is a one-line message and exit 1.

Scripts call the login-protected API with ``Authorization: Bearer <token>`` (``--api-token``,
default ``$SASREF_API_TOKEN`` or ``sasref-demo``). ``--no-login`` runs the plain
:class:`mocks.ecosystem.Ecosystem` instead: platform without login, the editors on one shared
server under ``/<name>/fhir`` (no booking pages). docs/platform.md has the layout.

``--tls`` puts the FHIR flows in **mTLS** (digest §11) with a fake IGC-Santé PKI
(:mod:`mocks.pki`) written to ``--tls-dir`` (default: a temporary directory removed at exit);
the PEM files and ready-made ``curl`` lines are printed on stderr. Each editor requires the SAS
platform's client certificate (CN/OU ``--sas-cn`` / ``--sas-ou``, assumed defaults), which the
platform presents. In the journey (default mode) each editor's FHIR API (searches, INT_R02)
listens on a second, mTLS-only port (port+501…; its booking pages stay on the http port a
browser uses) and the platform's INT_R03 ``/fhir/Appointment`` on port+3, requiring a
registered editor's certificate (``CN=<editor>``, ``OU`` ``--editor-ou``), which each editor's
outbox presents; ``/fhir`` on the http ports answers 403. With ``--no-login`` the shared
editors' server is served over mTLS and the platform stays on http.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sasref import eventloop

DEFAULT_PORT = 8000
DEFAULT_API_TOKEN = "sasref-demo"
API_TOKEN_ENV = "SASREF_API_TOKEN"
#: Assumed CN/OU of the SAS client certificate (kept equal to :data:`mocks.pki.SAS_CLIENT`; not
#: imported from there: ``sasref --help`` registers this command and stays quick).
SAS_CLIENT_CN, SAS_CLIENT_OU = "sas.sante.fr", "SAS"
#: Assumed OU of an editor's client certificate (:data:`mocks.pki.EDITOR_CLIENT_OU`).
EDITOR_CLIENT_OU = "EDITEUR"
#: :data:`mocks.lrm.DEFAULT_VENDORS` and :data:`mocks.lrm.MAX_VENDORS` (not imported, as above).
DEFAULT_LRM_VENDORS, MAX_LRM_VENDORS = 6, 20
#: :data:`mocks.marketplace.MAX_MARKETPLACES` (not imported: ``sasref --help`` stays quick).
MAX_MARKETPLACES = 40


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole SAS ecosystem (PSC, platform, editors, hub, LRMs) on loopback",
        description="The whole ecosystem on loopback: fake ProSanté Connect, the SAS platform "
        "(search API and pages behind the PSC login, SAS IdP, INT_R03), N mock editors with "
        "booking pages built from a seeded population, marketplace platforms (care requests), "
        "an in-memory Hub Santé and the LRMs of the 101 SAMUs from a few LRM vendors.",
    )
    parser.add_argument("--editors", type=int, default=40, help="mock editors (default 40)")
    parser.add_argument("--practitioners", type=int, default=4000, help="default 4000")
    parser.add_argument(
        "--marketplaces",
        type=int,
        default=6,
        help="marketplace platforms ('places de marché', 0 to 40; default 6) on port+60… "
        "(not with --no-login)",
    )
    parser.add_argument("--seed", type=int, default=42, help="population seed (default 42)")
    parser.add_argument(
        "--clock",
        default=None,
        metavar="ISO",
        help="start the demo's clock at this instant (no offset = Paris time; it then runs at the "
        "wall clock's pace): e.g. 2026-06-16T09:00 for a Tuesday morning's agendas at any hour",
    )
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="platform port (8000); PSC port+1, LRM vendors port+10…, editors port+101…",
    )
    parser.add_argument(
        "--lrm-vendors",
        type=int,
        default=DEFAULT_LRM_VENDORS,
        metavar="N",
        help=f"LRM vendors sharing the 101 SAMUs (default {DEFAULT_LRM_VENDORS}, at most "
        f"{MAX_LRM_VENDORS}): one server each on port+10…",
    )
    parser.add_argument(
        "--sso",
        choices=["sas", "psc"],
        default="sas",
        help="how editors authenticate the regulator: sas = the SAS is their OpenID provider "
        "(default), psc = they are ProSanté Connect relying parties",
    )
    parser.add_argument(
        "--editor",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="add your own editor server (FHIR base URL) to the platform's registry; repeatable",
    )
    parser.add_argument(
        "--db",
        default=None,
        metavar="URL",
        help="platform database (sqlite:///file or postgresql+psycopg://…); default "
        "$SASREF_DATABASE_URL or a temporary SQLite file removed at exit",
    )
    parser.add_argument(
        "--api-token",
        default=os.environ.get(API_TOKEN_ENV, DEFAULT_API_TOKEN),
        metavar="TOKEN",
        help="'Authorization: Bearer TOKEN' stands for a regulator login on the API (default "
        f"${API_TOKEN_ENV} or {DEFAULT_API_TOKEN!r}; '' turns it off)",
    )
    parser.add_argument(
        "--no-login",
        action="store_true",
        help="only the platform (no login) and the editors' FHIR APIs on one shared server",
    )
    parser.add_argument(
        "--fleet-port",
        type=int,
        default=None,
        help="with --no-login: the editors' shared port (default port+100)",
    )
    parser.add_argument(
        "--deadline", type=float, default=None, help="per-editor deadline in seconds (default 7)"
    )
    monitor = parser.add_argument_group(
        "editor monitoring (issue 12; defaults: docs/monitoring.md)"
    )
    monitor.add_argument(
        "--monitor-window",
        type=float,
        default=None,
        metavar="SECONDS",
        help="sliding window the editors' figures are judged over (default 300)",
    )
    monitor.add_argument(
        "--monitor-min-calls",
        type=int,
        default=None,
        metavar="N",
        help="calls the window must hold before judging (default 10)",
    )
    monitor.add_argument(
        "--probe-interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="time between two probes of a deactivated editor (default 60)",
    )
    monitor.add_argument(
        "--probe-successes",
        type=int,
        default=None,
        metavar="N",
        help="good probes in a row that reactivate an editor (default 3)",
    )
    tls = parser.add_argument_group("mTLS")
    tls.add_argument(
        "--tls",
        action="store_true",
        help="FHIR flows over mTLS with a fake IGC-Santé PKI: the editors' FHIR API (the platform "
        "presents the SAS client certificate) and, in the journey, INT_R03 (port+3: each editor "
        "presents its own); the pages stay on http",
    )
    tls.add_argument(
        "--tls-dir",
        default=None,
        metavar="DIR",
        help="where the PEM files go (kept); default a temporary directory removed at exit",
    )
    tls.add_argument(
        "--sas-cn",
        default=SAS_CLIENT_CN,
        metavar="CN",
        help=f"CN of the SAS client certificate the editors require (assumed: {SAS_CLIENT_CN})",
    )
    tls.add_argument(
        "--sas-ou",
        default=SAS_CLIENT_OU,
        metavar="OU",
        help=f"OU of the SAS client certificate the editors require (assumed: {SAS_CLIENT_OU})",
    )
    tls.add_argument(
        "--editor-ou",
        default=EDITOR_CLIENT_OU,
        metavar="OU",
        help="OU of the editors' client certificates (CN = the editor's name) the platform "
        f"requires for INT_R03 (assumed: {EDITOR_CLIENT_OU})",
    )
    parser.set_defaults(run=run)


def _monitoring(args: argparse.Namespace) -> Any:
    """The platform's :class:`~sasref.monitoring.MonitoringSettings` from the options."""
    from dataclasses import replace
    from datetime import timedelta

    from sasref.monitoring import MonitoringSettings

    changes: dict[str, Any] = {}
    if args.monitor_window is not None:
        changes["window"] = timedelta(seconds=args.monitor_window)
    if args.monitor_min_calls is not None:
        changes["min_calls"] = args.monitor_min_calls
    if args.probe_interval is not None:
        changes["probe_interval"] = timedelta(seconds=args.probe_interval)
    if args.probe_successes is not None:
        changes["probe_successes"] = args.probe_successes
    return replace(MonitoringSettings(), **changes)


def _say(text: str) -> None:
    print(f"sasref demo: {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from mocks.commands.clock import clock_option
    from sasref.aggregator import parse_editor_option
    from sasref.errors import ConfigurationError

    if args.editors < 1 or args.practitioners < 1:
        _say("--editors and --practitioners must be >= 1")
        return 2
    try:
        args.clock = clock_option(args.clock)
    except ValueError as exc:
        _say(str(exc))
        return 2
    if not 1 <= args.lrm_vendors <= MAX_LRM_VENDORS:
        _say(f"--lrm-vendors must be between 1 and {MAX_LRM_VENDORS} (ports port+10…port+29)")
        return 2
    if not 0 <= args.marketplaces <= MAX_MARKETPLACES:
        _say(f"--marketplaces: 0 to {MAX_MARKETPLACES} (their ports are port+60…port+99)")
        return 2
    # the journey's layout (mocks.journey.demo.last_port), before paying for its imports
    room = 101 + args.editors
    if args.tls and not args.no_login:
        room = max(501, 101 + args.editors) + args.editors + args.marketplaces
    if not 0 < args.port < 65536 - room:
        _say(f"--port {args.port} leaves no room for the editors' ports (port+101…)")
        return 2
    try:
        extra = [parse_editor_option(text) for text in args.editor]
        args.monitoring = _monitoring(args)
    except ConfigurationError as exc:
        _say(str(exc))
        return 2
    scratch = None
    database_url = args.db or os.environ.get("SASREF_DATABASE_URL")
    if not database_url:
        scratch = Path(tempfile.mkdtemp(prefix="sasref-demo-"))
        database_url = f"sqlite:///{scratch / 'platform.sqlite3'}"
    serve = _serve_ecosystem if args.no_login else _serve_journey
    try:
        return eventloop.run(serve(args, extra, database_url))
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        return 0
    except ConfigurationError as exc:  # SASREF_EVENT_LOOP names no usable loop
        _say(str(exc))
        return 2
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


def _progress() -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(*columns, console=Console(stderr=True), transient=True)


@contextlib.contextmanager
def _pki_directory(args: argparse.Namespace) -> Iterator[str | None]:
    """Where the fake PKI goes: ``--tls-dir`` (kept; it implies ``--tls``), a temporary
    directory removed at exit with ``--tls`` alone, ``None`` without either."""
    if args.tls_dir:
        yield args.tls_dir
    elif not args.tls:
        yield None
    else:
        scratch = tempfile.mkdtemp(prefix="sasref-pki-")
        try:
            yield scratch
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


async def _serve_journey(args: argparse.Namespace, extra: list[Any], database_url: str) -> int:
    with _pki_directory(args) as tls_dir:
        return await _serve_journey_in(args, extra, database_url, tls_dir)


async def _serve_journey_in(
    args: argparse.Namespace, extra: list[Any], database_url: str, tls_dir: str | None
) -> int:
    from mocks.journey import (
        Journey,
        JourneySettings,
        TlsSettings,
        demo_ports,
        journey_hints,
        ready_line,
        tls_hints,
    )
    from mocks.journey.demo import DEMO_TIME_SCALE
    from mocks.pki import ClientName
    from mocks.population import generate_population
    from mocks.serving import PortBusy
    from sasref.auth import SsoMode

    stop = _stop_event()
    settings = JourneySettings(
        seed=args.seed,
        editors=args.editors,
        practitioners=args.practitioners,
        sso_mode=SsoMode(args.sso),
        clock=args.clock,
        background=True,
        extra_editors=tuple(extra),
        database_url=database_url,
        log_searches=True,
        api_token=args.api_token or None,
        call_deadline=args.deadline,
        lrm_vendors=args.lrm_vendors,
        marketplaces=args.marketplaces,
        marketplace_time_scale=DEMO_TIME_SCALE,
        monitoring=args.monitoring,
        tls=None
        if tls_dir is None
        else TlsSettings(
            tls_dir,
            sas_client=ClientName(cn=args.sas_cn, ou=args.sas_ou),
            editor_ou=args.editor_ou,
        ),
    )
    with _progress() as progress:
        step = progress.add_task(
            f"population: seed {args.seed}, {args.practitioners} practitioners, "
            f"{args.editors} editors",
            total=None,
        )
        population = await asyncio.to_thread(
            generate_population,
            args.seed,
            settings.clock,
            editors=args.editors,
            practitioners=args.practitioners,
        )
        journey = Journey(settings, population=population)
        progress.update(step, total=1, completed=1)
        editors = progress.add_task("editors (FHIR API + booking pages)", total=args.editors)
        fhir_servers = args.editors + args.marketplaces
        servers_total = fhir_servers + 2 + args.lrm_vendors
        if tls_dir is not None:
            servers_total += fhir_servers + 1
        servers = progress.add_task("servers", total=servers_total)
        tasks = {"editor": editors, "server": servers}

        def advance(stage: str, name: str) -> None:
            progress.update(tasks[stage], advance=1)

        ports = demo_ports(
            journey.editor_names, args.port, tls=tls_dir is not None,
            lrm_vendors=journey.lrm_vendor_keys, marketplace_names=journey.marketplace_names,
        )  # fmt: skip
        try:
            await journey.start_serving(args.host, ports, on_progress=advance)
        except PortBusy as exc:
            progress.stop()
            _say(f"{exc} — another demo running? try --port")
            await journey.aclose()
            return 1
    try:
        print(ready_line(journey), flush=True)
        for hint in [*journey_hints(journey), *tls_hints(journey)]:
            print(f"  {hint}", file=sys.stderr, flush=True)
        await stop.wait()
    finally:
        await journey.aclose()
    _say("stopped")
    return 0


async def _serve_ecosystem(args: argparse.Namespace, extra: list[Any], database_url: str) -> int:
    with _pki_directory(args) as tls_dir:
        return await _serve_ecosystem_in(args, extra, database_url, tls_dir)


def _tls_hints(tls: Any, fleet_url: str, editor: str) -> list[str]:
    """Where the PEM files are, and a curl line calling an editor as the SAS platform."""
    from mocks.ecosystem import EDITOR_CLIENT_CERT, SAS_CLIENT_CERT

    files = tls.files
    sas = files.certs[SAS_CLIENT_CERT]
    editor_cert = files.certs[EDITOR_CLIENT_CERT]
    return [
        f"mTLS: fake IGC-Santé PKI in {files.directory}: {files.ca.name} (trust: root + issuing "
        f"CA), {files.crl.name}, {tls.server}.pem/.key (editors' server)",
        f"  SAS client certificate ({tls.expected}, required by every editor): "
        f"{sas.cert} {sas.key}",
        f"  editor client certificate (INT_R03 sample): {editor_cert.cert} {editor_cert.key}",
        f"  try: curl --cacert {files.ca} --cert {sas.cert} --key {sas.key} "
        f"{fleet_url}{editor}/fhir/metadata",
    ]


async def _serve_ecosystem_in(
    args: argparse.Namespace, extra: list[Any], database_url: str, tls_dir: str | None
) -> int:
    from mocks.ecosystem import Ecosystem, FleetTls
    from mocks.pki import ClientName
    from mocks.serving import PortBusy

    stop = _stop_event()
    tls = None
    if tls_dir is not None:
        sas = ClientName(cn=args.sas_cn, ou=args.sas_ou)
        tls = await asyncio.to_thread(FleetTls.create, tls_dir, host=args.host, sas_client=sas)
    fleet_port = args.fleet_port or args.port + 100
    deadline = args.deadline
    with _progress() as progress:
        step = progress.add_task(
            f"population: seed {args.seed}, {args.practitioners} practitioners", total=None
        )
        ecosystem = await asyncio.to_thread(
            Ecosystem,
            args.seed,
            args.editors,
            args.practitioners,
            clock=args.clock,
            extra_editors=extra,
            database_url=database_url,
            call_deadline=deadline,
            overall_deadline=deadline + 1 if deadline else None,
            monitoring=args.monitoring,
        )
        progress.update(step, description="editors, servers", total=args.editors + 2, completed=0)
        advance: Callable[[str], None] = lambda _: progress.update(step, advance=1)  # noqa: E731
        try:
            running = await ecosystem.serve(
                args.host, args.port, fleet_port, on_progress=advance, tls=tls
            )
        except PortBusy as exc:
            progress.stop()
            _say(f"{exc} — another demo running? try --port / --fleet-port")
            return 1
    mine = f", +{len(extra)} of yours" if extra else ""
    try:
        print(
            f"sasref demo ready: platform {running.platform_url}  "
            f"({args.editors} editors on {running.fleet_url}<name>/fhir{mine})  "
            f"API {running.platform_url}docs  (no login{', editors over mTLS' if tls else ''})",
            flush=True,
        )
        if tls is not None:
            for hint in _tls_hints(tls, running.fleet_url, ecosystem.editor_names[0]):
                print(f"  {hint}", file=sys.stderr, flush=True)
        await stop.wait()
    finally:
        await running.stop()
    _say("stopped")
    return 0
