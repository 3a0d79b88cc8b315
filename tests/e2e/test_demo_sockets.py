"""``sasref demo`` on real loopback sockets (issue 4 item 6, issue 5, issue 10): the ready line,
the login-protected search API called the way a script does (``Authorization: Bearer <api
token>``), a search near a préfecture with slots, a user's own editor in the registry, a clean
Ctrl-C; the LRM vendors, and an appointment booked by a regulator of SAMU 69 reaching SAMU 69's
LRM only; the ``--no-login`` mode; a busy port."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from _shared import SOCKET_CLOCK

from mocks.editor_booking.driver import Browser, csrf_of, form_action, slot_links
from mocks.journey import DEMO_PATIENT

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "e2e-token"
EDITORS = 3
LRM_VENDORS = 4
MARKETPLACES = 6  # the demo's default


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def demo_base_port(editors: int, vendors: int = LRM_VENDORS) -> int:
    """A platform port whose journey layout (port, +1, +10…, +60…, +101…) is free right now."""
    for _ in range(50):
        base = free_port()
        wanted = [base, base + 1, *(base + 10 + i for i in range(vendors))]
        wanted += [base + 60 + i for i in range(MARKETPLACES)]
        wanted += [base + 101 + i for i in range(editors)]
        if base + 101 + editors < 65000 and all(port_is_free(p) for p in wanted):
            return base
    raise RuntimeError("no free port range for the demo")


@contextmanager
def demo(*options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m sasref demo …`` until its ready line; SIGINT when the block ends."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SASREF_DATABASE_URL": "sqlite://"}
    command = [sys.executable, "-m", "sasref", "demo", "--editors", str(EDITORS),
               "--practitioners", "300", "--seed", "5", "--lrm-vendors", str(LRM_VENDORS),
               "--clock", SOCKET_CLOCK, *options]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    watchdog = threading.Timer(120, process.kill)  # a hung start must not hang the suite
    watchdog.start()
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the one "ready" line (or exit)
        watchdog.cancel()
        yield process, line
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            for pipe in (process.stdout, process.stderr):
                if pipe is not None:
                    pipe.close()


def vendor_roots(line: str) -> list[str]:
    """The LRM vendors' roots listed by the ready line."""
    vendors = line.split("LRM vendors ", 1)[1]
    return re.findall(r"(http://127\.0\.0\.1:\d+)/ \(", vendors)


def samus_at(root: str) -> list[dict[str, object]]:
    answer: list[dict[str, object]] = httpx.get(f"{root}/samus", trust_env=False).json()
    return answer


def finish(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    return process.stderr.read()


@pytest.mark.sockets
def test_demo_runs_the_journey_serves_the_api_by_token_and_stops_cleanly() -> None:
    port, closed = demo_base_port(EDITORS), free_port()
    mine = f"http://127.0.0.1:{closed}/fhir"  # a user's editor that is down
    with demo("--port", str(port), "--api-token", TOKEN, "--editor", f"mine={mine}") as (
        process,
        line,
    ):
        assert line.startswith("sasref demo ready: platform"), (line, process.poll())
        for url in (
            f"platform http://127.0.0.1:{port}/",
            f"PSC http://127.0.0.1:{port + 1}/",
            f"editors http://127.0.0.1:{port + 101}-{port + 100 + EDITORS} ({EDITORS} +1 of yours)",
            f"marketplaces http://127.0.0.1:{port + 60}-{port + 65} (6)",
        ):
            assert url in line, line
        assert vendor_roots(line) == [f"http://127.0.0.1:{port + 10 + i}" for i in range(4)]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, trust_env=False) as web:
            # the API is behind the regulator login: no token, no search
            assert web.get("/api/v1/search", params={"city": "Bordeaux"}).status_code == 401
            page = web.get(
                "/recherche", params={"city": "Bordeaux"}, headers={"accept": "text/html"}
            )
            assert page.status_code == 303 and page.headers["location"].startswith("/login")
            web.headers["Authorization"] = f"Bearer {TOKEN}"
            response = web.get("/api/v1/search", params={"insee": "33063"})  # Bordeaux
            assert response.status_code == 200, response.text
            body = response.json()
            # --clock: the demo's Tuesday morning, whatever the hour the suite runs
            assert body["window"]["start"].startswith("2026-06-16T09:0"), body["window"]
            slots = [c for c in body["cards"] if c["slots"]["total"]]
            assert slots, body
            links = [
                s["booking_url"]
                for c in slots
                for d in c["slots"]["days"]
                for s in d["slots"]
                if s.get("booking_url")
            ]
            editor_roots = tuple(f"http://127.0.0.1:{port + 101 + i}/" for i in range(EDITORS))
            assert links and all(link.startswith(editor_roots) for link in links), links
            statuses = {e["editor"]: e["status"] for e in body["diagnostics"]["editors"]}
            if "mine" in statuses:  # asked only when a card's practitioner is not yet routed
                assert statuses.pop("mine") == "transport_error"
            assert set(statuses.values()) <= {"ok", "empty"}, statuses
            assert web.get("/api/v1/search").status_code == 400
            editors = web.get("/api/v1/editors").json()
            assert editors[0]["base_url"] == f"http://127.0.0.1:{port + 101}/fhir"
            assert editors[-1]["name"] == "mine" and editors[-1]["base_url"] == mine
            # the marketplaces: in the registry, each serving its care-request page
            listed = web.get("/marketplace/api/v1/editors", params={"enabled": "1"}).json()
            assert [m["request_url"] for m in listed] == [
                f"http://127.0.0.1:{port + 60 + i}/care-request" for i in range(MARKETPLACES)
            ]
            request_page = httpx.get(listed[0]["request_url"], trust_env=False)
            assert request_page.status_code == 303  # into the silent SSO
            assert request_page.headers["location"].startswith("/sso/start?next=")
            # the PSC discovery and the LRM vendors answer on their ports: 101 SAMUs between them
            issuer = f"http://127.0.0.1:{port + 1}/auth/realms/esante-wallet"
            psc = httpx.get(f"{issuer}/.well-known/openid-configuration", trust_env=False)
            assert psc.status_code == 200 and psc.json()["issuer"].endswith("esante-wallet")
            samus = [s for root in vendor_roots(line) for s in samus_at(root)]
            assert len(samus) == 101 and not any(s["appointments"] for s in samus)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        stderr = finish(process)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert "sasref demo: stopped" in stderr


@pytest.mark.sockets
async def test_a_samu_69_regulator_s_booking_appears_at_samu_69_s_lrm_only() -> None:
    port = demo_base_port(EDITORS)
    with demo("--port", str(port)) as (process, line):
        assert line.startswith("sasref demo ready: platform"), (line, process.poll())
        roots = vendor_roots(line)
        where = {str(s["origin"]): root for root in roots for s in samus_at(root)}
        sas = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(timeout=30, trust_env=False) as http:
            browser = Browser(http)
            # the médecin régulateur of SAMU 69 logs in at the SAS (fake PSC persona page)
            await browser.login_with_psc(sas, "regulateur-69")
            # a practitioner in Bordeaux: the message follows the regulator, not the place
            results, _ = await browser.follow(f"{sas}/recherche?insee=33063")
            links = slot_links(results.text)
            assert links, results.text[:500]
            page, url = await browser.follow(links[0])  # the editor's page, SSO
            data = {**DEMO_PATIENT, "csrf_token": csrf_of(page.text)}
            done, _ = await browser.follow(form_action(page.text, url), method="POST", data=data)
            assert done.status_code == 200 and "Rendez-vous confirmé" in done.text
            # editor outbox → INT_R03 → SAS → Hub → LRM, all in the demo's background tasks
            lyon = f"{where['samu69']}/samu69/appointments"
            for _ in range(100):
                received = (await http.get(lyon)).json()
                if received:
                    break
                await asyncio.sleep(0.2)
            (appointment,) = received
            assert appointment["appointment"]["regulator"]["regulatorEmail"].endswith(
                "@samu69.example.test"
            )
            assert "samu69" in (await http.get(f"{where['samu69']}/samu69/")).text
            await asyncio.sleep(0.5)  # would a second copy arrive elsewhere, it would be there
            others = {
                str(s["origin"]): s["received"]
                for root in roots
                for s in (await http.get(f"{root}/samus")).json()
            }
        assert others.pop("samu69") == 1
        assert len(others) == 100 and set(others.values()) == {0}, others
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        stderr = finish(process)
    assert process.returncode == 0, stderr


@pytest.mark.sockets
def test_demo_no_login_mode_serves_the_plain_ecosystem() -> None:
    port, fleet_port = free_port(), free_port()
    with demo("--no-login", "--port", str(port), "--fleet-port", str(fleet_port)) as (
        process,
        line,
    ):
        assert line.startswith("sasref demo ready: platform"), (line, process.poll())
        assert f"127.0.0.1:{fleet_port}" in line and "(no login)" in line
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, trust_env=False) as web:
            response = web.get("/api/v1/search", params={"insee": "33063"})
            assert response.status_code == 200, response.text
            assert any(c["slots"]["total"] for c in response.json()["cards"])
            editors = web.get("/api/v1/editors").json()
            assert editors[0]["base_url"].startswith(f"http://127.0.0.1:{fleet_port}/")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        stderr = finish(process)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr


@pytest.mark.parametrize("vendors", ["0", "21"])
def test_an_impossible_number_of_lrm_vendors_is_a_usage_error(vendors: str) -> None:
    from sasref.cli import main

    assert main(["demo", "--lrm-vendors", vendors]) == 2


def test_an_unreadable_clock_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from sasref.cli import main

    assert main(["demo", "--clock", "mardi matin"]) == 2
    assert "--clock 'mardi matin': not a date-time" in capsys.readouterr().err


@pytest.mark.sockets
def test_demo_on_a_busy_port_exits_1_with_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = int(busy.getsockname()[1])
        with demo("--port", str(port)) as (process, line):
            process.wait(timeout=60)
            stderr = finish(process)
    assert line == ""
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr
    message = [text for text in stderr.splitlines() if text.strip()]
    assert len(message) == 1 and f"127.0.0.1:{port} (sas)" in message[0], stderr
