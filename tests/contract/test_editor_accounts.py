"""Mock editor, INT_R02 regulator accounts (digest §3): create, upsert, id change, deactivation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from mocks.editor.sample import sample_shard
from mocks.testing import MockNetwork
from sasref.clock import PARIS, FixedClock
from sasref.fhir.systems import Profile

NOW = datetime(2024, 6, 12, 8, tzinfo=PARIS)
BASE = "https://editeur-01.test/fhir"
IDNPS = "urn:oid:1.2.250.1.71.4.2.1"
SAS = "urn:oid:1.2.250.1.213.3.6"
UUID = "1ef1c748-01a3-6180-b098-73283ce4e5b1"
EXAMPLES = Path(__file__).parents[2] / ".." / "shared" / "ig" / "ans.fhir.fr.sas-1.2.0" / "example"
FR_V2_0203 = "http://interopsante.org/fhir/CodeSystem/fr-v2-0203"

Json = dict[str, Any]


def regulator(
    *, national: str | None = None, technical: str | None = None, active: bool = True
) -> Json:
    identifiers = []
    if national:
        identifiers.append(
            {
                "type": {"coding": [{"system": FR_V2_0203, "code": "IDNPS"}]},
                "system": IDNPS,
                "value": national,
            }
        )
    if technical:
        identifiers.append(
            {
                "type": {"coding": [{"system": FR_V2_0203, "code": "INTRN"}]},
                "system": SAS,
                "value": technical,
            }
        )
    return {
        "resourceType": "Practitioner",
        "meta": {"source": SAS, "profile": [Profile.PRACTITIONER_REGUL]},
        "identifier": identifiers,
        "active": active,
        "name": [{"family": "Loridon", "given": ["Sébastien"]}],
        "telecom": [{"system": "email", "value": "sebastien.loridon@test.com"}],
    }


@pytest.fixture
async def net() -> AsyncIterator[MockNetwork]:
    clock = FixedClock(NOW)
    async with MockNetwork.from_shards([sample_shard(clock)], clock=clock) as network:
        yield network


def _outcome(response: httpx.Response, status: int, *words: str) -> Json:
    assert response.status_code == status, response.text
    body: Json = response.json()
    assert body["resourceType"] == "OperationOutcome"
    text = json.dumps(body, ensure_ascii=False)
    for word in words:
        assert word in text
    return body


async def _find(net: MockNetwork, system: str, value: str) -> list[Json]:
    response = await net.client.get(
        f"{BASE}/Practitioner", params={"identifier": f"{system}|{value}"}
    )
    assert response.status_code == 200
    return [e["resource"] for e in response.json().get("entry", [])]


async def test_create_then_duplicate(net: MockNetwork) -> None:
    response = await net.client.post(
        f"{BASE}/Practitioner", json=regulator(national="3456780581/11242343")
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"{BASE}/Practitioner/{created['id']}"
    assert response.headers["content-type"].startswith("application/fhir+json")
    again = await net.client.post(
        f"{BASE}/Practitioner", json=regulator(national="3456780581/11242343")
    )
    _outcome(again, 409, "already held")
    read = await net.client.get(response.headers["location"])
    assert read.json()["identifier"] == created["identifier"]


async def test_conditional_put_upserts_changes_identifier_and_deactivates(net: MockNetwork) -> None:
    # unknown technical id: behaves as a create
    first = await net.client.put(
        f"{BASE}/Practitioner",
        params={"identifier": f"{SAS}|{UUID}"},
        json=regulator(technical=UUID),
    )
    assert first.status_code == 201, first.text
    account_id = first.json()["id"]
    # national id linked: query carries the old id, the body the new one
    second = await net.client.put(
        f"{BASE}/Practitioner",
        params={"identifier": f"{SAS}|{UUID}"},
        json=regulator(national="810002673899"),
    )
    assert second.status_code == 200, second.text
    assert second.headers["location"] == f"{BASE}/Practitioner/{account_id}"
    assert await _find(net, SAS, UUID) == []
    (found,) = await _find(net, IDNPS, "810002673899")
    assert found["id"] == account_id and found["meta"]["versionId"] == "2"
    # deactivation, found by the new national id (unprefixed in the query: still matches)
    third = await net.client.put(
        f"{BASE}/Practitioner?identifier={IDNPS}%7C10002673899",
        json=regulator(national="810002673899", active=False),
    )
    assert third.status_code == 200, third.text
    (found,) = await _find(net, IDNPS, "810002673899")
    assert found["active"] is False


async def test_put_that_would_steal_an_identifier_is_409(net: MockNetwork) -> None:
    await net.client.post(f"{BASE}/Practitioner", json=regulator(national="810002673899"))
    await net.client.post(f"{BASE}/Practitioner", json=regulator(technical=UUID))
    response = await net.client.put(
        f"{BASE}/Practitioner",
        params={"identifier": f"{SAS}|{UUID}"},
        json=regulator(national="810002673899"),
    )
    _outcome(response, 409)


@pytest.mark.parametrize(
    ("content", "headers", "status", "words"),
    [
        (b"not json at all", {}, 400, ["not JSON"]),
        (b'{"hello": "world"}', {}, 400, ["not a FHIR resource"]),
        (b'{"resourceType": "Patient"}', {}, 400, ["expected a Practitioner"]),
        (b'{"resourceType": "Practitioner", "birthDate": "someday"}', {}, 400, ["birthDate"]),
        (b'{"resourceType": "Practitioner", "colour": "blue"}', {}, 400, ["colour"]),
        (b"", {}, 400, ["empty"]),
        (b"<Practitioner/>", {"content-type": "application/fhir+xml"}, 415, ["JSON only"]),
    ],
)
async def test_bad_bodies(
    net: MockNetwork, content: bytes, headers: dict[str, str], status: int, words: list[str]
) -> None:
    _outcome(
        await net.client.post(f"{BASE}/Practitioner", content=content, headers=headers),
        status,
        *words,
    )


async def test_profile_violation_is_422_with_the_validator_outcome(net: MockNetwork) -> None:
    body = regulator(national="810002673899")
    del body["active"]
    body["name"] = [{"given": ["Jules"]}]
    outcome = _outcome(
        await net.client.post(f"{BASE}/Practitioner", json=body), 422, "active", "family"
    )
    assert any(i["severity"] == "error" for i in outcome["issue"])
    assert (await net.client.get(f"{BASE}/Practitioner")).json()["total"] == 0  # nothing stored


async def test_ten_megabyte_body_is_413_and_the_server_keeps_serving(net: MockNetwork) -> None:
    big = b'{"resourceType": "Practitioner", "x": "' + b"a" * 10_000_000 + b'"}'
    _outcome(await net.client.post(f"{BASE}/Practitioner", content=big), 413, "exceeds")
    ok = await net.client.post(f"{BASE}/Practitioner", json=regulator(technical=UUID))
    assert ok.status_code == 201


async def test_put_needs_one_identifier(net: MockNetwork) -> None:
    _outcome(
        await net.client.put(f"{BASE}/Practitioner", json=regulator(technical=UUID)),
        400,
        "identifier",
    )
    _outcome(
        await net.client.put(
            f"{BASE}/Practitioner?identifier=nobar", json=regulator(technical=UUID)
        ),
        400,
        "system|value",
    )
    _outcome(await net.client.get(f"{BASE}/Practitioner?name=x"), 400, "name")
    xml = await net.client.post(f"{BASE}/Practitioner?_format=xml", json=regulator(technical=UUID))
    _outcome(xml, 406, "JSON only")
    ok = await net.client.post(
        f"{BASE}/Practitioner?_format=application/fhir%2Bjson", json=regulator(technical=UUID)
    )
    assert ok.status_code == 201
    _outcome(await net.client.get(f"{BASE}/Practitioner/unknown"), 404)


async def test_official_regulator_examples() -> None:
    names = [f"Practitioner-ExamplePractitionerRegul{i}.json" for i in (1, 2, 3, 4)]
    if not all((EXAMPLES / n).exists() for n in names):
        pytest.skip(f"../shared is absent: {EXAMPLES}")
    r1, r2, r3, r4 = (json.loads((EXAMPLES / n).read_text(encoding="utf-8")) for n in names)
    clock = FixedClock(NOW)
    async with MockNetwork.from_shards([sample_shard(clock)], clock=clock) as net:
        assert (await net.client.post(f"{BASE}/Practitioner", json=r1)).status_code == 201
        assert (await net.client.post(f"{BASE}/Practitioner", json=r4)).status_code == 201
        put = await net.client.put(f"{BASE}/Practitioner?identifier={IDNPS}|810002673899", json=r2)
        assert put.status_code == 201  # MARIUS unknown yet: upsert
        put = await net.client.put(f"{BASE}/Practitioner?identifier={IDNPS}|810002673899", json=r3)
        assert put.status_code == 200 and put.json()["active"] is False
        everyone = (await net.client.get(f"{BASE}/Practitioner")).json()
        assert everyone["total"] == 3
