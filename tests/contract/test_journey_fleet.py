"""The journey with its fleet of LRMs, in process (issue 10): regulators of different SAMUs book
and each appointment reaches its regulator's SAMU only; every SAMU's page opens the SAS
contextual search with its own ``origin`` and the SAS accepts exactly the fleet's origins."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mocks.editor_booking.driver import Browser
from mocks.journey import Journey, JourneySettings


@pytest.fixture
async def journey() -> AsyncIterator[Journey]:
    async with Journey(JourneySettings(seed=7, lrm_vendors=6)).in_process() as j:
        yield j


async def test_regulators_of_two_samus_reach_their_own_lrm(journey: Journey) -> None:
    j = journey
    lyon, bordeaux = j.fleet.samu("69"), j.fleet.samu("33")
    assert lyon.vendor is not bordeaux.vendor  # two vendors, side by side
    first = await j.book_as("regulateur-69")
    await j.book_as("regulateur", skip=1)  # the default personas belong to SAMU 33
    await j.settle()
    at_lyon, at_bordeaux = await j.lrm_appointments("69"), await j.lrm_appointments("33")
    assert len(at_lyon) == len(at_bordeaux) == 1
    assert at_lyon[0]["appointment"]["regulator"]["regulatorEmail"].endswith("@samu69.example.test")
    assert at_lyon[0]["appointmentId"] != at_bordeaux[0]["appointmentId"]
    assert len(await j.lrm_appointments()) == 2  # and nowhere else in the fleet
    delivered = {c: ids for c, ids in j.fleet.delivered().items() if ids}
    assert set(delivered) == {"fr.health.samu690", "fr.health.samu330"}
    # the SAS knows each regulator's SAMU from its own directory
    samus = {a.email.rsplit("@", 1)[1]: a.samu_department for a in j.regulators.all()}
    assert samus["samu69.example.test"] == "69"
    # a status change follows the same route
    await j.set_status(first, "cancelled")
    await j.settle()
    (cancelled,) = await j.lrm_appointments("69")
    assert cancelled["appointment"]["status"] == "cancelled"
    assert j.fleet.delivered()["fr.health.samu330"] == [at_bordeaux[0]["appointmentId"]]
    # each SAMU's page lists its own appointment, on its vendor's app
    browser = j.browser()
    page = await browser.get(j.lrm_url("69") + "/")
    assert page.status_code == 200 and cancelled["appointmentId"] in page.text
    assert at_bordeaux[0]["appointmentId"] not in page.text


async def test_each_samu_opens_the_sas_contextual_search_with_its_own_origin(
    journey: Journey,
) -> None:
    j = journey
    assert j.urls is not None and j.sas is not None
    assert j.sas.state.service.lrm_origins == j.fleet.origins
    browser = Browser(j.browser())
    await browser.login_with_psc(j.urls.sas, "regulateur-69")
    for department, insee in (("69", "69123"), ("33", "33063")):
        empty, _ = await browser.follow(j.lrm_url(department) + "/recherche")
        assert empty.status_code == 400  # an empty file has no city: the SAS says so
        link = f"{j.lrm_url(department)}/recherche?inseecode={insee}"
        page, url = await browser.follow(link)
        assert url.startswith(f"{j.urls.sas}/sas/recherche?origin=samu{department}&")
        assert page.status_code == 200 and "Recherche contextuelle LRM" in page.text
    refused, _ = await browser.follow(f"{j.urls.sas}/sas/recherche?origin=samu99&inseecode=69123")
    assert refused.status_code == 400 and "not a registered LRM" in refused.text
