"""The administration in the booking journey (issue 12): who may see and switch the editors'
flux (the administrator role, the API token, CSRF on the page's form), and the appointments an
editor pushes (INT_R03) counted for the regulator's SAMU, use case and editor."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mocks.editor_booking.driver import Browser, csrf_of
from mocks.journey import Journey, JourneySettings

TOKEN = "journey-token"


@pytest.fixture
async def journey() -> AsyncIterator[Journey]:
    async with Journey(JourneySettings(api_token=TOKEN)).in_process() as j:
        yield j


async def test_only_administrators_reach_the_administration(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    sas = j.urls.sas
    anonymous = j.browser()
    response = await anonymous.get(f"{sas}/api/v1/monitoring/editors")
    assert response.status_code == 401
    page = await anonymous.get(f"{sas}/admin/supervision", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    arm = Browser(j.browser())
    await arm.login_with_psc(sas, "arm")  # a regulator, not an administrator
    assert (await arm.request("GET", f"{sas}/api/v1/search?city=Bordeaux")).status_code == 200
    assert (await arm.request("GET", f"{sas}/admin/supervision")).status_code == 403
    assert (await arm.http.get(f"{sas}/api/v1/indicators")).status_code == 403
    # the demo's API token stands for an administrator too (scripts)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    editor = j.editor_names[0]
    response = await anonymous.put(
        f"{sas}/api/v1/monitoring/editors/{editor}/flux",
        json={"state": "deactivated", "reason": "script"},
        headers=bearer,
    )
    assert response.status_code == 200 and response.json()["state"] == "deactivated"
    moves = (await anonymous.get(f"{sas}/api/v1/monitoring/transitions", headers=bearer)).json()
    assert moves[0]["reason"] == "flux désactivé par API token : script"
    # the médecin régulateur persona is the demo's administrator; the form needs its CSRF token
    admin = Browser(j.browser())
    await admin.login_with_psc(sas, "regulateur")
    page = await admin.request("GET", f"{sas}/admin/supervision")
    assert page.status_code == 200 and "Désactiver" in page.text
    forged = await admin.request(
        "POST", f"{sas}/admin/supervision/{editor}", data={"state": "active", "csrf_token": "x"}
    )
    assert forged.status_code == 403
    done, _ = await admin.follow(
        f"{sas}/admin/supervision/{editor}",
        method="POST",
        data={"state": "active", "reason": "rétabli", "csrf_token": csrf_of(page.text)},
    )
    assert done.status_code == 200 and "flux activé par" in done.text
    status = (
        await anonymous.get(f"{sas}/api/v1/monitoring/editors/{editor}", headers=bearer)
    ).json()
    assert (status["state"], status["control"]) == ("active", "forced")


async def test_searches_and_appointments_are_counted_for_the_regulators_samu(
    journey: Journey,
) -> None:
    j = journey
    assert j.urls is not None
    booked = await j.book_as("regulateur")
    await j.settle()
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    http = j.browser()
    by_samu = (
        await http.get(f"{j.urls.sas}/api/v1/indicators?group_by=samu", headers=bearer)
    ).json()["rows"]
    assert by_samu == [
        {"key": "33", "searches": 1, "slots_shown": by_samu[0]["slots_shown"],
         "orientations": 1, "appointments": 1}
    ]  # fmt: skip
    assert by_samu[0]["slots_shown"] > 0
    by_editor = {
        r["key"]: r
        for r in (
            await http.get(f"{j.urls.sas}/api/v1/indicators?group_by=editor", headers=bearer)
        ).json()["rows"]
    }
    assert by_editor[booked.target.editor]["appointments"] == 1
    by_use_case = {
        r["key"]: r
        for r in (
            await http.get(f"{j.urls.sas}/api/v1/indicators?group_by=use_case", headers=bearer)
        ).json()["rows"]
    }
    assert by_use_case["ps"]["appointments"] == 1 and by_use_case["ps"]["searches"] == 1
    # a script's search (the API token: no account, a regulator of the default SAMU in the
    # SAS's own record) is counted for that SAMU
    await http.get(f"{j.urls.sas}/api/v1/search?city=Bordeaux", headers=bearer)
    rows = (await http.get(f"{j.urls.sas}/api/v1/indicators?group_by=samu", headers=bearer)).json()[
        "rows"
    ]
    assert {r["key"]: r["searches"] for r in rows} == {"33": 2}


async def test_an_orientation_en_surnumeraire_is_counted(journey: Journey) -> None:
    j = journey
    assert j.urls is not None
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    http = j.browser()
    listed = await http.get(
        f"{j.urls.sas}/api/v1/search", params={"city": "Bordeaux", "mode": "surnumeraire"},
        headers=bearer,
    )  # fmt: skip
    target = next(c["orientation"] for c in listed.json()["cards"] if c["orientation"])
    made = await http.post(
        f"{j.urls.sas}/api/v1/orientations", headers=bearer,
        json={**target, "date": j.clock.now().date().isoformat(), "time": "20:00"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    await j.settle()
    rows = (
        await http.get(f"{j.urls.sas}/api/v1/indicators?group_by=use_case", headers=bearer)
    ).json()["rows"]
    counted = {r["key"]: (r["orientations"], r["appointments"]) for r in rows}
    assert counted["surnumeraire"] == (1, 0)  # an orientation, not an editor appointment
