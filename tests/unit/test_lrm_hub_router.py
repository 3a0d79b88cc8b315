"""The fake Hub's routing rules and the RS-SAS-RDV checks (digest §5.1-5.4)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from _shared import require_shared

from mocks.hub.router import HubRouter, encode
from sasref.clock import PARIS
from sasref.lrm.messages import (
    SAS_CLIENT_ID,
    AppointmentMessage,
    Method,
    build_ack,
    build_report,
    format_hub_datetime,
)
from sasref.lrm.schema import appointment_issues, invalid_message_cause, message_type, schema_issues

NOW = datetime(2025, 10, 29, 15, 37, 15, tzinfo=PARIS)
SAMU = "fr.health.samu330"


def report(**changes: Any) -> dict[str, Any]:
    appt = AppointmentMessage(
        "2d2db05f-e2b0-4169-be8f-891806da2c74", Method.CREATE, format_hub_datetime(NOW),
        format_hub_datetime(NOW + timedelta(hours=1)), "booked",
    )  # fmt: skip
    doc = build_report(appt, sender_id=SAS_CLIENT_ID, recipient_id=SAMU, internal_id="x",
                       sent_at=NOW, expires_at=NOW + timedelta(days=1))  # fmt: skip
    doc["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["appointment"].update(
        changes
    )
    return doc


def router() -> HubRouter:
    return HubRouter([SAS_CLIENT_ID, SAMU], id_factory=lambda: "err")


def only(deliveries: list[Any]) -> tuple[str, dict[str, Any]]:
    assert len(deliveries) == 1
    return deliveries[0].queue, json.loads(deliveries[0].body)


def error_code(doc: dict[str, Any]) -> int:
    return int(doc["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["error"]
               ["errorCode"]["statusCode"])  # fmt: skip


def test_report_routed_to_recipient_message_queue() -> None:
    queue, doc = only(router().route(SAS_CLIENT_ID, encode(report()), NOW))
    assert queue == "fr.health.samu330.message" and doc == report()


def test_ack_routed_to_recipient_ack_queue() -> None:
    ack = build_ack("fr.health.ptfsas_x", sender_id=SAMU, recipient_id=SAS_CLIENT_ID,
                    internal_id="y", sent_at=NOW, expires_at=NOW + timedelta(days=1))  # fmt: skip
    queue, _ = only(router().route(SAMU, encode(ack), NOW))
    assert queue == "fr.health.ptfsas.ack"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"\xff\xfe", 102),
        (b"not json", 102),
        (encode({"distributionID": "x"}), 102),
        (encode(report(status="confirmed")), 300),
        (encode(report(start="2025-06-17T14:00:00.000+02:00")), 300),
        (encode(report(practitioner={"rppsId": "123", "lastName": "A", "firstName": "B"})), 300),
    ],
)
def test_errors_go_to_sender_info(body: bytes, code: int) -> None:
    queue, doc = only(router().route(SAS_CLIENT_ID, body, NOW))
    assert queue == "fr.health.ptfsas.info"
    assert error_code(doc) == code
    assert doc["senderID"] == "fr.health.hub" and doc["distributionID"] == "fr.health.hub_err"
    assert doc["descriptor"]["explicitAddress"]["explicitAddressValue"] == SAS_CLIENT_ID


def test_expired_is_400_and_unknown_recipient_is_500() -> None:
    _, doc = only(router().route(SAS_CLIENT_ID, encode(report()), NOW + timedelta(days=2)))
    assert error_code(doc) == 400
    unknown = report()
    unknown["descriptor"]["explicitAddress"]["explicitAddressValue"] = "fr.health.samu999"
    _, doc = only(router().route(SAS_CLIENT_ID, encode(unknown), NOW))
    assert error_code(doc) == 500
    err = doc["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["error"]
    assert err["referencedDistributionID"] == unknown["distributionID"]
    assert err["sourceMessage"] == unknown


def test_official_hub_error_cause_is_reproduced() -> None:
    path = require_shared("ig", "lrm-hub-messages", "envelope-hub-error.json")
    official = json.loads(path.read_text("utf-8"))
    error = official["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]["error"]
    source = error["sourceMessage"]
    assert message_type(source) == "appointment"
    assert invalid_message_cause(schema_issues(source)) == error["errorCause"]


def test_official_messages_pass_the_schema() -> None:
    folder = require_shared("ig", "lrm-hub-messages")
    for path in sorted(folder.glob("envelope-*.json")):
        doc = json.loads(path.read_text("utf-8"))
        assert schema_issues(doc) == [], path.name
    for path in sorted(folder.glob("payload-*.json")):
        assert appointment_issues(json.loads(path.read_text("utf-8"))["appointment"]) == []


def test_appointment_issues_list_each_problem() -> None:
    issues = appointment_issues({"appointmentId": 3, "method": "Delete", "status": "booked",
                                 "created": "2025-01-01", "start": "2025-01-01T10:00:00+01:00",
                                 "regulator": {"regulatorName": "X"}})  # fmt: skip
    assert "appointment.appointmentId: int found, string expected" in issues
    assert any(i.startswith("appointment.method: does not have a value") for i in issues)
    assert any(i.startswith("appointment.created: does not match") for i in issues)
    assert "appointment.regulator.regulatorEmail: is missing but it is required" in issues
