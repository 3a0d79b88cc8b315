"""A restarted platform keeps the editors added through the API and what it learned (issue 4).

Platform A searches (every editor is asked about every practitioner: nothing is known yet),
gets an editor by ``POST /api/v1/editors`` and is shut down. Platform B, on the same database,
lists that editor and its first search asks only the editors A learned — counted at the
transport — and shows the same cards and slots. On SQLite (same URL) and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from mocks.ecosystem import Ecosystem
from mocks.serving import HostTransport
from sasref.clock import PARIS, FixedClock
from sasref.directory.model import AgendaKind, EditorInfo
from sasref.platform import create_app
from sasref.storage import RoutingRepository

NOW = datetime(2024, 6, 12, 9, 0, tzinfo=PARIS)


@pytest.fixture(scope="module")
def ecosystem() -> Ecosystem:
    return Ecosystem(
        11,
        editors=4,
        practitioners=300,
        clock=FixedClock(NOW),
        call_deadline=2.0,
        overall_deadline=3.0,
        log_searches=False,
    )


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the calls per editor host on their way to the in-process editors."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls[request.url.host] += 1
        return await self.inner.handle_async_request(request)


def editor_host(info: EditorInfo) -> str:
    return urlsplit(info.base_url).hostname or ""


def editors_transport(ecosystem: Ecosystem) -> CountingTransport:
    mounts: dict[str, httpx.AsyncBaseTransport] = {}
    for settings in ecosystem.editor_settings:
        url = urlsplit(settings.base_url)
        app = ecosystem.editor_app(settings.name)
        mounts[f"{url.scheme}://{url.netloc}"] = httpx.ASGITransport(app=app)
    return CountingTransport(HostTransport(mounts))


@asynccontextmanager
async def platform(
    ecosystem: Ecosystem, database: dict[str, Any], *, editors: list[EditorInfo] | None = None
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, CountingTransport]]:
    """A platform started and stopped through its lifespan (as uvicorn does)."""
    counting = editors_transport(ecosystem)
    configured = editors if editors is not None else [s.info() for s in ecosystem.editor_settings]
    async with httpx.AsyncClient(transport=counting) as http:
        settings = dataclasses.replace(
            ecosystem.platform_settings(http, configured), **database, routing_flush_seconds=60
        )
        app = create_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="https://sas.test"
            ) as client,
        ):
            yield app, client, counting


def busiest_insee(ecosystem: Ecosystem) -> str:
    counts = Counter(
        place.address.insee
        for p in ecosystem.population.practitioners
        if p.agenda is AgendaKind.EDITOR
        for place in p.places
    )
    return counts.most_common(1)[0][0]


def cards(body: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(c["kind"], c["id"], c["slots"]["total"]) for c in body["cards"]]


async def test_a_restarted_platform_keeps_api_editors_and_learned_routing(
    ecosystem: Ecosystem, database: dict[str, Any]
) -> None:
    params = {"insee": busiest_insee(ecosystem)}
    fleet = {editor_host(s.info()): s.name for s in ecosystem.editor_settings}

    async with platform(ecosystem, database) as (app_a, api, _):
        first = await api.get("/api/v1/search", params=params)
        assert first.status_code == 200, first.text
        added = await api.post(
            "/api/v1/editors",
            json={"name": "mine", "url": "http://mine.test/fhir", "use_cases": ["ps", "sos"]},
        )
        assert added.status_code == 201, added.text
        routing = app_a.state.service.aggregator.routing["ps"]
        ids = [c["id"] for c in first.json()["cards"] if c["kind"] == "practitioner"]
        # What B should ask each editor: the page's practitioners A learned it serves.
        expected = Counter(name for pid in ids for name in routing.editors_of(pid))
    assert cards(first.json()), "the search found no card"
    assert expected, "no practitioner of the page was learned"
    calls_a = first.json()["diagnostics"]["calls"]
    # Nothing was known: every practitioner editor was asked about every interfaced practitioner.
    practitioner_editors = {s.name for s in ecosystem.editor_settings if "ps" in s.info().use_cases}
    assert {o["editor"] for o in calls_a if o["kind"] == "ps"} == practitioner_editors
    asked_a = sum(o["requested"] for o in calls_a)
    assert asked_a > sum(expected.values())

    async with platform(ecosystem, database) as (_, api, counting_b):
        listed = {e["name"]: e for e in (await api.get("/api/v1/editors")).json()}
        assert listed["mine"] == {
            "name": "mine",
            "software": "mine",
            "base_url": "http://mine.test/fhir",
            "use_cases": ["ps", "sos"],
            "source": "api",
        }
        assert {listed[name]["source"] for name in fleet.values()} == {"configuration"}
        again = await api.get("/api/v1/search", params=params)
        assert again.status_code == 200, again.text
    calls_b = again.json()["diagnostics"]["calls"]
    # Only the learned editors, each about its own practitioners; not "mine", nobody else.
    assert Counter({o["editor"]: o["requested"] for o in calls_b}) == expected
    assert {fleet.get(host, host) for host in counting_b.calls} == set(expected)
    assert sum(counting_b.calls.values()) == len(calls_b)
    assert all(o["status"] in ("ok", "empty") for o in calls_b)
    assert cards(again.json()) == cards(first.json())


async def test_configuration_wins_and_api_editors_can_be_removed(
    ecosystem: Ecosystem, database: dict[str, Any]
) -> None:
    fleet = [s.info() for s in ecosystem.editor_settings]
    async with platform(ecosystem, database, editors=fleet[:2]) as (_, api, _c):
        for name, url in (("mine", "http://mine.test/fhir"), ("other", "http://other.test/fhir")):
            response = await api.post("/api/v1/editors", json={"name": name, "url": url})
            assert response.status_code == 201, response.text
        # A configured editor cannot be replaced or removed through the API.
        clash = await api.post(
            "/api/v1/editors", json={"name": fleet[0].name, "url": "http://x.test/fhir"}
        )
        assert clash.status_code == 409
        assert clash.json()["error"] == "conflict" and fleet[0].name in clash.json()["message"]
        assert (await api.delete(f"/api/v1/editors/{fleet[1].name}")).status_code == 409
        gone = await api.delete("/api/v1/editors/other")
        assert gone.status_code == 204 and gone.content == b""
        missing = await api.delete("/api/v1/editors/other")
        assert missing.status_code == 404
        assert missing.json() == {"error": "not_found", "message": "no editor named 'other'"}
        bad = await api.post("/api/v1/editors", json={"name": "a/b", "url": "http://x.test/f"})
        assert bad.status_code == 400 and "name" in bad.json()["message"]
        none = await api.post(
            "/api/v1/editors", json={"name": "x", "url": "http://x.test/f", "use_cases": []}
        )
        assert none.status_code == 400 and "use_cases" in none.json()["message"]

    # Restart: "mine" comes back, "other" does not. The configuration now also names "mine"
    # (another URL): the configuration wins and the saved one is shadowed.
    mine_config = EditorInfo("mine", "Mine", "https://mine-config.test/fhir", frozenset({"ps"}))
    async with platform(ecosystem, database, editors=[*fleet[:2], mine_config]) as (_, api, _c):
        listed = {e["name"]: e for e in (await api.get("/api/v1/editors")).json()}
        assert set(listed) == {fleet[0].name, fleet[1].name, "mine"}
        assert listed["mine"]["base_url"] == "https://mine-config.test/fhir"
        assert listed["mine"]["source"] == "configuration"
        assert (await api.delete("/api/v1/editors/mine")).status_code == 409

    # Without it in the configuration, the saved "mine" is back, and can be deleted for good.
    async with platform(ecosystem, database, editors=fleet[:2]) as (_, api, _c):
        listed = {e["name"]: e for e in (await api.get("/api/v1/editors")).json()}
        assert listed["mine"]["base_url"] == "http://mine.test/fhir"
        assert listed["mine"]["source"] == "api"
        assert (await api.delete("/api/v1/editors/mine")).status_code == 204
    async with platform(ecosystem, database, editors=fleet[:2]) as (_, api, _c):
        names = [e["name"] for e in (await api.get("/api/v1/editors")).json()]
        assert names == [fleet[0].name, fleet[1].name]


async def test_routing_is_written_behind_and_not_when_disabled(
    ecosystem: Ecosystem, database: dict[str, Any]
) -> None:
    params = {"insee": busiest_insee(ecosystem)}
    async with platform(ecosystem, {**database, "persist_routing": False}) as (app, api, _c):
        assert app.state.service.routing_store is None
        assert (await api.get("/api/v1/search", params=params)).status_code == 200
        engine = app.state.service.engine
        assert RoutingRepository(engine).counts() == {}
    async with platform(ecosystem, database) as (app, api, _c):
        assert (await api.get("/api/v1/search", params=params)).status_code == 200
        store = app.state.service.routing_store
        await store.flush()
        assert store.pending == 0
        counts = RoutingRepository(app.state.service.engine).counts()
        assert counts["ps"][0] > 0


async def test_nothing_changes_when_the_database_refuses(
    ecosystem: Ecosystem, database: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = [s.info() for s in ecosystem.editor_settings][:1]
    async with platform(ecosystem, database, editors=fleet) as (app, api, _):
        assert (
            await api.post("/api/v1/editors", json={"name": "kept", "url": "http://k.test/fhir"})
        ).status_code == 201
        repository = app.state.service.editor_repository

        def down(**_: Any) -> None:
            raise OperationalError("INSERT", {}, Exception("connection refused"))

        monkeypatch.setattr(repository, "upsert", down)
        monkeypatch.setattr(repository, "remove", down)
        refused = await api.post("/api/v1/editors", json={"name": "new", "url": "http://n.test/f"})
        assert refused.status_code == 503 and refused.json()["error"] == "unavailable"
        assert (await api.delete("/api/v1/editors/kept")).status_code == 503
        names = [e["name"] for e in (await api.get("/api/v1/editors")).json()]
        assert names == [fleet[0].name, "kept"]  # not accepted: not used either
