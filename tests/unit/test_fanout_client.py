"""FanOutClient: plain sends go straight to the transport, anything else is httpx's own send."""

from __future__ import annotations

import httpx
import pytest

from sasref.aggregator import FanOutClient, fanout_http_client


class _Recorder(httpx.AsyncBaseTransport):
    """Answers every request with a cookie and a body; ``/moved`` redirects to ``/here``."""

    def __init__(self, name: str = "main") -> None:
        self.name = name
        self.seen: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path == "/moved":
            return httpx.Response(302, headers={"location": "/here"})
        return httpx.Response(
            200,
            headers={"set-cookie": "track=1; Path=/", "x-served-by": self.name},
            content=b'{"resourceType": "Bundle"}',
        )


async def test_plain_send_reads_the_body_and_keeps_no_cookie() -> None:
    transport = _Recorder()
    async with fanout_http_client(transport=transport, call_deadline=2.0) as client:
        response = await client.get("https://editor.test/fhir/Slot?status=free")
        assert response.status_code == 200
        assert response.json() == {"resourceType": "Bundle"}
        assert response.request.url.path == "/fhir/Slot"
        assert not client.cookies  # httpx's own send would have stored "track"
        # the client's timeout is applied as httpx does (transport timeout above the deadline)
        assert transport.seen[0].extensions["timeout"]["read"] == pytest.approx(3.0)
    async with httpx.AsyncClient(transport=_Recorder()) as plain:
        await plain.get("https://editor.test/fhir/Slot")
        assert plain.cookies.get("track") == "1"  # the behaviour FanOutClient skips


async def test_redirects_are_not_followed_unless_asked() -> None:
    async with FanOutClient(transport=_Recorder()) as client:
        response = await client.get("https://editor.test/moved")
        assert response.status_code == 302  # an editor redirecting a search is an HTTP error
        followed = await client.get("https://editor.test/moved", follow_redirects=True)
        assert followed.status_code == 200 and followed.url.path == "/here"


async def test_streaming_auth_and_hooks_use_httpx_send() -> None:
    hooked: list[int] = []

    async def hook(response: httpx.Response) -> None:
        hooked.append(response.status_code)

    async with FanOutClient(transport=_Recorder(), event_hooks={"response": [hook]}) as client:
        await client.get("https://editor.test/fhir/Slot")
    assert hooked == [200]
    async with FanOutClient(transport=_Recorder()) as client:
        async with client.stream("GET", "https://editor.test/fhir/Slot") as response:
            assert await response.aread() == b'{"resourceType": "Bundle"}'
        assert client.cookies.get("track") == "1"  # went through httpx's own send
        response = await client.get("https://editor.test/x", auth=("user", "secret"))
        assert response.request.headers["authorization"].startswith("Basic ")


async def test_mounts_route_as_in_httpx() -> None:
    main, other = _Recorder("main"), _Recorder("other")
    mounts = {"https://other.test": other}
    async with FanOutClient(transport=main, mounts=mounts) as client:
        assert (await client.get("https://other.test/a")).headers["x-served-by"] == "other"
        assert (await client.get("https://editor.test/a")).headers["x-served-by"] == "main"


async def test_a_closed_client_refuses_to_send() -> None:
    client = FanOutClient(transport=_Recorder())
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.get("https://editor.test/fhir/Slot")
