"""``sasref demo`` on real loopback sockets: ready line, a search with slots, clean Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.sockets
def test_demo_serves_searches_and_stops_cleanly_on_sigint() -> None:
    port, fleet_port, closed = free_port(), free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SASREF_DATABASE_URL": "sqlite://"}
    command = [
        sys.executable, "-m", "sasref", "demo", "--editors", "3", "--practitioners", "300",
        "--seed", "5", "--port", str(port), "--fleet-port", str(fleet_port),
        "--editor", f"mine=http://127.0.0.1:{closed}/fhir",  # a user's editor that is down
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the one "ready" line (or exit)
        assert line.startswith("sasref demo ready: platform"), (line, process.poll())
        assert f"http://127.0.0.1:{port}/" in line and f"127.0.0.1:{fleet_port}" in line
        deadline = time.monotonic() + 30
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", timeout=30, trust_env=False
        ) as client:
            response = client.get("/api/v1/search", params={"city": "Paris"})
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["cards"]
            assert body["diagnostics"]["editors"]
            statuses = {e["editor"]: e["status"] for e in body["diagnostics"]["editors"]}
            if "mine" in statuses:  # asked only when a card's practitioner is not yet routed
                assert statuses.pop("mine") == "transport_error"
            assert set(statuses.values()) <= {"ok", "empty"}, statuses
            assert client.get("/api/v1/search").status_code == 400
            editors = client.get("/api/v1/editors").json()
            assert editors[0]["base_url"].startswith(f"http://127.0.0.1:{fleet_port}/")
            assert editors[-1] == {
                "name": "mine",
                "software": "mine",
                "base_url": f"http://127.0.0.1:{closed}/fhir",
                "use_cases": ["cpts", "ps", "sos"],
            }
            assert time.monotonic() < deadline
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "sasref demo stopped" in stderr
