"""The serving half of ``sasref demo`` (:mod:`mocks.commands.demo` parses and checks the options):
the booking journey on fixed loopback ports (:mod:`mocks.journey`), or with ``--no-login`` the
plain :class:`mocks.ecosystem.Ecosystem`; the fake PKI's directory for ``--tls``; a progress
display while starting, the ready line, then serving until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from mocks.commands.demo import say


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


async def serve_journey(args: argparse.Namespace, extra: list[Any], database_url: str) -> int:
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
            say(f"{exc} — another demo running? try --port")
            await journey.aclose()
            return 1
    try:
        print(ready_line(journey), flush=True)
        for hint in [*journey_hints(journey), *tls_hints(journey)]:
            print(f"  {hint}", file=sys.stderr, flush=True)
        await stop.wait()
    finally:
        await journey.aclose()
    say("stopped")
    return 0


async def serve_ecosystem(args: argparse.Namespace, extra: list[Any], database_url: str) -> int:
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
            say(f"{exc} — another demo running? try --port / --fleet-port")
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
    say("stopped")
    return 0
