"""The surnuméraire list and orientations on the platform, in process, without login (spec §1.8,
§1.10, §4.6, §6.3): the search mode, the switch a search without slots offers, the orientation
API and pages with every refusal, and orientations surviving a restart (SQLite, PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mocks.ecosystem import Ecosystem
from mocks.population.overbooking import quiet_communes
from sasref.clock import PARIS, FixedClock
from sasref.directory.model import ParticipationVia, StructureKind
from sasref.directory.overbooking import place_accepts, via_cpts
from sasref.platform import PlatformSettings, create_app

NOW = datetime(2024, 6, 12, 9, 0, tzinfo=PARIS)
TODAY = "2024-06-12"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_SURNUMERAIRE = re.compile(r'<a class="button surnumeraire" href="([^"]+)"')
_SWITCH = re.compile(r'<a class="button" id="switch-surnumeraire" href="([^"]+)"')


@pytest.fixture(scope="module")
def ecosystem() -> Ecosystem:
    return Ecosystem(
        7, editors=6, practitioners=600, clock=FixedClock(NOW), database_url="sqlite://",
        call_deadline=0.5, overall_deadline=0.8, log_searches=False,
    )  # fmt: skip


@pytest.fixture
async def client(ecosystem: Ecosystem) -> AsyncIterator[httpx.AsyncClient]:
    async with ecosystem.in_process() as client:
        yield client


def accepting(eco: Ecosystem, *, via: ParticipationVia = ParticipationVia.OWN_OFFICE) -> Any:
    """A practitioner with a place accepting extra patients, taking part ``via``."""
    d = eco.directory
    for p in d.practitioners.values():
        if p.participation_via is not via or (via is ParticipationVia.CPTS and not via_cpts(p)):
            continue
        for place in p.places:
            if place_accepts(p, place, d.structures):
                return p, place
    raise LookupError(via)


def refusing(eco: Ecosystem) -> Any:
    d = eco.directory
    return next(p for p in d.practitioners.values() if p.sas_participant and not p.overbooking)


def hidden(html: str) -> dict[str, str]:
    return {k: unescape(v) for k, v in _HIDDEN.findall(html)}


def body(p: Any, place: Any, **extra: Any) -> dict[str, Any]:
    return {"recipient": {"type": 1, "effector": p.id, "place": place.id},
            "date": TODAY, "time": "14:15", **extra}  # fmt: skip


# --- the search ---------------------------------------------------------------------------------
async def test_the_surnumeraire_list_carries_an_orientation_on_each_card(
    ecosystem: Ecosystem, client: httpx.AsyncClient
) -> None:
    r = await client.get("/api/v1/search", params={"city": "Bordeaux", "mode": "surnumeraire"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["mode"] == "surnumeraire" and doc["suggestion"] is None
    assert doc["query"]["mode"] == "surnumeraire"
    assert doc["cards"] and {c["kind"] for c in doc["cards"]} >= {"practitioner", "structure"}
    d = ecosystem.directory
    for card in doc["cards"]:
        recipient = card["orientation"]["recipient"]
        assert card["slots"]["total"] == 0
        assert "Accepte des patients en sus des disponibilités" in " ".join(card["details"])
        if card["kind"] == "practitioner":
            p = d.practitioners[card["id"]]
            place = next(pl for pl in p.places if pl.id == recipient["place"])
            assert place_accepts(p, place, d.structures)
        if card["kind"] == "structure":
            assert d.structures[card["id"]].overbooking
            assert recipient == {"type": 2, "structure": card["id"]}
    # no slot is needed: no editor is asked
    assert doc["diagnostics"]["editors"] == [] and doc["diagnostics"]["calls"] == []


async def test_a_search_without_slots_offers_the_switch(
    ecosystem: Ecosystem, client: httpx.AsyncClient
) -> None:
    insee = quiet_communes(ecosystem.directory, limit=1)[0]
    r = await client.get("/api/v1/search", params={"insee": insee})
    doc = r.json()
    assert doc["mode"] == "slots" and not any(c["slots"]["total"] for c in doc["cards"])
    suggestion = doc["suggestion"]
    assert suggestion["reason"] == "no_result" and suggestion["mode"] == "surnumeraire"
    assert "Aucune offre de soins n'est disponible sous 48 h" in suggestion["message"]
    assert "Créneaux en sus des disponibilités" in suggestion["label"]
    assert all(c["orientation"] is None for c in doc["cards"])  # no action in this list
    switched = await client.get(suggestion["url"])
    assert switched.status_code == 200
    assert switched.json()["mode"] == "surnumeraire" and switched.json()["total_cards"] > 0
    assert parse_qs(urlsplit(suggestion["url"]).query) == {
        "insee": [insee],
        "mode": ["surnumeraire"],
    }


async def test_pages_without_slots_and_the_end_of_the_list_offer_the_switch(
    client: httpx.AsyncClient,
) -> None:
    first = (await client.get("/api/v1/search", params={"city": "Bordeaux"})).json()
    assert first["pages"] > 1
    reasons = []
    for page in range(1, first["pages"] + 1):
        doc = (await client.get("/api/v1/search", params={"city": "Bordeaux", "page": page})).json()
        with_slots = any(c["slots"]["total"] for c in doc["cards"])
        suggestion = doc["suggestion"]
        reasons.append(suggestion and suggestion["reason"])
        if not with_slots:
            assert suggestion["reason"] == "no_slot"
            assert suggestion["message"].startswith("Aucune offre de soins de cette page")
        elif page == first["pages"]:
            assert suggestion["reason"] == "end_of_list"
            assert suggestion["message"].startswith("Toutes les offres de soins")
        else:
            assert suggestion is None
    assert None in reasons and reasons[-1] is not None


async def test_a_bad_mode_is_400(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/search", params={"city": "Bordeaux", "mode": "overbooking"})
    assert r.status_code == 400 and "mode" in r.json()["message"]
    page = await client.get("/recherche", params={"city": "Bordeaux", "mode": "x"})
    assert page.status_code == 400 and "surnumeraire" in page.text
    lrm = await client.get("/sas/recherche", params={"loc": "Bordeaux", "mode": "x"})
    assert lrm.status_code == 400


# --- the pages ----------------------------------------------------------------------------------
async def test_from_an_empty_search_to_an_orientation_in_the_pages(
    ecosystem: Ecosystem, client: httpx.AsyncClient
) -> None:
    insee = quiet_communes(ecosystem.directory, limit=1)[0]
    page = await client.get("/recherche", params={"insee": insee})
    assert page.status_code == 200
    assert "Aucune offre de soins n'est disponible sous 48 h" in unescape(page.text)
    assert 'aria-current="page">Afficher les PS disposant de créneaux disponibles' in page.text
    switch = unescape(_SWITCH.search(page.text).group(1))  # type: ignore[union-attr]
    assert "mode=surnumeraire" in switch
    listed = await client.get(switch)
    assert listed.status_code == 200
    assert 'aria-current="page">Créneaux en sus des disponibilités' in listed.text
    actions = [unescape(u) for u in _SURNUMERAIRE.findall(listed.text)]
    assert actions
    form = await client.get(actions[0])
    assert form.status_code == 200 and "Orienter en surnuméraire" in form.text
    fields = hidden(form.text)
    assert fields["back"] == switch and fields["idempotency_key"]
    assert 'type="date"' in form.text and 'min="2024-06-12"' in form.text
    assert '<option value="09:15" selected>' in form.text  # the next quarter of an hour
    assert form.text.count("<option value=") == 96
    done = await client.post("/orientations", data={**fields, "date": TODAY, "time": "10:30"})
    assert done.status_code == 303
    shown = await client.get(done.headers["location"])
    assert shown.status_code == 200 and "Orientation en surnuméraire enregistrée" in shown.text
    assert "12/06/2024 à 10:30" in shown.text
    assert "aucun LRM n'est relié" in unescape(shown.text)  # this platform has no forwarder
    # the same form sent twice (a double click) makes one orientation
    again = await client.post("/orientations", data={**fields, "date": TODAY, "time": "10:30"})
    assert again.headers["location"] == done.headers["location"]
    listing = await client.get("/orientations")
    assert listing.text.count("12/06/2024 10:30") == 1
    cancelled = await client.post(done.headers["location"] + "/annuler")
    assert cancelled.status_code == 303
    assert "Orientation annulée" in (await client.get(done.headers["location"])).text


@pytest.mark.parametrize(
    ("date", "time", "field", "message", "status"),
    [
        ("2024-06-11", "10:00", "date", "La date ne peut pas être dans le passé.", 400),
        ("", "10:00", "date", "Indiquez la date.", 400),
        (TODAY, "10:10", "time", "L'heure se choisit par quart d'heure", 400),
        (TODAY, "08:00", "time", "Cette heure est déjà passée.", 400),
        (TODAY, "", "time", "Indiquez l'heure.", 400),
    ],
)
async def test_the_form_says_what_is_wrong_beside_the_field(
    ecosystem: Ecosystem,
    client: httpx.AsyncClient,
    date: str,
    time: str,
    field: str,
    message: str,
    status: int,
) -> None:
    p, place = accepting(ecosystem)
    form = await client.get(
        "/orientations/nouvelle",
        params={"recipient_type": "1", "effector": p.id, "place": place.id},
    )
    fields = hidden(form.text)
    r = await client.post("/orientations", data={**fields, "date": date, "time": time})
    assert r.status_code == status
    error = re.search(
        rf'<p class="field-error" id="{field}-error" role="alert">([^<]+)</p>', r.text
    )
    assert error is not None and unescape(error.group(1)).startswith(message)
    assert f'aria-describedby="{field}-error"' in r.text
    assert hidden(r.text)["idempotency_key"] == fields["idempotency_key"]  # the same request
    assert "Orientation en surnuméraire" in unescape(r.text)  # the form again, not an error page


async def test_the_form_refuses_unknown_and_non_accepting_recipients(
    ecosystem: Ecosystem, client: httpx.AsyncClient
) -> None:
    unknown = await client.get(
        "/orientations/nouvelle", params={"recipient_type": "1", "effector": "819999999999"}
    )
    assert unknown.status_code == 422 and "819999999999" in unknown.text
    no = refusing(ecosystem)
    refused = await client.post(
        "/orientations",
        data={"recipient_type": "1", "effector": no.id, "date": TODAY, "time": "10:00"},
    )
    assert refused.status_code == 422
    assert "n'accepte pas de patients en sus des disponibilités" in unescape(refused.text)
    missing = await client.get("/orientations/inconnue")
    assert missing.status_code == 404 and "Orientation inconnue" in missing.text


async def test_the_lrm_contextual_search_gets_the_switch_too(
    ecosystem: Ecosystem, client: httpx.AsyncClient
) -> None:
    insee = quiet_communes(ecosystem.directory, limit=1)[0]
    params = {"origin": f"samu{insee[:2]}", "inseecode": insee, "city": "x",
              "practitioner": "Inconnu"}  # fmt: skip
    page = await client.get("/sas/recherche", params=params)
    assert page.status_code == 200
    switch = unescape(_SWITCH.search(page.text).group(1))  # type: ignore[union-attr]
    assert switch.startswith("/sas/recherche?") and "origin=" in switch
    listed = await client.get(switch)
    assert listed.status_code == 200 and _SURNUMERAIRE.search(listed.text)
    assert "Recherche contextuelle LRM" in listed.text


# --- the API ------------------------------------------------------------------------------------
async def test_orientation_api(ecosystem: Ecosystem, client: httpx.AsyncClient) -> None:
    p, place = accepting(ecosystem)
    r = await client.post("/api/v1/orientations", json=body(p, place, idempotency_key="k1"))
    assert r.status_code == 201, r.text
    o = r.json()
    assert (o["orientation_type"], o["slot"], o["status"], o["category"]) == (
        2,
        None,
        "booked",
        "PS",
    )
    assert o["start"] == "2024-06-12T14:15:00+02:00"
    assert o["recipient"]["effector"] == p.id and o["recipient"]["place"] == place.id
    assert o["appointment"]["resourceType"] == "Appointment"
    assert o["appointment"]["identifier"][0]["value"] == o["id"]
    # replayed: the same orientation, 200
    replay = await client.post("/api/v1/orientations", json=body(p, place, idempotency_key="k1"))
    assert replay.status_code == 200 and replay.json()["id"] == o["id"]
    header = await client.post(
        "/api/v1/orientations", json=body(p, place), headers={"Idempotency-Key": "k1"}
    )
    assert header.status_code == 200 and header.json()["id"] == o["id"]
    # the key for another orientation: 409
    other = await client.post(
        "/api/v1/orientations", json=body(p, place, time="15:00", idempotency_key="k1")
    )
    assert other.status_code == 409 and other.json()["field"] == "idempotency_key"
    # without a key, the same request again is the same orientation while it stands
    first = await client.post("/api/v1/orientations", json=body(p, place, time="16:00"))
    second = await client.post("/api/v1/orientations", json=body(p, place, time="16:00"))
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    cancel = await client.post(f"/api/v1/orientations/{first.json()['id']}/cancel")
    assert cancel.status_code == 200 and cancel.json()["changed"] is True
    assert cancel.json()["status"] == "cancelled" and cancel.json()["version"] == 2
    twice = await client.post(f"/api/v1/orientations/{first.json()['id']}/cancel")
    assert twice.json()["changed"] is False and twice.json()["version"] == 2
    anew = await client.post("/api/v1/orientations", json=body(p, place, time="16:00"))
    assert anew.status_code == 201 and anew.json()["id"] != first.json()["id"]
    read = await client.get(f"/api/v1/orientations/{o['id']}")
    assert read.status_code == 200 and read.json() == o
    # the list and its filters
    listed = (await client.get("/api/v1/orientations")).json()
    ids = [x["id"] for x in listed["orientations"]]
    assert listed["count"] == 3 and ids[0] == anew.json()["id"] and o["id"] in ids
    booked = (await client.get("/api/v1/orientations", params={"status": "booked"})).json()
    assert {x["id"] for x in booked["orientations"]} == {o["id"], anew.json()["id"]}
    mine = await client.get(
        "/api/v1/orientations", params={"recipient": p.id, "category": "PS", "date": TODAY}
    )
    assert mine.json()["count"] == 3
    assert (await client.get("/api/v1/orientations", params={"date": "2024-06-13"})).json() == {
        "count": 0,
        "orientations": [],
    }
    assert (await client.get("/api/v1/orientations", params={"category": "MSP"})).json()[
        "count"
    ] == 0


async def test_structures_cpts_and_sos_are_oriented_to_as_structures(
    ecosystem: Ecosystem, client: httpx.AsyncClient
) -> None:
    d = ecosystem.directory
    msp = next(s for s in d.structures.values() if s.overbooking and s.kind is StructureKind.MSP)
    cds = next(s for s in d.structures.values() if s.overbooking and s.kind is StructureKind.CDS)
    sos = next(iter(d.sos.values()))
    member, place = accepting(ecosystem, via=ParticipationVia.CPTS)
    cases = [
        ({"type": 2, "structure": msp.id}, "MSP"),
        ({"type": 2, "structure": cds.id}, "CDS"),
        ({"type": 2, "structure": sos.siret, "place": sos.fixed_points[0].id}, "SOS"),
        ({"type": 2, "structure": via_cpts(member), "effector": member.id}, "CPTS"),
        ({"type": 2, "structure": via_cpts(member)}, "CPTS"),
    ]
    for recipient, category in cases:
        r = await client.post(
            "/api/v1/orientations", json={"recipient": recipient, "date": TODAY, "time": "18:00"}
        )
        assert r.status_code == 201, r.text
        assert r.json()["category"] == category
        assert r.json()["recipient"]["structure"] == recipient["structure"]
    # a member through the CPTS cannot be oriented to directly
    direct = await client.post("/api/v1/orientations", json=body(member, place))
    assert direct.status_code == 422 and direct.json()["field"] == "recipient.type"
    assert via_cpts(member) in direct.json()["message"]


@pytest.mark.parametrize(
    ("patch", "status", "error", "field"),
    [
        ({"date": None}, 400, "bad_request", "date"),
        ({"date": "2024-06-11"}, 400, "bad_request", "date"),
        ({"date": "12/06/2024"}, 400, "bad_request", "date"),
        ({"time": "14:20"}, 400, "bad_request", "time"),
        ({"time": "25:00"}, 400, "bad_request", "time"),
        ({"orientation_type": 1}, 400, "bad_request", "orientation_type"),
        ({"orientation_type": 3}, 400, "bad_request", "orientation_type"),
        ({"slot": {"id": "slot-1"}}, 400, "bad_request", "slot"),
        ({"recipient": {"type": 7, "effector": "x"}}, 400, "bad_request", "recipient.type"),
        ({"recipient": {"type": 1}}, 400, "bad_request", "recipient.effector"),
        ({"recipient": {"type": 2}}, 400, "bad_request", "recipient.structure"),
        ({"recipient": {"type": 1, "effector": "819999999999"}}, 422, "unknown_recipient",
         "recipient.effector"),
        ({"recipient": {"type": 2, "structure": "1339999999"}}, 422, "unknown_recipient",
         "recipient.structure"),
        ({"idempotency_key": "\x00"}, 400, "bad_request", "idempotency_key"),
    ],
)  # fmt: skip
async def test_bad_requests_are_clear_4xx(
    ecosystem: Ecosystem,
    client: httpx.AsyncClient,
    patch: dict[str, Any],
    status: int,
    error: str,
    field: str,
) -> None:
    p, place = accepting(ecosystem)
    r = await client.post("/api/v1/orientations", json={**body(p, place), **patch})
    assert r.status_code == status, r.text
    assert r.json()["error"] == error and r.json()["field"] == field
    assert r.json()["message"]
    assert (await client.get("/api/v1/orientations")).json()["count"] == 0  # nothing recorded


async def test_malformed_bodies_and_unknown_ids(
    ecosystem: Ecosystem, client: httpx.AsyncClient
) -> None:
    no = refusing(ecosystem)
    r = await client.post("/api/v1/orientations", json=body(no, no.places[0]))
    assert r.status_code == 422 and r.json()["error"] == "not_accepting_extra_patients"
    not_json = await client.post(
        "/api/v1/orientations", content=b"{", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400 and not_json.json()["error"] == "bad_request"
    no_recipient = await client.post("/api/v1/orientations", json={"date": TODAY, "time": "10:00"})
    assert no_recipient.status_code == 400 and "recipient" in no_recipient.json()["message"]
    too_long = await client.post(
        "/api/v1/orientations", json=body(no, no.places[0], idempotency_key="k" * 201)
    )
    assert too_long.status_code == 400
    assert (await client.get("/api/v1/orientations/nope")).status_code == 404
    assert (await client.post("/api/v1/orientations/nope/cancel")).json()["error"] == "not_found"
    bad_filter = await client.get("/api/v1/orientations", params={"status": "lost"})
    assert bad_filter.status_code == 400
    bad_date = await client.get("/api/v1/orientations", params={"date": "demain"})
    assert bad_date.status_code == 400 and bad_date.json()["field"] == "date"


# --- a restart ----------------------------------------------------------------------------------
async def _platform(ecosystem: Ecosystem, database: dict[str, Any]) -> Any:
    settings = PlatformSettings(
        directory=ecosystem.directory, clock=ecosystem.clock, log_searches=False,
        persist_routing=False, **database,
    )  # fmt: skip
    return create_app(settings)


async def test_orientations_survive_a_restart(
    ecosystem: Ecosystem, database: dict[str, Any]
) -> None:
    p, place = accepting(ecosystem)
    first = await _platform(ecosystem, database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=first), base_url="https://sas.test"
    ) as c:
        made = await c.post("/api/v1/orientations", json=body(p, place, idempotency_key="r1"))
        assert made.status_code == 201
    await first.state.service.aclose()
    second = await _platform(ecosystem, database)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=second), base_url="https://sas.test"
        ) as c:
            listed = (await c.get("/api/v1/orientations")).json()
            assert [o["id"] for o in listed["orientations"]] == [made.json()["id"]]
            replay = await c.post("/api/v1/orientations", json=body(p, place, idempotency_key="r1"))
            assert replay.status_code == 200 and replay.json()["id"] == made.json()["id"]
            cancel = await c.post(f"/api/v1/orientations/{made.json()['id']}/cancel")
            assert cancel.json()["status"] == "cancelled"
    finally:
        await second.state.service.aclose()
