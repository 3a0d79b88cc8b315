"""INT_R02 client (digest §3): lazy create/update at login, immediate deactivation, technical →
national identifier change, bounded retries, per-editor state — against ``httpx.MockTransport``
editors and against the mock editor app (``mocks.editor``) in-process."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from sasref.fhir.systems import IDNPS_SYSTEM, SAS_SYSTEM
from sasref.regulators import (
    EditorTarget,
    RegulatorAccount,
    RegulatorSync,
    SyncStatus,
    practitioner_regul_body,
)

TECH = "b6e39355-8a61-4556-b340-36f7b95fec6a"
NATIONAL = "810002673899"


def account(**overrides: Any) -> RegulatorAccount:
    values: dict[str, Any] = {
        "technical_id": TECH, "family": "RICART", "given": "Pauline",
        "email": "pauline.ricart@ghsas.fr",
    }  # fmt: skip
    values.update(overrides)
    return RegulatorAccount(**values)


class FakeEditor:
    """A scripted INT_R02 server recording every request."""

    def __init__(self, script: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.script = script

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script is not None:
            return self.script(request)
        status = 201 if request.method == "POST" else 200
        return httpx.Response(status, headers={"Location": "https://ed.test/fhir/Practitioner/1"},
                              json=json.loads(request.content))  # fmt: skip


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def client(editors: dict[str, FakeEditor]) -> httpx.AsyncClient:
    def route(request: httpx.Request) -> httpx.Response:
        return editors[request.url.host](request)

    return httpx.AsyncClient(transport=httpx.MockTransport(route))


def sync_for(editors: dict[str, FakeEditor], sleep: Sleeps | None = None) -> RegulatorSync:
    targets = [EditorTarget(host, f"https://{host}/fhir") for host in editors]
    return RegulatorSync(client(editors), targets, sleep=sleep or Sleeps(), max_attempts=3)


def test_body_follows_fr_practitioner_regul() -> None:
    body = practitioner_regul_body(account())
    assert body["meta"]["source"] == "urn:oid:1.2.250.1.213.3.6"
    assert body["identifier"] == [
        {"type": {"coding": [{"system": "http://interopsante.org/fhir/CodeSystem/fr-v2-0203",
                              "code": "INTRN"}]},
         "system": SAS_SYSTEM, "value": TECH},
    ]  # fmt: skip
    assert body["active"] is True
    assert body["name"] == [{"family": "RICART", "given": ["Pauline"]}]
    assert body["telecom"] == [{"system": "email", "value": "pauline.ricart@ghsas.fr"}]
    national = practitioner_regul_body(account(national_id=NATIONAL, active=False))
    assert [i["system"] for i in national["identifier"]] == [IDNPS_SYSTEM]
    assert national["identifier"][0]["type"]["coding"][0]["code"] == "IDNPS"
    assert national["active"] is False


def test_body_is_valid_fr_practitioner_regul() -> None:
    from sasref.profiles import has_errors, validate

    for acc in (account(), account(national_id=NATIONAL, active=False)):
        assert not has_errors(validate(practitioner_regul_body(acc), mode="strict"))


async def test_lazy_create_then_update_with_old_identifier_then_deactivate() -> None:
    a, b = FakeEditor(), FakeEditor()
    sync = sync_for({"a.test": a, "b.test": b})
    acc = account()
    assert {n: s.status for n, s in sync.state(acc).items()} == {
        "a.test": SyncStatus.PENDING, "b.test": SyncStatus.PENDING,
    }  # fmt: skip
    assert a.requests == []  # nothing is sent before the regulator logs in

    await sync.on_login(acc)
    assert [r.method for r in a.requests] == ["POST"]
    assert str(a.requests[0].url) == "https://a.test/fhir/Practitioner"
    assert a.requests[0].headers["content-type"] == "application/fhir+json"
    assert all(s.status is SyncStatus.SYNCED for s in sync.state(acc).values())

    await sync.on_login(acc)  # nothing pending: nothing sent
    assert len(a.requests) == 1

    sync.link_national_id(acc, NATIONAL)
    assert sync.pending(acc) == ["a.test", "b.test"]
    await sync.on_login(acc)
    put = a.requests[-1]
    assert put.method == "PUT"
    # the OLD (technical) identifier in the query, the NEW (national) one in the body
    assert put.url.params["identifier"] == f"{SAS_SYSTEM}|{TECH}"
    assert json.loads(put.content)["identifier"][0]["value"] == NATIONAL

    await sync.deactivate(acc)  # immediate, no login needed
    last = a.requests[-1]
    assert last.method == "PUT" and last.url.params["identifier"] == f"{IDNPS_SYSTEM}|{NATIONAL}"
    assert json.loads(last.content)["active"] is False
    assert len(b.requests) == 3


async def test_retries_with_backoff_then_succeeds() -> None:
    answers = iter([503, 503, 201])
    editor = FakeEditor(
        lambda r: httpx.Response(next(answers), json={"resourceType": "Practitioner"})
    )
    sleeps = Sleeps()
    sync = sync_for({"a.test": editor}, sleeps)
    state = (await sync.on_login(account()))["a.test"]
    assert state.status is SyncStatus.SYNCED and state.attempts == 3
    assert sleeps.delays == [0.5, 1.0]


async def test_retries_are_bounded_and_state_is_visible() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    sleeps = Sleeps()
    sync = sync_for({"a.test": FakeEditor(refuse), "b.test": FakeEditor()}, sleeps)
    states = await sync.on_login(account())
    assert states["a.test"].status is SyncStatus.FAILED
    assert states["a.test"].attempts == 3 and "connection refused" in (
        states["a.test"].last_error or ""
    )
    assert states["b.test"].status is SyncStatus.SYNCED  # one editor's failure spoils nothing
    assert sleeps.delays == [0.5, 1.0]
    assert states["a.test"].to_json()["status"] == "failed"


async def test_422_is_not_retried() -> None:
    issue = {"severity": "error", "code": "business-rule", "diagnostics": "no"}
    outcome = {"resourceType": "OperationOutcome", "issue": [issue]}
    sleeps = Sleeps()
    sync = sync_for({"a.test": FakeEditor(lambda r: httpx.Response(422, json=outcome))}, sleeps)
    state = (await sync.on_login(account()))["a.test"]
    assert state.status is SyncStatus.FAILED and state.last_error == "HTTP 422: no"
    assert sleeps.delays == []


async def test_deactivating_an_account_never_pushed_sends_nothing() -> None:
    editor = FakeEditor()
    sync = sync_for({"a.test": editor})
    state = (await sync.deactivate(account()))["a.test"]
    assert editor.requests == [] and state.status is SyncStatus.SYNCED


async def test_against_the_mock_editor() -> None:
    editor_app = pytest.importorskip("mocks.editor")
    settings = editor_app.EditorSettings(name="ed", base_url="https://ed.test/fhir")
    app = editor_app.create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        sync = RegulatorSync(http, [EditorTarget("ed", "https://ed.test/fhir")], sleep=Sleeps())
        acc = account()
        assert (await sync.on_login(acc))["ed"].status is SyncStatus.SYNCED
        sync.link_national_id(acc, NATIONAL)
        state = (await sync.on_login(acc))["ed"]
        assert state.status is SyncStatus.SYNCED, state.last_error
        await sync.deactivate(acc)
        found = await http.get(
            "https://ed.test/fhir/Practitioner", params={"identifier": f"{IDNPS_SYSTEM}|{NATIONAL}"}
        )
        entries = found.json().get("entry", [])
        assert len(entries) == 1
        resource = entries[0]["resource"]
        assert resource["active"] is False
        old = await http.get(
            "https://ed.test/fhir/Practitioner", params={"identifier": f"{SAS_SYSTEM}|{TECH}"}
        )
        assert old.json().get("entry", []) == []  # the identifier was replaced, not added
