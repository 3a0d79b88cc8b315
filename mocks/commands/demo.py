"""``sasref demo``: the whole SAS ecosystem on loopback (``make demo``): its options (serving is
:mod:`mocks.commands.demo_serve`).

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
import os
import shutil
import sys
import tempfile
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


def say(text: str) -> None:
    print(f"sasref demo: {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from mocks.commands.clock import clock_option
    from sasref.aggregator import parse_editor_option
    from sasref.errors import ConfigurationError

    if args.editors < 1 or args.practitioners < 1:
        say("--editors and --practitioners must be >= 1")
        return 2
    try:
        args.clock = clock_option(args.clock)
    except ValueError as exc:
        say(str(exc))
        return 2
    if not 1 <= args.lrm_vendors <= MAX_LRM_VENDORS:
        say(f"--lrm-vendors must be between 1 and {MAX_LRM_VENDORS} (ports port+10…port+29)")
        return 2
    if not 0 <= args.marketplaces <= MAX_MARKETPLACES:
        say(f"--marketplaces: 0 to {MAX_MARKETPLACES} (their ports are port+60…port+99)")
        return 2
    # the journey's layout (mocks.journey.demo.last_port), before paying for its imports
    room = 101 + args.editors
    if args.tls and not args.no_login:
        room = max(501, 101 + args.editors) + args.editors + args.marketplaces
    if not 0 < args.port < 65536 - room:
        say(f"--port {args.port} leaves no room for the editors' ports (port+101…)")
        return 2
    try:
        extra = [parse_editor_option(text) for text in args.editor]
        args.monitoring = _monitoring(args)
    except ConfigurationError as exc:
        say(str(exc))
        return 2
    scratch = None
    database_url = args.db or os.environ.get("SASREF_DATABASE_URL")
    if not database_url:
        scratch = Path(tempfile.mkdtemp(prefix="sasref-demo-"))
        database_url = f"sqlite:///{scratch / 'platform.sqlite3'}"
    from mocks.commands.demo_serve import serve_ecosystem, serve_journey

    serve = serve_ecosystem if args.no_login else serve_journey
    try:
        return eventloop.run(serve(args, extra, database_url))
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        return 0
    except ConfigurationError as exc:  # SASREF_EVENT_LOOP names no usable loop
        say(str(exc))
        return 2
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
