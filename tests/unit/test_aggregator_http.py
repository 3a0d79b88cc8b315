"""The fan-out's HTTP plumbing: connection limits and the JSON reader (issue 4 §2, §8)."""

from __future__ import annotations

import json

import httpx
import pytest

from sasref.aggregator import FanOutClient, FanOutTransport, fanout_http_client
from sasref.aggregator.client import _loads


async def test_fanout_client_runs_on_the_fanout_transport() -> None:
    client = fanout_http_client(call_deadline=2.0)
    try:
        assert isinstance(client, FanOutClient)
        assert isinstance(client._transport, FanOutTransport)  # type: ignore[attr-defined]
        assert client.timeout.read == pytest.approx(3.0)  # the transport's, above the deadline
        assert client.trust_env is False
    finally:
        await client.aclose()


async def test_tls_options_with_an_injected_transport_are_refused() -> None:
    # they would be silently ignored by the injected transport
    with pytest.raises(ValueError, match="verify/cert"):
        fanout_http_client(transport=httpx.MockTransport(lambda r: httpx.Response(200)), cert="c")


def test_loads_reads_what_the_standard_library_reads() -> None:
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": 0, "é": "ü"}
    assert _loads(json.dumps(bundle).encode()) == bundle
    # orjson refuses these; the fallback keeps them readable as before
    assert _loads(json.dumps(bundle).encode("utf-16")) == bundle
    assert _loads(b'{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}


def test_loads_garbage_raises_value_error() -> None:
    with pytest.raises(ValueError):
        _loads(b"<html>oops</html>")
