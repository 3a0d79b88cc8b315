"""The journey on fixed loopback ports for a person with a browser (``sasref demo``,
``python -m mocks.journey``): the port layout, the ready line, the walk-through hints."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from mocks.journey.core import Journey, mtls
from mocks.journey.model import JourneySettings, JourneyUrls, TlsSettings
from mocks.lrm.fleet import DEFAULT_VENDORS
from sasref import eventloop
from sasref.auth import SsoMode
from sasref.clock import Clock, SystemClock
from sasref.directory.model import EditorInfo
from sasref.errors import ConfigurationError

#: Offsets from the platform's port: PSC, first LRM vendor (… +29 at most: 20 vendors), first
#: marketplace (… +99 at most: 40), first editor.
PSC_OFFSET, LRM_VENDORS_OFFSET, MARKETPLACES_OFFSET, EDITORS_OFFSET = 1, 10, 60, 101
#: With mTLS: the platform's INT_R03 port, the first editor's FHIR API port (at least; after
#: the editors' http ports when there are more than 400 editors); the marketplaces' INT_R02
#: mTLS ports follow the editors'.
SAS_MTLS_OFFSET, EDITORS_MTLS_OFFSET = 3, 501
#: The demo's marketplaces run their dispatch 60 times faster than the clock: a professional
#: answers within seconds, an unanswered request expires after a minute.
DEMO_TIME_SCALE = 1 / 60


def demo_ports(
    editor_names: Iterable[str],
    port: int = 8000,
    *,
    tls: bool = False,
    lrm_vendors: Iterable[str] = (),
    marketplace_names: Iterable[str] = (),
) -> dict[str, int]:
    """Fixed ports for a hand-driven demo: SAS ``port``, PSC ``port+1``, the LRM vendors
    ``port+10``, ``port+11``, …, marketplaces ``port+60``, ``port+61``, …, editors ``port+101``,
    ``port+102``, ...; with ``tls`` also the platform's INT_R03 mTLS port ``port+3`` and the
    editors' then the marketplaces' FHIR mTLS ports from ``port+501``."""
    names, marketplaces = list(editor_names), list(marketplace_names)
    ports = {"sas": port, "psc": port + PSC_OFFSET}
    ports.update({key: port + LRM_VENDORS_OFFSET + i for i, key in enumerate(lrm_vendors)})
    ports.update({name: port + MARKETPLACES_OFFSET + i for i, name in enumerate(marketplaces)})
    ports.update({name: port + EDITORS_OFFSET + i for i, name in enumerate(names)})
    if tls:
        first = port + max(EDITORS_MTLS_OFFSET, EDITORS_OFFSET + len(names))
        ports[mtls("sas")] = port + SAS_MTLS_OFFSET
        ports.update({mtls(name): first + i for i, name in enumerate(names + marketplaces)})
    return ports


def last_port(editors: int, port: int = 8000, *, tls: bool = False, marketplaces: int = 0
              ) -> int:  # fmt: skip
    """The highest port :func:`demo_ports` uses (marketplaces stay below the editors)."""
    if not tls:
        return port + EDITORS_OFFSET + editors - 1
    return port + max(EDITORS_MTLS_OFFSET, EDITORS_OFFSET + editors) + editors + marketplaces - 1


def port_range(roots: Iterable[str]) -> str:
    """``http://127.0.0.1:8101-8140`` for consecutive ports (or the single URL, or ``none``)."""
    found = list(roots)
    if not found:
        return "none"
    if len(found) == 1:
        return found[0]
    return f"{found[0]}-{found[-1].rsplit(':', 1)[1]}"


def editors_range(urls: JourneyUrls) -> str:
    """The editors' web roots as :func:`port_range`."""
    return port_range(urls.editors.values())


def lrm_vendors_text(journey: Journey) -> str:
    """``http://127.0.0.1:8010/ (Fernandes: 37 SAMU) http://127.0.0.1:8011/ (…) …``"""
    urls = journey.urls
    assert urls is not None
    return " ".join(
        f"{urls.lrm_vendors[v.key]}/ ({v.name}: {len(v.departments)} SAMU)"
        for v in journey.fleet.vendors
    )


def ready_line(journey: Journey) -> str:
    """The ONE line the demo prints when everything listens."""
    urls = journey.urls
    assert urls is not None
    s = journey.settings
    mine = f" +{len(s.extra_editors)} of yours" if s.extra_editors else ""
    line = (
        f"sasref demo ready: platform {urls.sas}/  PSC {urls.psc}/  "
        f"editors {editors_range(urls)} ({len(urls.editors)}{mine})"
    )
    if urls.marketplaces:
        line += (
            f"  marketplaces {port_range(urls.marketplaces.values())} ({len(urls.marketplaces)})"
        )
    line += f"  SSO {s.sso_mode.value}  LRM vendors {lrm_vendors_text(journey)}"
    if urls.sas_api is not None and urls.editor_apis:
        apis = port_range(urls.editor_apis.values())
        line += f"  mTLS: INT_R03 {urls.sas_fhir}  editors' FHIR {apis}"
    return line


def tls_hints(journey: Journey) -> list[str]:
    """Where the fake PKI's PEM files are and two ready-made ``curl`` lines (``--tls``)."""
    from mocks.journey.tls import SAS_SERVER_CERT, editor_client_cert
    from mocks.serving import FLEET_SERVER_CERT, SAS_CLIENT_CERT

    tls, urls = journey.tls, journey.urls
    if tls is None or urls is None or not journey.editor_names:
        return []
    files = tls.files
    editor = journey.editor_names[0]
    sas, mine = files.certs[SAS_CLIENT_CERT], files.certs[editor_client_cert(editor)]
    return [
        f"mTLS: fake IGC-Santé PKI in {files.directory}: {files.ca.name} (trust: root + issuing "
        f"CA), {files.crl.name}, {FLEET_SERVER_CERT}.pem/.key (editors' FHIR servers), "
        f"{SAS_SERVER_CERT}.pem/.key (platform's INT_R03 server)",
        f"  SAS client certificate ({tls.sas_client}, required by every editor): "
        f"{sas.cert} {sas.key}",
        f"  editor client certificates ({tls.settings.editor_client(editor)}, …; the platform "
        f"requires a registered editor's): {files.directory}/client-<editor>.pem .key",
        f"  try: curl --cacert {files.ca} --cert {sas.cert} --key {sas.key} "
        f"{urls.editor_fhir(editor)}/metadata",
        f"  try: curl --cacert {files.ca} --cert {mine.cert} --key {mine.key} "
        f"{urls.sas_fhir}/Appointment/unknown",
    ]


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
        "2. on the fake ProSanté Connect page click a regulator persona (regulateur, arm, osnp: "
        f"SAMU {journey.settings.samu_department}; regulateur-NN: SAMU NN)",
        "3. click a slot: the editor's booking page opens, already authenticated",
        "4. fill in the patient and book; see the SAS copy at "
        f"{urls.sas}/journey/appointments and the LRM's at the regulator's SAMU only: "
        f"{urls.lrm}/ (SAMU {journey.settings.samu_department}), every SAMU at "
        f"<its vendor>/samuNN/ (e.g. {journey.lrm_url('69')}/; each vendor's root lists its own)",
    ]
    hints.append(
        "5. en surnuméraire: when a search shows no slot, switch to « Créneaux en sus des "
        "disponibilités », click « Surnuméraire » on a card, pick a date and a time; see it at "
        f"{urls.sas}/orientations and at the regulator's SAMU"
    )
    if urls.marketplaces:
        hints.append(
            "6. place de marché: under the results, click a marketplace (the care-request form "
            "opens authenticated), file the request; a professional of its pool accepts within "
            "seconds (see its page, then the SAS and the LRM copies: pending, then booked); its "
            f"requests: <marketplace>/care-requests, e.g. {next(iter(urls.marketplaces.values()))}"
            "/care-requests"
        )
    if token:
        hints.append(
            f"scripts: curl -H 'Authorization: Bearer {token}' "
            f"'{urls.sas}/api/v1/search?city=Bordeaux'"
        )
    hints += monitoring_hints(journey)
    return hints


def monitoring_hints(journey: Journey) -> list[str]:
    """Where the administration is, and how to break an editor by hand (issue 12)."""
    urls = journey.urls
    assert urls is not None
    who = "persona « regulateur »" + (" or the API token" if journey.settings.api_token else "")
    hints = [
        f"admin ({who}): {urls.sas}/admin/supervision (editors' flux, alerts), "
        f"{urls.sas}/admin/indicateurs (dashboard), {urls.sas}/metrics (Prometheus)",
    ]
    if journey.editor_names:
        editor = journey.editor_names[0]
        hints.append(
            f"break an editor: curl -X PUT {urls.editors[editor]}/admin/behaviour "
            '-d \'{"faults": {"error_rate": 1}}\' then search near its practitioners '
            f"(or: sasref simulate --url {urls.sas}); heal it with error_rate 0"
        )
    return hints


def journey_banner(journey: Journey) -> str:
    """The ready line and the walk-through, as one text (``python -m mocks.journey``)."""
    hints = [*journey_hints(journey), *tls_hints(journey)]
    return "\n".join([ready_line(journey), *("  " + h for h in hints)])


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
    tls: TlsSettings | None = None,
    lrm_vendors: int = DEFAULT_VENDORS,
    marketplaces: int = 6,
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
            tls=tls,
            lrm_vendors=lrm_vendors,
            marketplaces=marketplaces,
            marketplace_time_scale=DEMO_TIME_SCALE,
        )
    )
    ports = demo_ports(
        journey.editor_names, port, tls=tls is not None,
        lrm_vendors=journey.lrm_vendor_keys, marketplace_names=journey.marketplace_names,
    )  # fmt: skip
    urls = await journey.start_serving(host, ports)
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
    parser.add_argument("--lrm-vendors", type=int, default=DEFAULT_VENDORS)
    parser.add_argument("--marketplaces", type=int, default=6, help="0 to 40 (default 6)")
    parser.add_argument(
        "--tls-dir",
        default=None,
        metavar="DIR",
        help="FHIR flows over mTLS, the fake PKI's PEM files written to DIR (mocks.journey.tls)",
    )
    args = parser.parse_args(argv)

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await run_journey_demo(
            stop, seed=args.seed, editors=args.editors, practitioners=args.practitioners,
            host=args.host, port=args.port, sso_mode=SsoMode(args.sso),
            lrm_vendors=args.lrm_vendors,
            tls=TlsSettings(args.tls_dir) if args.tls_dir else None,
            marketplaces=args.marketplaces,
            on_ready=lambda text: sys.stdout.write(text + "\n") and sys.stdout.flush(),
        )  # fmt: skip

    try:
        eventloop.run(go())
    except (OSError, ConfigurationError) as exc:
        sys.stderr.write(f"mocks.journey: {exc}\n")
        return 1
    return 0
