"""A marketplace care request end to end, in process (issue 9 items 2-3): the SAS results page's
"Place de marché" link, SSO at the marketplace, the care request, the dispatch to the pool on
the injected clock, INT_R03 to the SAS (``002`` / PDM) and INT_L02 to the LRM; bad input and
faults (missing fields, past window, unknown address, silence, double answers, a closed request,
the SAS down)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from mocks.editor_booking.driver import Browser, csrf_of, form_action
from mocks.journey import DEMO_CARE, DEMO_PATIENT, Journey, JourneyCareRequest, JourneySettings
from mocks.marketplace import RequestState
from mocks.marketplace.driver import FORM_LABEL, form_values, marketplace_links
from sasref.auth import SsoMode
from sasref.fhir.systems import IDNPS_SYSTEM

FHIR_JSON = "application/fhir+json"


@pytest.fixture
async def journey() -> AsyncIterator[Journey]:
    async with Journey(JourneySettings(marketplaces=3)).in_process() as j:
        yield j


async def sas_appointments(j: Journey) -> list[dict[str, Any]]:
    assert j.urls is not None
    found: list[dict[str, Any]] = (
        await j.browser().get(j.urls.sas + "/journey/appointments")
    ).json()
    return found


async def answer(j: Journey, filed: JourneyCareRequest, idnps: str, status: str = "accepted"
                 ) -> httpx.Response:  # fmt: skip
    assert j.urls is not None
    body = {
        "resourceType": "AppointmentResponse",
        "appointment": {"reference": f"Appointment/{filed.request.id}"},
        "actor": {"identifier": {"system": IDNPS_SYSTEM, "value": idnps}},
        "participantStatus": status,
    }
    return await j.browser().post(
        j.urls.marketplaces[filed.marketplace] + "/fhir/AppointmentResponse", json=body,
        headers={"Content-Type": FHIR_JSON, "Accept": FHIR_JSON},
    )  # fmt: skip


def nurse(j: Journey, filed: JourneyCareRequest, index: int = 0) -> str:
    pool = j.marketplace(filed.marketplace).profile.pool
    return [m.idnps for m in pool if m.profession == "60"][index]


async def open_form(j: Journey, **link_changes: str) -> tuple[Browser, Any, str]:
    """Log in, search near Bordeaux, follow the first marketplace's link (changed as asked)."""
    assert j.urls is not None
    browser = Browser(j.browser())
    await browser.login_with_psc(j.urls.sas, "regulateur")
    results, _ = await browser.follow(j.urls.sas + "/recherche?address=Bordeaux")
    link = marketplace_links(results.text)["pdm-01"]
    parts = urlsplit(link)
    query = {**dict(parse_qsl(parts.query)), **link_changes}
    query = {k: v for k, v in query.items() if v}
    target = parts._replace(query="&".join(f"{k}={v}" for k, v in query.items())).geturl()
    page, url = await browser.follow(target)
    return browser, page, url


async def submit(browser: Browser, page: Any, url: str, accept: str = "text/html",
                 **changes: str) -> httpx.Response:  # fmt: skip
    data = {**form_values(page.text), **DEMO_PATIENT, **DEMO_CARE,
            "csrf_token": csrf_of(page.text), **changes}  # fmt: skip
    return await browser.http.post(form_action(page.text, url, FORM_LABEL), data=data,
                                   headers={"Accept": accept})  # fmt: skip


@pytest.mark.parametrize("mode", [SsoMode.SAS, SsoMode.PSC], ids=["sas-idp", "psc-rp"])
async def test_a_care_request_goes_pending_then_booked_to_the_sas_and_the_lrm(
    mode: SsoMode,
) -> None:
    async with Journey(JourneySettings(marketplaces=3, sso_mode=mode)).in_process() as j:
        assert j.urls is not None
        filed = await j.request_care_as("regulateur")
        # SSO: the marketplace's page was reached without a password, by its SSO callback
        hosts = [urlsplit(e.url).path for e in filed.browser.log if "pdm-" in e.url]
        assert "/sso/callback" in hosts and "/login" not in hosts
        request = filed.request
        assert request.state is RequestState.DISPATCHING
        assert request.address.insee == "33063" and request.address.city == "Bordeaux"
        # at once: the SAS has a pending PDM appointment, the LRM a CreateAppointment
        (stored,) = await sas_appointments(j)
        assert (stored["status"], stored["orientation"], stored["version"]) == (
            "pending", "PDM", 1,
        )  # fmt: skip
        assert stored["identifier"] == "|".join(request.identifier)
        await j.settle()
        (lrm,) = await j.lrm_appointments()
        sent = lrm["appointment"]
        assert (sent["method"], sent["status"], sent["orientationCategory"]) == (
            "CreateAppointment", "pending", "PDM",
        )  # fmt: skip
        assert "practitioner" not in sent
        # the pool answers on the clock: the acceptance is the late identification of the PS
        j.clock.advance(timedelta(hours=1))
        await j.settle()
        assert request.state is RequestState.ACCEPTED and request.practitioner is not None
        (stored,) = await sas_appointments(j)
        assert (stored["status"], stored["version"]) == ("booked", 2)
        actor = stored["resource"]["participant"][0]["actor"]["identifier"]["value"]
        assert actor == request.practitioner.idnps
        (lrm,) = await j.lrm_appointments()
        sent = lrm["appointment"]
        assert (sent["method"], sent["status"]) == ("UpdateAppointment", "booked")
        assert sent["practitioner"]["rppsId"] == request.practitioner.idnps
        assert sent["practitioner"]["professionCode"] == "60"
        profile = j.marketplace(filed.marketplace).profile
        assert sent["organization"] == {"organizationId": profile.siret, "name": profile.label}
        assert lrm["appointmentId"] == stored["id"]
        # the regulator's page shows it
        page = await filed.browser.request("GET", filed.page_url)
        assert "Acceptée" in page.text and request.practitioner.display in page.text
        assert "transmis (PUT → 200" in page.text


async def test_the_marketplace_received_the_regulator_account(journey: Journey) -> None:
    filed = await journey.request_care_as("arm")  # an ARM: no RPPS, the SAS technical id
    accounts = journey.marketplace(filed.marketplace).state.accounts.all()
    assert len(accounts) == 1
    assert filed.request.operator == accounts[0]["identifier"][0]
    assert filed.request.operator["type"]["coding"][0]["code"] == "INTRN"


async def test_without_origin_sas_no_form_and_a_post_is_403(journey: Journey) -> None:
    _, page, url = await open_form(journey, origin="")
    assert "Droits régulateur non accordés" in page.text and "csrf_token" not in page.text
    assert "origin=" not in url
    _, page, url = await open_form(journey, origin="lrm")
    assert "Droits régulateur non accordés" in page.text
    browser, page, url = await open_form(journey)  # a good form, posted without origin=sas
    action = form_action(page.text, url, FORM_LABEL).replace("&origin=sas", "")
    data = {**form_values(page.text), **DEMO_PATIENT, **DEMO_CARE,
            "csrf_token": csrf_of(page.text)}  # fmt: skip
    refused = await browser.http.post(action, data=data)
    assert refused.status_code == 403 and "origin=sas" in refused.text
    assert journey.marketplace("pdm-01").service.requests == {}


async def test_missing_fields_are_a_422_naming_each_field(journey: Journey) -> None:
    browser, page, url = await open_form(journey)
    html = await submit(browser, page, url, family="", line="", care_type="")
    assert html.status_code == 422
    for words in ("Indiquez le nom", "Indiquez l'adresse", "Choisissez le type de soins"):
        assert words in unescape(html.text)
    assert 'value="Léa"' in html.text  # what was typed is kept
    fhir = await submit(browser, page, url, accept=FHIR_JSON, family="", line="", care_type="")
    assert fhir.status_code == 422 and fhir.headers["content-type"].startswith(FHIR_JSON)
    issues = fhir.json()["issue"]
    assert [(i["expression"], i["code"]) for i in issues] == [
        (["family"], "required"), (["care_type"], "required"), (["line"], "required"),
    ]  # fmt: skip
    assert journey.marketplace("pdm-01").service.requests == {}
    assert await sas_appointments(journey) == []


async def test_a_past_window_is_refused(journey: Journey) -> None:
    browser, page, url = await open_form(journey)
    response = await submit(
        browser, page, url, accept=FHIR_JSON,
        window_start="2026-06-15T08:00", window_end="2026-06-15T12:00",
    )  # fmt: skip
    assert response.status_code == 422
    (issue,) = response.json()["issue"]
    assert issue["expression"] == ["window_end"] and "passée" in issue["diagnostics"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"postcode": "99999", "city": "Nulle-Part"}, "postcode", "inconnu"),
        ({"postcode": "33000", "city": "Marseille"}, "city", "n'a pas le code postal"),
    ],
)
async def test_an_unknown_patient_address_is_refused(
    journey: Journey, changes: dict[str, str], field: str, words: str
) -> None:
    browser, page, url = await open_form(journey)
    response = await submit(browser, page, url, **changes)
    assert response.status_code == 422
    assert f'id="{field}-error">' in response.text and words in unescape(response.text)


async def test_a_marketplace_that_never_answers_expires_visibly(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    admin = await j.browser().put(j.urls.marketplaces["pdm-01"] + "/admin/behaviour",
                                  json={"never_answers": True})  # fmt: skip
    assert admin.json()["never_answers"] is True
    filed = await j.request_care_as(marketplace="pdm-01")
    await j.settle()  # the LRM acknowledges the creation before time moves on
    j.clock.advance(timedelta(minutes=59))
    await j.settle()
    assert filed.request.state is RequestState.DISPATCHING
    j.clock.advance(timedelta(minutes=2))
    await j.settle()
    assert filed.request.state is RequestState.EXPIRED
    page = await filed.browser.request("GET", filed.page_url)
    assert "Expirée" in page.text and "demande expirée" in unescape(page.text)
    (stored,) = await sas_appointments(j)
    assert stored["status"] == "cancelled"
    assert "expirée" in stored["resource"]["cancelationReason"]["text"]
    (lrm,) = await j.lrm_appointments()
    assert lrm["appointment"]["status"] == "cancelled"
    assert [h["status"] for h in lrm["history"]] == ["pending", "cancelled"]


async def test_a_marketplace_that_answers_twice_duplicates_nothing(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    await j.browser().put(j.urls.marketplaces["pdm-01"] + "/admin/behaviour",
                          json={"answers_twice": True, "no_taker_rate": 0})  # fmt: skip
    filed = await j.request_care_as(marketplace="pdm-01")
    await j.settle()
    j.clock.advance(timedelta(hours=1))
    await j.settle()
    outbox = j.marketplace("pdm-01").outbox
    assert [(p.method, p.body["status"], p.last_status) for p in outbox.pushes] == [
        ("POST", "pending", 201), ("POST", "pending", 200),
        ("PUT", "booked", 200), ("PUT", "booked", 200),
    ]  # fmt: skip
    assert "duplicate" in [e.kind for e in filed.request.events]
    (stored,) = await sas_appointments(j)  # one appointment at the SAS
    assert stored["status"] == "booked"
    lrm = await j.lrm_appointments()
    assert len(lrm) == 1 and lrm[0]["appointmentId"] == stored["id"]
    methods = [h["method"] for h in lrm[0]["history"]]
    assert methods.count("CreateAppointment") == 1 and lrm[0]["appointment"]["status"] == "booked"


async def test_an_acceptance_for_a_cancelled_request_is_a_409(journey: Journey) -> None:
    j = journey
    filed = await j.request_care_as()
    page = await filed.browser.request("GET", filed.page_url)
    done, _ = await filed.browser.follow(
        filed.page_url + "/cancel", method="POST", data={"csrf_token": csrf_of(page.text)}
    )
    assert "Annulée par le régulateur" in done.text
    response = await answer(j, filed, nurse(j, filed))
    assert response.status_code == 409
    (issue,) = response.json()["issue"]
    assert issue["code"] == "conflict" and "cancelled" in issue["diagnostics"]
    again = await filed.browser.follow(
        filed.page_url + "/cancel", method="POST", data={"csrf_token": csrf_of(page.text)}
    )
    assert again[0].status_code == 409
    await j.settle()
    (stored,) = await sas_appointments(j)
    assert stored["status"] == "cancelled"
    (lrm,) = await j.lrm_appointments()
    assert lrm["appointment"]["status"] == "cancelled" and "practitioner" not in lrm["appointment"]


async def test_a_professional_accepts_through_the_fhir_api(journey: Journey) -> None:
    j = journey
    filed = await j.request_care_as()
    declined = await answer(j, filed, nurse(j, filed, 1), "declined")
    assert declined.status_code == 201
    first = await answer(j, filed, nurse(j, filed))
    assert first.status_code == 201 and first.headers["location"].endswith(filed.request.id)
    repeated = await answer(j, filed, nurse(j, filed))
    assert repeated.status_code == 200  # the same acceptance again: nothing changes
    other = await answer(j, filed, nurse(j, filed, 2))
    assert other.status_code == 409
    assert filed.request.practitioner is not None
    assert filed.request.practitioner.idnps == nurse(j, filed)
    assert [p.body["status"] for p in j.marketplace(filed.marketplace).outbox.pushes] == [
        "pending", "booked",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"resourceType": "Appointment"}, 400, "invalid"),
        ({"appointment": {"reference": "Slot/1"}}, 400, "required"),
        ({"actor": {"identifier": {"system": "urn:x", "value": "1"}}}, 400, "required"),
        ({"participantStatus": "tentative"}, 422, "code-invalid"),
        ({"appointment": {"reference": "Appointment/unknown"}}, 404, "not-found"),
        ({"actor": {"identifier": {"system": IDNPS_SYSTEM, "value": "810000000009"}}}, 422,
         "business-rule"),
    ],
)  # fmt: skip
async def test_a_bad_answer_gets_an_operation_outcome(
    journey: Journey, change: dict[str, Any], status: int, code: str
) -> None:
    j = journey
    assert j.urls is not None
    filed = await j.request_care_as()
    body = {
        "resourceType": "AppointmentResponse",
        "appointment": {"reference": f"Appointment/{filed.request.id}"},
        "actor": {"identifier": {"system": IDNPS_SYSTEM, "value": nurse(j, filed)}},
        "participantStatus": "accepted",
        **change,
    }
    response = await j.browser().post(
        j.urls.marketplaces[filed.marketplace] + "/fhir/AppointmentResponse", json=body
    )
    assert response.status_code == status
    assert response.json()["issue"][0]["code"] == code
    assert filed.request.state is RequestState.DISPATCHING


async def test_with_the_sas_down_nothing_is_lost(journey: Journey) -> None:
    j = journey
    assert j.outage is not None
    j.outage.down = True
    filed = await j.request_care_as()
    outbox = j.marketplace(filed.marketplace).outbox
    j.clock.advance(timedelta(hours=1))
    await j.settle()  # accepted meanwhile: both reports wait, in order
    assert filed.request.state is RequestState.ACCEPTED
    assert [(p.body["status"], p.state.value) for p in outbox.pushes] == [
        ("pending", "pending"), ("booked", "pending"),
    ]  # fmt: skip
    page = await filed.browser.request("GET", filed.page_url)
    assert "en attente (tentatives" in page.text
    assert await sas_appointments(j) == []
    j.outage.down = False
    j.clock.advance(timedelta(minutes=10))  # past the backoff
    await j.settle()
    assert outbox.summary() == {"pending": 0, "delivered": 2, "rejected": 0}
    (stored,) = await sas_appointments(j)
    assert (stored["status"], stored["version"]) == ("booked", 2)
    (lrm,) = await j.lrm_appointments()
    assert [h["status"] for h in lrm["history"]] == ["pending", "booked"]


async def test_the_marketplace_fhir_api_and_its_admin(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    filed = await j.request_care_as()
    base = j.urls.marketplaces[filed.marketplace]
    http = j.browser()
    read = await http.get(f"{base}/fhir/Appointment/{filed.request.id}")
    assert read.status_code == 200 and read.json()["status"] == "pending"
    bundle = (await http.get(f"{base}/fhir/Appointment", params={"status": "pending"})).json()
    assert bundle["total"] == 1 and bundle["entry"][0]["resource"]["id"] == filed.request.id
    assert (await http.get(f"{base}/fhir/Appointment", params={"status": "booked"})).json()[
        "total"
    ] == 0
    assert (await http.get(f"{base}/fhir/Appointment", params={"date": "x"})).status_code == 400
    missing = await http.get(f"{base}/fhir/Appointment/nope")
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"
    metadata = (await http.get(f"{base}/fhir/metadata")).json()
    types = {r["type"] for r in metadata["rest"][0]["resource"]}
    assert {"Practitioner", "Appointment", "AppointmentResponse"} <= types
    listing = (await http.get(f"{base}/api/care-requests")).json()
    assert [r["state"] for r in listing] == ["dispatching"]
    bad = await http.put(f"{base}/admin/behaviour", json={"no_taker_rate": 3})
    assert bad.status_code == 422 and bad.json()["resourceType"] == "OperationOutcome"
    assert (await http.put(f"{base}/admin/behaviour", content=b"[1]")).status_code == 400
    j.clock.advance(timedelta(hours=2))
    dispatched = (await http.post(f"{base}/admin/dispatch")).json()
    assert dispatched["applied"] >= 1 and dispatched["summary"]["pending"] == 0


async def test_the_timeline_follows_the_request_across_the_three_places(journey: Journey) -> None:
    j = journey
    filed = await j.request_care_as()
    await j.settle()
    await j.advance(timedelta(minutes=45))
    assert filed.request.state is RequestState.ACCEPTED
    rows = await j.care_timeline(filed)
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    accepted = next(r["at"] for r in rows if "a accepté" in r["what"])
    sas = [r for r in rows if r["where"] == "SAS (INT_R03)"]
    lrm = [r for r in rows if r["where"] == "LRM (INT_L02)"]
    assert [r["what"] for r in sas] == ["Appointment pending", "Appointment booked"]
    assert [r["what"] for r in lrm] == ["CreateAppointment pending", "UpdateAppointment booked"]
    # stepping the clock a minute at a time: the SAS and the LRM learn it within the minute
    assert timedelta(0) <= sas[1]["at"] - accepted <= timedelta(minutes=1)
    assert lrm[1]["at"] == sas[1]["at"]


async def test_the_block_of_a_contextual_search_is_for_the_lrm_s_place(journey: Journey) -> None:
    """The links carry the place the search was run around (the LRM's address here), the same
    point the cards were ranked from, not a second reading of the query."""
    j = journey
    assert j.urls is not None
    browser = Browser(j.browser())
    await browser.login_with_psc(j.urls.sas, "regulateur")
    url = j.urls.sas + "/sas/recherche?origin=samu69&practitioner=&inseecode=69123&city=Lyon"
    results, _ = await browser.follow(url)
    links = marketplace_links(results.text)
    assert links, results.text[:500]
    for link in links.values():
        place = dict(parse_qsl(urlsplit(link).query))
        assert (place["department"], place["insee"], place["origin"]) == ("69", "69123", "sas")
