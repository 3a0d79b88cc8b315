"""The SAS platform app in-process: search API, HTML pages, LRM contextual URL, editor faults."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest

from mocks.ecosystem import Ecosystem
from sasref.clock import PARIS, FixedClock
from sasref.directory.model import AgendaKind, Practitioner
from sasref.lrm.contextual import build_contextual_url, rpps_param
from sasref.monitoring import MonitoringSettings

NOW = datetime(2024, 6, 12, 9, 0, tzinfo=PARIS)


@pytest.fixture(scope="module")
def ecosystem() -> Ecosystem:
    return Ecosystem(
        7,
        editors=6,
        practitioners=400,
        clock=FixedClock(NOW),
        database_url="sqlite://",
        call_deadline=0.5,
        overall_deadline=0.8,
        # These tests look at single calls' outcomes; on a frozen clock the monitoring would
        # (rightly) deactivate an editor failing test after test: never judge here.
        monitoring=MonitoringSettings(min_calls=10**9),
    )


@pytest.fixture
async def client(ecosystem: Ecosystem) -> AsyncIterator[httpx.AsyncClient]:
    async with ecosystem.in_process() as client:
        yield client


def busiest_insee(ecosystem: Ecosystem) -> str:
    """The commune with the most practitioners on an editor agenda."""
    counts = Counter(
        place.address.insee
        for p in ecosystem.population.practitioners
        if p.agenda is AgendaKind.EDITOR
        for place in p.places
    )
    return counts.most_common(1)[0][0]


def editor_practitioner(ecosystem: Ecosystem, insee: str) -> Practitioner:
    return next(
        p
        for p in ecosystem.population.practitioners
        if p.agenda is AgendaKind.EDITOR
        and p.raw_id.isdigit()
        and p.id.startswith("8")
        and any(pl.address.insee == insee for pl in p.places)
    )


async def test_api_search_returns_cards_with_slots_and_diagnostics(
    ecosystem: Ecosystem, client: httpx.AsyncClient
) -> None:
    response = await client.get("/api/v1/search", params={"insee": busiest_insee(ecosystem)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["cards"] and body["total_cards"] >= len(body["cards"])
    assert len(body["cards"]) <= 5
    with_slots = [c for c in body["cards"] if c["slots"]["total"]]
    assert with_slots, body["cards"]
    days = with_slots[0]["slots"]["days"]
    assert [d["label"] for d in days] == ["Aujourd'hui", "Demain", "Après-demain"]
    assert [d["day"] for d in days] == ["2024-06-12", "2024-06-13", "2024-06-14"]
    for card in with_slots:
        for day in card["slots"]["days"]:
            starts = [s["start"] for s in day["slots"]]
            assert starts == sorted(starts)
            for slot in day["slots"]:
                assert slot["start"] >= "2024-06-12T09:00"
                if slot["source"] == "editor":
                    assert slot["booking_url"].endswith("origin=sas")
    diagnostics = body["diagnostics"]
    assert diagnostics["editors"] and all(
        e["status"] in ("ok", "empty") for e in diagnostics["editors"]
    )
    assert all({"started_ms", "ended_ms", "editor"} <= set(c) for c in diagnostics["calls"])


async def test_openapi_is_published(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert "/api/v1/search" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert {"address", "insee", "city", "postcode", "speciality", "practitioner", "page"} <= params
    assert (await client.get("/docs")).status_code == 200


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({}, "place is required"),
        ({"insee": "99999"}, "INSEE"),
        ({"city": "Bordeaux", "page": "0"}, "page"),
        ({"city": "Bordeaux", "page": "deux"}, "page"),
        ({"city": "Bordeaux", "speciality": "astrologie"}, "speciality"),
        ({"address": "nowhere-land-xyz"}, "nowhere"),
    ],
)
async def test_bad_api_parameters_are_400_with_a_message(
    client: httpx.AsyncClient, params: dict[str, str], needle: str
) -> None:
    response = await client.get("/api/v1/search", params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "bad_request"
    assert needle.lower() in body["message"].lower()


async def test_html_results_page(ecosystem: Ecosystem, client: httpx.AsyncClient) -> None:
    response = await client.get("/recherche", params={"insee": busiest_insee(ecosystem)})
    assert response.status_code == 200
    html = response.text
    assert 'class="cards"' in html
    assert "Après-demain" in html
    assert "origin=sas" in html
    assert '<details class="diagnostics">' in html  # collapsed by default (no "open")
    assert (await client.get("/")).status_code == 200
    assert (await client.get("/static/sas.css")).status_code == 200
    bad = await client.get("/recherche", params={"insee": "99999"})
    assert bad.status_code == 400 and "text/html" in bad.headers["content-type"]
    assert "Recherche impossible" in bad.text


async def test_preferred_doctor_is_pinned_first(
    ecosystem: Ecosystem, client: httpx.AsyncClient
) -> None:
    insee = busiest_insee(ecosystem)
    # a médecin traitant from elsewhere: looked up nationwide, pinned even outside the circle
    doctor = next(
        p
        for p in ecosystem.population.practitioners
        if p.id.startswith("8") and all(pl.address.department != insee[:2] for pl in p.places)
    )
    body = (
        await client.get("/api/v1/search", params={"insee": insee, "practitioner": doctor.raw_id})
    ).json()
    first = body["cards"][0]
    assert first["preferred_doctor"] is True and first["id"] == doctor.id
    assert all(not c["preferred_doctor"] for c in body["cards"][len(doctor.places) :])
    missing = (
        await client.get("/api/v1/search", params={"insee": insee, "practitioner": "Inconnu Zzz"})
    ).json()
    assert missing["preferred_doctor_code"] == "sas_pf_001"


async def test_lrm_contextual_search(ecosystem: Ecosystem, client: httpx.AsyncClient) -> None:
    insee = busiest_insee(ecosystem)
    doctor = editor_practitioner(ecosystem, insee)
    url = build_contextual_url(
        "https://sas.test",
        origin="samu" + insee[:2].lower(),
        practitioner=rpps_param(doctor.raw_id),
        specialty="",
        streetnumber="3",
        streetname="rue de la république",
        inseecode=insee,
    )
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert "MÉDECIN TRAITANT" in response.text
    assert "Recherche contextuelle LRM" in response.text
    # no médecin traitant → sas_pf_002 explained, the search still runs
    no_doctor = await client.get(
        build_contextual_url("https://sas.test", origin="samu33", inseecode=insee)
    )
    assert no_doctor.status_code == 200
    assert "Aucun médecin traitant" in no_doctor.text
    malformed = await client.get(
        build_contextual_url(
            "https://sas.test", origin="samu33", inseecode=insee, practitioner="urn:oid:1.2.3|x"
        )
    )
    assert malformed.status_code == 200 and "pas pu être identifié" in malformed.text


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"origin": "not-an-lrm", "inseecode": "33063"}, "not a registered LRM"),
        ({"origin": "samu33", "streetnumber": "3"}, "no city"),
        ({"origin": "samu33", "streetnumber": "3", "city": "Bordeaux"}, "street"),
    ],
)
async def test_lrm_bad_urls_are_rejected(
    client: httpx.AsyncClient, params: dict[str, str], needle: str
) -> None:
    response = await client.get("/sas/recherche", params=params)
    assert response.status_code == 400
    assert needle in response.text


async def test_free_search_url(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/sas/recherche", params={"text": "médecine générale", "loc": "Lyon"}
    )
    assert response.status_code == 200
    assert (await client.get("/sas/recherche", params={"text": "x"})).status_code == 400


async def test_editor_registry_api(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/api/v1/editors")).json()
    assert len(listed) == 6
    created = await client.post(
        "/api/v1/editors", json={"name": "mine", "url": "http://127.0.0.1:9/fhir"}
    )
    assert created.status_code == 201
    assert (
        await client.post("/api/v1/editors", json={"name": "x", "url": "ftp://nope.test"})
    ).status_code == 400
    assert (await client.post("/api/v1/editors", json={"name": "x"})).status_code == 400
    assert len((await client.get("/api/v1/editors")).json()) == 7


@pytest.mark.parametrize(
    ("faults", "status"),
    [
        ({"hang_rate": 1.0}, "timeout"),
        ({"error_rate": 1.0, "error_statuses": [500]}, "http_error"),
        ({"malformed_json_rate": 1.0}, "invalid_json"),
        ({"invalid_fhir_rate": 1.0}, "invalid_fhir"),
    ],
)
async def test_a_faulty_editor_does_not_spoil_the_search(
    ecosystem: Ecosystem, client: httpx.AsyncClient, faults: dict[str, object], status: str
) -> None:
    insee = busiest_insee(ecosystem)
    clean = (await client.get("/api/v1/search", params={"insee": insee})).json()
    serving = {e["editor"] for e in clean["diagnostics"]["editors"] if e["slots"]}
    assert len(serving) >= 2, clean["diagnostics"]["editors"]
    victim = sorted(serving)[0]
    state = ecosystem.editor_app(victim).state.editor
    state.behaviour = state.behaviour.merged({"faults": faults})
    try:
        body = (
            await asyncio.wait_for(client.get("/api/v1/search", params={"insee": insee}), 10)
        ).json()
    finally:
        state.behaviour = state.behaviour.merged(
            {
                "faults": {
                    "hang_rate": 0,
                    "error_rate": 0,
                    "malformed_json_rate": 0,
                    "invalid_fhir_rate": 0,
                }
            }
        )
    by_editor = {e["editor"]: e for e in body["diagnostics"]["editors"]}
    assert by_editor[victim]["status"] == status
    others = {
        s["editor"]
        for c in body["cards"]
        for d in c["slots"]["days"]
        for s in d["slots"]
        if s["source"] == "editor"
    }
    assert others and victim not in others  # the other editors' slots are still there
