"""The platform on its database, SQLite and PostgreSQL: SAS-agenda slots and the search log.

The PostgreSQL half needs ``$SASREF_TEST_POSTGRES_URL`` (``make test`` provides it); without it
it skips loudly, and fails under ``SASREF_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from mocks.ecosystem import Ecosystem
from sasref.clock import PARIS, FixedClock
from sasref.directory.model import AgendaKind
from sasref.platform import create_app
from sasref.sasagenda import AgendaSlot, Leave, SasAgenda
from sasref.storage.testing import backend_params, isolated_engine

NOW = datetime(2024, 6, 12, 9, 0, tzinfo=PARIS)


@pytest.fixture(params=backend_params())
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with isolated_engine(request.param, tmp_path) as eng:
        yield eng


@pytest.fixture(scope="module")
def ecosystem() -> Ecosystem:
    return Ecosystem(11, editors=4, practitioners=300, clock=FixedClock(NOW))


async def test_sas_agenda_slots_from_the_database(ecosystem: Ecosystem, engine: Engine) -> None:
    doctor = next(p for p in ecosystem.population.practitioners if p.agenda is AgendaKind.SAS)
    place = doctor.places[0]
    editors = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    settings = replace(
        ecosystem.platform_settings(editors, []), engine=engine, agendas=None, log_searches=True
    )
    app = create_app(settings)
    service = app.state.service
    service.agenda_repository.save(
        agenda=SasAgenda(
            id="agenda-1",
            owner_id=doctor.id,
            place_id=place.id,
            slots=(
                AgendaSlot("morning", NOW.date(), time(10), time(10, 20)),
                AgendaSlot("plage", NOW.date(), time(14), time(16), max_patients=3),
                AgendaSlot("weekly", NOW.date(), time(9, 30), time(9, 50), weekday=4),  # Thursday
                AgendaSlot("on-leave", NOW.date(), time(18), time(18, 20)),
            ),
            leaves=(
                Leave(
                    datetime(2024, 6, 12, 17, tzinfo=PARIS), datetime(2024, 6, 12, 19, tzinfo=PARIS)
                ),
            ),
        )
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://sas.test") as client:
        response = await client.get(
            "/api/v1/search",
            params={"insee": place.address.insee, "practitioner": doctor.raw_id},
        )
    assert response.status_code == 200, response.text
    card = response.json()["cards"][0]
    assert card["preferred_doctor"] and card["id"] == doctor.id
    assert card["slots"]["source"] == "sas"
    days = {
        d["label"]: [(s["start"][11:16], s["capacity"]) for s in d["slots"]]
        for d in card["slots"]["days"]
    }
    assert days == {
        "Aujourd'hui": [("10:00", 1), ("14:00", 3)],
        "Demain": [("09:30", 1)],
        "Après-demain": [],
    }
    logged = service.search_log.recent(limit=5)
    assert len(logged) == 1 and logged[0].query["practitioner"] == doctor.raw_id
    await editors.aclose()
