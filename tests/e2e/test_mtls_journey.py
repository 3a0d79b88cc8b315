"""mTLS in the booking journey on real loopback sockets, both directions (digest §11: every FHIR
flow in mTLS with IGC-Santé certificates, the server checking the client's CN/OU).

SAS → editors: the platform's searches (INT_R01/R04/SOS) and INT_R02 account pushes reach each
editor's mTLS-only FHIR port with the SAS client certificate. Editor → SAS: a booking's INT_R03
push reaches the platform's mTLS port with the editor's certificate and is stored; a certificate
naming no registered editor gets a 403 and the appointment stays in the outbox. The browser
pages stay on plain http (where ``/fhir`` answers 403). Then ``sasref demo --tls`` (journey mode).
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from _shared import SOCKET_CLOCK

from mocks.editor_booking import PushState
from mocks.journey import Journey, JourneySettings, TlsSettings
from mocks.pki import SAS_CLIENT, ClientName, client_ssl_context
from sasref.aggregator import ObservedFanOut
from sasref.aggregator.sockets import AiohttpFanOut
from sasref.regulators.sync import SyncStatus

pytestmark = pytest.mark.sockets
TOKEN = "mtls-journey-token"
ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def small(tls: TlsSettings) -> JourneySettings:
    return JourneySettings(editors=2, practitioners=300, api_token=TOKEN, tls=tls)


@pytest.fixture
async def journey(tmp_path: Path) -> AsyncIterator[Journey]:
    async with Journey(small(TlsSettings(tmp_path / "pki"))).serve() as j:
        yield j


def web(j: Journey) -> httpx.AsyncClient:
    """A script calling the platform's API on its plain http port."""
    assert j.urls is not None
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return j.client(base_url=j.urls.sas, headers=headers)


async def test_the_platform_searches_the_editors_over_mtls(journey: Journey) -> None:
    j = journey
    assert j.urls is not None and j.tls is not None
    target = j.pick_slot()
    assert j.urls.editor_fhir(target.editor).startswith("https://")
    response = await web(j).get(
        "/api/v1/search",
        params={"address": target.address, "practitioner": target.practitioner.raw_id},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert any(c["slots"]["total"] for c in body["cards"]), body
    assert {e["status"] for e in body["diagnostics"]["editors"]} <= {"ok", "empty"}, body
    # the editors saw the SAS client certificate: their FHIR calls went to the https ports
    calls = [e for e in j.backchannel if e["client"] == "SAS" and "/fhir/Slot" in str(e["url"])]
    assert calls and all(str(e["url"]).startswith("https://") for e in calls), calls
    assert {e["status"] for e in calls} == {200}
    # … through the production fan-out client on sockets (aiohttp, issue 13), logged all the same
    http = j.sas.state.service.http if j.sas is not None else None
    assert isinstance(http, ObservedFanOut) and isinstance(http.inner, AiohttpFanOut), http


async def test_booking_pushes_int_r02_and_int_r03_over_mtls(journey: Journey) -> None:
    j = journey
    assert j.urls is not None and j.tls is not None and j.sync is not None
    booked = await j.book_as("regulateur")  # PSC login, search, slot link, SSO, form: all http
    assert booked.confirmation_url.startswith(j.urls.editors[booked.target.editor] + "/")
    assert j.urls.editors[booked.target.editor].startswith("http://")
    # INT_R02: the regulator's account reached every editor over mTLS at the login
    account = j.regulators.all()[0]
    states = j.sync.state(account)
    assert {n: st.status for n, st in states.items()} == dict.fromkeys(
        j.editor_names, SyncStatus.SYNCED
    )
    assert all(len(j.editor_state(n).accounts) == 1 for n in j.editor_names)
    # INT_R03: the editor's outbox pushed to the platform's mTLS port; the SAS stored it
    await j.settle()
    outbox = j.bookings[booked.target.editor].outbox
    assert [p.state for p in outbox.pushes] == [PushState.DELIVERED]
    assert outbox.pushes[0].location is not None
    assert outbox.pushes[0].location.startswith(j.urls.sas_fhir + "/Appointment/")
    assert j.urls.sas_fhir.startswith("https://")
    stored = list(j.appointments.appointments.values())
    assert [a.identifier_value for a in stored] == [booked.booking.id]
    # read back through the INT_R03 API with the editor's certificate
    mine = j.tls.editor_client_context(booked.target.editor)
    async with httpx.AsyncClient(verify=mine, trust_env=False) as editor:
        read = await editor.get(outbox.pushes[0].location)
    assert read.status_code == 200 and read.json()["id"] == stored[0].id


async def test_the_pages_stay_on_http_and_fhir_is_mtls_only(journey: Journey) -> None:
    j = journey
    assert j.urls is not None and j.tls is not None
    editor = j.editor_names[0]
    plain = j.client()
    # pages on http: the platform's search page sends a browser to the login, the editor's
    # pages answer; FHIR there is refused
    html = {"accept": "text/html"}
    page = await plain.get(j.urls.sas + "/recherche", headers=html, params={"city": "Bordeaux"})
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert (await plain.get(j.urls.editors[editor] + "/admin/outbox")).status_code == 200
    assert (await plain.get(j.urls.editors[editor] + "/fhir/metadata")).status_code == 403
    refused = await plain.post(j.urls.sas + "/fhir/Appointment", json={})
    assert refused.status_code == 403
    assert refused.json()["issue"][0]["code"] == "security"
    # the mTLS ports: no client certificate, no handshake
    anonymous = client_ssl_context(j.tls.files, None)
    async with httpx.AsyncClient(verify=anonymous, trust_env=False) as client:
        with pytest.raises(httpx.HTTPError):
            await client.get(j.urls.editor_fhir(editor) + "/metadata")
    # an editor's certificate is not the SAS's: 403 at the editors
    mine = j.tls.editor_client_context(editor)
    async with httpx.AsyncClient(verify=mine, trust_env=False) as client:
        wrong = await client.get(j.urls.editor_fhir(editor) + "/metadata")
    assert wrong.status_code == 403 and str(SAS_CLIENT) in wrong.text
    # the SAS's certificate is not an editor's: 403 at the platform's INT_R03
    sas = j.tls.sas_client_context()
    async with httpx.AsyncClient(verify=sas, trust_env=False) as client:
        wrong = await client.get(j.urls.sas_fhir + "/Appointment/unknown")
    assert wrong.status_code == 403 and "OU=EDITEUR" in wrong.text


async def test_a_wrong_editor_certificate_gets_403_and_the_push_stays_queued(
    tmp_path: Path,
) -> None:
    # population seed 7, 2 editors: editeur-01 and editeur-02; both present a CN no
    # registered editor has (an editor of another SAS, say)
    intruders = {
        n: ClientName(cn=f"{n}-autre-sas", ou="EDITEUR") for n in ("editeur-01", "editeur-02")
    }
    settings = small(TlsSettings(tmp_path / "pki", editor_clients=intruders))
    async with Journey(settings).serve() as j:
        assert set(j.editor_names) == set(intruders)
        booked = await j.book_as("regulateur")
        await j.settle()
        outbox = j.bookings[booked.target.editor].outbox
        assert [p.state for p in outbox.pushes] == [PushState.PENDING]
        push = outbox.pushes[0]
        assert push.last_status == 403
        assert push.last_error is not None and f"CN={booked.target.editor}-autre-sas" in (
            push.last_error
        )
        assert push.next_attempt > j.clock.now()  # held, retried per the backoff
        assert j.appointments.appointments == {}
        # the editor's support sees it in its outbox
        assert j.urls is not None
        report = await j.client().get(j.urls.editors[booked.target.editor] + "/admin/outbox")
        assert report.json()["summary"]["pending"] == 1


# -- ``sasref demo --tls`` (journey mode) -----------------------------------------------------


def free_range(size: int) -> int:
    """A base port whose ``size`` following ports look free right now."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind((HOST, 0))
            base = int(s.getsockname()[1])
        if base + size >= 65000:
            continue
        ok = True
        lrm_vendors = range(base + 10, base + 16)  # the 6 LRM vendors' ports
        marketplaces = [*range(base + 60, base + 66), *range(base + 503, base + 509)]
        for port in (base, base + 1, base + 3, *lrm_vendors, base + 101, base + 102, base + 501,
                     base + 502, *marketplaces):  # fmt: skip
            with socket.socket() as s:
                try:
                    s.bind((HOST, port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free port range for the demo")


def test_the_journey_demo_serves_the_fhir_flows_over_mtls(tmp_path: Path) -> None:
    port, pki_dir = free_range(509), tmp_path / "pki"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SASREF_DATABASE_URL": "sqlite://"}
    command = [sys.executable, "-m", "sasref", "demo", "--editors", "2", "--practitioners",
               "200", "--seed", "5", "--tls", "--tls-dir", str(pki_dir), "--port", str(port),
               "--api-token", TOKEN, "--clock", SOCKET_CLOCK]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    watchdog = threading.Timer(120, process.kill)  # a hung start must not hang the suite
    watchdog.start()
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        watchdog.cancel()
        assert line.startswith("sasref demo ready: platform"), (line, process.poll())
        assert f"INT_R03 https://{HOST}:{port + 3}/fhir" in line, line
        ca = str(pki_dir / "ca.pem")
        sas = ssl.create_default_context(cafile=ca)
        sas.load_cert_chain(str(pki_dir / "client-sas.pem"), str(pki_dir / "client-sas.key"))
        metadata = f"https://{HOST}:{port + 501}/fhir/metadata"
        with httpx.Client(verify=sas, trust_env=False, timeout=30) as client:
            assert client.get(metadata).status_code == 200
        with httpx.Client(base_url=f"http://{HOST}:{port}", trust_env=False, timeout=60) as page:
            page.headers["Authorization"] = f"Bearer {TOKEN}"
            found = page.get("/api/v1/search", params={"insee": "33063"}).json()
            assert any(c["slots"]["total"] for c in found["cards"]), found
            # the editor's booking pages stay on its http port; FHIR there is refused
            plain = httpx.get(f"http://{HOST}:{port + 101}/fhir/metadata", trust_env=False)
            assert plain.status_code == 403
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
    sas_pem, sas_key = pki_dir / "client-sas.pem", pki_dir / "client-sas.key"
    assert f"curl --cacert {ca} --cert {sas_pem} --key {sas_key} {metadata}" in stderr, stderr
    assert (pki_dir / "client-editeur-01.pem").exists()  # --tls-dir is kept


async def test_a_marketplace_speaks_int_r02_and_int_r03_over_mtls(tmp_path: Path) -> None:
    settings = small(TlsSettings(tmp_path / "pki"))
    settings.marketplaces = 1
    async with Journey(settings).serve() as j:
        assert j.urls is not None and j.tls is not None and j.sync is not None
        name = j.marketplace_names[0]
        assert j.urls.marketplaces[name].startswith("http://")  # its pages
        assert j.urls.marketplace_fhir(name).startswith("https://")  # INT_R02 from the SAS
        filed = await j.request_care_as("regulateur", place="Bordeaux")
        account = j.regulators.all()[0]
        assert j.sync.state(account)[name].status is SyncStatus.SYNCED
        assert len(j.marketplace(name).state.accounts) == 1
        await j.settle()
        # INT_R03 with the marketplace's own certificate (CN = its name, OU EDITEUR)
        outbox = j.marketplace(name).outbox
        assert [p.state for p in outbox.pushes] == [PushState.DELIVERED]
        assert outbox.pushes[0].location is not None
        assert outbox.pushes[0].location.startswith(j.urls.sas_fhir + "/Appointment/")
        (stored,) = j.appointments.appointments.values()
        assert stored.identifier_value == filed.request.id
        assert stored.orientation_category == "PDM"
        # INT_R02 on the marketplace's http port is refused: mTLS only
        plain = await j.client().get(j.urls.marketplaces[name] + "/fhir/Practitioner")
        assert plain.status_code == 403
