"""Drive the fake PSC login page without a browser (tests, notebooks): what a click would do."""

from __future__ import annotations

import re
from html import unescape

import httpx

__all__ = ["LoginPageError", "click_persona", "deny"]

_SESSION_CODE = re.compile(r'name="session_code" value="([^"]+)"')
_ACTION = re.compile(r'<form[^>]*method="post" action="([^"]+)"')


class LoginPageError(Exception):
    """The authorize request did not lead to a login page or a redirect."""


async def _login_form(http: httpx.AsyncClient, authorize_url: str) -> tuple[str, str] | str:
    response = await http.get(authorize_url)
    if response.status_code in (302, 303):
        return response.headers["location"]  # SSO: the PSC session answered directly
    if response.status_code != 200:
        raise LoginPageError(f"authorize answered {response.status_code}: {response.text[:200]}")
    code, action = _SESSION_CODE.search(response.text), _ACTION.search(response.text)
    if code is None or action is None:
        raise LoginPageError("no login form on the authorize page")
    return unescape(action.group(1)), unescape(code.group(1))


async def click_persona(
    http: httpx.AsyncClient,
    authorize_url: str,
    persona: str,
    extra: dict[str, str] | None = None,
) -> str:
    """Open ``authorize_url``, click ``persona``'s button (``"manual"`` + ``extra`` for the form);
    return the redirect URL (the RP's callback with ``code`` and ``state``, or an error)."""
    form = await _login_form(http, authorize_url)
    if isinstance(form, str):
        return form
    action, session_code = form
    data = {"session_code": session_code, "persona": persona, **(extra or {})}
    base = httpx.URL(authorize_url)
    response = await http.post(base.join(action), data=data)
    if response.status_code not in (302, 303):
        raise LoginPageError(f"login answered {response.status_code}: {response.text[:200]}")
    return response.headers["location"]


async def deny(http: httpx.AsyncClient, authorize_url: str) -> str:
    """Open ``authorize_url`` and click "Refuser"; return the redirect URL."""
    form = await _login_form(http, authorize_url)
    if isinstance(form, str):
        return form
    action, session_code = form
    response = await http.post(
        httpx.URL(authorize_url).join(action), data={"session_code": session_code, "action": "deny"}
    )
    return response.headers["location"]
