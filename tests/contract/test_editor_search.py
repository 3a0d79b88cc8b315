"""Mock editor, search side: INT_R01, INT_R04, SOS, metadata and bad input (issue 3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest

from mocks.editor.sample import RPPS_A, RPPS_B, RPPS_C, SIRET_SOS, sample_shard
from mocks.testing import MockNetwork
from sasref.clock import PARIS, FixedClock
from sasref.profiles import has_errors, validate
from sasref.search import SlotQuery, walk_searchset

NOW = datetime(2024, 6, 12, 8, tzinfo=PARIS)
END = NOW + timedelta(hours=72)
BASE = "https://editeur-01.test/fhir"
FHIR_JSON = "application/fhir+json"


@pytest.fixture
async def net() -> AsyncIterator[MockNetwork]:
    clock = FixedClock(NOW)
    async with MockNetwork.from_shards([sample_shard(clock)], clock=clock) as network:
        yield network


def _outcome(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    text = " ".join(i.get("diagnostics", "") for i in body["issue"])
    for word in words:
        assert word in text


@pytest.mark.parametrize("use_case", ["ps", "cpts", "sos"])
async def test_each_search_returns_a_conformant_searchset(net: MockNetwork, use_case: str) -> None:
    ids = [SIRET_SOS] if use_case == "sos" else [RPPS_A, RPPS_B, RPPS_C]
    query = getattr(SlotQuery, use_case)(NOW, END, ids)
    response = await net.client.get(query.to_url(BASE))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    bundle = response.json()
    assert bundle["total"] > 0
    assert bundle["link"][0]["url"] == query.to_url(BASE)  # the self link echoes the request
    assert not has_errors(validate(bundle, mode="strict"))
    assert walk_searchset(bundle).problems == []


async def test_prefixed_and_unprefixed_ids_match_the_same_slots(net: MockNetwork) -> None:
    prefixed = SlotQuery.ps(NOW, END, [RPPS_A]).to_url(BASE)
    raw = prefixed.replace(f"%7C{RPPS_A}", f"|{RPPS_A[1:]}")
    a, b = (await net.client.get(prefixed)).json(), (await net.client.get(raw)).json()
    assert a["total"] == b["total"] > 0
    assert [e["fullUrl"] for e in a["entry"]] == [e["fullUrl"] for e in b["entry"]]


async def test_ig_text_forms_are_accepted(net: MockNetwork) -> None:
    # raw '+' (decoded to a space), raw '|', space after a comma, legacy Accept header
    url = (
        f"{BASE}/Slot?_include=Slot:schedule&_include:iterate=Schedule:actor"
        "&start=ge2024-06-12T08:00:00.000+02:00&start=le2024-06-15T08:00:00.000+02:00"
        f"&schedule.actor:Practitioner.identifier=urn:oid:1.2.250.1.71.4.2.1|{RPPS_A},%20"
        f"urn:oid:1.2.250.1.71.4.2.1|{RPPS_B}&status=free&_format=json&_count=1000"
    )
    response = await net.client.get(url, headers={"Accept": "application/json+fhir"})
    assert response.status_code == 200, response.text
    assert response.json()["total"] > 0


async def test_no_match_is_an_empty_bundle(net: MockNetwork) -> None:
    response = await net.client.get(SlotQuery.ps(NOW, END, ["810000000009"]).to_url(BASE))
    assert response.status_code == 200
    assert response.json()["total"] == 0 and "entry" not in response.json()


async def test_booked_slot_disappears(net: MockNetwork) -> None:
    url = SlotQuery.ps(NOW, END, [RPPS_C]).to_url(BASE)
    before = (await net.client.get(url)).json()
    slot_id = next(e["resource"]["id"] for e in before["entry"] if e["search"]["mode"] == "match")
    assert net.editor("editeur-01").state.book_slot(slot_id)
    assert not net.editor("editeur-01").state.book_slot(slot_id)
    after = (await net.client.get(url)).json()
    assert after["total"] == before["total"] - 1
    assert slot_id not in {e["resource"]["id"] for e in after["entry"]}


def _slot_url(**replace: str) -> str:
    url = SlotQuery.ps(NOW, END, [RPPS_A]).to_url(BASE)
    for old, new in replace.items():
        url = url.replace(old, new)
    return url


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (f"{BASE}/Slot?status=free", ["missing", "start"]),
        (_slot_url(**{"&status=free": ""}), ["status"]),
        (_slot_url(**{"start=ge2024-06-12": "start=ge2024-06-20"}), ["after"]),
        (_slot_url(**{"start=ge2024-06-12": "start=gt2024-06-12"}), ["prefix"]),
        (_slot_url(**{"start=ge2024-06-12T": "start=ge2024-06-1x"}), ["unreadable"]),
        (_slot_url(**{"Slot:schedule": "Slot:nowhere"}), ["_include", "Slot:nowhere"]),
        (_slot_url(**{"status=free": "status=free&family=MARTIN"}), ["family"]),
        (
            _slot_url(
                **{f"%7C{RPPS_A}": "%7C" + ",".join(f"8{10000000000 + i}" for i in range(26))}
            ),
            ["26 identifiers"],
        ),
    ],
)
async def test_bad_queries_get_a_400_outcome_naming_the_problem(
    net: MockNetwork, url: str, words: list[str]
) -> None:
    _outcome(await net.client.get(url), 400, *words)
    # the server keeps serving
    assert (await net.client.get(SlotQuery.ps(NOW, END, [RPPS_A]).to_url(BASE))).status_code == 200


async def test_sos_errors_and_wrong_resource(net: MockNetwork) -> None:
    sos = SlotQuery.sos(NOW, END, [SIRET_SOS]).to_url(BASE)
    _outcome(
        await net.client.get(sos.replace("Location:organization", "Location:partOf")),
        400,
        "Location:partOf",
    )
    _outcome(await net.client.get(sos.replace("/Schedule?", "/Slot?")), 400, "unsupported")


async def test_xml_only_accept_is_406_and_unknown_route_404(net: MockNetwork) -> None:
    url = SlotQuery.ps(NOW, END, [RPPS_A]).to_url(BASE)
    _outcome(await net.client.get(url, headers={"Accept": "application/fhir+xml"}), 406, "JSON")
    _outcome(await net.client.get(url + "&_format=xml"), 406, "_format")
    _outcome(await net.client.get(f"{BASE}/Encounter"), 404)
    _outcome(await net.client.delete(f"{BASE}/Slot"), 405)


async def test_metadata_describes_what_is_served(net: MockNetwork) -> None:
    response = await net.client.get(f"{BASE}/metadata")
    assert response.status_code == 200
    cs = response.json()
    assert cs["resourceType"] == "CapabilityStatement" and cs["kind"] == "instance"
    resources = {r["type"]: r for r in cs["rest"][0]["resource"]}
    assert set(resources) == {"Slot", "Schedule", "Practitioner"}
    assert "Slot:service-type-reference" in resources["Slot"]["searchInclude"]
    assert resources["Schedule"]["searchRevInclude"] == ["Slot:schedule"]
    assert resources["Practitioner"]["conditionalUpdate"] is True
    from sasref.fhir.models import parse_resource

    parse_resource(cs)  # base FHIR structure


async def test_a_ps_only_editor_refuses_cpts_and_sos() -> None:
    clock = FixedClock(NOW)
    shard = sample_shard(clock)
    from mocks.editor import EditorSettings

    settings = EditorSettings.from_shard(shard, clock=clock, use_cases=frozenset({"ps"}))
    async with MockNetwork([settings]) as network:
        ok = await network.client.get(SlotQuery.ps(NOW, END, [RPPS_A]).to_url(BASE))
        assert ok.status_code == 200
        _outcome(
            await network.client.get(SlotQuery.cpts(NOW, END, [RPPS_A]).to_url(BASE)), 400, "cpts"
        )
        _outcome(await network.client.get(SlotQuery.sos(NOW, END, [SIRET_SOS]).to_url(BASE)), 404)
        cs = (await network.client.get(f"{BASE}/metadata")).json()
        assert {r["type"] for r in cs["rest"][0]["resource"]} == {"Slot", "Practitioner"}
