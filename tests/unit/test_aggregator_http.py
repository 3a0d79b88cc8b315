"""The fan-out's HTTP plumbing: connection limits and the JSON reader (issue 4 §2, §8)."""

from __future__ import annotations

import json

import pytest

from sasref.aggregator import FANOUT_LIMITS, fanout_http_client
from sasref.aggregator.client import _loads


async def test_fanout_client_does_not_queue_a_large_fleet() -> None:
    client = fanout_http_client(call_deadline=2.0)
    try:
        pool = client._transport._pool  # type: ignore[attr-defined]
        # httpx's default (100) would send the calls of a 200-editor search in two waves
        assert pool._max_connections is None or pool._max_connections >= 1000
        assert pool._max_keepalive_connections >= 200
        assert client.timeout.read == pytest.approx(3.0)
    finally:
        await client.aclose()
    assert FANOUT_LIMITS.max_connections is None


def test_loads_reads_what_the_standard_library_reads() -> None:
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": 0, "é": "ü"}
    assert _loads(json.dumps(bundle).encode()) == bundle
    # orjson refuses these; the fallback keeps them readable as before
    assert _loads(json.dumps(bundle).encode("utf-16")) == bundle
    assert _loads(b'{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}


def test_loads_garbage_raises_value_error() -> None:
    with pytest.raises(ValueError):
        _loads(b"<html>oops</html>")
