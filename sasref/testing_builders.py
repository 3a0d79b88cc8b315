"""Deterministic builders of SAS FHIR payloads for tests and benchmarks (pure, no I/O).

Also :func:`build_cpts_bundle`, :func:`build_sos_bundle`, :func:`build_appointment` and
:func:`build_regulator`: small valid instances of the other profiles (negative tests mutate them).

:func:`build_ps_bundle` builds an INT_R01 answer (IG digest §2.2): a ``searchset`` Bundle
BundleAgregateur with, per practitioner, one Practitioner, one PractitionerRole (Location
contained, referenced ``#id``), one Schedule (actor = Practitioner + PractitionerRole) and its
free Slots over the window. Identifiers have valid check keys; every resource carries its
``meta.profile``. The result validates without error in both modes of :mod:`sasref.profiles`.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Final

from sasref.clock import PARIS
from sasref.fhir.codes import (
    CATEGORY_CPTS,
    CONSULT_AMB,
    CONSULT_HH,
    CONSULT_VR,
    PARTICIPANT_TYPE_ADM,
    REASON_ROUTINE,
    REASON_WALKIN,
    SLOT_CPTS,
    SLOT_PRO,
    SLOT_PUBLIC,
    SLOT_SNP,
    TRE_R38_SPECIALITE,
)
from sasref.fhir.datetimes import format_instant
from sasref.fhir.identifiers import make_finess, make_rpps, make_siren, make_siret
from sasref.fhir.systems import (
    EXT_APPOINTMENT_OPERATOR,
    EXT_SLOT_SERVICE_TYPE_R5,
    FR_CORE_V2_0203,
    FR_LOCATION_IDENTIFIER_TYPE,
    FR_V2_0203,
    IDNPS_SYSTEM,
    IDNST_SYSTEM,
    SAS_SYSTEM,
    Profile,
)

BASE_URL: Final = "https://editeur.example/fhir"
DEFAULT_START: Final = datetime(2024, 6, 12, 8, 0, tzinfo=PARIS)
_FAMILIES: Final = ("MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS")
_GIVEN: Final = ("Camille", "Louis", "Léa", "Jules", "Chloé", "Hugo", "Manon", "Noé")
_SPECIALTIES: Final = ("SM54", "SM54", "SM41", "SM05")


def _slot(
    rng: random.Random, sid: str, schedule_id: str, start: datetime, minutes: int
) -> dict[str, Any]:
    security = [SLOT_PUBLIC.coding()] if rng.random() < 0.7 else [SLOT_PRO.coding()]
    if rng.random() < 0.3:
        security.append(SLOT_SNP.coding())
    consult = rng.choice((CONSULT_AMB, CONSULT_AMB, CONSULT_VR, CONSULT_HH))
    reason = REASON_ROUTINE if rng.random() < 0.9 else REASON_WALKIN
    slot: dict[str, Any] = {
        "resourceType": "Slot",
        "id": sid,
        "meta": {"profile": [Profile.SLOT_PS], "security": security},
        "serviceType": [
            {"coding": [{"system": consult.system, "code": consult.code}]},
            {"text": "Consultation"},
        ],
        "specialty": [
            {"coding": [{"system": TRE_R38_SPECIALITE, "code": rng.choice(_SPECIALTIES)}]}
        ],
        "appointmentType": {"coding": [{"system": reason.system, "code": reason.code}]},
        "schedule": {"reference": f"Schedule/{schedule_id}"},
        "status": "free",
        "start": format_instant(start),
        "end": format_instant(start + timedelta(minutes=minutes)),
    }
    if reason is REASON_ROUTINE:
        slot["comment"] = f"https://editeur.example/rdv/{schedule_id}"
    return slot


def _practitioner(
    rng: random.Random, n: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    rpps = make_rpps(f"{10000000000 + rng.randrange(10**9) * 10 + n:010d}"[-10:])
    finess = make_finess(f"{rng.randrange(1, 96):02d}{rng.randrange(10**6):06d}")
    pid, rid, sid = f"pr{n}", f"role{n}", f"sched{n}"
    practitioner = {
        "resourceType": "Practitioner",
        "id": pid,
        "meta": {"profile": [Profile.PRACTITIONER_PS]},
        "identifier": [
            {
                "type": {"coding": [{"system": FR_V2_0203, "code": "IDNPS"}]},
                "system": IDNPS_SYSTEM,
                "value": "8" + rpps,
            }
        ],
        "name": [{"family": rng.choice(_FAMILIES), "given": [rng.choice(_GIVEN)]}],
    }
    role = {
        "resourceType": "PractitionerRole",
        "id": rid,
        "meta": {"profile": [Profile.PRACTITIONER_ROLE_PS]},
        "contained": [
            {
                "resourceType": "Location",
                "id": f"loc{n}",
                "meta": {"profile": [Profile.LOCATION_PS]},
                "identifier": [
                    {
                        "type": {
                            "coding": [{"system": FR_LOCATION_IDENTIFIER_TYPE, "code": "INTRN"}]
                        },
                        "system": "https://editeur.example/lieux",
                        "value": f"L{n}",
                    }
                ],
                "address": {
                    "line": [f"{rng.randrange(1, 200)} rue de la Paix"],
                    "city": "AGEN",
                    "postalCode": "47000",
                },
            }
        ],
        "practitioner": {"reference": f"Practitioner/{pid}"},
        "organization": {
            "identifier": {
                "type": {"coding": [{"system": FR_V2_0203, "code": "IDNST"}]},
                "system": IDNST_SYSTEM,
                "value": "1" + finess,
            }
        },
        "location": [{"reference": f"#loc{n}"}],
        "telecom": [{"system": "phone", "value": f"+3356{rng.randrange(10**7):07d}"}],
    }
    schedule = {
        "resourceType": "Schedule",
        "id": sid,
        "meta": {"profile": [Profile.SCHEDULE_PS]},
        "actor": [{"reference": f"Practitioner/{pid}"}, {"reference": f"PractitionerRole/{rid}"}],
    }
    return practitioner, role, schedule


def build_ps_bundle(
    practitioners: int = 25,
    hours: int = 72,
    seed: int = 0,
    *,
    slots_per_practitioner: int = 6,
    start: datetime = DEFAULT_START,
) -> dict[str, Any]:
    """An INT_R01 searchset Bundle: ``practitioners`` × ``slots_per_practitioner`` free slots
    spread over ``hours`` from ``start`` (default 25 × 6 = 150 slots, 225 entries)."""
    rng = random.Random(seed)
    entries: list[dict[str, Any]] = []
    included: list[dict[str, Any]] = []
    window = max(1, hours * 60 // 20 - 1)  # 20-minute steps
    for n in range(practitioners):
        practitioner, role, schedule = _practitioner(rng, n)
        for k, step in enumerate(
            sorted(rng.sample(range(window), min(slots_per_practitioner, window)))
        ):
            slot = _slot(
                rng, f"slot{n}-{k}", schedule["id"], start + timedelta(minutes=20 * step), 20
            )
            entries.append(_entry(slot, "match"))
        included.extend(_entry(r, "include") for r in (schedule, practitioner, role))
    return {
        "resourceType": "Bundle",
        "meta": {"profile": [Profile.BUNDLE_PS]},
        "type": "searchset",
        "total": len(entries),
        "link": [
            {
                "relation": "self",
                "url": f"{BASE_URL}/Slot?_include=Slot:schedule&_include:iterate=Schedule:actor"
                f"&status=free&start=ge{format_instant(start)}"
                f"&start=le{format_instant(start + timedelta(hours=hours))}&_count=1000",
            }
        ],
        "entry": entries + included,
    }


def _entry(resource: dict[str, Any], mode: str) -> dict[str, Any]:
    return {
        "fullUrl": f"{BASE_URL}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


def _coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def build_cpts_bundle(seed: int = 0) -> dict[str, Any]:
    """An INT_R04 searchset: one CPTS slot → Schedule → Practitioner + PractitionerRole, and its
    serviceType 604 → HealthcareService → CPTS Organization (FINESS). Entry order: Slot,
    Schedule, Practitioner, PractitionerRole, HealthcareService, Organization."""
    rng = random.Random(seed)
    practitioner, role, schedule = _practitioner(rng, 0)
    slot = _slot(rng, "cpts-slot0", schedule["id"], DEFAULT_START, 20)
    slot["meta"] = {
        "profile": [Profile.SLOT_CPTS],
        "security": [SLOT_PUBLIC.coding(), SLOT_CPTS.coding()],
    }
    slot["appointmentType"] = _coded(REASON_ROUTINE.system, REASON_ROUTINE.code)
    slot["comment"] = "https://editeur.example/rdv/cpts"
    slot["serviceType"].insert(
        1,
        {
            "extension": [
                {
                    "url": EXT_SLOT_SERVICE_TYPE_R5,
                    "valueReference": {"reference": "HealthcareService/hcs0"},
                }
            ],
            **_coded(CATEGORY_CPTS.system, CATEGORY_CPTS.code),
        },
    )
    service = {
        "resourceType": "HealthcareService",
        "id": "hcs0",
        "meta": {"profile": [Profile.HEALTHCARE_SERVICE_CPTS]},
        "providedBy": {"reference": "Organization/cpts0"},
    }
    organization = {
        "resourceType": "Organization",
        "id": "cpts0",
        "meta": {"profile": [Profile.ORGANIZATION_CPTS]},
        "identifier": [
            {
                "type": _coded(FR_CORE_V2_0203, "IDNST"),
                "system": IDNST_SYSTEM,
                "value": "1" + make_finess(f"95{rng.randrange(10**6):06d}"),
            }
        ],
        "name": "CPTS EXEMPLE",
        "telecom": [{"system": "phone", "value": "+33102030405"}],
    }
    resources = [slot, schedule, practitioner, role, service, organization]
    return _searchset(Profile.BUNDLE_CPTS, resources, total=1, slot_url="Slot?status=free")


def build_sos_bundle(seed: int = 0) -> dict[str, Any]:
    """An SOS searchset: Slot → Schedule → Location (PFG, INTRN) → SOS Organization (SIRET).
    Entry order: Slot, Schedule, Location, Organization (Schedule = match)."""
    rng = random.Random(seed)
    slot = _slot(rng, "sos-slot0", "sos-sched0", DEFAULT_START, 20)
    slot["meta"] = {"profile": [Profile.SLOT_SOS], "security": [SLOT_PUBLIC.coding()]}
    slot["serviceType"] = [_coded(CONSULT_AMB.system, CONSULT_AMB.code)]
    slot["appointmentType"] = _coded(REASON_ROUTINE.system, REASON_ROUTINE.code)
    slot["comment"] = "https://editeur.example/pfg/creneau0"
    del slot["specialty"]
    schedule = {
        "resourceType": "Schedule",
        "id": "sos-sched0",
        "meta": {"profile": [Profile.SCHEDULE_SOS]},
        "actor": [{"reference": "Location/pfg0"}],
    }
    location = {
        "resourceType": "Location",
        "id": "pfg0",
        "meta": {"profile": [Profile.LOCATION_SOS]},
        "identifier": [
            {
                "type": _coded(FR_LOCATION_IDENTIFIER_TYPE, "INTRN"),
                "system": "https://editeur.example/pfg",
                "value": "pfg0",
            }
        ],
        "name": "Centre de consultation",
        "telecom": [{"system": "phone", "value": "+33299000000"}],
        "address": {"line": ["1 rue de Paris"], "city": "RENNES", "postalCode": "35000"},
        "managingOrganization": {"reference": "Organization/sos0"},
        "hoursOfOperation": [
            {"daysOfWeek": ["mon", "tue"], "openingTime": "08:00:00", "closingTime": "19:00:00"}
        ],
    }
    organization = {
        "resourceType": "Organization",
        "id": "sos0",
        "meta": {"profile": [Profile.ORGANIZATION_SOS]},
        "identifier": [
            {
                "type": _coded(FR_LOCATION_IDENTIFIER_TYPE, "IDNST"),
                "system": IDNST_SYSTEM,
                "value": "3" + make_siret(make_siren(f"{rng.randrange(10**8):08d}"), "0001"),
            }
        ],
        "name": "SOS Médecins Exemple",
    }
    bundle = _searchset(
        Profile.BUNDLE_SOS,
        [slot, schedule, location, organization],
        total=1,
        slot_url="Schedule?_revinclude=Slot:schedule",
    )
    for entry in bundle["entry"]:
        entry["search"]["mode"] = "match" if entry is bundle["entry"][1] else "include"
    return bundle


def _searchset(
    profile: str, resources: list[dict[str, Any]], *, total: int, slot_url: str
) -> dict[str, Any]:
    entries = [_entry(r, "include") for r in resources]
    entries[0]["search"]["mode"] = "match"
    return {
        "resourceType": "Bundle",
        "meta": {"profile": [profile]},
        "type": "searchset",
        "total": total,
        "link": [{"relation": "self", "url": f"{BASE_URL}/{slot_url}&_count=1000"}],
        "entry": entries,
    }


def _operator(technical: bool) -> dict[str, Any]:
    if technical:
        ident = {
            "type": _coded(FR_V2_0203, "INTRN"),
            "system": SAS_SYSTEM,
            "value": "1ef1c748-01a3-6180-b098-73283ce4e5b1",
        }
    else:
        ident = {
            "type": _coded(FR_V2_0203, "IDNPS"),
            "system": IDNPS_SYSTEM,
            "value": "8" + make_rpps("1000267389"),
        }
    return ident


def build_appointment(*, sos: bool = False, status: str = "booked") -> dict[str, Any]:
    """An INT_R03 Appointment (FrAppointmentSAS, or sas-sos-appointment with ``sos``)."""
    participant: dict[str, Any]
    if sos:
        participant = {
            "type": [_coded(PARTICIPANT_TYPE_ADM.system, "ADM")],
            "status": "needs-action",
        }
    else:
        participant = {"actor": {"identifier": _operator(False)}, "status": "accepted"}
    return {
        "resourceType": "Appointment",
        "id": "rdv1",
        "meta": {"profile": [Profile.APPOINTMENT_SOS if sos else Profile.APPOINTMENT]},
        "extension": [
            {"url": EXT_APPOINTMENT_OPERATOR, "valueReference": {"identifier": _operator(True)}}
        ],
        "identifier": [
            {
                "system": "urn:oid:1.1.111.1.11.1.1.1",
                "value": "b6e39355-8a61-4556-b340-36f7b95fec6a",
            }
        ],
        "status": status,
        "start": "2024-06-12T14:00:00.000+02:00",
        "end": "2024-06-12T14:15:00.000+02:00",
        "created": "2024-06-12T10:00:00.000+02:00",
        "participant": [participant],
    }


def build_regulator(*, technical: bool = False, active: bool = True) -> dict[str, Any]:
    """An INT_R02 regulator account (FrPractitionerRegul), by IDNPS or SAS technical id."""
    return {
        "resourceType": "Practitioner",
        "meta": {"source": SAS_SYSTEM, "profile": [Profile.PRACTITIONER_REGUL]},
        "identifier": [_operator(technical)],
        "active": active,
        "name": [{"family": "Loridon", "given": ["Sébastien"]}],
        "telecom": [{"system": "email", "value": "sebastien.loridon@test.example"}],
    }
