"""Issue 4 "Done when": with the demo's fleet (seed 42, 40 editors, 4,000 practitioners), a
search near every préfecture returns cards with slots."""

from __future__ import annotations

from datetime import datetime

from mocks.ecosystem import Ecosystem
from sasref.clock import PARIS, FixedClock
from sasref.directory.geo import DEPARTMENTS


async def test_every_prefecture_has_cards_with_slots() -> None:
    ecosystem = Ecosystem(
        42,
        editors=40,
        practitioners=4000,
        clock=FixedClock(datetime(2024, 6, 12, 9, 0, tzinfo=PARIS)),
        database_url="sqlite://",
        log_searches=False,
    )
    without: dict[str, object] = {}
    async with ecosystem.in_process() as client:
        for code, department in DEPARTMENTS.items():
            response = await client.get(
                "/api/v1/search", params={"insee": department.prefecture_insee}
            )
            assert response.status_code == 200, (code, response.text)
            body = response.json()
            if not any(card["slots"]["total"] for card in body["cards"]):
                without[code] = body["total_cards"]
    assert len(DEPARTMENTS) == 101
    assert without == {}, f"préfectures without any card with slots: {without}"
