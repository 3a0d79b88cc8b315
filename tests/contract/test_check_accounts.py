"""INT_R02 in ``sasref check``: only with ``accounts=True`` (``--accounts``) does the kit write;
the mock editor passes every account check and is left with deactivated test accounts only;
a server that says yes to everything fails them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from starlette.responses import JSONResponse

from mocks.editor.sample import RPPS_A, SIRET_SOS, sample_shard
from mocks.testing import MockNetwork
from sasref.clock import PARIS, FixedClock
from sasref.conformance import CHECKS, CheckConfig, Verdict, run_checks
from sasref.fhir.systems import IDNPS_SYSTEM, SAS_SYSTEM

NOW = datetime(2024, 6, 12, 8, tzinfo=PARIS)
BASE = "https://editeur-01.test/fhir"
ACCOUNT_CHECKS = [c for c in CHECKS if c.startswith("accounts.")]


@pytest.fixture
async def net() -> AsyncIterator[MockNetwork]:
    clock = FixedClock(NOW)
    async with MockNetwork.from_shards([sample_shard(clock)], clock=clock, seed=5) as network:
        yield network


def _config(**extra: object) -> CheckConfig:
    values: dict[str, object] = {
        "rpps": (RPPS_A,),
        "siret": (SIRET_SOS,),
        "clock": FixedClock(NOW),
        "time_limit": 60.0,
        "seed": 9,
    }
    values.update(extra)  # fmt: skip
    return CheckConfig(BASE, **values)  # type: ignore[arg-type]


async def test_no_write_without_accounts(net: MockNetwork) -> None:
    methods: list[str] = []

    async def record(request: httpx.Request) -> None:
        methods.append(request.method)

    net.client.event_hooks["request"].append(record)
    for use_cases in ((), ("accounts",)):
        report = await run_checks(net.client, _config(use_cases=use_cases))
        for check_id in ACCOUNT_CHECKS:
            result = report.result(check_id)
            assert result.verdict is Verdict.SKIP and "--accounts" in result.message
    assert methods and set(methods) == {"GET"}
    assert len(net.editor("editeur-01").state.accounts) == 0


async def test_the_mock_editor_passes_int_r02_and_keeps_inactive_accounts(
    net: MockNetwork,
) -> None:
    report = await run_checks(net.client, _config(use_cases=("accounts",), accounts=True))
    assert report.ok, [(r.id, r.message) for r in report.failures]
    verdicts = {r.id: r.verdict for r in report.results if r.id.startswith("accounts.")}
    assert verdicts == dict.fromkeys(ACCOUNT_CHECKS, Verdict.PASS)
    store = net.editor("editeur-01").state.accounts
    accounts = store.all()
    assert len(accounts) == 2 and all(a["active"] is False for a in accounts)
    systems = {i["system"] for a in accounts for i in a["identifier"]}
    assert systems == {IDNPS_SYSTEM, SAS_SYSTEM}  # the identifier change, and the upsert
    evidence = report.result("accounts.create").evidence[0]
    assert evidence.request.startswith("POST ") and evidence.status == 201
    assert evidence.request_body and "FrPractitionerRegul" in evidence.request_body


async def test_a_server_saying_yes_to_everything_fails_int_r02() -> None:
    app = FastAPI()

    async def metadata() -> JSONResponse:
        return JSONResponse({
            "resourceType": "CapabilityStatement", "fhirVersion": "4.0.1", "kind": "instance",
            "format": ["json"], "instantiates": [
                "https://interop.esante.gouv.fr/ig/fhir/sas/CapabilityStatement/"
                "SAS-GestionnaireStructure"],
            "rest": [{"mode": "server", "resource": [{"type": "Practitioner", "interaction": [
                {"code": "create"}, {"code": "update"}]}]}],
        })  # fmt: skip

    async def anything() -> JSONResponse:
        return JSONResponse({"resourceType": "Practitioner"}, media_type="application/fhir+json")

    app.add_api_route("/fhir/metadata", metadata, methods=["GET"])
    app.add_api_route("/fhir/Practitioner", anything, methods=["POST", "PUT"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as client:
        config = CheckConfig("https://yes.test/fhir", use_cases=("accounts",), accounts=True,
                             clock=FixedClock(NOW), seed=1)  # fmt: skip
        report = await run_checks(client, config)
    verdicts = {c: report.result(c).verdict for c in ACCOUNT_CHECKS}
    assert verdicts["accounts.create"] is Verdict.FAIL
    assert "201 expected" in report.result("accounts.create").message
    assert verdicts["accounts.duplicate"] is Verdict.SKIP  # nothing was created
    assert verdicts["accounts.upsert"] is Verdict.FAIL
    assert verdicts["accounts.conditional-update"] is Verdict.FAIL  # no Location header
    invalid = report.result("accounts.invalid-bodies")
    assert invalid.verdict is Verdict.FAIL and "a body that is not JSON: 200" in invalid.message
    assert report.exit_code == 1
