"""``sasref check`` against ``sasref mocks editor`` on real loopback sockets: it passes, fails
naming the right check when a quirk is switched on, and over mTLS (the fake IGC-Santé PKI of
``--tls-dir``) it passes with the SAS client certificate and reports the TLS version.
A server that is not there is exit code 2, in one line."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.sockets
ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PORTS = range(21100, 21999)  # this branch's port range


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 21100-21999")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@contextmanager
def mock_editor(*options: str) -> Iterator[list[str]]:
    """``sasref mocks editor`` until it answers; yields the ``sasref check`` arguments its
    banner prints (identifiers with free slots, PEM files with ``--tls-dir``)."""
    port = free_port()
    command = [sys.executable, "-m", "sasref", "mocks", "editor", "--port", str(port),
               "--editors", "4", "--practitioners", "200", "--seed", "3", *options]  # fmt: skip
    with subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as process:  # fmt: skip
        watchdog = threading.Timer(120, process.kill)
        watchdog.start()
        try:
            assert process.stdout is not None
            banner = []
            for line in process.stdout:
                banner.append(line)
                if line.startswith("check it: "):
                    break
            watchdog.cancel()
            hint = banner[-1].removeprefix("check it: ").strip() if banner else ""
            assert hint.startswith("sasref check "), banner
            _wait_listening(port)
            yield shlex.split(hint)[2:]  # after "sasref check"
        finally:
            watchdog.cancel()
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_listening(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def sasref_check(*argv: str) -> tuple[int, dict[str, Any] | None, str]:
    done = subprocess.run([sys.executable, "-m", "sasref", "check", *argv, "--json"], cwd=ROOT,
                          env=_env(), capture_output=True, text=True, timeout=120)  # fmt: skip
    report = json.loads(done.stdout) if done.stdout.strip() else None
    return done.returncode, report, done.stderr


def _verdicts(report: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["verdict"] for r in report["results"]}


def test_check_passes_then_names_the_quirk() -> None:
    with mock_editor() as argv:
        base = argv[0]
        assert base.startswith(f"http://{HOST}:") and base.endswith("/fhir")
        assert "--rpps" in argv
        code, report, stderr = sasref_check(*argv)
        assert code == 0, (stderr, report and [r for r in report["results"]
                                               if r["verdict"] == "fail"])  # fmt: skip
        assert report is not None and report["passed"] is True
        assert _verdicts(report)["ps.total"] == "pass"
        assert _verdicts(report)["tls.version"] == "skip"  # plain http
        admin = base.removesuffix("/fhir") + "/admin/behaviour"
        switched = httpx.put(admin, json={"quirks": {"wrong_total": True}}, trust_env=False)
        assert switched.status_code == 200
        code, report, stderr = sasref_check(*argv)
        assert code == 1 and report is not None, stderr
        failing = {r["id"] for r in report["results"] if r["verdict"] == "fail"}
        assert "ps.total" in failing and failing <= {"ps.total", "cpts.total", "sos.total"}
        total = next(r for r in report["results"] if r["id"] == "ps.total")
        assert total["evidence"][0]["request"].startswith(f"GET {base}/Slot?")


def test_check_over_mtls_with_the_sas_client_certificate(tmp_path: Path) -> None:
    with mock_editor("--tls-dir", str(tmp_path / "pki")) as argv:
        assert argv[0].startswith("https://") and "--cert" in argv
        code, report, stderr = sasref_check(*argv)
        assert code == 0 and report is not None, stderr
        verdicts = _verdicts(report)
        tls = {k: v for k, v in verdicts.items() if k.startswith("tls.")}
        assert tls == dict.fromkeys(tls, "pass") and len(tls) == 4, report["results"][-4:]
        version = next(r for r in report["results"] if r["id"] == "tls.version")
        assert version["message"].startswith(("TLSv1.2", "TLSv1.3"))
        without = [a for i, a in enumerate(argv) if a not in ("--cert", "--key")
                   and argv[i - 1] not in ("--cert", "--key")]  # fmt: skip
        code, report, stderr = sasref_check(*without)
        assert code == 2 and report is None
        assert stderr.startswith("sasref check: cannot reach") and "--cert" in stderr


def test_a_closed_port_is_exit_2_in_one_line() -> None:
    code, report, stderr = sasref_check(f"http://{HOST}:{free_port()}/fhir")
    assert code == 2 and report is None
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sasref check: cannot reach"), stderr
