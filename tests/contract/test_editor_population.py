"""With quirks and faults off, every answer of every editor of the seeded fleet passes the SAS
profiles in strict mode (issue 3 §3), for several seeds, in batches of 25 identifiers."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from mocks.testing import mock_network
from sasref.clock import PARIS, FixedClock
from sasref.profiles import has_errors, issues_table, validate
from sasref.search import SlotQuery, walk_searchset

NOW = datetime(2024, 6, 12, 7, 30, tzinfo=PARIS)


def _batches(ids: list[str], size: int = 25) -> list[list[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_every_answer_of_the_fleet_is_strictly_conformant(seed: int) -> None:
    clock = FixedClock(NOW)
    async with mock_network(seed, editors=8, practitioners=400, clock=clock) as net:
        start, end = net.population.window()
        checked = {"ps": 0, "cpts": 0, "sos": 0}
        for handle in net.editors.values():
            shard = net.population.by_editor(handle.name)
            queries: list[SlotQuery] = []
            ids = [p.id for p in shard.practitioners]
            for use_case in ("ps", "cpts"):
                if use_case in handle.settings.use_cases:
                    queries += [getattr(SlotQuery, use_case)(start, end, b) for b in _batches(ids)]
            if "sos" in handle.settings.use_cases:
                sirets = [a.siret for a in shard.sos]
                queries += [SlotQuery.sos(start, end, b) for b in _batches(sirets)]
            for query in queries:
                response = await net.client.get(query.to_url(handle.base_url))
                assert response.status_code == 200, response.text
                bundle = response.json()
                outcome = validate(bundle, mode="strict")
                assert not has_errors(outcome), (handle.name, issues_table(outcome)[:5])
                graph = walk_searchset(bundle)
                assert graph.problems == [], graph.problems[:3]
                checked[query.use_case] += bundle["total"] > 0
        # the fleet exercises every use case with non-empty answers
        assert all(checked.values()), checked


async def test_an_editor_answers_only_for_its_own_practitioners() -> None:
    clock = FixedClock(NOW)
    async with mock_network(5, editors=4, practitioners=200, clock=clock) as net:
        start, end = net.population.window()
        handles = [h for h in net.editors.values() if "ps" in h.settings.use_cases]
        mine = [p.id for p in net.population.by_editor(handles[0].name).practitioners][:25]
        other = handles[1]
        response = await net.client.get(SlotQuery.ps(start, end, mine).to_url(other.base_url))
        assert response.status_code == 200 and response.json()["total"] == 0


async def test_mock_network_builds_editors_lazily() -> None:
    clock = FixedClock(NOW)
    async with mock_network(2, editors=5, practitioners=100, clock=clock) as net:
        assert len(net.editors) == 5 and not any(h.built for h in net.editors.values())
        first = next(iter(net.editors.values()))
        response = await net.client.get(f"{first.base_url}/metadata")
        assert response.status_code == 200
        assert [h.built for h in net.editors.values()] == [True, False, False, False, False]
        with pytest.raises(httpx.ConnectError, match="not in the mock network"):
            await net.client.get("https://nowhere.test/fhir/metadata")
