"""``sasref demo`` on sockets (issue 12 "done when"): breaking an editor through its
``/admin/behaviour`` leads to an alert and a deactivation within the configured window, its
cards say so, and its recovery reactivates it (short windows configured for the test)."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from test_demo_sockets import EDITORS, demo, demo_base_port, finish

TOKEN = "e2e-monitoring"
FLUX_LABEL = "Flux éditeur désactivé"


def wait_for(check: Callable[[], Any], seconds: float = 20.0) -> Any:
    """Poll ``check`` until it returns something truthy (bounded: a failure, not a hang)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


@pytest.mark.sockets
def test_a_broken_editor_is_deactivated_then_reactivated_on_the_demo() -> None:
    port = demo_base_port(EDITORS)
    options = ("--port", str(port), "--api-token", TOKEN, "--monitor-window", "60",
               "--monitor-min-calls", "3", "--probe-interval", "1",
               "--probe-successes", "2")  # fmt: skip
    with demo(*options) as (process, line):
        assert line.startswith("sasref demo ready"), (line, process.poll())
        sas = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=sas, headers=headers, timeout=30, trust_env=False) as web:

            def search() -> dict[str, Any]:
                response = web.get("/api/v1/search", params={"insee": "33063"})
                assert response.status_code == 200, response.text
                body: dict[str, Any] = response.json()
                return body

            slots = [
                s["editor"]
                for c in search()["cards"]
                for d in c["slots"]["days"]
                for s in d["slots"]
                if s["source"] == "editor"
            ]
            assert slots, "no editor slot near Bordeaux"
            victim = sorted(slots)[0]
            editor_root = f"http://127.0.0.1:{port + 101 + int(victim.rsplit('-', 1)[1]) - 1}"
            broken = httpx.put(
                f"{editor_root}/admin/behaviour",
                json={"faults": {"error_rate": 1.0}},
                trust_env=False,
            )
            assert broken.status_code == 200, broken.text

            def health() -> dict[str, Any]:
                response = web.get(f"/api/v1/monitoring/editors/{victim}")
                assert response.status_code == 200, response.text
                body: dict[str, Any] = response.json()
                return body

            started = time.monotonic()
            for _ in range(3):
                statuses = {e["editor"]: e["status"] for e in search()["diagnostics"]["editors"]}
                assert statuses.get(victim) in ("http_error", None), statuses
            state = wait_for(lambda: health()["state"] == "deactivated" and health())
            assert time.monotonic() - started < 60  # within the configured window
            assert {a["kind"] for a in state["open_alerts"]} >= {"error_rate", "flux_deactivated"}
            body = search()
            assert victim not in {e["editor"] for e in body["diagnostics"]["editors"]}
            assert any(FLUX_LABEL in " ".join(c["details"]) for c in body["cards"])
            page = web.get("/admin/supervision")
            assert page.status_code == 200 and victim in page.text and "désactivé" in page.text
            metrics = httpx.get(f"{sas}/metrics", trust_env=False).text
            assert f'sasref_editor_flux_active{{editor="{victim}"}} 0.0' in metrics
            healed = httpx.put(
                f"{editor_root}/admin/behaviour",
                json={"faults": {"error_rate": 0.0}},
                trust_env=False,
            )
            assert healed.status_code == 200
            wait_for(lambda: health()["state"] == "active")
            moves = web.get("/api/v1/monitoring/transitions", params={"editor": victim}).json()
            assert [m["to_state"] for m in moves] == ["active", "deactivated"]
            assert moves[0]["reason"].startswith("2 sonde(s) réussie(s)")
            assert moves[1]["reason"].startswith("taux d'échec ")  # the first search went well
            assert "sur 1 min" in moves[1]["reason"] and "3 erreur(s)" in moves[1]["reason"]
            assert all(not a["open"] for a in web.get("/api/v1/monitoring/alerts").json())
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        stderr = finish(process)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert "/admin/supervision" in stderr  # the hints say where the administration is
