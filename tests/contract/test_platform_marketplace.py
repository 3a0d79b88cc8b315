"""The platform's marketplace side in process: the registry API and the results page's
"Place de marché" block (no login: the platform without the PSC router)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from html import unescape

import httpx
import pytest

from sasref.clock import PARIS, FixedClock
from sasref.marketplace import MarketplaceEditor
from sasref.platform import PlatformSettings, create_app

MARKETPLACES = [
    MarketplaceEditor(
        "pdm-01", "Soins Martin", "https://pdm-01.test/care-request",
        ("soins-infirmiers",), ("33", "24"), description="Infirmiers à domicile",
    ),
    MarketplaceEditor(
        "pdm-02", "Kiné Express", "https://pdm-02.test/demande", ("kine-respiratoire",),
        ("33",), enabled=False,
    ),
    MarketplaceEditor(
        "pdm-03", "Sages-femmes Lyon", "https://pdm-03.test/care-request",
        ("suivi-post-natal",), ("69",),
    ),
]  # fmt: skip


async def platform(marketplaces: list[MarketplaceEditor]) -> httpx.AsyncClient:
    app = create_app(
        PlatformSettings(
            marketplaces=marketplaces,
            database_url="sqlite://",
            clock=FixedClock(datetime(2026, 6, 16, 9, 0, tzinfo=PARIS)),
        )
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://sas.test")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with await platform(MARKETPLACES) as c:
        yield c


async def test_the_api_lists_and_filters_the_marketplaces(client: httpx.AsyncClient) -> None:
    everything = (await client.get("/marketplace/api/v1/editors")).json()
    assert [e["name"] for e in everything] == ["pdm-01", "pdm-02", "pdm-03"]
    assert everything[1]["enabled"] is False and everything[0]["departments"] == ["24", "33"]
    path = "/marketplace/api/v1/editors"
    found = await client.get(path, params={"enabled": "1", "department": "33"})
    assert [e["name"] for e in found.json()] == ["pdm-01"]
    # the real platform's call, on its reverse-proxied path
    short = await client.get(
        "/aggregator/marketplace/api/v1/editors",
        params={"enabled": "1", "format": "marketplace_short_description"},
    )
    assert short.status_code == 200
    assert [sorted(e) for e in short.json()] == [
        ["care_types", "description", "label", "name", "request_url"]
    ] * 2


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"enabled": "oui"}, "enabled='oui'"),
        ({"department": "100"}, "département"),
        ({"format": "xml"}, "format='xml'"),
        ({"territory": "33"}, "unknown parameter 'territory'"),
    ],
)
async def test_a_wrong_filter_is_a_400_with_a_message(
    client: httpx.AsyncClient, params: dict[str, str], words: str
) -> None:
    response = await client.get("/marketplace/api/v1/editors", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "bad_request" and words in body["message"]


async def test_the_results_page_links_to_the_marketplaces_of_the_place(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/recherche", params={"address": "12 rue Judaïque 33000 Bordeaux"})
    assert page.status_code == 200
    html = page.text
    assert "Place de marché" in html
    assert 'data-marketplace="pdm-01"' in html
    assert "pdm-02" not in html and "pdm-03" not in html  # disabled / another territory
    link = unescape(html.split('class="marketplace" href="', 1)[1].split('"', 1)[0])
    assert link == (
        "https://pdm-01.test/care-request?department=33&insee=33063&postcode=33000"
        "&city=Bordeaux&origin=sas"
    )
    assert "Judaïque" not in link


async def test_a_place_no_marketplace_serves_says_so(client: httpx.AsyncClient) -> None:
    html = (await client.get("/recherche", params={"city": "Lille"})).text
    assert "Place de marché" in html and "Aucune place de marché ne couvre" in html
    assert 'class="marketplace"' not in html.split('aria-labelledby="pdm-title"')[1]


async def test_without_marketplaces_the_page_has_no_block() -> None:
    async with await platform([]) as bare:
        html = (await bare.get("/recherche", params={"city": "Bordeaux"})).text
        assert "Place de marché" not in html
        assert (await bare.get("/marketplace/api/v1/editors")).json() == []
