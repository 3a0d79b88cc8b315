"""The booking journey in process (issue 5 items 4-5): PSC login at the SAS, a slot link, the
editor's booking page authenticated without a password (both SSO modes), the booking, INT_R03 at
the SAS and INT_L02 at the LRM — with httpx following every redirect by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from mocks.editor_booking.driver import Browser, csrf_of, form_action, slot_links
from mocks.journey import Journey, JourneySettings, SlotTarget
from sasref.auth import SsoMode
from sasref.fhir.systems import EXT_APPOINTMENT_OPERATOR, IDNPS_SYSTEM, SAS_SYSTEM, Profile
from sasref.profiles import has_errors, validate

PATIENT = {
    "family": "Martin",
    "given": "Léa",
    "birth_date": "1984-02-03",
    "phone": "06 12 34 56 78",
}


@pytest.fixture(params=[SsoMode.PSC, SsoMode.SAS], ids=["psc-rp", "sas-idp"])
async def journey(request: pytest.FixtureRequest) -> AsyncIterator[Journey]:
    async with Journey(JourneySettings(sso_mode=request.param)).in_process() as j:
        yield j


def operator_of(resource: dict[str, object]) -> dict[str, object]:
    for ext in resource["extension"]:  # type: ignore[attr-defined]
        if ext["url"] == EXT_APPOINTMENT_OPERATOR:
            return ext["valueReference"]["identifier"]  # type: ignore[no-any-return]
    raise AssertionError("no FrAppointmentOperator")


async def open_slot(j: Journey, browser: Browser, target: SlotTarget) -> tuple[httpx.Response, str]:
    """Search near the préfecture, click the target slot's link, land on the editor page."""
    assert j.urls is not None
    results, _ = await browser.follow(j.urls.sas + target.search_path)
    assert results.status_code == 200
    links = [u for u in slot_links(results.text) if f"slot={target.slot.id}" in u]
    assert links, "the target slot is not on the results page"
    assert links[0].endswith("origin=sas")
    return await browser.follow(links[0])


async def test_regulator_books_and_the_appointment_reaches_sas_and_lrm(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    browser = Browser(j.browser())
    target = j.pick_slot()
    _, landed = await browser.login_with_psc(j.urls.sas, "regulateur")
    assert landed == j.urls.sas + "/"
    page, url = await open_slot(j, browser, target)
    assert page.status_code == 200
    assert url.startswith(j.urls.editors[target.editor] + "/booking/")  # no login page on the way
    assert 'type="password"' not in page.text
    assert 'id="permissions">Droits régulateur SAS actifs' in page.text
    # the SSO went through the provider of this mode, silently (prompt=none)
    issuer = j.urls.psc if j.settings.sso_mode is SsoMode.PSC else j.urls.sas_idp
    assert any(e.url.startswith(issuer) and "prompt=none" in e.url for e in browser.log)

    done, final = await browser.follow(
        form_action(page.text, url),
        method="POST",
        data={**PATIENT, "csrf_token": csrf_of(page.text)},
    )
    assert done.status_code == 200 and "Rendez-vous confirmé" in done.text
    assert "/appointments/" in final
    # the slot left the editor's FHIR search
    assert target.slot.id not in {
        s.id for s in j.bookings[target.editor].find_slots(target.practitioner.id)
    }

    stored = (await browser.http.get(j.urls.sas + "/journey/appointments")).json()
    assert len(stored) == 1
    resource = stored[0]["resource"]
    assert resource["meta"]["profile"] == [Profile.APPOINTMENT]
    assert resource["status"] == "booked"
    assert resource["participant"][0]["actor"]["identifier"]["value"] == target.practitioner.id
    regulator = j.regulators.all()[0]
    assert operator_of(resource)["system"] == IDNPS_SYSTEM
    assert operator_of(resource)["value"] == regulator.national_id
    assert not has_errors(validate(resource, profile=Profile.APPOINTMENT))
    # read back through the INT_R03 API
    read = await browser.http.get(f"{j.urls.sas_fhir}/Appointment/{stored[0]['id']}")
    assert read.status_code == 200 and read.json()["identifier"] == resource["identifier"]

    await j.settle()
    lrm = (await browser.http.get(j.urls.lrm + "/appointments")).json()
    assert [a["appointmentId"] for a in lrm] == [stored[0]["id"]]
    assert lrm[0]["appointment"]["regulator"]["regulatorId"] == regulator.national_id
    assert lrm[0]["appointment"]["status"] == "booked"


async def test_arm_without_rpps_is_the_operator_by_sas_technical_id(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    browser = Browser(j.browser())
    await browser.login_with_psc(j.urls.sas, "arm")
    (account,) = j.regulators.all()
    assert account.national_id is None
    page, url = await open_slot(j, browser, j.pick_slot())
    assert "identifiant technique SAS" in page.text
    done, _ = await browser.follow(
        form_action(page.text, url),
        method="POST",
        data={**PATIENT, "csrf_token": csrf_of(page.text)},
    )
    assert done.status_code == 200
    (stored,) = (await browser.http.get(j.urls.sas + "/journey/appointments")).json()
    operator = operator_of(stored["resource"])
    assert (operator["system"], operator["value"]) == (SAS_SYSTEM, account.technical_id)
    assert operator["type"]["coding"][0]["code"] == "INTRN"  # type: ignore[index]


async def test_without_a_session_the_regulator_lands_on_the_editor_login_page(
    journey: Journey,
) -> None:
    j = journey
    assert j.urls is not None
    browser = Browser(j.browser())
    target = j.pick_slot()
    link = f"{target.slot.booking_url}&origin=sas"
    page, url = await browser.follow(link)
    assert httpx.URL(url).path == "/login"
    assert page.status_code == 200 and 'type="password"' in page.text
    # the editor's own users can log in there; they get no regulator permissions
    form = {"username": "secretariat", "password": "agenda", "next": httpx.URL(url).params["next"]}
    back, back_url = await browser.follow(
        j.urls.editors[target.editor] + "/login", method="POST", data=form
    )
    assert back_url.startswith(j.urls.editors[target.editor] + "/booking/")
    assert "Droits régulateur non accordés" in back.text and "Réserver" not in back.text
    wrong, _ = await browser.follow(
        j.urls.editors[target.editor] + "/login", method="POST",
        data={"username": "secretariat", "password": "nope"},
    )  # fmt: skip
    assert wrong.status_code == 401


async def test_origin_other_than_sas_gives_no_regulator_permissions(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    browser = Browser(j.browser())
    target = j.pick_slot()
    await browser.login_with_psc(j.urls.sas, "regulateur")
    page, _ = await open_slot(j, browser, target)  # an SSO session now exists at the editor
    csrf = csrf_of(page.text)
    assert target.slot.booking_url is not None
    for link in (target.slot.booking_url, target.slot.booking_url + "&origin=lrm"):
        other, _ = await browser.follow(link)
        assert other.status_code == 200
        assert "Droits régulateur non accordés" in other.text and "<form" not in other.text
        refused = await browser.request("POST", link, data={**PATIENT, "csrf_token": csrf})
        assert refused.status_code == 403
    assert target.slot.id not in j.editor_state(target.editor).slots.booked


async def test_a_slot_that_is_no_longer_free_gives_a_clear_error(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    browser = Browser(j.browser())
    target = j.pick_slot()
    await browser.login_with_psc(j.urls.sas, "regulateur")
    page, url = await open_slot(j, browser, target)
    action, data = form_action(page.text, url), {**PATIENT, "csrf_token": csrf_of(page.text)}
    first, _ = await browser.follow(action, method="POST", data=data)
    assert first.status_code == 200
    again = await browser.request("POST", action, data=data)
    assert again.status_code == 409
    assert "Créneau indisponible" in again.text and "déjà été réservé" in again.text
    reopened, _ = await browser.follow(url)
    assert reopened.status_code == 409
    assert len((await browser.http.get(j.urls.sas + "/journey/appointments")).json()) == 1


async def test_bad_patient_input_and_missing_csrf_are_refused(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    browser = Browser(j.browser())
    target = j.pick_slot()
    await browser.login_with_psc(j.urls.sas, "regulateur")
    page, url = await open_slot(j, browser, target)
    action = form_action(page.text, url)
    bad = {"family": "", "given": "Léa", "birth_date": "2999-01-01", "phone": "12",
           "csrf_token": csrf_of(page.text)}  # fmt: skip
    answer = await browser.request("POST", action, data=bad)
    assert answer.status_code == 422
    assert 'aria-invalid="true"' in answer.text and "Indiquez le nom" in answer.text
    no_csrf = await browser.request("POST", action, data=PATIENT)
    assert no_csrf.status_code == 403
    assert target.slot.id not in j.editor_state(target.editor).slots.booked


async def test_sos_slot_is_reported_with_the_sos_appointment_profile(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    browser = Browser(j.browser())
    await browser.login_with_psc(j.urls.sas, "regulateur")
    editor, slot = j.pick_sos_slot()
    assert slot.booking_url is not None and "/booking/sos/" in slot.booking_url
    page, url = await browser.follow(slot.booking_url + "&origin=sas")
    assert page.status_code == 200 and "SOS Médecins" in page.text
    done, _ = await browser.follow(
        form_action(page.text, url),
        method="POST",
        data={**PATIENT, "csrf_token": csrf_of(page.text)},
    )
    assert done.status_code == 200
    assert slot.id in j.editor_state(editor).slots.booked
    (stored,) = (await browser.http.get(j.urls.sas + "/journey/appointments")).json()
    resource = stored["resource"]
    assert resource["meta"]["profile"] == [Profile.APPOINTMENT_SOS]
    assert resource["participant"] == [
        {
            "type": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                            "code": "ADM",
                        }
                    ]
                }
            ],
            "status": "needs-action",
        }
    ]
    assert stored["orientation"] == "SOS"
    assert not has_errors(validate(resource, profile=Profile.APPOINTMENT_SOS))
