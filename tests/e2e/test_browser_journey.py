"""The booking journey in a real browser (issue 5 item 8): Debian ``chromium`` headless, driven by
Playwright, against the journey served on loopback sockets (:meth:`mocks.journey.Journey.serve`).

Log in as a regulator through the fake PSC (persona button), search near a préfecture, click a
slot, land authenticated on the editor's booking page (no password asked), book for a patient;
then the appointment is in the SAS (INT_R03) and in the fake LRM (INT_L02). The same for a
marketplace care request: the results page's "Place de marché" link, the care-request form
opened by SSO, a professional's acceptance, the appointment at the SAS and the LRM (PDM).

No browser is ever downloaded: the system chromium (``SASREF_TEST_CHROMIUM``, default
``/usr/bin/chromium``) is used; without it the test is skipped loudly, or fails under
``SASREF_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mocks.journey import Journey, JourneySettings
from sasref.auth import SsoMode

CHROMIUM = os.environ.get("SASREF_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_PRESENT = Path(CHROMIUM).exists()
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = [pytest.mark.browser, pytest.mark.sockets]


def _unavailable(reason: str) -> None:
    message = (
        f"BROWSER TEST NOT RUN: {reason} (install Debian's chromium or set SASREF_TEST_CHROMIUM)"
    )
    if os.environ.get("SASREF_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
async def browser() -> Any:
    if not CHROMIUM_PRESENT:
        _unavailable(f"no chromium at {CHROMIUM}")
    try:
        from playwright.async_api import async_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dev dependency
        _unavailable(f"playwright is not importable: {exc}")
    async with async_playwright() as pw:
        instance = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield instance
        finally:
            await instance.close()


@pytest.mark.parametrize("mode", [SsoMode.SAS, SsoMode.PSC], ids=["sas-idp", "psc-rp"])
async def test_regulator_books_a_slot_in_the_browser(browser: Any, mode: SsoMode) -> None:
    async with Journey(JourneySettings(sso_mode=mode)).serve() as j:
        assert j.urls is not None
        target = j.pick_slot()
        editor_root = j.urls.editors[target.editor]
        context = await browser.new_context(locale="fr-FR")
        page = await context.new_page()
        try:
            # 1. the search needs a login: SAS → fake PSC authorize page → persona
            await page.goto(j.urls.sas + target.search_path)
            assert page.url.startswith(j.urls.psc_issuer), page.url
            await page.click('button[data-persona="regulateur"]')
            await page.wait_for_url(f"{j.urls.sas}/recherche*")
            # 2. the results near the préfecture show the slot; the link opens the editor page
            link = page.locator(f'a.slot[href*="slot={target.slot.id}"]')
            assert await link.count() == 1
            assert (await link.get_attribute("href") or "").endswith("origin=sas")
            async with context.expect_page() as opened:
                await link.click()
            booking = await opened.value
            await booking.wait_for_load_state()
            # 3. authenticated by SSO: the editor's booking page, no password asked
            assert booking.url.startswith(f"{editor_root}/booking/"), booking.url
            assert await booking.locator('input[type="password"]').count() == 0
            await booking.get_by_text("Droits régulateur SAS actifs").wait_for()
            # 4. book for a patient (fields found by their labels)
            await booking.get_by_label("Nom du patient", exact=True).fill("Martin")
            await booking.get_by_label("Prénom du patient", exact=True).fill("Léa")
            await booking.get_by_label("Date de naissance").fill("1984-02-03")
            await booking.get_by_label("Téléphone").fill("06 12 34 56 78")
            await booking.get_by_role("button", name="Réserver ce créneau").click()
            await booking.get_by_role("heading", name="Rendez-vous confirmé").wait_for()
            assert "transmis" in (await booking.locator("#delivery").inner_text())
        finally:
            await context.close()
        # 5. the appointment is at the SAS (INT_R03) and at the LRM (INT_L02)
        await j.settle()
        async with httpx.AsyncClient(trust_env=False, timeout=10) as http:
            stored = (await http.get(j.urls.sas + "/journey/appointments")).json()
            assert len(stored) == 1 and stored[0]["status"] == "booked"
            read = await http.get(f"{j.urls.sas_fhir}/Appointment/{stored[0]['id']}")
            assert read.status_code == 200
            actor = read.json()["participant"][0]["actor"]["identifier"]["value"]
            assert actor == target.practitioner.id
            lrm = (await http.get(j.urls.lrm + "/appointments")).json()
            assert [a["appointmentId"] for a in lrm] == [stored[0]["id"]]
            assert lrm[0]["appointment"]["status"] == "booked"


async def test_regulator_orients_en_surnumeraire_in_the_browser(browser: Any) -> None:
    """A search without slots → the switch → a card's "Surnuméraire" → the form (a past date is
    refused beside the field) → the orientation, at the SAS and at the LRM; then cancelled."""
    from mocks.population.overbooking import quiet_communes

    async with Journey(JourneySettings()).serve() as j:
        assert j.urls is not None
        insee = quiet_communes(j.directory, limit=1)[0]
        context = await browser.new_context(locale="fr-FR")
        page = await context.new_page()
        try:
            await page.goto(f"{j.urls.sas}/recherche?insee={insee}")
            await page.click('button[data-persona="regulateur"]')
            await page.wait_for_url(f"{j.urls.sas}/recherche*")
            suggestion = await page.locator(".notice.suggestion").inner_text()
            assert "Aucune offre de soins n'est disponible sous 48 h" in suggestion
            await page.click("#switch-surnumeraire")
            await page.wait_for_url("**mode=surnumeraire**")
            await page.locator("a.button.surnumeraire").first.click()
            await page.get_by_role("heading", name="Orientation en surnuméraire").wait_for()
            # a date in the past: the server says so beside the field
            await page.get_by_label("Date").fill("2026-06-15")
            await page.get_by_label("Heure").select_option("17:45")
            await page.get_by_role("button", name="Orienter en surnuméraire").click()
            error = page.locator("#date-error")
            await error.wait_for()
            assert "passé" in await error.inner_text()
            await page.get_by_label("Date").fill("2026-06-16")
            await page.get_by_role("button", name="Orienter en surnuméraire").click()
            await page.get_by_role(
                "heading", name="Orientation en surnuméraire enregistrée"
            ).wait_for()
            orientation_id = await page.locator("#orientation").get_attribute("data-id")
            assert "16/06/2026 à 17:45" in await page.locator("#start").inner_text()
            await j.settle()
            async with httpx.AsyncClient(trust_env=False, timeout=10) as http:
                lrm = (await http.get(j.urls.lrm + "/appointments")).json()
                assert [a["appointmentId"] for a in lrm] == [orientation_id]
                assert lrm[0]["appointment"]["start"] == "2026-06-16T17:45:00+02:00"
                await page.get_by_role("button", name="Annuler l'orientation").click()
                await page.get_by_role("heading", name="Orientation annulée").wait_for()
                await j.settle()
                lrm = (await http.get(j.urls.lrm + "/appointments")).json()
                assert lrm[0]["appointment"]["status"] == "cancelled"
        finally:
            await context.close()


async def test_regulator_files_a_marketplace_care_request_in_the_browser(browser: Any) -> None:
    async with Journey(JourneySettings(marketplaces=2)).serve() as j:
        assert j.urls is not None
        marketplace = j.urls.marketplaces["pdm-01"]
        async with httpx.AsyncClient(trust_env=False, timeout=10) as http:
            # a pool that always finds a taker: the test does not depend on the seed's draw
            await http.put(f"{marketplace}/admin/behaviour", json={"no_taker_rate": 0})
        context = await browser.new_context(locale="fr-FR")
        page = await context.new_page()
        try:
            # 1. PSC login, then the results near Bordeaux with the "Place de marché" block
            await page.goto(j.urls.sas + "/recherche?address=Bordeaux")
            await page.click('button[data-persona="regulateur"]')
            await page.wait_for_url(f"{j.urls.sas}/recherche*")
            await page.get_by_role("heading", name="Place de marché").wait_for()
            link = page.locator('a.marketplace[data-marketplace="pdm-01"]')
            href = await link.get_attribute("href") or ""
            assert href.startswith(f"{marketplace}/care-request?") and href.endswith("origin=sas")
            async with context.expect_page() as opened:
                await link.click()
            form = await opened.value
            await form.wait_for_load_state()
            # 2. authenticated by SSO on the marketplace: the care-request form, the place filled
            assert form.url.startswith(f"{marketplace}/care-request"), form.url
            assert await form.locator('input[type="password"]').count() == 0
            await form.get_by_text("Droits régulateur SAS actifs").wait_for()
            assert await form.get_by_label("Code postal").input_value() == "33000"
            assert await form.get_by_label("Commune").input_value() == "Bordeaux"
            # 3. the patient and the need (fields by their labels); the window is pre-filled
            await form.get_by_label("Nom du patient", exact=True).fill("Martin")
            await form.get_by_label("Prénom du patient", exact=True).fill("Léa")
            await form.get_by_label("Date de naissance").fill("1984-02-03")
            await form.get_by_label("Téléphone").fill("06 12 34 56 78")
            await form.get_by_label("Type de soins").select_option("soins-infirmiers")
            await form.get_by_label("Adresse (numéro et voie)").fill("12 rue Sainte-Catherine")
            await form.get_by_role("button", name="Envoyer la demande").click()
            await form.get_by_text("En recherche d'un professionnel").wait_for()
            assert "transmis (POST → 201" in await form.locator("#delivery").inner_text()
            # 4. a professional of the pool accepts (the dispatch runs on the journey's clock)
            j.clock.advance(timedelta(hours=1))
            await j.settle()
            await form.reload()
            await form.get_by_text("Acceptée", exact=True).wait_for()
            taker = (await form.locator("#practitioner").inner_text()).strip()
            assert taker != "—"
        finally:
            await context.close()
        # 5. at the SAS (INT_R03, category PDM) and at the LRM (INT_L02, orientation PDM)
        await j.settle()
        async with httpx.AsyncClient(trust_env=False, timeout=10) as http:
            (stored,) = (await http.get(j.urls.sas + "/journey/appointments")).json()
            assert (stored["status"], stored["orientation"]) == ("booked", "PDM")
            (lrm,) = (await http.get(j.urls.lrm + "/appointments")).json()
            assert lrm["appointmentId"] == stored["id"]
            sent = lrm["appointment"]
            assert (sent["status"], sent["orientationCategory"]) == ("booked", "PDM")
            name = f"{sent['practitioner']['firstName']} {sent['practitioner']['lastName']}"
            assert name == taker
