"""Editor monitoring and indicators in the platform, in process (issue 12): a broken editor is
alerted and deactivated, its cards say so, probes reactivate it; admin API, pages, /metrics."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from mocks.ecosystem import Ecosystem
from sasref.clock import PARIS, FixedClock
from sasref.directory.model import AgendaKind
from sasref.monitoring import FLUX_DEACTIVATED_LABEL, MonitoringSettings

NOW = datetime(2024, 6, 12, 9, 0, tzinfo=PARIS)
SETTINGS = MonitoringSettings(
    window=timedelta(minutes=5),
    min_calls=3,
    probe_interval=timedelta(seconds=30),
    probe_successes=2,
    tick_seconds=None,  # the test drives the rounds
)


def ecosystem(database_url: str, clock: FixedClock) -> Ecosystem:
    return Ecosystem(
        7,
        editors=3,
        practitioners=300,
        clock=clock,
        database_url=database_url,
        call_deadline=0.5,
        overall_deadline=0.8,
        monitoring=SETTINGS,
    )


def places(eco: Ecosystem, editor: str) -> list[str]:
    """The communes with the most practitioners on ``editor``'s agenda."""
    counts = Counter(
        place.address.insee
        for p in eco.population.practitioners
        if p.agenda is AgendaKind.EDITOR and p.editor == editor
        for place in p.places
    )
    return [insee for insee, _ in counts.most_common(4)]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def eco(tmp_path: Path, clock: FixedClock) -> Ecosystem:
    return ecosystem(f"sqlite:///{tmp_path / 'platform.sqlite3'}", clock)


@pytest.fixture
async def client(eco: Ecosystem) -> AsyncIterator[httpx.AsyncClient]:
    async with eco.in_process() as client:
        yield client
    assert eco.platform is not None
    await eco.platform.state.service.aclose()


async def search(client: httpx.AsyncClient, insee: str) -> dict:  # type: ignore[type-arg]
    response = await client.get("/api/v1/search", params={"insee": insee})
    assert response.status_code == 200, response.text
    body: dict = response.json()  # type: ignore[type-arg]
    return body


async def test_a_broken_editor_is_alerted_deactivated_labelled_then_reactivated(
    eco: Ecosystem, client: httpx.AsyncClient, clock: FixedClock
) -> None:
    victim = eco.editor_names[0]
    insees = places(eco, victim)
    monitor = eco.platform.state.service.activity.monitor  # type: ignore[union-attr]
    eco.set_behaviour({"faults": {"error_rate": 1.0}}, [victim])
    statuses: list[str] = []
    for i in range(6):
        body = await search(client, insees[i % len(insees)])
        statuses += [e["status"] for e in body["diagnostics"]["editors"] if e["editor"] == victim]
        clock.advance(timedelta(seconds=10))
    assert statuses[:3] == ["http_error"] * 3  # then no more calls: deactivated
    assert len(statuses) == 3
    health = (await client.get(f"/api/v1/monitoring/editors/{victim}")).json()
    assert health["state"] == "deactivated" and health["control"] == "auto"
    assert {a["kind"] for a in health["open_alerts"]} >= {"error_rate", "flux_deactivated"}
    assert health["window"]["errors"] == 3
    body = await search(client, insees[0])
    assert victim not in {e["editor"] for e in body["diagnostics"]["editors"]}
    labelled = [c for c in body["cards"] if FLUX_DEACTIVATED_LABEL in c["details"]]
    assert labelled and all(c["slots"]["total"] == 0 for c in labelled)
    # probes: due every 30 s; the editor still fails, then recovers
    clock.advance(timedelta(seconds=30))
    await monitor.tick()
    assert (await client.get(f"/api/v1/monitoring/editors/{victim}")).json()["last_probe"][
        "good"
    ] is False
    eco.set_behaviour({"faults": {"error_rate": 0.0}}, [victim])
    for _ in range(2):
        clock.advance(timedelta(seconds=30))
        await monitor.tick()
    health = (await client.get(f"/api/v1/monitoring/editors/{victim}")).json()
    assert health["state"] == "active" and health["open_alerts"] == []
    moves = (await client.get("/api/v1/monitoring/transitions")).json()
    assert [(m["from_state"], m["to_state"]) for m in moves] == [
        ("deactivated", "active"),
        ("active", "deactivated"),
    ]
    assert moves[0]["reason"].startswith("2 sonde(s) réussie(s)")
    assert "taux d'échec 100%" in moves[1]["reason"]
    alerts = (await client.get("/api/v1/monitoring/alerts")).json()
    assert alerts and all(not a["open"] for a in alerts)
    body = await search(client, insees[0])
    assert victim in {e["editor"] for e in body["diagnostics"]["editors"]}


async def test_the_deactivation_survives_a_restart(tmp_path: Path, clock: FixedClock) -> None:
    url = f"sqlite:///{tmp_path / 'restart.sqlite3'}"
    first = ecosystem(url, clock)
    async with first.in_process() as client:
        victim = first.editor_names[1]
        response = await client.put(
            f"/api/v1/monitoring/editors/{victim}/flux",
            json={"state": "deactivated", "reason": "maintenance annoncée"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["control"] == "forced"
        await first.platform.state.service.aclose()  # type: ignore[union-attr]
    second = ecosystem(url, clock)
    async with second.in_process() as client:
        health = (await client.get(f"/api/v1/monitoring/editors/{victim}")).json()
        assert (health["state"], health["control"]) == ("deactivated", "forced")
        assert [a["kind"] for a in health["open_alerts"]] == ["flux_deactivated"]
        response = await client.put(
            f"/api/v1/monitoring/editors/{victim}/flux", json={"state": "active"}
        )
        assert response.json()["state"] == "active"
        moves = (await client.get(f"/api/v1/monitoring/transitions?editor={victim}")).json()
        assert moves[-1]["reason"] == "flux désactivé par administrateur : maintenance annoncée"
        await second.platform.state.service.aclose()  # type: ignore[union-attr]


async def test_flux_api_refuses_bad_input(client: httpx.AsyncClient) -> None:
    response = await client.put("/api/v1/monitoring/editors/nobody/flux", json={"state": "active"})
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    response = await client.put("/api/v1/monitoring/editors/editeur-01/flux", json={"state": "off"})
    assert response.status_code == 400 and "state" in response.json()["message"]
    assert (await client.get("/api/v1/monitoring/editors/nobody")).status_code == 404
    response = await client.get("/api/v1/monitoring/alerts", params={"limit": 0})
    assert response.status_code == 400


async def test_indicators_count_searches_as_json_and_csv(
    eco: Ecosystem, client: httpx.AsyncClient, clock: FixedClock
) -> None:
    insees = places(eco, eco.editor_names[0])
    shown = 0
    for insee in insees[:3]:
        body = await search(client, insee)
        shown += sum(c["slots"]["total"] for c in body["cards"])
    clock.advance(timedelta(days=1))
    await search(client, insees[0])
    day = (await client.get("/api/v1/indicators", params={"from": "2024-06-12"})).json()
    assert day["group_by"] == "day" and day["to"] == "2024-06-13"
    assert [(r["key"], r["searches"]) for r in day["rows"]] == [
        ("2024-06-12", 3),
        ("2024-06-13", 1),
    ]
    assert day["rows"][0]["slots_shown"] == shown
    samu = (await client.get("/api/v1/indicators?group_by=samu&from=2024-06-12")).json()
    assert samu["rows"] == [
        {"key": "inconnu", "searches": 4, "slots_shown": samu["rows"][0]["slots_shown"],
         "orientations": 0, "appointments": 0}
    ]  # fmt: skip
    editors = (await client.get("/api/v1/indicators?group_by=editor&from=2024-06-12")).json()
    assert sum(r["slots_shown"] for r in editors["rows"]) == samu["rows"][0]["slots_shown"]
    csv = await client.get(
        "/api/v1/indicators", params={"group_by": "use_case", "from": "2024-06-12"},
        headers={"Accept": "text/csv"},
    )  # fmt: skip
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == "use_case,searches,slots_shown,orientations,appointments"
    assert any(line.startswith("ps,4,") for line in lines)
    for params, message in [
        ({"group_by": "region"}, "group_by='region'"),
        ({"from": "12/06/2024"}, "a date YYYY-MM-DD"),
        ({"format": "xml"}, "json or csv"),
    ]:
        response = await client.get("/api/v1/indicators", params=params)
        assert response.status_code == 400 and message in response.json()["message"]


async def test_metrics_and_admin_pages(eco: Ecosystem, client: httpx.AsyncClient) -> None:
    await search(client, places(eco, eco.editor_names[0])[0])
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'sasref_searches_total{samu="inconnu"} 1.0' in text
    assert 'sasref_editor_flux_active{editor="editeur-01"} 1.0' in text
    assert "sasref_editor_calls_total{editor=" in text
    page = await client.get("/admin/supervision")
    assert page.status_code == 200 and "Supervision des éditeurs" in page.text
    assert all(name in page.text for name in eco.editor_names)
    forced = await client.post(
        "/admin/supervision/editeur-02", data={"state": "deactivated", "reason": "test"}
    )
    assert forced.status_code == 303
    page = await client.get("/admin/supervision")
    assert "flux désactivé par administrateur : test" in page.text
    dashboard = await client.get("/admin/indicateurs")
    assert dashboard.status_code == 200 and "/admin/assets/plotly.min.js" in dashboard.text
    assert "cdn" not in dashboard.text.lower() and "https://" not in dashboard.text
    script = await client.get("/admin/assets/plotly.min.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith(
        "application/javascript"
    )
    assert b"plotly" in script.content[:2000].lower() and len(script.content) > 1_000_000
    bad = await client.get("/admin/indicateurs", params={"from": "hier"})
    assert bad.status_code == 400 and "hier" in bad.text and "YYYY-MM-DD" in bad.text
