"""Signed session cookies and CSRF tokens (sasref.auth.session)."""

from __future__ import annotations

from fastapi import Request, Response

from sasref.auth.session import SessionCookie, csrf_matches, new_csrf_token


def request_with(cookie: str | None) -> Request:
    headers = [(b"cookie", f"s={cookie}".encode())] if cookie is not None else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


def written(cookie: SessionCookie, data: dict[str, object]) -> str:
    response = Response()
    cookie.write(response, data)
    header = response.headers["set-cookie"]
    assert "HttpOnly" in header and "Secure" in header and "SameSite=lax" in header
    return header.split(";", 1)[0].split("=", 1)[1]


def test_round_trip_and_tampering() -> None:
    cookie = SessionCookie("k1", cookie_name="s", max_age=60)
    value = written(cookie, {"regulator": {"technical_id": "t"}, "csrf": "c"})
    assert cookie.read(request_with(value)) == {"regulator": {"technical_id": "t"}, "csrf": "c"}
    assert cookie.read(request_with(value[:-2] + "xx")) == {}
    assert cookie.read(request_with("garbage")) == {}
    assert cookie.read(request_with(None)) == {}


def test_a_cookie_signed_with_another_key_is_ignored() -> None:
    value = written(SessionCookie("other", cookie_name="s", max_age=60), {"csrf": "c"})
    assert SessionCookie("k1", cookie_name="s", max_age=60).read(request_with(value)) == {}


def test_csrf_matches() -> None:
    token = new_csrf_token()
    assert len(token) >= 32 and token != new_csrf_token()
    assert csrf_matches({"csrf": token}, token)
    assert not csrf_matches({"csrf": token}, token + "x")
    assert not csrf_matches({"csrf": token}, None)
    assert not csrf_matches({}, "")
    assert not csrf_matches({}, token)
