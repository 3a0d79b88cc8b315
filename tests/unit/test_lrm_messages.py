"""INT_L02 messages rebuilt from their data must equal the official ones (digest §5.2-5.4)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from _shared import require_shared

from sasref.clock import PARIS
from sasref.errors import InvalidInput
from sasref.lrm.messages import (
    PROFESSION_MEDECIN,
    PROFESSION_URL,
    SAS_CLIENT_ID,
    SAS_TEST_CLIENT_ID,
    SPECIALITY_URL,
    AppointmentMessage,
    DistributionKind,
    ErrorCode,
    InvalidMessage,
    Method,
    PractitionerInfo,
    RegulatorInfo,
    build_ack,
    build_error,
    build_report,
    format_hub_datetime,
    parse_envelope,
    samu_client_id,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "ig" / "lrm-hub-messages"
VOLATILE = {"distributionID", "messageId", "dateTimeSent", "dateTimeExpires", "sentAt"}


def official(name: str) -> dict[str, Any]:
    path = require_shared("ig", "lrm-hub-messages", name)
    doc: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return doc


def official_names() -> list[str]:
    return sorted(p.name for p in SHARED.glob("*.json")) if SHARED.is_dir() else []


def same_shape(ours: Any, theirs: Any, path: str = "$") -> list[str]:
    """Differences, ignoring the values of ids/timestamps we inject (keys must match)."""
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            return [f"{path}: object expected"]
        diffs = (
            [f"{path}: keys {sorted(ours)} != {sorted(theirs)}"] if set(ours) != set(theirs) else []
        )
        for key in theirs.keys() & ours.keys():
            if key in VOLATILE and isinstance(theirs[key], str):
                continue
            diffs += same_shape(ours[key], theirs[key], f"{path}.{key}")
        return diffs
    if isinstance(theirs, list):
        if not isinstance(ours, list) or len(ours) != len(theirs):
            return [f"{path}: list length differs"]
        return [d for i, (a, b) in enumerate(zip(ours, theirs, strict=True))
                for d in same_shape(a, b, f"{path}[{i}]")]  # fmt: skip
    return [] if ours == theirs else [f"{path}: {ours!r} != {theirs!r}"]


SENT = datetime(2025, 10, 28, 17, 5, 54, tzinfo=PARIS)
EXPIRES = datetime(2072, 9, 27, 8, 23, 34, tzinfo=PARIS)
MOREL = PractitionerInfo(
    "810005681340", "MOREL", "Didier", "SM54", SPECIALITY_URL, PROFESSION_URL, PROFESSION_MEDECIN
)
RICART = RegulatorInfo("RICART", "Pauline", "pauline.ricart@ghsas.fr", "3620100057/70326SR")


def appointment(method: Method, status: str, regulator: RegulatorInfo | None) -> AppointmentMessage:
    return AppointmentMessage(
        appointment_id="2d2db05f-e2b0-4169-be8f-891806da2c74",
        method=method,
        created=format_hub_datetime(datetime(2025, 6, 17, 10, 15, tzinfo=PARIS)),
        start=format_hub_datetime(datetime(2025, 6, 17, 14, 0, tzinfo=PARIS)),
        end=format_hub_datetime(datetime(2025, 6, 17, 14, 20, tzinfo=PARIS)),
        status=status,
        orientation_category="PS",
        practitioner=MOREL,
        regulator=regulator,
    )


@pytest.mark.parametrize(
    ("name", "method", "status"),
    [
        ("payload-create.json", Method.CREATE, "booked"),
        ("payload-update.json", Method.UPDATE, "fulfilled"),
        ("payload-cancel.json", Method.UPDATE, "cancelled"),
    ],
)
def test_payloads_rebuilt_exactly(name: str, method: Method, status: str) -> None:
    ours = {"appointment": appointment(method, status, RICART).to_json()}
    assert ours == official(name)


def report_to_samu33() -> dict[str, Any]:
    return build_report(
        appointment(Method.CREATE, "booked", None),
        sender_id=SAS_CLIENT_ID,
        recipient_id=samu_client_id("33"),
        internal_id="30c8e00d-68b2-4092-a4f2-a9cb19b416e9",
        sent_at=SENT,
        expires_at=EXPIRES,
    )


def test_report_envelope_rebuilt() -> None:
    theirs = official("envelope-sas-to-samu33.json")
    ours = report_to_samu33()
    assert same_shape(ours, theirs) == []
    # here even the injected values match, since we injected the example's
    assert ours == theirs


def test_final_ack_rebuilt() -> None:
    theirs = official("envelope-final-ack-samu33.json")
    ours = build_ack(
        "fr.health.ptfsas_30c8e00d-68b2-4092-a4f2-a9cb19b416e9",
        sender_id="fr.health.samu330",
        recipient_id=SAS_CLIENT_ID,
        internal_id="cf21c600-3bd2-49e6-8651-c97dac05d021",
        sent_at=datetime(2025, 10, 28, 17, 6, 30, tzinfo=PARIS),
        expires_at=EXPIRES,
    )
    assert ours == theirs


def test_lrm_409_error_rebuilt() -> None:
    theirs = official("envelope-lrm-error.json")
    source = theirs["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["error"][
        "sourceMessage"
    ]
    rebuilt_source = build_report(
        appointment(Method.UPDATE, "booked", None),
        sender_id=SAS_CLIENT_ID,
        recipient_id="fr.health.samu330",
        internal_id="44fce1e7-461e-4b15-91e2-b4168bed531e",
        sent_at=datetime(2025, 10, 28, 17, 29, 59, tzinfo=PARIS),
        expires_at=EXPIRES,
    )
    assert rebuilt_source == source
    error = theirs["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["error"]
    ours = build_error(
        ErrorCode.CONFLICT,
        error["errorCause"],
        rebuilt_source,
        sender_id="fr.health.samu330",
        recipient_id=SAS_CLIENT_ID,
        distribution="fr.health.hub_cb0f6f14-6b57-4fb5-a635-97705c8d31e8",
        sent_at=datetime(2025, 10, 28, 16, 29, 59, tzinfo=PARIS),
        expires_at=datetime(2025, 10, 29, 16, 29, 59, tzinfo=PARIS),
    )
    assert same_shape(ours, theirs) == []


def test_hub_300_error_rebuilt() -> None:
    theirs = official("envelope-hub-error.json")
    error = theirs["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["error"]
    ours = build_error(
        ErrorCode.INVALID_MESSAGE,
        error["errorCause"],
        error["sourceMessage"],
        sender_id="fr.health.hub",
        recipient_id=SAS_TEST_CLIENT_ID,
        distribution="fr.health.hub_29055e53-46e5-4a70-843c-335e7e058829",
        sent_at=SENT,
        expires_at=SENT + timedelta(days=1),
    )
    assert same_shape(ours, theirs) == []


@pytest.mark.parametrize("name", official_names() or ["(absent)"])
def test_every_official_file_parses(name: str) -> None:
    doc = official(name)
    if name.startswith("payload-"):
        parsed = AppointmentMessage.from_json(doc["appointment"])
        assert parsed.to_json() == doc["appointment"]
        return
    envelope = parse_envelope(doc)
    assert envelope.to_json() == doc
    if envelope.kind is DistributionKind.REPORT:
        assert envelope.appointment is not None
    elif envelope.kind is DistributionKind.ACK:
        assert envelope.reference == "fr.health.ptfsas_30c8e00d-68b2-4092-a4f2-a9cb19b416e9"
    else:
        error = envelope.error
        assert error is not None
        assert error.status_code in (300, 409)
        assert error.referenced_distribution_id == error.source_message["distributionID"]


def test_tolerant_reader() -> None:
    doc = report_to_samu33()
    doc["descriptor"]["explicitAddress"]["explicitAddressScheme"] = "Hubex"
    message = doc["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
    message["appointment"]["method"] = "createAppointment"
    message["appointment"]["practitioner"]["specialtyCode"] = message["appointment"][
        "practitioner"
    ].pop("specialityCode")
    envelope = parse_envelope(doc)
    parsed = envelope.appointment
    assert parsed is not None
    assert parsed.method is Method.CREATE
    assert parsed.practitioner is not None and parsed.practitioner.speciality_code == "SM54"
    # the writer always writes the examples' spelling back
    assert parsed.to_json()["method"] == "CreateAppointment"
    assert "specialityCode" in parsed.to_json()["practitioner"]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("distributionID"),
        lambda d: d["descriptor"]["explicitAddress"].update(explicitAddressScheme="smtp"),
        lambda d: d.update(content=[]),
        lambda d: d.update(distributionKind="Gossip"),
    ],
)
def test_malformed_envelopes_rejected(mutate: Any) -> None:
    doc = report_to_samu33()
    mutate(doc)
    with pytest.raises(InvalidMessage):
        parse_envelope(doc)


def test_method_parse_rejects_unknown() -> None:
    with pytest.raises(InvalidMessage):
        Method.parse("DeleteAppointment")


@pytest.mark.parametrize(
    ("department", "client"),
    [("33", "fr.health.samu330"), ("01", "fr.health.samu010"), ("2a", "fr.health.samu2A0"),
     ("971", "fr.health.samu971")],
)  # fmt: skip
def test_samu_client_id(department: str, client: str) -> None:
    assert samu_client_id(department) == client


@pytest.mark.parametrize("bad", ["", "3", "333", "ABC", "2C", "9710"])
def test_samu_client_id_rejects(bad: str) -> None:
    with pytest.raises(InvalidInput):
        samu_client_id(bad)


def test_hub_datetime_has_no_milliseconds() -> None:
    moment = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=PARIS)
    assert format_hub_datetime(moment) == "2025-01-02T03:04:05+01:00"
    with pytest.raises(InvalidInput):
        format_hub_datetime(datetime(2025, 1, 2))
