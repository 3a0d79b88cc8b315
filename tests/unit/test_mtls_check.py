"""The CN/OU check of the mTLS flows (digest §11, :mod:`sasref.auth.mtls`) without sockets: the
ASGI TLS extension given by hand; and the editor's outbox holding a push the SAS refuses with a
403 (a certificate problem, not the appointment's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from mocks.editor_booking import AppointmentOutbox, PushState
from mocks.pki import SAS_CLIENT, FakePki, editor_client_name
from sasref.auth.mtls import (
    CertificateNames,
    ClientCertificateCheck,
    ClientName,
    RegisteredClients,
    certificate_names,
)
from sasref.clock import PARIS, FixedClock


@pytest.fixture(scope="module")
def pems() -> dict[str, str]:
    pki = FakePki()
    names = {
        "sas": SAS_CLIENT,
        "editeur-01": editor_client_name("editeur-01"),
        "stranger": editor_client_name("editeur-99"),
        "wrong-ou": ClientName("editeur-01", "AUTRE"),
    }
    return {key: pki.client(key, name).cert_pem().decode("ascii") for key, name in names.items()}


async def ok_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def call(app: ClientCertificateCheck, path: str, pem: str | None) -> tuple[int, bytes]:
    scope: dict[str, Any] = {"type": "http", "path": path, "method": "POST", "headers": []}
    if pem is not None:
        scope["extensions"] = {"tls": {"client_cert_chain": [pem]}}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    await app(scope, receive, send)
    return int(sent[0]["status"]), bytes(sent[1]["body"])


def test_certificate_names_reads_the_cn_and_every_ou(pems: dict[str, str]) -> None:
    assert certificate_names(pems["editeur-01"]) == CertificateNames("editeur-01", ("EDITEUR",))
    assert str(certificate_names(pems["sas"])) == "CN=sas.sante.fr, OU=SAS"


async def test_registered_clients_follow_the_registry(pems: dict[str, str]) -> None:
    registry = {"editeur-01"}
    policy = RegisteredClients(lambda: registry, ou="EDITEUR", label="<a registered editor>")
    app = ClientCertificateCheck(ok_app, expected=policy, path_prefix="/fhir")
    assert await call(app, "/fhir/Appointment", pems["editeur-01"]) == (200, b"ok")
    for refused in ("stranger", "wrong-ou", "sas"):
        status, body = await call(app, "/fhir/Appointment", pems[refused])
        assert status == 403 and b'"code":"security"' in body, refused
        assert b"expected CN=<a registered editor>, OU=EDITEUR" in body
    status, body = await call(app, "/fhir/Appointment", None)
    assert status == 403 and b"a client certificate is required" in body
    # outside the prefix: untouched; a newly registered editor is allowed at once
    assert await call(app, "/recherche", None) == (200, b"ok")
    registry.add("editeur-99")
    assert await call(app, "/fhir/Appointment", pems["stranger"]) == (200, b"ok")


async def test_one_expected_name(pems: dict[str, str]) -> None:
    app = ClientCertificateCheck(ok_app, expected=SAS_CLIENT, path_prefix="/fhir")
    assert (await call(app, "/fhir/metadata", pems["sas"]))[0] == 200
    status, body = await call(app, "/fhir", pems["editeur-01"])
    assert status == 403 and b"CN=editeur-01, OU=EDITEUR is not allowed" in body
    assert (await call(app, "/fhir/metadata", "not a certificate"))[0] == 403


async def test_a_403_keeps_the_push_at_the_head_of_the_outbox() -> None:
    clock = FixedClock(datetime(2026, 6, 16, 9, 0, tzinfo=PARIS))
    allowed = False

    def handler(request: httpx.Request) -> httpx.Response:
        if not allowed:
            outcome = {"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "security", "diagnostics": "CN=x is not allowed"}
            ]}  # fmt: skip
            return httpx.Response(403, json=outcome)
        return httpx.Response(201, headers={"Location": "https://sas.test/fhir/Appointment/1"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        outbox = AppointmentOutbox(http, "https://sas.test/fhir", clock)
        first = outbox.enqueue("POST", ("urn:x", "1"), {"resourceType": "Appointment"})
        second = outbox.enqueue("PUT", ("urn:x", "1"), {"resourceType": "Appointment"})
        assert await outbox.flush() == 0
        assert (first.state, second.state) == (PushState.PENDING, PushState.PENDING)
        assert first.last_error == "HTTP 403: CN=x is not allowed"
        assert second.attempts == 0  # the later change waits behind it
        allowed = True  # the editor's certificate is fixed
        clock.set(first.next_attempt)
        assert await outbox.flush() == 2
        assert outbox.summary() == {"pending": 0, "delivered": 2, "rejected": 0}
