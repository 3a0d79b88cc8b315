"""mTLS between the SAS platform's fan-out and the mock editors on real loopback sockets
(digest §11: every FHIR flow inside mTLS with IGC-Santé certificates, the server checking the
client certificate's CN and OU) — with the fake PKI of :mod:`mocks.pki`.

Three servers per test: the ecosystem's editors' fleet over mTLS (expecting the SAS client
certificate, the CRL checked since one SAS certificate is revoked), the same editors on plain
http (the "others" that keep their slots) and one editor over TLS with a server certificate
for another host name. The fan-out is ``sasref.aggregator``'s, with the client certificate the
test chooses.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from _shared import SOCKET_CLOCK

from mocks.ecosystem import Ecosystem, FleetApp, FleetTls, Running, editor_settings
from mocks.editor import create_app
from mocks.pki import SAS_CLIENT, ClientName, FakePki, PkiFiles, client_ssl_context
from mocks.serving import ServerSet, bind_sockets, bound_port
from sasref.aggregator import (
    Aggregator,
    EditorRegistry,
    FanOutRequest,
    OutcomeStatus,
    SearchWindow,
    fanout_http_client,
)
from sasref.directory.model import AgendaKind, EditorInfo

pytestmark = pytest.mark.sockets
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Pkis:
    files: PkiFiles
    foreign: PkiFiles


@pytest.fixture(scope="module")
def pkis(tmp_path_factory: pytest.TempPathFactory) -> Pkis:
    pki = FakePki()
    pki.server("fleet")  # localhost, 127.0.0.1
    pki.server("wrong-name", ["editeur.invalid"], [])
    pki.client("sas", SAS_CLIENT)
    pki.client("wrong-ou", ClientName(SAS_CLIENT.cn, "AUTRE"))
    pki.revoke(pki.client("sas-revoked", SAS_CLIENT).serial)
    foreign = FakePki(label="autre")
    foreign.client("sas", SAS_CLIENT)  # the right CN/OU, from a CA the editors do not trust
    return Pkis(
        pki.write(tmp_path_factory.mktemp("pki")), foreign.write(tmp_path_factory.mktemp("x"))
    )


@pytest.fixture(scope="module")
def ecosystem() -> Ecosystem:
    return Ecosystem(seed=5, editors=3, practitioners=300)


@dataclass
class Fleets:
    ecosystem: Ecosystem
    running: Running
    mtls: list[EditorInfo]
    plain: list[EditorInfo]
    wrong_name: list[EditorInfo]

    @property
    def all(self) -> list[EditorInfo]:
        return [*self.mtls, *self.plain, *self.wrong_name]


def renamed(infos: list[EditorInfo], prefix: str) -> list[EditorInfo]:
    return [dataclasses.replace(i, name=f"{prefix}-{i.name}") for i in infos]


@pytest.fixture
async def fleets(pkis: Pkis, ecosystem: Ecosystem) -> AsyncIterator[Fleets]:
    tls = FleetTls(pkis.files, server="fleet", client="sas", expected=SAS_CLIENT)
    running = await ecosystem.serve(HOST, 0, 0, tls=tls)
    others = ServerSet()
    try:
        sockets = bind_sockets(HOST, {"plain": 0, "wrong-name": 0})
        population, clock, seed = ecosystem.population, ecosystem.clock, ecosystem.seed
        plain_port, wrong_port = bound_port(sockets["plain"]), bound_port(sockets["wrong-name"])
        names = ecosystem.editor_names
        plain = editor_settings(
            population, clock, seed, {n: f"http://{HOST}:{plain_port}/{n}/fhir" for n in names}
        )
        first = names[0]
        wrong = editor_settings(
            population, clock, seed, {first: f"https://{HOST}:{wrong_port}/{first}/fhir"}
        )[:1]
        others.start("plain", FleetApp(_apps(plain)), sockets["plain"])
        others.start(
            "wrong-name",
            FleetApp(_apps(wrong)),
            sockets["wrong-name"],
            ssl_context=FleetTls(pkis.files, server="wrong-name").server_context(),
        )
        await others.wait_started()
        yield Fleets(
            ecosystem,
            running,
            mtls=list(running.editors),
            plain=renamed([s.info() for s in plain], "plain"),
            wrong_name=renamed([s.info() for s in wrong], "wrong-name"),
        )
    finally:
        await others.stop()
        await running.stop()


class _App:
    """What :class:`mocks.ecosystem.FleetApp` dispatches to (it reads ``settings.base_url``)."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.app = create_app(settings)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def _apps(settings: list[Any]) -> list[Any]:
    return [_App(s) for s in settings]


async def fan_out(fleets: Fleets, context: ssl.SSLContext) -> dict[str, tuple[Any, ...]]:
    """Ask every editor (all three servers) for the population's editor-agenda practitioners;
    the outcomes grouped by server."""
    population = fleets.ecosystem.population
    ids = tuple(p.id for p in population.practitioners if p.agenda is AgendaKind.EDITOR)[:50]
    window = SearchWindow.from_clock(fleets.ecosystem.clock)
    async with fanout_http_client(verify=context) as http:
        aggregator = Aggregator(http, EditorRegistry(fleets.all), call_deadline=20)
        result = await aggregator.search(FanOutRequest(window=window, practitioners=ids))
    groups: dict[str, tuple[Any, ...]] = {}
    for group, infos in (("mtls", fleets.mtls), ("plain", fleets.plain),
                         ("wrong-name", fleets.wrong_name)):  # fmt: skip
        wanted = {i.name for i in infos}
        groups[group] = tuple(o for o in result.outcomes if o.editor in wanted)
        assert groups[group], group
    return groups


def statuses(outcomes: tuple[Any, ...]) -> set[OutcomeStatus]:
    return {o.status for o in outcomes}


def slots(outcomes: tuple[Any, ...]) -> int:
    return sum(o.slots for o in outcomes)


async def test_the_fan_out_over_mtls_returns_slots(pkis: Pkis, fleets: Fleets) -> None:
    assert fleets.running.fleet_url.startswith(f"https://{HOST}:")
    assert all(e.base_url.startswith("https://") for e in fleets.mtls)
    groups = await fan_out(fleets, client_ssl_context(pkis.files, "sas"))
    assert statuses(groups["mtls"]) <= {OutcomeStatus.OK, OutcomeStatus.EMPTY}, groups["mtls"]
    assert slots(groups["mtls"]) > 0
    assert slots(groups["mtls"]) == slots(groups["plain"])  # the same editors, the same slots


async def test_the_platform_search_goes_through_mtls(fleets: Fleets) -> None:
    """The platform's own fan-out client presents the SAS certificate (``FleetTls.client``)."""
    async with httpx.AsyncClient(
        base_url=fleets.running.platform_url, timeout=60, trust_env=False
    ) as web:
        response = await web.get("/api/v1/search", params={"insee": "33063"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert any(c["slots"]["total"] for c in body["cards"]), body
    found = {e["status"] for e in body["diagnostics"]["editors"]}
    assert found and found <= {"ok", "empty"}, body["diagnostics"]


async def test_a_client_without_certificate_is_refused_others_keep_their_slots(
    pkis: Pkis, fleets: Fleets
) -> None:
    groups = await fan_out(fleets, client_ssl_context(pkis.files, None))
    assert statuses(groups["mtls"]) == {OutcomeStatus.TRANSPORT_ERROR}, groups["mtls"]
    assert slots(groups["plain"]) > 0
    assert statuses(groups["plain"]) <= {OutcomeStatus.OK, OutcomeStatus.EMPTY}


async def test_a_certificate_from_another_ca_is_refused(pkis: Pkis, fleets: Fleets) -> None:
    context = client_ssl_context(pkis.files)  # trusts the editors' server certificate...
    context.load_cert_chain(*pkis.foreign.certs["sas"].pair())  # ...presents a foreign one
    groups = await fan_out(fleets, context)
    assert statuses(groups["mtls"]) == {OutcomeStatus.TRANSPORT_ERROR}, groups["mtls"]
    assert slots(groups["plain"]) > 0


async def test_a_revoked_certificate_is_refused(pkis: Pkis, fleets: Fleets) -> None:
    groups = await fan_out(fleets, client_ssl_context(pkis.files, "sas-revoked"))
    assert statuses(groups["mtls"]) == {OutcomeStatus.TRANSPORT_ERROR}, groups["mtls"]
    assert slots(groups["plain"]) > 0


async def test_a_wrong_ou_gets_403_operation_outcome(pkis: Pkis, fleets: Fleets) -> None:
    groups = await fan_out(fleets, client_ssl_context(pkis.files, "wrong-ou"))
    assert statuses(groups["mtls"]) == {OutcomeStatus.HTTP_ERROR}, groups["mtls"]
    for outcome in groups["mtls"]:
        assert outcome.http_status == 403
        assert any("OU=AUTRE" in m and str(SAS_CLIENT) in m for m in outcome.messages), outcome
    assert slots(groups["plain"]) > 0


async def test_a_server_certificate_with_the_wrong_name_is_refused(
    pkis: Pkis, fleets: Fleets
) -> None:
    groups = await fan_out(fleets, client_ssl_context(pkis.files, "sas"))
    assert statuses(groups["wrong-name"]) == {OutcomeStatus.TRANSPORT_ERROR}
    assert slots(groups["mtls"]) > 0


async def test_the_app_sees_the_client_certificate_in_the_asgi_tls_extension(
    pkis: Pkis, tmp_path: Path
) -> None:
    """:class:`mocks.serving.TlsHttpProtocol`: the scope's ``extensions["tls"]``, here over a
    client limited to TLS 1.2 (the IG's minimum)."""
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["extensions"]["tls"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    servers = ServerSet()
    sock = bind_sockets(HOST, {"echo": 0})["echo"]
    servers.start("echo", app, sock, ssl_context=FleetTls(pkis.files, "fleet").server_context())
    try:
        await servers.wait_started()
        context = client_ssl_context(pkis.files, "sas")
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        async with httpx.AsyncClient(verify=context, trust_env=False) as client:
            response = await client.get(f"https://{HOST}:{bound_port(sock)}/")
    finally:
        await servers.stop()
    assert response.status_code == 204
    (tls,) = seen
    assert tls["tls_version"] == 0x0303
    assert (
        tls["client_cert_name"] == "CN=sas.sante.fr,OU=SAS,O=sasref (FAUX\\, ne pas utiliser),C=FR"
    )
    assert len(tls["client_cert_chain"]) == 1
    assert tls["client_cert_chain"][0].startswith("-----BEGIN CERTIFICATE-----")
    assert isinstance(tls["cipher_suite"], int)


# -- ``sasref demo --no-login --tls`` ---------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def run_demo(*options: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SASREF_DATABASE_URL": "sqlite://"}
    command = [sys.executable, "-m", "sasref", "demo", "--editors", "2", "--practitioners", "200",
               "--seed", "5", "--clock", SOCKET_CLOCK, *options]  # fmt: skip
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_the_no_login_demo_serves_the_editors_over_mtls(tmp_path: Path) -> None:
    port, fleet_port, pki_dir = free_port(), free_port(), tmp_path / "pki"
    process = run_demo("--no-login", "--tls", "--tls-dir", str(pki_dir), "--sas-ou", "SAS-TEST",
                       "--port", str(port), "--fleet-port", str(fleet_port))  # fmt: skip
    watchdog = threading.Timer(120, process.kill)  # a hung start must not hang the suite
    watchdog.start()
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        watchdog.cancel()
        assert f"https://{HOST}:{fleet_port}/<name>/fhir" in line, (line, process.poll())
        assert "editors over mTLS" in line
        url = f"https://{HOST}:{fleet_port}/editeur-01/fhir/metadata"
        ca, sas = (
            str(pki_dir / "ca.pem"),
            (str(pki_dir / "client-sas.pem"), str(pki_dir / "client-sas.key")),
        )
        context = ssl.create_default_context(cafile=ca)
        context.load_cert_chain(*sas)
        with httpx.Client(verify=context, trust_env=False, timeout=30) as client:
            response = client.get(url)
        assert response.status_code == 200, response.text
        assert response.json()["resourceType"] == "CapabilityStatement"
        # the editor client certificate is from the same CA, with another CN/OU: 403
        other = ssl.create_default_context(cafile=ca)
        other.load_cert_chain(
            str(pki_dir / "client-editeur.pem"), str(pki_dir / "client-editeur.key")
        )
        with httpx.Client(verify=other, trust_env=False, timeout=30) as client:
            refused = client.get(url)
        assert refused.status_code == 403 and "OU=SAS-TEST" in refused.text
        # the platform's fan-out presents the SAS certificate (with the chosen OU)
        with httpx.Client(base_url=f"http://{HOST}:{port}", trust_env=False, timeout=60) as web:
            found = web.get("/api/v1/search", params={"insee": "33063"}).json()
        assert any(c["slots"]["total"] for c in found["cards"]), found
        assert {e["status"] for e in found["diagnostics"]["editors"]} <= {"ok", "empty"}
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        stderr = process.stderr.read()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert f"curl --cacert {ca} --cert {sas[0]} --key {sas[1]} {url}" in stderr, stderr
    assert (pki_dir / "ca.pem").exists()  # --tls-dir is kept
