"""Mock editor quirks (digest §13 traps) and faults, switched at runtime via /admin/behaviour."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from mocks.editor import Latency
from mocks.editor.sample import RPPS_A, RPPS_B, SIRET_SOS, sample_shard
from mocks.testing import MockNetwork
from sasref.clock import PARIS, FixedClock
from sasref.profiles import has_errors, validate
from sasref.search import SlotQuery, walk_searchset

NOW = datetime(2024, 6, 12, 8, tzinfo=PARIS)
END = NOW + timedelta(hours=72)
ROOT = "https://editeur-01.test"
BASE = f"{ROOT}/fhir"
PS_URL = SlotQuery.ps(NOW, END, [RPPS_A, RPPS_B]).to_url(BASE)
SOS_URL = SlotQuery.sos(NOW, END, [SIRET_SOS]).to_url(BASE)

Json = dict[str, Any]


@pytest.fixture
async def net() -> AsyncIterator[MockNetwork]:
    clock = FixedClock(NOW)
    async with MockNetwork.from_shards([sample_shard(clock)], clock=clock, seed=11) as network:
        yield network


async def _set(net: MockNetwork, patch: Json) -> Json:
    response = await net.client.put(f"{ROOT}/admin/behaviour", json=patch)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def _codes(net: MockNetwork, url: str = PS_URL) -> tuple[Json, set[str]]:
    response = await net.client.get(url)
    assert response.status_code == 200
    bundle: Json = response.json()
    return bundle, {p.code for p in walk_searchset(bundle).problems}


async def test_admin_behaviour_merges_and_validates(net: MockNetwork) -> None:
    body = await _set(net, {"quirks": {"wrong_total": True}})
    assert body["quirks"]["wrong_total"] is True and body["quirks"]["unprefixed_ids"] is False
    body = await _set(net, {"faults": {"latency": {"kind": "fixed", "ms": 5}}})
    assert body["quirks"]["wrong_total"] is True  # earlier change kept
    assert (await net.client.get(f"{ROOT}/admin/behaviour")).json() == body
    bad = await net.client.put(f"{ROOT}/admin/behaviour", json={"quirks": {"nonsense": True}})
    assert bad.status_code == 422 and bad.json()["resourceType"] == "OperationOutcome"
    bad = await net.client.put(f"{ROOT}/admin/behaviour", json={"faults": {"error_rate": 2}})
    assert bad.status_code == 422
    assert (await net.client.get(f"{ROOT}/admin/behaviour")).json() == body  # unchanged


async def test_quirks_off_means_no_problem(net: MockNetwork) -> None:
    bundle, codes = await _codes(net)
    assert codes == set() and not has_errors(validate(bundle, mode="strict"))


async def test_unprefixed_ids_quirk(net: MockNetwork) -> None:
    await _set(net, {"quirks": {"unprefixed_ids": True}})
    bundle, codes = await _codes(net)
    practitioner = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Practitioner"
    )
    assert practitioner["identifier"][0]["value"] in (RPPS_A[1:], RPPS_B[1:])
    assert "unprefixed-identifier" in codes
    assert set(walk_searchset(bundle).practitioners) == {RPPS_A, RPPS_B}  # still readable


async def test_text_only_specialities_quirk(net: MockNetwork) -> None:
    await _set(net, {"quirks": {"text_only_specialities": True}})
    bundle, codes = await _codes(net)
    slot = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Slot")
    assert slot["specialty"] and all(set(s) == {"text"} for s in slot["specialty"])
    assert codes == {"text-only-specialty"}
    assert has_errors(validate(bundle, mode="strict"))  # the required binding breaks


async def test_raw_plus_offsets_quirk(net: MockNetwork) -> None:
    await _set(net, {"quirks": {"raw_plus_offsets": True}})
    bundle, codes = await _codes(net)
    assert "+02:00" in bundle["link"][0]["url"] and "%2B" not in bundle["link"][0]["url"]
    slot = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Slot")
    assert slot["start"].endswith(" 02:00")
    assert codes == {"raw-plus-offset"}


async def test_missing_search_mode_quirk(net: MockNetwork) -> None:
    await _set(net, {"quirks": {"missing_search_mode": True}})
    bundle, codes = await _codes(net)
    assert all(
        "search" not in e for e in bundle["entry"] if e["resource"]["resourceType"] != "Slot"
    )
    assert codes == {"missing-search-mode"}


async def test_wrong_total_quirk(net: MockNetwork) -> None:
    await _set(net, {"quirks": {"wrong_total": True}})
    bundle, codes = await _codes(net)
    assert bundle["total"] == len(bundle["entry"]) and codes == {"wrong-total"}
    sos, codes = await _codes(net, SOS_URL)
    assert sos["total"] == sum(1 for e in sos["entry"] if e["resource"]["resourceType"] == "Slot")
    assert codes == {"wrong-total"}


@pytest.mark.parametrize(("status", "code"), [(500, "exception"), (503, "transient")])
async def test_error_fault(net: MockNetwork, status: int, code: str) -> None:
    await _set(net, {"faults": {"error_rate": 1.0, "error_statuses": [status]}})
    response = await net.client.get(PS_URL)
    assert response.status_code == status
    assert response.json()["issue"][0]["code"] == code
    assert (status == 503) == ("retry-after" in response.headers)
    await _set(net, {"faults": {"error_rate": 0.0}})
    assert (await net.client.get(PS_URL)).status_code == 200


async def test_hang_fault_is_cancellable(net: MockNetwork) -> None:
    await _set(net, {"faults": {"hang_rate": 1.0, "hang_seconds": 3600}})
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(net.client.get(PS_URL), timeout=0.3)
    await _set(net, {"faults": {"hang_rate": 0.0}})
    assert (await net.client.get(PS_URL)).status_code == 200


async def test_malformed_json_fault(net: MockNetwork) -> None:
    await _set(net, {"faults": {"malformed_json_rate": 1.0}})
    response = await net.client.get(PS_URL)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


async def test_invalid_fhir_fault(net: MockNetwork) -> None:
    await _set(net, {"faults": {"invalid_fhir_rate": 1.0}})
    for url in (PS_URL, SOS_URL, SlotQuery.ps(NOW, END, ["810000000009"]).to_url(BASE)):
        bundle = (await net.client.get(url)).json()
        assert has_errors(validate(bundle, mode="strict"))


async def test_wrong_content_type_fault(net: MockNetwork) -> None:
    await _set(net, {"faults": {"wrong_content_type_rate": 1.0}})
    response = await net.client.get(PS_URL)
    assert response.headers["content-type"].startswith("text/html")
    assert response.json()["resourceType"] == "Bundle"


async def test_latency_fault_sleeps_the_drawn_delay(
    net: MockNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def fake_sleep(delay: float) -> None:
        slept.append(delay)
        await real_sleep(0)

    monkeypatch.setattr("mocks.editor.http.asyncio.sleep", fake_sleep)
    await _set(net, {"faults": {"latency": {"kind": "fixed", "ms": 250}}})
    assert (await net.client.get(PS_URL)).status_code == 200
    assert slept == [0.25]


def test_latency_distributions_are_seeded() -> None:
    assert Latency(kind="fixed", ms=40).draw(random.Random(1)) == 0.04
    uniform = [
        Latency(kind="uniform", low_ms=10, high_ms=20).draw(random.Random(i)) for i in range(50)
    ]
    assert all(0.01 <= d <= 0.02 for d in uniform)
    lognormal = Latency(kind="lognormal", median_ms=100, sigma=0.5)
    assert [lognormal.draw(random.Random(3)) for _ in range(3)] == [
        lognormal.draw(random.Random(3)) for _ in range(3)
    ]
    assert Latency().draw(random.Random(0)) == 0.0


async def test_error_rate_is_deterministic_per_seed() -> None:
    async def statuses() -> list[int]:
        clock = FixedClock(NOW)
        async with MockNetwork.from_shards([sample_shard(clock)], clock=clock, seed=4) as network:
            await network.client.put(
                f"{ROOT}/admin/behaviour", json={"faults": {"error_rate": 0.5}}
            )
            return [(await network.client.get(PS_URL)).status_code for _ in range(12)]

    first, second = await statuses(), await statuses()
    assert first == second and {200} < set(first)
