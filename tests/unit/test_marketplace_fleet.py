"""The mock marketplaces' pure parts: the fleet, the pool's answers, the form, the Appointment."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from mocks.editor_booking import Patient
from mocks.marketplace import (
    CareRequest,
    MarketplaceBehaviour,
    PatientAddress,
    RequestState,
    appointment_resource,
    make_marketplaces,
    plan_answers,
    read_care_request,
)
from mocks.marketplace.dispatch import MAX_CANDIDATES, deadline
from mocks.marketplace.model import visit_start
from mocks.marketplace.validation import validation_outcome
from sasref.appointments.core import orientation_category
from sasref.clock import PARIS
from sasref.directory import geo
from sasref.fhir.identifiers import is_rpps, is_siret, regulator_technical_identifier
from sasref.fhir.systems import Profile
from sasref.marketplace import CARE_TYPES, MarketplaceRegistry
from sasref.profiles import has_errors, validate

NOW = datetime(2026, 6, 16, 9, 0, tzinfo=PARIS)
FLEET = make_marketplaces(7, 6)
SOINS = FLEET[0]  # national, home nursing + kiné + sage-femme


def test_the_fleet_is_seeded_and_follows_the_slides_mix() -> None:
    assert make_marketplaces(7, 6) == FLEET
    assert make_marketplaces(8, 6) != FLEET
    assert [p.name for p in FLEET] == [f"pdm-0{i}" for i in range(1, 7)]
    assert [p.family for p in FLEET] == [
        "domicile", "infirmiers", "paramedical", "visites", "maternite", "kine",
    ]  # fmt: skip
    assert [p.national for p in FLEET] == [True, False, False, True, False, False]
    assert len({p.label for p in FLEET}) == 6
    for profile in FLEET[1:3] + FLEET[4:]:  # a region each
        assert len({geo.DEPARTMENTS[d].region for d in profile.departments}) == 1
    assert make_marketplaces(7, 0) == ()
    with pytest.raises(ValueError, match="0 to 40"):
        make_marketplaces(7, 41)


def test_every_professional_is_valid_and_can_take_the_platforms_care() -> None:
    fleet = make_marketplaces(3, 40)
    members = [m for p in fleet for m in p.pool]
    assert len({m.idnps for m in members}) == len(members)  # unique across the fleet
    for profile in fleet:
        assert is_siret(profile.siret[1:]) and profile.siret.startswith("3")
        professions = Counter(m.profession for m in profile.pool)
        wanted = {CARE_TYPES[c].profession for c in profile.care_types}
        assert set(professions) == wanted and min(professions.values()) >= 6
        for m in profile.pool:
            assert m.idnps.startswith("819") and is_rpps(m.idnps[1:])
            assert m.speciality == ("SM54" if m.profession == "10" else None)
    doctor = next(m for m in members if m.profession == "10")
    assert doctor.display.startswith("Dr ") and doctor.can_take("visite-medicale")
    assert not doctor.can_take("pansement")


def test_registry_entries_are_valid_for_the_sas() -> None:
    registry = MarketplaceRegistry(p.registry_entry(f"https://{p.name}.test") for p in FLEET)
    entry = registry.get("pdm-02")
    assert entry is not None and entry.request_url == "https://pdm-02.test/care-request"
    assert entry.departments == FLEET[1].departments and entry.care_types == FLEET[1].care_types
    assert entry.description.startswith("Infirmiers libéraux à domicile")


# --- the pool's answers --------------------------------------------------------------------
NURSES = [m for m in SOINS.pool if m.can_take("soins-infirmiers")]


def test_answers_are_seeded_sequential_and_end_with_the_taker() -> None:
    plans = [plan_answers(f"req-{i}", NOW, NURSES, MarketplaceBehaviour(no_taker_rate=0),
                          seed=7) for i in range(20)]  # fmt: skip
    assert plans[0] == plan_answers("req-0", NOW, NURSES, MarketplaceBehaviour(no_taker_rate=0),
                                    seed=7)  # fmt: skip
    for plan in plans:
        assert 1 <= len(plan) <= MAX_CANDIDATES
        assert [a.accepted for a in plan] == [False] * (len(plan) - 1) + [True]
        times = [a.at for a in plan]
        assert times == sorted(times)
        gaps = [b - a for a, b in zip([NOW, *times], times, strict=False)]
        assert all(timedelta(minutes=2) <= g <= timedelta(minutes=12) for g in gaps)
        assert len({a.practitioner for a in plan}) == len(plan)
    assert len({tuple(p) for p in plans}) > 10  # requests get different stories


def test_the_switches_change_the_answers() -> None:
    base = MarketplaceBehaviour(no_taker_rate=0)
    plain = plan_answers("r", NOW, NURSES, base, seed=1)
    assert plan_answers("r", NOW, NURSES, base.merged({"never_answers": True}), seed=1) == []
    refused = plan_answers("r", NOW, NURSES, base.merged({"no_taker_rate": 1}), seed=1)
    assert len(refused) == MAX_CANDIDATES and not any(a.accepted for a in refused)
    twice = plan_answers("r", NOW, NURSES, base.merged({"answers_twice": True}), seed=1)
    assert twice[:-1] == plain and twice[-1].practitioner == plain[-1].practitioner
    assert twice[-1].accepted and twice[-1].at > plain[-1].at
    slow = plan_answers("r", NOW, NURSES, base.merged({"slow_minutes": 30}), seed=1)
    assert slow[0].at - plain[0].at == timedelta(minutes=30)
    fast = plan_answers("r", NOW, NURSES, base, seed=1, time_scale=1 / 60)
    assert fast[-1].at - NOW < timedelta(seconds=(plain[-1].at - NOW).total_seconds() / 50)
    assert plan_answers("r", NOW, [], base, seed=1) == []
    with pytest.raises(ValueError):
        base.merged({"no_taker_rate": 2})
    with pytest.raises(ValueError):
        base.merged({"sometimes": True})


def test_the_deadline_keeps_the_visit_inside_the_window() -> None:
    half = timedelta(minutes=30)
    assert deadline(NOW, NOW + timedelta(days=1), half, timedelta(hours=1)) == NOW + timedelta(
        hours=1
    )
    assert deadline(NOW, NOW + timedelta(minutes=50), half, timedelta(hours=1)) == NOW + (
        timedelta(minutes=20)
    )
    assert deadline(NOW, NOW + half, half, timedelta(hours=1)) == NOW + timedelta(minutes=1)


# --- the form ---------------------------------------------------------------------------------
GOOD = {
    "family": "Martin", "given": "Léa", "birth_date": "1984-02-03", "phone": "06 12 34 56 78",
    "care_type": "pansement", "details": "", "line": "12 rue Sainte-Catherine",
    "postcode": "33000", "city": "Bordeaux", "window_start": "2026-06-16T09:00",
    "window_end": "2026-06-16T18:00",
}  # fmt: skip


def read(**changes: str) -> tuple[object, dict[str, str]]:
    return read_care_request({**GOOD, **changes}, now=NOW, profile=FLEET[0])


def test_a_good_form_gives_a_draft() -> None:
    draft, errors = read()
    assert errors == {}
    assert draft is not None
    assert draft.address == PatientAddress("12 rue Sainte-Catherine", "33000", "Bordeaux",
                                           "33063", "33")  # fmt: skip
    assert draft.window_start == NOW and draft.window_end == NOW + timedelta(hours=9)
    # accents and case of the commune do not matter; the canonical name is kept
    draft, _ = read(postcode="42000", city="saint etienne")
    assert draft is not None and draft.address.city == "Saint-Étienne"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"family": "", "phone": ""}, "family", "Indiquez le nom"),
        ({"care_type": ""}, "care_type", "Choisissez"),
        ({"care_type": "visite-medicale"}, "care_type", "ne propose pas"),
        ({"details": "x" * 501}, "details", "500"),
        ({"line": ""}, "line", "Indiquez l'adresse"),
        ({"postcode": "3300"}, "postcode", "5 chiffres"),
        ({"postcode": "99999"}, "postcode", "inconnu"),
        ({"postcode": "33000", "city": "Lyon"}, "city", "n'a pas le code postal 33000"),
        ({"window_start": "demain"}, "window_start", "Indiquez le début"),
        ({"window_start": "2026-06-15T08:00", "window_end": "2026-06-15T20:00"}, "window_end",
         "déjà passée"),
        ({"window_start": "2026-06-16T08:00"}, "window_start", "début de la fenêtre est passé"),
        ({"window_end": "2026-06-16T08:59"}, "window_end", "déjà passée"),
        ({"window_start": "2026-06-16T12:00", "window_end": "2026-06-16T11:00"}, "window_end",
         "suivre son début"),
        ({"window_start": "2026-07-16T12:00", "window_end": "2026-07-16T13:00"}, "window_start",
         "14 jours"),
        ({"window_end": "2026-06-16T09:20"}, "window_end", "trop courte"),
    ],
)  # fmt: skip
def test_bad_fields_get_a_french_error_each(changes: dict[str, str], field: str, words: str
                                            ) -> None:  # fmt: skip
    draft, errors = read(**changes)
    assert draft is None
    assert words in errors[field], errors


def test_outside_the_territory_is_refused() -> None:
    regional = FLEET[1]
    outside = next(c for c in geo.COMMUNES.values() if c.department not in regional.departments)
    draft, errors = read_care_request(
        {**GOOD, "care_type": "soins-infirmiers", "postcode": outside.postcode,
         "city": outside.name}, now=NOW, profile=regional,
    )  # fmt: skip
    assert draft is None and "hors du territoire" in errors["city"]


def test_the_errors_as_an_operation_outcome() -> None:
    form = {**GOOD, "family": "", "postcode": "99999"}
    _, errors = read_care_request(form, now=NOW, profile=FLEET[0])
    outcome = validation_outcome(errors, form)
    assert [(i["expression"], i["code"]) for i in outcome["issue"]] == [
        (["family"], "required"), (["postcode"], "invalid"),
    ]  # fmt: skip


# --- the Appointment ----------------------------------------------------------------------------
def request(state: RequestState = RequestState.DISPATCHING) -> CareRequest:
    r = CareRequest(
        id="b6e39355-8a61-4556-b340-36f7b95fec6a",
        identifier_system="https://pdm-01.test/demande-de-prise-en-charge",
        created=NOW,
        patient=Patient("Martin", "Léa", date(1984, 2, 3), "0612345678"),
        address=PatientAddress("12 rue X", "33000", "Bordeaux", "33063", "33"),
        care_type="pansement",
        details="",
        window_start=NOW + timedelta(hours=1),
        window_end=NOW + timedelta(hours=8),
        operator=regulator_technical_identifier("5a3c9d1e-0b7f-4e2a-9c61-7d0e5f4b2a10"),
        requested_by="Margot Fernandes",
        requested_by_sub="s",
        deadline=NOW + timedelta(hours=1),
        state=state,
    )
    if state is not RequestState.DISPATCHING:
        r.practitioner = NURSES[0]
        r.visit_start = visit_start(r, NOW + timedelta(minutes=7))
        r.visit_end = r.visit_start + timedelta(minutes=30)
    return r


def test_a_dispatching_request_is_a_pending_pdm_appointment_without_actor() -> None:
    resource = appointment_resource(request())
    assert not has_errors(validate(resource, mode="strict"))
    assert resource["meta"]["profile"] == [Profile.APPOINTMENT]
    assert orientation_category(resource) == "PDM"
    assert resource["status"] == "pending"
    (participant,) = resource["participant"]
    assert participant["status"] == "needs-action" and "actor" not in participant
    assert participant["type"][0]["coding"][0]["code"] == "ADM"
    assert (resource["start"], resource["end"]) == ("2026-06-16T10:00:00.000+02:00",
                                                    "2026-06-16T17:00:00.000+02:00")  # fmt: skip
    assert resource["requestedPeriod"] == [{"start": resource["start"], "end": resource["end"]}]
    assert "cancelationReason" not in resource


def test_an_accepted_request_names_the_professional_and_the_visit() -> None:
    resource = appointment_resource(request(RequestState.ACCEPTED))
    assert not has_errors(validate(resource, mode="strict"))
    assert resource["status"] == "booked"
    (participant,) = resource["participant"]
    assert participant["status"] == "accepted"
    assert participant["actor"]["identifier"]["value"] == NURSES[0].idnps
    # accepted at 09:07: visit at the window's start (10:00), 30 minutes
    assert (resource["start"], resource["end"]) == ("2026-06-16T10:00:00.000+02:00",
                                                    "2026-06-16T10:30:00.000+02:00")  # fmt: skip
    assert resource["requestedPeriod"][0]["end"] == "2026-06-16T17:00:00.000+02:00"


@pytest.mark.parametrize("state", [RequestState.REFUSED, RequestState.EXPIRED,
                                   RequestState.CANCELLED])  # fmt: skip
def test_a_closed_request_is_cancelled_with_its_reason(state: RequestState) -> None:
    resource = appointment_resource(request(state))
    assert not has_errors(validate(resource, mode="strict"))
    assert resource["status"] == "cancelled"
    assert resource["cancelationReason"]["text"]


def test_the_visit_is_on_a_quarter_hour_inside_the_window() -> None:
    r = request()
    r.window_start = NOW
    assert visit_start(r, NOW + timedelta(minutes=7)) == NOW + timedelta(minutes=45)
    assert visit_start(r, NOW + timedelta(minutes=15)) == NOW + timedelta(minutes=45)
    assert visit_start(r, NOW + timedelta(minutes=16)) == NOW + timedelta(hours=1)
    r.window_end = NOW + timedelta(minutes=50)  # too late for +30 min: the window's last slot
    assert visit_start(r, NOW + timedelta(minutes=15)) == NOW + timedelta(minutes=20)
