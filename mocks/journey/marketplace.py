"""The journey's marketplace helpers (issue 9): who a marketplace's professional is for the LRM
message, the click path of a care request, and a request's timeline across the three places
that record it (the marketplace, the SAS, the LRM) for notebook 08.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from mocks.editor_booking.driver import Browser, csrf_of, form_action
from mocks.journey.model import DEMO_CARE, DEMO_PATIENT, JourneyCareRequest
from mocks.marketplace import MarketplaceProfile, PoolMember
from mocks.marketplace.driver import FORM_LABEL, form_values, marketplace_links
from sasref.fhir.datetimes import parse_datetime
from sasref.lrm.messages import PROFESSION_URL, SPECIALITY_URL, OrganizationInfo, PractitionerInfo

if TYPE_CHECKING:
    from mocks.journey.core import Journey

__all__ = ["PoolDirectory", "care_timeline", "request_care"]


class PoolDirectory:
    """The marketplaces' professionals by IDNPS, as the INT_L02 message names them."""

    def __init__(self, profiles: Iterable[MarketplaceProfile]) -> None:
        self._members: dict[str, tuple[MarketplaceProfile, PoolMember]] = {
            m.idnps: (profile, m) for profile in profiles for m in profile.pool
        }

    def info(self, idnps: str) -> tuple[PractitionerInfo | None, OrganizationInfo | None]:
        """The professional, and their marketplace as the structure of the visit."""
        found = self._members.get(idnps)
        if found is None:
            return None, None
        profile, m = found
        practitioner = PractitionerInfo(
            rpps_id=m.idnps, last_name=m.family, first_name=m.given,
            speciality_code=m.speciality, speciality_url=SPECIALITY_URL if m.speciality else None,
            profession_url=PROFESSION_URL, profession_code=m.profession,
        )  # fmt: skip
        return practitioner, OrganizationInfo(profile.siret, profile.label)


async def request_care(
    journey: Journey,
    persona: str,
    care: dict[str, str] | None,
    *,
    place: str | None,
    marketplace: str | None,
    browser: Browser | None,
) -> JourneyCareRequest:
    """:meth:`mocks.journey.Journey.request_care_as` (its docstring says what it does)."""
    from sasref.directory.geo import department

    j = journey
    assert j.urls is not None
    if browser is None:
        browser = Browser(j.browser())
        await browser.login_with_psc(j.urls.sas, persona)
    place = place or department(j.settings.samu_department).prefecture_name
    chosen = {**DEMO_CARE, **(care or {})}
    results, _ = await browser.follow(f"{j.urls.sas}/recherche?{urlencode({'address': place})}")
    links = marketplace_links(results.text)
    name = marketplace or next(
        n for n in links if chosen["care_type"] in j.marketplace(n).profile.care_types
    )
    page, url = await browser.follow(links[name])
    data = {**form_values(page.text), **DEMO_PATIENT, **chosen, "csrf_token": csrf_of(page.text)}
    done, final = await browser.follow(
        form_action(page.text, url, FORM_LABEL), method="POST", data=data
    )
    if done.status_code != 200:
        raise RuntimeError(f"care request failed ({done.status_code}): {done.text[:300]}")
    request_id = final.rsplit("/", 1)[-1]
    return JourneyCareRequest(
        browser, name, final, j.marketplace(name).service.requests[request_id]
    )


async def care_timeline(journey: Journey, filed: JourneyCareRequest) -> list[dict[str, Any]]:
    """Every step of a care request, oldest first: ``{"at", "where", "kind", "what"}`` rows —
    the marketplace's events (``kind`` created, declined, accepted, duplicate, refused, expired,
    cancelled), each version the SAS stored and each message the LRM received (``kind`` the
    appointment's status)."""
    request = filed.request
    rows: list[dict[str, Any]] = [
        {"at": e.at, "where": f"marketplace {filed.marketplace}", "kind": e.kind, "what": e.text}
        for e in request.events
    ]
    stored = await journey.appointments.get(*request.identifier)
    if stored is not None:
        rows += [
            {"at": at, "where": "SAS (INT_R03)", "kind": status, "what": f"Appointment {status}"}
            for status, at in stored.status_history
        ]
        for found in await journey.lrm_appointments():
            if found["appointmentId"] == stored.id:
                rows += [
                    {"at": parse_datetime(h["receivedAt"]), "where": "LRM (INT_L02)",
                     "kind": h["status"], "what": f"{h['method']} {h['status']}"}
                    for h in found["history"]
                ]  # fmt: skip
    return sorted(rows, key=lambda row: row["at"])
